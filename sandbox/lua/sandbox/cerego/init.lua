-- sandbox.cerego: stateful simulator of the Cerego API v3: routing and the control API.
-- (vendor doc: shared/vendor-docs/cerego-v3.md; one file per doc section in this
-- folder; decisions: DECISIONS.md).  Mounted by the router under /cerego.

local C = require "sandbox.common"
local lib = require "sandbox.cerego.lib"
local S = lib.S
local CoursesRead = require "sandbox.cerego.courses_read"
local CoursesWrite = require "sandbox.cerego.courses_write"
local Images = require "sandbox.cerego.images"
local Echo = require "sandbox.cerego.echo"

local ngx = ngx
local type, tostring = type, tostring
local list_courses = CoursesRead.list_courses
local create_course, delete_course = CoursesWrite.create_course, CoursesWrite.delete_course
local show_course, update_course = CoursesWrite.show_course, CoursesWrite.update_course
local show_image = Images.show_image
local echo = Echo.echo

---------------------------------------------------------------------------
-- Routing
---------------------------------------------------------------------------

local ROUTES = {
  courses = {
    collection = { GET = list_courses, POST = create_course },
    member = { GET = show_course, PUT = update_course, PATCH = update_course,
               DELETE = delete_course },
  },
  images = {
    member = { GET = show_image },
  },
}

local METHOD_ORDER = { "GET", "POST", "PUT", "PATCH", "DELETE" }


local function authorized()
  local h = ngx.req.get_headers()["authorization"]
  if type(h) ~= "string" then return false end
  local scheme, token = h:match("^%s*(%S+)%s+(%S+)%s*$")
  return scheme ~= nil and scheme:lower() == "bearer" and token == lib.M.TOKEN
end

function lib.M.handle(req)
  local segs = req.segs
  local method = req.method
  if method == "HEAD" then method = "GET" end
  if segs[1] ~= "api" then return lib.not_found() end
  if segs[2] == "echo" and #segs == 2 then
    if method ~= "POST" then return lib.method_not_allowed({ "POST" }) end
    return echo(req)
  end
  if segs[2] ~= "v3" or #segs < 3 or #segs > 4 then return lib.not_found() end
  local route = ROUTES[segs[3]]
  if not route then return lib.not_found() end
  local handlers = (#segs == 3) and route.collection or route.member
  if not handlers then return lib.not_found() end
  local fn = handlers[method]
  if not fn then return lib.method_not_allowed(C.allowed(handlers, METHOD_ORDER)) end
  if not authorized() then
    return lib.jsonapi_error(401, "A valid bearer token is required (Authorization: Bearer <token>)",
      { ["WWW-Authenticate"] = 'Bearer realm="Cerego"' })
  end
  return fn(req, segs[4])
end

---------------------------------------------------------------------------
-- Control API: /_sandbox/cerego/...
---------------------------------------------------------------------------

function lib.M.control(req, rest)
  if rest[1] == "seed" and #rest == 1 then
    if req.method ~= "POST" then return C.method_not_allowed({ "POST" }) end
    -- JSON whatever the Content-Type (curl -d sends a form type)
    local raw = C.raw_body(req)
    local body
    if raw and raw:match("^%s*{") then
      body = C.decode(raw)
      if type(body) ~= "table" then return C.invalid_json() end
    else
      body = C.body(req)
      if not body then return C.invalid_json() end
    end
    local n = C.to_int(body.courses or 0)
    if not n or n < 0 or n > lib.M.MAX_SEED then
      return C.error(400, "courses must be an integer between 0 and " .. lib.M.MAX_SEED)
    end
    local partner = C.to_int(body.partner_id or 10)
    if not partner or partner < 1 then return C.error(400, "partner_id must be an integer >= 1") end
    local t = lib.now()
    local first_id, last_id
    for i = 1, n do
      local id = S.next_id
      local slug = "seed-course-" .. id
      if S.slugs[slug] then slug = slug .. "-" .. i end
      lib.add_course {
        id = id, name = "Seed course " .. i, description = "Seeded course " .. i,
        slug = slug, partner_id = partner, image_id = nil,
        state = "published", created_at = t, role = "instructor",
      }
      first_id = first_id or tostring(id)
      last_id = tostring(id)
    end
    return C.reply(200, C.ordered({ "ok", "count", "first_id", "last_id" },
      { ok = true, count = n, first_id = first_id, last_id = last_id }))
  end
  return C.not_found()
end

return lib.M
