-- sandbox.matrix.sections.attendance: the doc's "Attendance" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local K, def = lib.K, lib.def

local ipairs = ipairs
local floor = math.floor

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
  return C.ordered({ "started_at", "records" }, { started_at = lib.iso_time(a.started_at), records = recs })
end

def("Attendance", "get_attendance", { "class_id", "date_and_time", "date" }, function(ctx)
  local c = lib.need_class(ctx)
  local dt, d = lib.arg_str(ctx, "date_and_time"), lib.arg_str(ctx, "date")
  if lib.is_blank(dt) and lib.is_blank(d) then lib.fail("Missing required argument: date_and_time (or date)") end
  if not lib.is_blank(dt) then
    local t = lib.parse_when(dt)
    if not t then lib.fail("Invalid date_and_time: " .. dt) end
    for _, a in ipairs(c.attendance) do
      if floor(a.started_at / 60) == floor(t / 60) then return attendance_json(a) end
    end
    return C.null
  end
  local day = lib.parse_date(d)
  if not day then lib.fail("Invalid date: " .. d) end
  for _, a in ipairs(c.attendance) do
    if lib.iso_date(a.started_at) == day then return attendance_json(a) end
  end
  return C.null
end, K.STATEFUL)

def("Attendance", "get_all_attendance", { "class_id" }, function(ctx)
  return lib.map_array(lib.need_class(ctx).attendance, attendance_json)
end, K.STATEFUL)

return true
