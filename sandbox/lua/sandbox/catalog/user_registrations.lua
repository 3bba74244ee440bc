-- sandbox.catalog.user_registrations: the doc's User registrations (the id is the canvas_user_id).
-- Decisions where the doc is silent: sandbox/lua/sandbox/catalog/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.catalog.lib"
local S = lib.S

local type, pairs, ipairs = type, pairs, ipairs

---------------------------------------------------------------------------
-- User registrations (the id is the canvas_user_id)
---------------------------------------------------------------------------

local function registrations_sorted(pred)
  local ids = {}
  for id, r in pairs(S.registrations) do
    if pred == nil or pred(r) then ids[#ids + 1] = id end
  end
  table.sort(ids)
  local out = {}
  for i, id in ipairs(ids) do out[i] = S.registrations[id] end
  return out
end

local function create_registration(req)
  local body = lib.read_body(req)
  if not body then return end
  -- the doc lists the params without a root key but its example body
  -- uses {"user_registration": {...}}: accept both forms
  local p = body
  if type(body.user_registration) == "table" then p = body.user_registration end
  local errs = C.new_errors()
  local name = lib.required_string(errs, p, "name")
  local email = lib.str_value(p.email)
  if C.is_blank(p.email) then
    errs.add("email", "can't be blank")
  elseif not email or not email:match("^[^@%s]+@[^@%s]+$") then
    errs.add("email", "is invalid")
  else
    local lower = email:lower()
    for _, r in pairs(S.registrations) do
      if r.email:lower() == lower then
        errs.add("email", "has already been taken")
        break
      end
    end
  end
  local catalog_id = 1
  if not C.is_blank(p.catalog_id) then
    catalog_id = C.to_int(p.catalog_id)
    if not catalog_id or not S.catalogs[catalog_id] then
      errs.add("catalog_id", "is invalid")
    end
  end
  local custom = p.custom_fields
  if C.is_null(custom) then
    custom = nil
  elseif type(custom) ~= "table" then
    errs.add("custom_fields", "is invalid")
  end
  if errs.any() then return C.unprocessable(errs) end
  local id = lib.next_id("next_user")
  local ts = lib.now()
  local r = {
    canvas_user_id = id, catalog_id = catalog_id, name = name, email = email,
    custom_fields = custom, created_at = ts, updated_at = ts,
  }
  S.registrations[id] = r
  return C.reply(201, lib.one("user_registration", lib.registration_json(r)))
end

local function list_registrations(req)
  local range = lib.date_filters(req)
  if not range then return end
  local items = registrations_sorted(function(r) return lib.in_range(r.created_at, range) end)
  return lib.index(req, "user_registrations", items, lib.registration_json)
end

return {
  routes = {
    collection = { GET = list_registrations, POST = create_registration },
    member = { GET = lib.show("registrations", "user_registration", lib.registration_json) },
  },
}
