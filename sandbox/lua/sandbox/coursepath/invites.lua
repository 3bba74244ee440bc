-- sandbox.coursepath.invites: the doc's Invite members.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coursepath/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.coursepath.lib"
local S = lib.S
local Courses = require "sandbox.coursepath.courses"

local type, ipairs = type, ipairs
local H = Courses.H

-- Invites

local function mail_overrides(p)
  local mail = p.mail
  if type(mail) ~= "table" or mail[1] ~= nil then mail = {} end
  local out = {}
  for _, k in ipairs(lib.MAIL_KEYS) do
    local v = mail[k]
    if v == nil then v = p["mail[" .. k .. "]"] end
    v = lib.last(v)
    if v ~= nil and v ~= C.null then
      if type(v) ~= "string" then return nil, "mail[" .. k .. "] must be a string" end
      if v ~= "" then out[k] = v end
    end
  end
  return out
end

local function invite(req, actor, kind, mid, cid, pid)
  if not lib.is_admin(actor) then return lib.forbidden() end
  local p = lib.params(req)
  if not p then return end
  local m = S.members[mid]
  if not m then return lib.not_found() end
  if kind == "course" and not (S.cms[cid] and S.cms[cid][mid]) then return lib.not_found() end
  if kind == "program" and not (S.pms[pid] and S.pms[pid][mid]) then return lib.not_found() end
  local mail, err = mail_overrides(p)
  if not mail then return lib.unprocessable(err) end
  local id = C.take_id(S, "next_invite")
  local i = {
    id = id, type = kind, member_id = mid, email = m.email,
    course_id = cid, program_id = pid,
    subject = mail.subject, body = mail.body, action = mail.action,
    invited_by = actor.id, sent = lib.now(),
  }
  S.invites[#S.invites + 1] = i
  return C.reply(200, lib.invite_json(i))
end

function H.invite_member(req, actor, mid)
  return invite(req, actor, "member", mid)
end

function H.invite_course(req, actor, cid, mid)
  return invite(req, actor, "course", mid, cid)
end

function H.invite_program(req, actor, pid, mid)
  return invite(req, actor, "program", mid, nil, pid)
end

return true
