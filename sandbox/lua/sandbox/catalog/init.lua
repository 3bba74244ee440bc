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
local courses, programs = Listings.courses, Listings.programs
local list_catalogs = Catalogs.list_catalogs
local create_certificate = Certificates.create_certificate
local list_orders, show_order = Orders.list_orders, Orders.show_order
local create_enrollment, list_enrollments = Enrollments.create_enrollment, Enrollments.list_enrollments
local show_enrollment = Enrollments.show_enrollment
local create_registration = UserRegistrations.create_registration
local list_registrations = UserRegistrations.list_registrations
local show_registration = UserRegistrations.show_registration
local list_applicants, show_applicant = Applicants.list_applicants, Applicants.show_applicant

---------------------------------------------------------------------------
-- Routing
---------------------------------------------------------------------------

-- resource -> { collection = {METHOD = fn}, member = {METHOD = fn(req, id)} }
local ROUTES = {
  catalogs = { collection = { GET = list_catalogs } },
  certificates = { collection = { POST = create_certificate } },
  courses = {
    collection = { GET = courses.list, POST = courses.create },
    member = { GET = courses.show, PUT = courses.update, DELETE = courses.destroy },
  },
  enrollments = {
    collection = { GET = list_enrollments, POST = create_enrollment },
    member = { GET = show_enrollment },
  },
  orders = {
    collection = { GET = list_orders },
    member = { GET = show_order },
  },
  programs = {
    collection = { GET = programs.list, POST = programs.create },
    member = { GET = programs.show, PUT = programs.update, DELETE = programs.destroy },
  },
  user_registrations = {
    collection = { GET = list_registrations, POST = create_registration },
    member = { GET = show_registration },
  },
  applicants = {
    collection = { GET = list_applicants },
    member = { GET = show_applicant },
  },
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
