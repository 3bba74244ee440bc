-- sandbox.matrix.sections.groups: the doc's "Groups" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def
local Users = require "sandbox.matrix.sections.users"
local Organizations = require "sandbox.matrix.sections.organizations"

local pairs, ipairs = pairs, ipairs
local CLEAR, constraint_filter, val = Users.CLEAR, Users.constraint_filter, Users.val
local parse_simple_attrs = Organizations.parse_simple_attrs

---------------------------------------------------------------------------
-- Groups
---------------------------------------------------------------------------

local GROUP_TYPES = { "Interest", "Study", "Club", "Hobby", "Faculty", "Students", "Topic" }
local GROUP_ATTRS = {
  name = "string", description = "string", admin_id = "user", private = "bool", type = GROUP_TYPES,
  top_tab = { "News", "Custom" }, picture = "string",
  tabs = { tabs = { "news", "custom", "calendar", "blog", "resources", "forums", "wikis", "chat",
    "members_tab", "admins_tab" } },
}

local function apply_group(g, ch)
  local t = lib.now()
  for k, v in pairs(ch) do
    if k == "admin_id" then
      if v ~= CLEAR and not g.admins[v] then g.admins[v] = { joined_at = t } end
    else
      g[k] = val(v)
    end
  end
  if g.private and not g.access_code then g.access_code = "GROUP" .. g.id end
end

def("Groups", "get_all_groups", { "page" }, function(ctx)
  return lib.page_of(ctx, lib.sorted_values(S.groups), lib.group_json)
end, K.PAGED_STATEFUL)

def("Groups", "get_groups_with_ids", { "group_ids" }, function(ctx)
  return lib.map_array(lib.list_in(ctx, "group_ids", S.groups, "group"), lib.group_json)
end, K.STATEFUL)

def("Groups", "get_groups_that_match", { "constraints", "page" }, function(ctx)
  local pred = constraint_filter(lib.arg_attrs(ctx, "constraints"), function(k)
    if k == "name" then return function(g) return g.name end end
    if k == "access_code" then return function(g) return g.private and g.access_code or nil end end
    return nil
  end)
  return lib.page_of(ctx, lib.sorted_values(S.groups, pred), lib.group_json)
end, K.PAGED_STATEFUL)

def("Groups", "get_members_for_group", { "group_id" }, function(ctx)
  return lib.group_users_json(lib.need_in(ctx, "group_id", S.groups, "group").members)
end, K.STATEFUL)

def("Groups", "get_admins_for_group", { "group_id" }, function(ctx)
  return lib.group_users_json(lib.need_in(ctx, "group_id", S.groups, "group").admins)
end, K.STATEFUL)

def("Groups", "get_groups_with_member", { "user_id" }, function(ctx)
  local u = lib.need_user(ctx)
  return lib.map_array(lib.sorted_values(S.groups, function(g) return g.members[u.id] ~= nil end), lib.group_json)
end, K.STATEFUL)

def("Groups", "get_groups_with_admin", { "user_id" }, function(ctx)
  local u = lib.need_user(ctx)
  return lib.map_array(lib.sorted_values(S.groups, function(g) return g.admins[u.id] ~= nil end), lib.group_json)
end, K.STATEFUL)

local function group_people_change(field, add)
  return function(ctx)
    local g = lib.need_in(ctx, "group_id", S.groups, "group")
    local users = lib.users_arg(ctx)
    local t = lib.now()
    for _, u in ipairs(users) do
      if add then
        if not g[field][u.id] then g[field][u.id] = { joined_at = t } end
      else
        g[field][u.id] = nil
      end
    end
    return true
  end
end

def("Groups", "add_members_to_group", { "group_id", "user_ids" }, group_people_change("members", true),
  K.STATEFUL)
def("Groups", "remove_members_from_group", { "group_id", "user_ids" }, group_people_change("members", false),
  K.STATEFUL)
def("Groups", "add_admins_to_group", { "group_id", "user_ids" }, group_people_change("admins", true),
  K.STATEFUL)
def("Groups", "remove_admins_from_group", { "group_id", "user_ids" }, group_people_change("admins", false),
  K.STATEFUL)

def("Groups", "add_group", { "attributes" }, function(ctx)
  local ch = parse_simple_attrs(lib.arg_attrs(ctx, "attributes"), GROUP_ATTRS, "group")
  if lib.is_blank(val(ch.name)) then lib.fail("Missing required attribute: name") end
  local g = {
    id = lib.next_id("next_group"), private = true, top_tab = "News", type = "Interest",
    tabs = { "news", "members_tab", "admins_tab" }, members = {}, admins = {}, curricula = {},
  }
  if ch.admin_id == nil or ch.admin_id == CLEAR then ch.admin_id = S.admin_id end
  apply_group(g, ch)
  S.groups[g.id] = g
  return g.id
end, K.STATEFUL)

def("Groups", "edit_group", { "group_id", "attributes" }, function(ctx)
  local g = lib.need_in(ctx, "group_id", S.groups, "group")
  apply_group(g, parse_simple_attrs(lib.arg_attrs(ctx, "attributes"), GROUP_ATTRS, "group"))
  return g.id
end, K.STATEFUL)

def("Groups", "delete_groups", { "group_ids" }, function(ctx)
  for _, g in ipairs(lib.list_in(ctx, "group_ids", S.groups, "group")) do S.groups[g.id] = nil end
  return true
end, K.STATEFUL)

return true
