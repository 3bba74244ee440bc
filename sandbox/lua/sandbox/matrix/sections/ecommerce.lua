-- sandbox.matrix.sections.ecommerce: the doc's "Ecommerce" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def
local Courses = require "sandbox.matrix.sections.courses"

local ipairs = ipairs
local time_arg = Courses.time_arg

---------------------------------------------------------------------------
-- Ecommerce
---------------------------------------------------------------------------

K.ORDER_KEYS = {
  "id", "user_id", "user_name", "organization_id", "checkout_at", "currency", "bulk_discount", "coupon_codes",
  "items", "total", "total_without_bulk_discount", "verified_at",
}
K.ITEM_KEYS_1 = {
  "id", "quantity", "unit_cost", "used", "item_id", "item_type", "item_name", "discount_type", "discount",
  "coupon_id",
}
K.ITEM_KEYS_2 = { "total_cost", "total_cost_without_discount", "organization_id", "organization_name" }

local function item_json(it)
  local keys = lib.append_keys(K.ITEM_KEYS_1, nil)
  local v = {}
  for _, k in ipairs(K.ITEM_KEYS_1) do v[k] = it[k] end
  if it.item_type == "Bundle" then
    keys[#keys + 1] = "items"
    v.items = lib.map_array(it.items or {}, item_json)
  end
  keys = lib.append_keys(keys, K.ITEM_KEYS_2)
  for _, k in ipairs(K.ITEM_KEYS_2) do v[k] = it[k] end
  local org = it.organization_id and S.orgs[it.organization_id]
  v.organization_name = org and org.name or nil
  local c = it.item_type == "Class" and S.classes[it.item_id]
  if c then
    for _, f in ipairs(S.class_fields) do
      keys[#keys + 1] = f
      v[f] = c.custom[f]
    end
  end
  return C.ordered(keys, v)
end

local function order_json(o)
  local u = S.users[o.user_id]
  local total, without = 0, 0
  for _, it in ipairs(o.items) do
    total = total + (it.total_cost or 0)
    without = without + (it.total_cost or 0)
  end
  total = lib.round2(total - (o.bulk_discount or 0))
  local keys = K.ORDER_KEYS
  local v = {
    id = o.id, user_id = o.user_id, user_name = u and (u.first_name .. " " .. u.last_name) or nil,
    organization_id = u and u.organization_id or nil, checkout_at = lib.iso_time(o.checkout_at),
    currency = o.currency, bulk_discount = o.bulk_discount, coupon_codes = lib.id_array(o.coupon_codes),
    items = lib.map_array(o.items, item_json), total = total, total_without_bulk_discount = lib.round2(without),
    verified_at = lib.iso_time(o.verified_at),
  }
  if o.affiliate then
    keys = lib.append_keys(K.ORDER_KEYS, { "affiliate" })
    local a = o.affiliate
    v.affiliate = C.ordered({ "id", "name", "email", "organization_id", "organization_name" }, {
      id = a.id, name = a.name, email = a.email, organization_id = a.organization_id,
      organization_name = a.organization_name,
    })
  end
  return C.ordered(keys, v)
end

def("Ecommerce", "get_all_orders", { "page" }, function(ctx)
  return lib.page_of(ctx, lib.sorted_values(S.orders), order_json)
end, K.PAGED)

def("Ecommerce", "get_orders_with_ids", { "order_ids", "page" }, function(ctx)
  return lib.page_of(ctx, lib.list_in(ctx, "order_ids", S.orders, "order"), order_json)
end, K.PAGED)

def("Ecommerce", "get_orders_for_organization", { "organization_id", "page" }, function(ctx)
  local org = lib.need_in(ctx, "organization_id", S.orgs, "organization")
  return lib.page_of(ctx, lib.sorted_values(S.orders, function(o)
    local u = S.users[o.user_id]
    return u ~= nil and u.organization_id == org.id
  end), order_json)
end, K.PAGED)

def("Ecommerce", "get_orders_for_user", { "user_id", "page" }, function(ctx)
  local u = lib.need_user(ctx)
  return lib.page_of(ctx, lib.sorted_values(S.orders, function(o) return o.user_id == u.id end), order_json)
end, K.PAGED)

def("Ecommerce", "get_orders_that_match", { "status", "date" }, function(ctx)
  local status = lib.one_of(lib.arg_str(ctx, "status", true), { "complete", "incomplete" }, "status")
  local after = time_arg(ctx, "date")
  if not after then lib.fail("Missing required argument: date") end
  return lib.map_array(lib.sorted_values(S.orders, function(o)
    local complete = o.checkout_at ~= nil
    return (status == "complete") == complete and o.created_at > after
  end), order_json)
end)

return true
