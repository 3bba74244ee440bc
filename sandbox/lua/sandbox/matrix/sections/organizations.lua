-- sandbox.matrix.sections.organizations: the doc's "Organizations" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local B = require "sandbox.matrix.base"
local ST = require "sandbox.matrix.state"
local V = require "sandbox.matrix.views"
local R = require "sandbox.matrix.registry"
local Users = require "sandbox.matrix.sections.users"
local Courses = require "sandbox.matrix.sections.courses"

local type, pairs, ipairs = type, pairs, ipairs
local arg_attrs, bool_of, fail, is_blank, map_array = B.arg_attrs, B.bool_of, B.fail, B.is_blank, B.map_array
local one_of, page_of, scalar, sorted_keys = B.one_of, B.page_of, B.scalar, B.sorted_keys
local sorted_values, to_int_or_fail = B.sorted_values, B.to_int_or_fail
local K, S, next_id = ST.K, ST.S, ST.next_id
local find_user, list_in, need_in, org_json = V.find_user, V.list_in, V.need_in, V.org_json
local def = R.def
local CLEAR, val = Users.CLEAR, Users.val
local tab_list = Courses.tab_list

---------------------------------------------------------------------------
-- Organizations
---------------------------------------------------------------------------

-- Generic attribute parser: spec = { name = "string"|"bool"|..., ... }
local function parse_simple_attrs(attrs, spec, what)
  local ch = {}
  for _, k in ipairs(sorted_keys(attrs)) do
    local kind = spec[k]
    if not kind then fail("Unknown " .. what .. " attribute: " .. k) end
    local raw = attrs[k]
    if type(kind) == "table" then
      if kind.tabs then
        ch[k] = tab_list(raw, k, kind.tabs)
      else
        local s = scalar(raw, k)
        if is_blank(s) then ch[k] = CLEAR else ch[k] = one_of(s, kind, k) end
      end
    elseif kind == "bool" then
      ch[k] = bool_of(raw, k, false)
    elseif kind == "user" then
      local s = scalar(raw, k)
      if is_blank(s) then ch[k] = CLEAR else ch[k] = find_user(to_int_or_fail(s, k)).id end
    else
      local s = scalar(raw, k)
      if k == "name" and is_blank(s) then fail("name cannot be blank") end
      ch[k] = is_blank(s) and CLEAR or s
    end
  end
  return ch
end

local function apply_simple(x, ch)
  for k, v in pairs(ch) do x[k] = val(v) end
end

local ORG_ATTRS = { name = "string", description = "string", internal = "bool", picture = "string" }

def("Organizations", "get_all_organizations", { "page" }, function(ctx)
  return page_of(ctx, sorted_values(S.orgs), org_json)
end, K.PAGED_STATEFUL)

def("Organizations", "get_organizations_with_ids", { "organization_ids" }, function(ctx)
  return map_array(list_in(ctx, "organization_ids", S.orgs, "organization"), org_json)
end, K.STATEFUL)

def("Organizations", "add_organization", { "attributes" }, function(ctx)
  local ch = parse_simple_attrs(arg_attrs(ctx, "attributes"), ORG_ATTRS, "organization")
  if is_blank(val(ch.name)) then fail("Missing required attribute: name") end
  local o = { id = next_id("next_org"), internal = false }
  apply_simple(o, ch)
  S.orgs[o.id] = o
  return o.id
end, K.STATEFUL)

def("Organizations", "edit_organization", { "organization_id", "attributes" }, function(ctx)
  local o = need_in(ctx, "organization_id", S.orgs, "organization")
  apply_simple(o, parse_simple_attrs(arg_attrs(ctx, "attributes"), ORG_ATTRS, "organization"))
  return o.id
end, K.STATEFUL)

def("Organizations", "delete_organizations", { "organization_ids" }, function(ctx)
  local list = list_in(ctx, "organization_ids", S.orgs, "organization")
  for _, o in ipairs(list) do
    S.orgs[o.id] = nil
    for _, u in pairs(S.users) do
      if u.organization_id == o.id then u.organization_id = nil end
    end
  end
  return true
end, K.STATEFUL)

return {
  apply_simple = apply_simple,
  parse_simple_attrs = parse_simple_attrs,
}
