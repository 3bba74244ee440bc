-- sandbox.coursepath.groups: the doc's Groups.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coursepath/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.coursepath.lib"
local S = lib.S
local Courses = require "sandbox.coursepath.courses"

local pairs = pairs
local H = Courses.H

-- Groups

function H.list_groups(req)
  return lib.list(req, C.in_id_order(S.groups, S.next_group), lib.LIMIT_GROUPS, lib.group_json)
end

function H.group_members(req, _, gid)
  local g = S.groups[gid]
  if not g then return lib.not_found() end
  local items = C.in_id_order(S.members, S.next_member, function(m) return g.members[m.id] end)
  return lib.list(req, items, lib.LIMIT_MEMBERS, lib.member_json)
end

function H.member_groups(req, _, mid)
  if not S.members[mid] then return lib.not_found() end
  local items = C.in_id_order(S.groups, S.next_group, function(g) return g.members[mid] end)
  return lib.list(req, items, lib.LIMIT_GROUPS, lib.group_json)
end

-- What both group writes of member mid check first: an admin, a body, a
-- member that exists, a valid "name" (nil when absent).  Returns true and
-- the name, or false and the reply already sent.
local function group_write(req, actor, mid)
  if not lib.is_admin(actor) then return false, lib.forbidden() end
  local p = lib.params(req)
  if not p then return false end
  if not S.members[mid] then return false, lib.not_found() end
  local name, err = lib.str_param(p, "name")
  if err then return false, lib.unprocessable(err) end
  return true, name
end

function H.add_to_group(req, actor, mid)
  local ok, name = group_write(req, actor, mid)
  if not ok then return name end
  if not name then return lib.unprocessable("name is required") end
  local g = lib.find_group(name) or lib.add_group(name)
  g.members[mid] = true
  return C.reply(200, lib.group_json(g))
end

function H.remove_from_groups(req, actor, mid)
  local ok, name = group_write(req, actor, mid)
  if not ok then return name end
  if name then
    local g = lib.find_group(name)
    if g then g.members[mid] = nil end
  else
    for _, g in pairs(S.groups) do g.members[mid] = nil end
  end
  return C.no_content()
end

return true
