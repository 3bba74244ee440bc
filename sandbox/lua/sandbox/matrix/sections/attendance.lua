-- sandbox.matrix.sections.attendance: the doc's "Attendance" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local B = require "sandbox.matrix.base"
local ST = require "sandbox.matrix.state"
local V = require "sandbox.matrix.views"
local R = require "sandbox.matrix.registry"

local ipairs = ipairs
local floor = math.floor
local arg_str, fail, is_blank, iso_date, iso_time = B.arg_str, B.fail, B.is_blank, B.iso_date, B.iso_time
local map_array, parse_date, parse_when = B.map_array, B.parse_date, B.parse_when
local K = ST.K
local need_class = V.need_class
local def = R.def

---------------------------------------------------------------------------
-- Attendance
---------------------------------------------------------------------------

K.ATTENDANCE_RECORD_KEYS = { "student_id", "status", "details", "excused", "note" }

local function attendance_json(a)
  local recs = C.array()
  for _, r in ipairs(a.records) do
    recs[#recs + 1] = C.ordered(K.ATTENDANCE_RECORD_KEYS, {
      student_id = r.student_id, status = r.status, details = r.details, excused = r.excused == true,
      note = r.note,
    })
  end
  return C.ordered({ "started_at", "records" }, { started_at = iso_time(a.started_at), records = recs })
end

def("Attendance", "get_attendance", { "class_id", "date_and_time", "date" }, function(ctx)
  local c = need_class(ctx)
  local dt, d = arg_str(ctx, "date_and_time"), arg_str(ctx, "date")
  if is_blank(dt) and is_blank(d) then fail("Missing required argument: date_and_time (or date)") end
  if not is_blank(dt) then
    local t = parse_when(dt)
    if not t then fail("Invalid date_and_time: " .. dt) end
    for _, a in ipairs(c.attendance) do
      if floor(a.started_at / 60) == floor(t / 60) then return attendance_json(a) end
    end
    return C.null
  end
  local day = parse_date(d)
  if not day then fail("Invalid date: " .. d) end
  for _, a in ipairs(c.attendance) do
    if iso_date(a.started_at) == day then return attendance_json(a) end
  end
  return C.null
end, K.STATEFUL)

def("Attendance", "get_all_attendance", { "class_id" }, function(ctx)
  return map_array(need_class(ctx).attendance, attendance_json)
end, K.STATEFUL)

return true
