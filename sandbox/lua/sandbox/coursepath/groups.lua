-- sandbox.coursepath.groups: the doc's Groups.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coursepath/DECISIONS.md.

local C = require "sandbox.common"
local ST = require "sandbox.coursepath.state"
local V = require "sandbox.coursepath.views"
local Courses = require "sandbox.coursepath.courses"

local pairs = pairs
local LIMIT_GROUPS, LIMIT_MEMBERS, S, add_group = ST.LIMIT_GROUPS, ST.LIMIT_MEMBERS, ST.S, ST.add_group
local find_group = ST.find_group
local forbidden, group_json, is_admin, list = V.forbidden, V.group_json, V.is_admin, V.list
local member_json, not_found, params, str_param = V.member_json, V.not_found, V.params, V.str_param
local unprocessable = V.unprocessable
local H = Courses.H

-- Groups

function H.list_groups(req)
  return list(req, C.in_id_order(S.groups, S.next_group), LIMIT_GROUPS, group_json)
end

function H.group_members(req, _, gid)
  local g = S.groups[gid]
  if not g then return not_found() end
  local items = C.in_id_order(S.members, S.next_member, function(m) return g.members[m.id] end)
  return list(req, items, LIMIT_MEMBERS, member_json)
end

function H.member_groups(req, _, mid)
  if not S.members[mid] then return not_found() end
  local items = C.in_id_order(S.groups, S.next_group, function(g) return g.members[mid] end)
  return list(req, items, LIMIT_GROUPS, group_json)
end

function H.add_to_group(req, actor, mid)
  if not is_admin(actor) then return forbidden() end
  local p = params(req)
  if not p then return end
  if not S.members[mid] then return not_found() end
  local name, err = str_param(p, "name")
  if err then return unprocessable(err) end
  if not name then return unprocessable("name is required") end
  local g = find_group(name) or add_group(name)
  g.members[mid] = true
  return C.reply(200, group_json(g))
end

function H.remove_from_groups(req, actor, mid)
  if not is_admin(actor) then return forbidden() end
  local p = params(req)
  if not p then return end
  if not S.members[mid] then return not_found() end
  local name, err = str_param(p, "name")
  if err then return unprocessable(err) end
  if name then
    local g = find_group(name)
    if g then g.members[mid] = nil end
  else
    for _, g in pairs(S.groups) do g.members[mid] = nil end
  end
  return C.no_content()
end

return true
