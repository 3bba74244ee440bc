-- sandbox.coursepath.course_enrollment: the doc's Course enrollment.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coursepath/DECISIONS.md.

local C = require "sandbox.common"
local ST = require "sandbox.coursepath.state"
local V = require "sandbox.coursepath.views"
local Courses = require "sandbox.coursepath.courses"

local S, enroll_course = ST.S, ST.enroll_course
local cm_json, forbidden, is_admin, not_found = V.cm_json, V.forbidden, V.is_admin, V.not_found
local H = Courses.H

-- Course enrollment

function H.show_cm(_, _, cid, mid)
  local cm = S.cms[cid] and S.cms[cid][mid]
  if not cm then return not_found() end
  return C.reply(200, cm_json(cm))
end

function H.enroll_cm(_, actor, cid, mid)
  if not is_admin(actor) and actor.id ~= mid then return forbidden() end
  if not S.courses[cid] or not S.members[mid] then return not_found() end
  local cm, created = enroll_course(cid, mid)
  return C.reply(created and 201 or 200, cm_json(cm))
end

function H.delete_cm(_, actor, cid, mid)
  if not is_admin(actor) and actor.id ~= mid then return forbidden() end
  if not (S.cms[cid] and S.cms[cid][mid]) then return not_found() end
  S.cms[cid][mid] = nil
  return C.no_content()
end

return true
