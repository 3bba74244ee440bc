-- sandbox.coursepath.invites: the doc's Invite members.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coursepath/DECISIONS.md.

local C = require "sandbox.common"
local ST = require "sandbox.coursepath.state"
local V = require "sandbox.coursepath.views"
local Courses = require "sandbox.coursepath.courses"

local type, ipairs = type, ipairs
local MAIL_KEYS, S, now = ST.MAIL_KEYS, ST.S, ST.now
local forbidden, invite_json, is_admin, last = V.forbidden, V.invite_json, V.is_admin, V.last
local not_found, params, unprocessable = V.not_found, V.params, V.unprocessable
local H = Courses.H

-- Invites

local function mail_overrides(p)
  local mail = p.mail
  if type(mail) ~= "table" or mail[1] ~= nil then mail = {} end
  local out = {}
  for _, k in ipairs(MAIL_KEYS) do
    local v = mail[k]
    if v == nil then v = p["mail[" .. k .. "]"] end
    v = last(v)
    if v ~= nil and v ~= C.null then
      if type(v) ~= "string" then return nil, "mail[" .. k .. "] must be a string" end
      if v ~= "" then out[k] = v end
    end
  end
  return out
end

local function invite(req, actor, kind, mid, cid, pid)
  if not is_admin(actor) then return forbidden() end
  local p = params(req)
  if not p then return end
  local m = S.members[mid]
  if not m then return not_found() end
  if kind == "course" and not (S.cms[cid] and S.cms[cid][mid]) then return not_found() end
  if kind == "program" and not (S.pms[pid] and S.pms[pid][mid]) then return not_found() end
  local mail, err = mail_overrides(p)
  if not mail then return unprocessable(err) end
  local id = S.next_invite
  S.next_invite = id + 1
  local i = {
    id = id, type = kind, member_id = mid, email = m.email,
    course_id = cid, program_id = pid,
    subject = mail.subject, body = mail.body, action = mail.action,
    invited_by = actor.id, sent = now(),
  }
  S.invites[#S.invites + 1] = i
  return C.reply(200, invite_json(i))
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
