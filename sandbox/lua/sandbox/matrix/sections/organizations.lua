-- sandbox.matrix.sections.organizations: the doc's "Organizations" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def
local Users = require "sandbox.matrix.sections.users"
local Courses = require "sandbox.matrix.sections.courses"

local type, pairs, ipairs = type, pairs, ipairs
local CLEAR, val = Users.CLEAR, Users.val
local tab_list = Courses.tab_list

---------------------------------------------------------------------------
-- Organizations
---------------------------------------------------------------------------

-- Generic attribute parser: spec = { name = "string"|"bool"|..., ... }
local function parse_simple_attrs(attrs, spec, what)
  local ch = {}
  for _, k in ipairs(lib.sorted_keys(attrs)) do
    local kind = spec[k]
    if not kind then lib.fail("Unknown " .. what .. " attribute: " .. k) end
    local raw = attrs[k]
    if type(kind) == "table" then
      if kind.tabs then
        ch[k] = tab_list(raw, k, kind.tabs)
      else
        local s = lib.scalar(raw, k)
        if lib.is_blank(s) then ch[k] = CLEAR else ch[k] = lib.one_of(s, kind, k) end
      end
    elseif kind == "bool" then
      ch[k] = lib.bool_of(raw, k, false)
    elseif kind == "user" then
      local s = lib.scalar(raw, k)
      if lib.is_blank(s) then ch[k] = CLEAR else ch[k] = lib.find_user(lib.to_int_or_fail(s, k)).id end
    else
      local s = lib.scalar(raw, k)
      if k == "name" and lib.is_blank(s) then lib.fail("name cannot be blank") end
      ch[k] = lib.is_blank(s) and CLEAR or s
    end
  end
  return ch
end

local function apply_simple(x, ch)
  for k, v in pairs(ch) do x[k] = val(v) end
end

local ORG_ATTRS = { name = "string", description = "string", internal = "bool", picture = "string" }

def("Organizations", "get_all_organizations", { "page" }, function(ctx)
  return lib.page_of(ctx, lib.sorted_values(S.orgs), lib.org_json)
end, K.PAGED_STATEFUL)

def("Organizations", "get_organizations_with_ids", { "organization_ids" }, function(ctx)
  return lib.map_array(lib.list_in(ctx, "organization_ids", S.orgs, "organization"), lib.org_json)
end, K.STATEFUL)

def("Organizations", "add_organization", { "attributes" }, function(ctx)
  local ch = parse_simple_attrs(lib.arg_attrs(ctx, "attributes"), ORG_ATTRS, "organization")
  if lib.is_blank(val(ch.name)) then lib.fail("Missing required attribute: name") end
  local o = { id = lib.next_id("next_org"), internal = false }
  apply_simple(o, ch)
  S.orgs[o.id] = o
  return o.id
end, K.STATEFUL)

def("Organizations", "edit_organization", { "organization_id", "attributes" }, function(ctx)
  local o = lib.need_in(ctx, "organization_id", S.orgs, "organization")
  apply_simple(o, parse_simple_attrs(lib.arg_attrs(ctx, "attributes"), ORG_ATTRS, "organization"))
  return o.id
end, K.STATEFUL)

def("Organizations", "delete_organizations", { "organization_ids" }, function(ctx)
  local list = lib.list_in(ctx, "organization_ids", S.orgs, "organization")
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
