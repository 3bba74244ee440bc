-- sandbox.coursepath.program_enrollment: the doc's Program enrollment.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coursepath/DECISIONS.md.

local C = require "sandbox.common"
local ST = require "sandbox.coursepath.state"
local V = require "sandbox.coursepath.views"
local Courses = require "sandbox.coursepath.courses"

local S, enroll_program = ST.S, ST.enroll_program
local forbidden, is_admin, not_found, pm_json = V.forbidden, V.is_admin, V.not_found, V.pm_json
local H = Courses.H

-- Program enrollment

function H.enroll_pm(_, actor, pid, mid)
  if not is_admin(actor) and actor.id ~= mid then return forbidden() end
  if not S.programs[pid] or not S.members[mid] then return not_found() end
  local pm, created = enroll_program(pid, mid)
  return C.reply(created and 201 or 200, pm_json(pm))
end

function H.delete_pm(_, actor, pid, mid)
  if not is_admin(actor) and actor.id ~= mid then return forbidden() end
  if not (S.pms[pid] and S.pms[pid][mid]) then return not_found() end
  S.pms[pid][mid] = nil
  return C.no_content()
end

return true
