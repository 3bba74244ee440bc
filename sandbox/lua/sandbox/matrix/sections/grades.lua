-- sandbox.matrix.sections.grades: the doc's "Grades" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def
local Courses = require "sandbox.matrix.sections.courses"

local ipairs = ipairs
local format = string.format
local active = Courses.active

---------------------------------------------------------------------------
-- Grades
---------------------------------------------------------------------------

def("Grades", "get_grades_for_class", { "class_id" }, function(ctx)
  local c = lib.need_class(ctx)
  return lib.map_array(c.enroll_order, function(uid)
    if S.users[uid] and active(c, uid) then return lib.grade_info(c, uid) end
  end)
end, K.STATEFUL)

def("Grades", "get_grades_for_user", { "user_id" }, function(ctx)
  local u = lib.need_user(ctx)
  local out = C.array()
  for _, c in ipairs(lib.sorted_values(S.classes, function(c)
    return not c.deleted and not c.template and not c.archived and active(c, u.id)
  end)) do
    out[#out + 1] = C.ordered({ "class_id", "grades" }, { class_id = c.id, grades = lib.grade_info(c, u.id) })
  end
  return out
end, K.STATEFUL)

def("Grades", "set_grades_for_assignment", { "assignment_id", "grades" }, function(ctx)
  local a = lib.need_in(ctx, "assignment_id", S.assignments, "assignment")
  local c = S.classes[a.class_id]
  if not c or c.deleted or c.template then lib.fail("Invalid assignment ID: " .. a.id) end
  local rows = lib.grade_rows(ctx.args.grades)
  if #rows == 0 then lib.fail("Missing required argument: grades") end
  local parsed = {}
  for i, r in ipairs(rows) do
    local u = lib.find_user(r.user_id)
    if not active(c, u.id) then lib.fail(format("User %d is not a student in class %d", u.id, c.id)) end
    local rec = lib.parse_grade(c, a, r.grade)
    if not rec then lib.fail(format("Invalid grade for user %d: %s", u.id, r.grade)) end
    parsed[i] = rec
  end
  local t = lib.now()
  for i, r in ipairs(rows) do
    local rec = parsed[i]
    if rec == "clear" then
      if S.grades[a.id] then S.grades[a.id][r.user_id] = nil end
    else
      local old = S.grades[a.id] and S.grades[a.id][r.user_id]
      rec.comment = r.comment or (old and old.comment)
      rec.submitted_at = old and old.submitted_at
      rec.grader_id = S.admin_id
      rec.graded_at = t
      rec.gradebook = a.type == "Quiz" or a.type == "SCORM"
      lib.set_grade(a.id, r.user_id, rec)
    end
  end
  return true
end, K.STATEFUL)

return true
