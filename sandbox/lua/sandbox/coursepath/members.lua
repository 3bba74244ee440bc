-- sandbox.coursepath.members: the doc's Members, and creating and updating them.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coursepath/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.coursepath.lib"
local S = lib.S
local Courses = require "sandbox.coursepath.courses"

local ipairs = ipairs
local H = Courses.H

-- Members

function H.me(_, actor)
  return C.reply(200, lib.member_json(actor))
end

function H.show_member(_, _, mid)
  local m = S.members[mid]
  if not m then return lib.not_found() end
  return C.reply(200, lib.member_json(m))
end

function H.list_members(req)
  local members = C.in_id_order(S.members, S.next_member, lib.member_filter(req))
  return lib.list(req, members, lib.LIMIT_MEMBERS, lib.member_json)
end

function H.course_members(req, _, cid)
  if not S.courses[cid] then return lib.not_found() end
  local filter = lib.member_filter(req)
  local items = C.in_id_order(S.members, S.next_member, function(m)
    return S.cms[cid][m.id] ~= nil and filter(m)
  end)
  return lib.list(req, items, lib.LIMIT_MEMBERS, lib.member_json)
end

function H.create_member(req, actor)
  if not lib.is_admin(actor) then return lib.forbidden() end
  local p = lib.params(req)
  if not p then return end
  local f, err = lib.member_fields(p, true)
  if not f then return lib.unprocessable(err) end
  return C.reply(201, lib.member_json(lib.create_member_from(f)))
end

function H.update_member(req, actor, mid)
  if not lib.is_admin(actor) then return lib.forbidden() end
  local p = lib.params(req)
  if not p then return end
  local m = S.members[mid]
  if not m then return lib.not_found() end
  local f, err = lib.member_fields(p, false, m)
  if not f then return lib.unprocessable(err) end
  if f.email then m.email = f.email end
  if f.name then
    m.name = f.name
  elseif f.name == false then
    m.name = lib.name_from_email(m.email)
  end
  if f.role then m.role = f.role end
  if f.active ~= nil then m.active = f.active end
  for _, k in ipairs(lib.OPTIONAL_FIELDS) do
    if f[k] == false then
      m[k] = nil
    elseif f[k] ~= nil then
      m[k] = f[k]
    end
  end
  return C.reply(200, lib.member_json(m))
end

-- Creates or reuses a member by email; returns member, created or nil
-- after replying with an error.
local function create_or_reuse(p)
  local email, err = lib.str_param(p, "email")
  if err then lib.unprocessable(err) return nil end
  if not email then lib.unprocessable("email is required") return nil end
  local m = lib.find_member_by_email(email)
  if m then return m, false end
  local f
  f, err = lib.member_fields(p, true)
  if not f then lib.unprocessable(err) return nil end
  return lib.create_member_from(f), true
end

-- A member created (or reused by email) and enrolled in the course or
-- program id; items names the courses or programs in S, enroll is
-- lib.enroll_course or lib.enroll_program.
local function create_enrolled_member(items, enroll)
  return function(req, actor, id)
    if not lib.is_admin(actor) then return lib.forbidden() end
    local p = lib.params(req)
    if not p then return end
    if not S[items][id] then return lib.not_found() end
    local m, created = create_or_reuse(p)
    if not m then return end
    enroll(id, m.id)
    return C.reply(created and 201 or 200, lib.member_json(m))
  end
end

H.create_course_member = create_enrolled_member("courses", lib.enroll_course)
H.create_program_member = create_enrolled_member("programs", lib.enroll_program)

return true
