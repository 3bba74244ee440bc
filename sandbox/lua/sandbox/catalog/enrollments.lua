-- sandbox.catalog.enrollments: the doc's Enrollments resource.
-- Decisions where the doc is silent: sandbox/lua/sandbox/catalog/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.catalog.lib"
local S = lib.S
local Orders = require "sandbox.catalog.orders"

local pairs = pairs
local create_order_for = Orders.create_order_for

---------------------------------------------------------------------------
-- Enrollments
---------------------------------------------------------------------------

local function create_enrollment(req)
  local body, p = lib.body_params(req, "enrollment")
  if not body then return end
  local errs = C.new_errors()
  local listing_id = lib.listing_id(errs, p)
  local user_id
  if C.is_blank(p.canvas_user_id) then
    errs.add("canvas_user_id", "can't be blank")
  else
    user_id = C.to_int(p.canvas_user_id)
    if not user_id then errs.add("canvas_user_id", "is not a number") end
  end
  local create_order = lib.optional_bool(errs, body.create_order, "create_order", false)
  if listing_id and user_id and not errs.any() then
    for _, e in pairs(S.enrollments) do
      if e.listing_id == listing_id and e.canvas_user_id == user_id and e.status == "active" then
        errs.add("canvas_user_id", "is already enrolled in this listing")
        break
      end
    end
  end
  if errs.any() then return C.unprocessable(errs) end
  local l = S.listings[listing_id]
  local id = lib.next_id("next_enrollment")
  local e = {
    id = id, listing_id = listing_id, canvas_user_id = user_id,
    listing_snapshot = { title = l.title, type = l.type, canvas_course_id = l.canvas_course_id },
    enrolled_at = lib.now(), status = "active",
  }
  S.enrollments[id] = e
  if create_order then create_order_for(user_id, l) end
  return C.reply(201, lib.one("enrollment", lib.enrollment_json(e)))
end

local function list_enrollments(req)
  local lid = lib.int_filter(req.args, "listing_id")
  local items = C.in_id_order(S.enrollments, S.next_enrollment, function(e)
    return lid == nil or e.listing_id == lid
  end)
  return lib.index(req, "enrollments", items, lib.enrollment_json)
end

return {
  routes = {
    collection = { GET = list_enrollments, POST = create_enrollment },
    member = { GET = lib.show("enrollments", "enrollment", lib.enrollment_json) },
  },
}
