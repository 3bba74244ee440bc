-- sandbox.coursepath.members: the doc's Members, and creating and updating them.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coursepath/DECISIONS.md.

local C = require "sandbox.common"
local ST = require "sandbox.coursepath.state"
local V = require "sandbox.coursepath.views"
local Courses = require "sandbox.coursepath.courses"

local ipairs = ipairs
local LIMIT_MEMBERS, OPTIONAL_FIELDS, S = ST.LIMIT_MEMBERS, ST.OPTIONAL_FIELDS, ST.S
local enroll_course, enroll_program = ST.enroll_course, ST.enroll_program
local find_member_by_email, name_from_email = ST.find_member_by_email, ST.name_from_email
local create_member_from, forbidden, is_admin, list = V.create_member_from, V.forbidden, V.is_admin, V.list
local member_fields, member_filter, member_json = V.member_fields, V.member_filter, V.member_json
local not_found, params, str_param, unprocessable = V.not_found, V.params, V.str_param, V.unprocessable
local H = Courses.H

-- Members

function H.me(_, actor)
  return C.reply(200, member_json(actor))
end

function H.show_member(_, _, mid)
  local m = S.members[mid]
  if not m then return not_found() end
  return C.reply(200, member_json(m))
end

function H.list_members(req)
  return list(req, C.in_id_order(S.members, S.next_member, member_filter(req)), LIMIT_MEMBERS, member_json)
end

function H.course_members(req, _, cid)
  if not S.courses[cid] then return not_found() end
  local filter = member_filter(req)
  local items = C.in_id_order(S.members, S.next_member, function(m)
    return S.cms[cid][m.id] ~= nil and filter(m)
  end)
  return list(req, items, LIMIT_MEMBERS, member_json)
end

function H.create_member(req, actor)
  if not is_admin(actor) then return forbidden() end
  local p = params(req)
  if not p then return end
  local f, err = member_fields(p, true)
  if not f then return unprocessable(err) end
  return C.reply(201, member_json(create_member_from(f)))
end

function H.update_member(req, actor, mid)
  if not is_admin(actor) then return forbidden() end
  local p = params(req)
  if not p then return end
  local m = S.members[mid]
  if not m then return not_found() end
  local f, err = member_fields(p, false, m)
  if not f then return unprocessable(err) end
  if f.email then m.email = f.email end
  if f.name then
    m.name = f.name
  elseif f.name == false then
    m.name = name_from_email(m.email)
  end
  if f.role then m.role = f.role end
  if f.active ~= nil then m.active = f.active end
  for _, k in ipairs(OPTIONAL_FIELDS) do
    if f[k] == false then
      m[k] = nil
    elseif f[k] ~= nil then
      m[k] = f[k]
    end
  end
  return C.reply(200, member_json(m))
end

-- Creates or reuses a member by email; returns member, created or nil
-- after replying with an error.
local function create_or_reuse(p)
  local email, err = str_param(p, "email")
  if err then unprocessable(err) return nil end
  if not email then unprocessable("email is required") return nil end
  local m = find_member_by_email(email)
  if m then return m, false end
  local f
  f, err = member_fields(p, true)
  if not f then unprocessable(err) return nil end
  return create_member_from(f), true
end

function H.create_course_member(req, actor, cid)
  if not is_admin(actor) then return forbidden() end
  local p = params(req)
  if not p then return end
  if not S.courses[cid] then return not_found() end
  local m, created = create_or_reuse(p)
  if not m then return end
  enroll_course(cid, m.id)
  return C.reply(created and 201 or 200, member_json(m))
end

function H.create_program_member(req, actor, pid)
  if not is_admin(actor) then return forbidden() end
  local p = params(req)
  if not p then return end
  if not S.programs[pid] then return not_found() end
  local m, created = create_or_reuse(p)
  if not m then return end
  enroll_program(pid, m.id)
  return C.reply(created and 201 or 200, member_json(m))
end

return true
