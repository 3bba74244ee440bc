-- sandbox.matrix.sections.course_reports: the doc's "Course reports" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def

local ipairs, tostring = ipairs, tostring
local format = string.format

def("Course reports", "get_class_report", { "class_id", "constraints" }, function(ctx)
  local c = lib.need_class(ctx)
  local cons = lib.arg_attrs(ctx, "constraints")
  local ids
  local started_from, to, from
  for _, k in ipairs(lib.sorted_keys(cons)) do
    if k == "student_ids" then
      ids = lib.id_list(cons[k], k)
    elseif k == "started_from" or k == "to" or k == "from" then
      local s = lib.scalar(cons[k], k)
      local t = lib.parse_when(s)
      if not t then lib.fail("Invalid " .. k .. ": " .. tostring(s)) end
      if k == "started_from" then started_from = t elseif k == "to" then to = t else from = t end
    else
      lib.fail("Unsupported constraint: " .. k)
    end
  end
  local selected = {}
  if ids then
    for _, uid in ipairs(ids) do
      lib.find_user(uid)
      if not c.enrollments[uid] then lib.fail(format("User %d is not a student in class %d", uid, c.id)) end
      selected[#selected + 1] = c.enrollments[uid]
    end
  else
    for _, uid in ipairs(c.enroll_order) do
      local e = c.enrollments[uid]
      if S.users[uid] and e and not e.unenrolled and not e.deactivated then selected[#selected + 1] = e end
    end
  end
  local out = C.array()
  for _, e in ipairs(selected) do
    local keep = true
    if started_from and e.deactivated and e.deactivated_at and e.deactivated_at < started_from then
      keep = false
    end
    if to and e.enrolled_at >= to then keep = false end
    if from and e.enrolled_at < from then keep = false end
    if keep then
      local pct = lib.student_percent(c, e.user_id)
      out[#out + 1] = C.ordered(
        { "student_id", "enrolled_at", "started_at", "last_visited_at", "completed_at", "score" }, {
          student_id = e.user_id, enrolled_at = lib.iso_time(e.enrolled_at), started_at = lib.iso_time(e.started_at),
          last_visited_at = lib.iso_time(e.last_visited_at), completed_at = lib.iso_time(e.completed_at),
          score = C.ordered({ "percent", "grade" }, { percent = pct, grade = lib.letter_for(c, pct) }),
        })
    end
  end
  return out
end, K.STATEFUL)

return true
