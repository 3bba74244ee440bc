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

-- The two writes of a member's enrollment in a course (here) or a program
-- (program_enrollment.lua): PUT enrolls (201 new, 200 already), DELETE
-- ends it; an admin or the member itself.  items names the courses or
-- programs in S, links their enrollments; enroll and view as in lib.
local function enrollment_writes(items, links, enroll, view)
  local function allowed(actor, mid)
    return lib.is_admin(actor) or actor.id == mid
  end
  local function put(_, actor, id, mid)
    if not allowed(actor, mid) then return lib.forbidden() end
    if not S[items][id] or not S.members[mid] then return lib.not_found() end
    local e, created = enroll(id, mid)
    return C.reply(created and 201 or 200, view(e))
  end
  local function delete(_, actor, id, mid)
    if not allowed(actor, mid) then return lib.forbidden() end
    if not (S[links][id] and S[links][id][mid]) then return lib.not_found() end
    S[links][id][mid] = nil
    return C.no_content()
  end
  return put, delete
end

H.enroll_cm, H.delete_cm = enrollment_writes("courses", "cms", lib.enroll_course, lib.cm_json)

return { enrollment_writes = enrollment_writes }
