-- sandbox.catalog: stateful simulator of the Canvas Catalog API v1: routing and the control API.
-- (vendor doc: shared/vendor-docs/canvas-catalog-v1.txt; one file per doc resource
-- in this folder; decisions: DECISIONS.md).  Mounted by the router under /catalog.

local C = require "sandbox.common"
local lib = require "sandbox.catalog.lib"
local Listings = require "sandbox.catalog.listings"
local Catalogs = require "sandbox.catalog.catalogs"
local Certificates = require "sandbox.catalog.certificates"
local Orders = require "sandbox.catalog.orders"
local Enrollments = require "sandbox.catalog.enrollments"
local UserRegistrations = require "sandbox.catalog.user_registrations"
local Applicants = require "sandbox.catalog.applicants"

local ngx = ngx
local type = type

---------------------------------------------------------------------------
-- Routing
---------------------------------------------------------------------------

-- resource -> { collection = {METHOD = fn}, member = {METHOD = fn(req, id)} }:
-- each resource's file gives its own
local ROUTES = {
  catalogs = Catalogs.routes,
  certificates = Certificates.routes,
  courses = Listings.courses,
  enrollments = Enrollments.routes,
  orders = Orders.routes,
  programs = Listings.programs,
  user_registrations = UserRegistrations.routes,
  applicants = Applicants.routes,
}

local METHOD_ORDER = { "GET", "POST", "PUT", "DELETE" }


-- "Token token="..."" (the documented form) -> token, else nil
local function parse_token(h)
  if type(h) ~= "string" then return nil end
  return h:match('^%s*Token%s+token="([^"]*)"%s*$')
end

local function authorized()
  return parse_token(ngx.req.get_headers()["authorization"]) == lib.M.TOKEN
end

-- req.segs: decoded path segments below the /catalog prefix.
function lib.M.handle(req)
  local segs = req.segs
  if segs[1] ~= "api" or segs[2] ~= "v1" or #segs < 3 or #segs > 4 then
    return C.not_found()
  end
  local route = ROUTES[segs[3]]
  if not route then return C.not_found() end
  local method = req.method
  if method == "HEAD" then method = "GET" end
  local handlers, id
  if #segs == 3 then
    handlers = route.collection
  else
    handlers = route.member
    if not handlers then return C.not_found() end
    local raw = segs[4]
    if raw:match("^%d+$") and #raw < 16 then id = tonumber(raw) end
  end
  if not handlers then return C.not_found() end
  local fn = handlers[method]
  if not fn then return C.method_not_allowed(C.allowed(handlers, METHOD_ORDER)) end
  if not authorized() then
    return C.error(401, "Invalid API token")
  end
  if #segs == 4 and not id then return C.not_found() end
  return fn(req, id)
end

---------------------------------------------------------------------------
-- Control API: /_sandbox/catalog/...
---------------------------------------------------------------------------

lib.M.MAX_SEED = 100000

function lib.M.control(req, rest)
  if rest[1] == "seed" and #rest == 1 then
    if req.method ~= "POST" then return C.method_not_allowed({ "POST" }) end
    local body = C.body(req)
    if not body then return C.invalid_json() end
    local n = C.to_int(body.courses or 0)
    if not n or n < 0 or n > lib.M.MAX_SEED then
      return C.error(400, "courses must be an integer between 0 and " .. lib.M.MAX_SEED)
    end
    local first_id, last_id
    for i = 1, n do
      local l = lib.new_listing("Course", {
        title = "Seed course " .. i,
        description = "Seeded course " .. i,
        path = "seed-course-" .. i,
        teaser = "Seed teaser " .. i,
        credits = 1,
      })
      l.canvas_course_id = 100000 + l.id
      first_id = first_id or l.id
      last_id = l.id
    end
    return C.reply(200, C.ordered({ "ok", "count", "first_id", "last_id" }, {
      ok = true, count = n, first_id = first_id, last_id = last_id,
    }))
  end
  return C.not_found()
end

return lib.M
