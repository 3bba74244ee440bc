-- sandbox.coursepath.program_enrollment: the doc's Program enrollment.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coursepath/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.coursepath.lib"
local S = lib.S
local Courses = require "sandbox.coursepath.courses"

local H = Courses.H

-- Program enrollment

function H.enroll_pm(_, actor, pid, mid)
  if not lib.is_admin(actor) and actor.id ~= mid then return lib.forbidden() end
  if not S.programs[pid] or not S.members[mid] then return lib.not_found() end
  local pm, created = lib.enroll_program(pid, mid)
  return C.reply(created and 201 or 200, lib.pm_json(pm))
end

function H.delete_pm(_, actor, pid, mid)
  if not lib.is_admin(actor) and actor.id ~= mid then return lib.forbidden() end
  if not (S.pms[pid] and S.pms[pid][mid]) then return lib.not_found() end
  S.pms[pid][mid] = nil
  return C.no_content()
end

return true
