-- sandbox.catalog.orders: the doc's Orders resource.
-- Decisions where the doc is silent: sandbox/lua/sandbox/catalog/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.catalog.lib"
local S = lib.S

local type, ipairs = type, ipairs
local format = string.format

---------------------------------------------------------------------------
-- Orders
---------------------------------------------------------------------------

local function user_info(canvas_user_id)
  local r = S.registrations[canvas_user_id]
  if r then return { id = canvas_user_id, name = r.name, email = r.email } end
  return { id = canvas_user_id }
end

local function create_order_for(canvas_user_id, l)
  local id = lib.next_id("next_order")
  local ts = lib.now()
  local fee = l.enrollment_fee or 0
  local payments = {}
  if fee > 0 then
    payments[1] = { reference_id = format("sandbox-%d", id), status = "success", amount = fee }
  end
  S.orders[id] = {
    id = id, catalog_id = l.account_id or 1,
    user = user_info(canvas_user_id),
    listings = { {
      id = l.id, canvas_course_id = (l.type == "Course") and l.canvas_course_id or nil,
      title = l.title, amount = fee,
    } },
    promotions = {}, payments = payments, total = fee,
    purchased_at = ts, created_at = ts,
  }
  return S.orders[id]
end

local function user_id_filter(v)
  if v == nil then return nil end
  local set, any = {}, false
  local list = (type(v) == "table") and v or { v }
  for _, x in ipairs(list) do
    if type(x) == "string" then
      for part in x:gmatch("[^,]+") do
        local n = C.to_int(part)
        if n then set[n] = true end
        any = true
      end
    end
  end
  if not any then return nil end
  return set
end

local function list_orders(req)
  local range = lib.date_filters(req)
  if not range then return end
  local users = user_id_filter(req.args.canvas_user_id)
  local completed = C.scalar_arg(req.args.completed)
  local only_completed = completed ~= nil and C.to_bool(completed) ~= false
  local items = C.in_id_order(S.orders, S.next_order, function(o)
    if not lib.in_range(o.created_at, range) then return false end
    if users and not users[o.user.id] then return false end
    if only_completed and o.purchased_at == nil then return false end
    return true
  end)
  return lib.index(req, "orders", items, lib.order_json)
end

return {
  create_order_for = create_order_for,
  routes = {
    collection = { GET = list_orders },
    member = { GET = lib.show("orders", "order", lib.order_json) },
  },
}
