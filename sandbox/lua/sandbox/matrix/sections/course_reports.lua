-- sandbox.matrix.sections.course_reports: the doc's "Course reports" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local B = require "sandbox.matrix.base"
local ST = require "sandbox.matrix.state"
local V = require "sandbox.matrix.views"
local R = require "sandbox.matrix.registry"

local ipairs, tostring = ipairs, tostring
local format = string.format
local arg_attrs, fail, id_list, iso_time = B.arg_attrs, B.fail, B.id_list, B.iso_time
local parse_when, scalar, sorted_keys = B.parse_when, B.scalar, B.sorted_keys
local K, S = ST.K, ST.S
local find_user, letter_for, need_class = V.find_user, V.letter_for, V.need_class
local student_percent = V.student_percent
local def = R.def

def("Course reports", "get_class_report", { "class_id", "constraints" }, function(ctx)
  local c = need_class(ctx)
  local cons = arg_attrs(ctx, "constraints")
  local ids
  local started_from, to, from
  for _, k in ipairs(sorted_keys(cons)) do
    if k == "student_ids" then
      ids = id_list(cons[k], k)
    elseif k == "started_from" or k == "to" or k == "from" then
      local s = scalar(cons[k], k)
      local t = parse_when(s)
      if not t then fail("Invalid " .. k .. ": " .. tostring(s)) end
      if k == "started_from" then started_from = t elseif k == "to" then to = t else from = t end
    else
      fail("Unsupported constraint: " .. k)
    end
  end
  local selected = {}
  if ids then
    for _, uid in ipairs(ids) do
      find_user(uid)
      if not c.enrollments[uid] then fail(format("User %d is not a student in class %d", uid, c.id)) end
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
      local pct = student_percent(c, e.user_id)
      out[#out + 1] = C.ordered(
        { "student_id", "enrolled_at", "started_at", "last_visited_at", "completed_at", "score" }, {
          student_id = e.user_id, enrolled_at = iso_time(e.enrolled_at), started_at = iso_time(e.started_at),
          last_visited_at = iso_time(e.last_visited_at), completed_at = iso_time(e.completed_at),
          score = C.ordered({ "percent", "grade" }, { percent = pct, grade = letter_for(c, pct) }),
        })
    end
  end
  return out
end, K.STATEFUL)

return true
