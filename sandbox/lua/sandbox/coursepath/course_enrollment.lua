-- sandbox.coursepath.course_enrollment: the doc's Course enrollment.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coursepath/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.coursepath.lib"
local S = lib.S
local Courses = require "sandbox.coursepath.courses"

local H = Courses.H

-- Course enrollment

function H.show_cm(_, _, cid, mid)
  local cm = S.cms[cid] and S.cms[cid][mid]
  if not cm then return lib.not_found() end
  return C.reply(200, lib.cm_json(cm))
end

function H.enroll_cm(_, actor, cid, mid)
  if not lib.is_admin(actor) and actor.id ~= mid then return lib.forbidden() end
  if not S.courses[cid] or not S.members[mid] then return lib.not_found() end
  local cm, created = lib.enroll_course(cid, mid)
  return C.reply(created and 201 or 200, lib.cm_json(cm))
end

function H.delete_cm(_, actor, cid, mid)
  if not lib.is_admin(actor) and actor.id ~= mid then return lib.forbidden() end
  if not (S.cms[cid] and S.cms[cid][mid]) then return lib.not_found() end
  S.cms[cid][mid] = nil
  return C.no_content()
end

return true
