-- sandbox.coursepath.program_enrollment: the doc's Program enrollment.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coursepath/DECISIONS.md.

local lib = require "sandbox.coursepath.lib"
local Courses = require "sandbox.coursepath.courses"
local CourseEnrollment = require "sandbox.coursepath.course_enrollment"

local H = Courses.H

-- Program enrollment: the same two writes as a course's

H.enroll_pm, H.delete_pm = CourseEnrollment.enrollment_writes("programs", "pms", lib.enroll_program, lib.pm_json)

return true
