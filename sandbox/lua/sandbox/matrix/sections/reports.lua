-- sandbox.matrix.sections.reports: the doc's "Reports" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def
local Courses = require "sandbox.matrix.sections.courses"

local type, pairs, ipairs, tonumber = type, pairs, ipairs, tonumber
local next = next
local floor = math.floor
local format = string.format
local active = Courses.active

---------------------------------------------------------------------------
-- Reports (run_report -> get_report_status -> download_report)
---------------------------------------------------------------------------

local function live_class(c) return not c.deleted and not c.template end

local PERIOD_UNITS = { "day", "week", "month", "year" }
local PERIOD_DAYS = { day = 1, week = 7, month = 30, year = 365 }

-- Returns begin, end dates ("YYYY-MM-DD") of a validated period.
local function report_period(p)
  if type(p) ~= "table" or p[1] ~= nil then
    lib.fail("Missing required argument: period (this report uses periods)")
  end
  local ty = lib.scalar(p.period_type, "period.period_type")
  if lib.is_blank(ty) then lib.fail("Missing required argument: period.period_type") end
  ty = lib.one_of(ty, { "Date Range", "Last Period", "Current Period" }, "period.period_type")
  local today = lib.now()
  if ty == "Date Range" then
    local b, e = lib.scalar(p.begin_at, "period.begin_at"), lib.scalar(p.end_at, "period.end_at")
    if lib.is_blank(b) then lib.fail("Missing required argument: period.begin_at") end
    if lib.is_blank(e) then lib.fail("Missing required argument: period.end_at") end
    local function mdy(s, name)
      local mo, d, y = lib.trim(s):match("^(%d%d?)/(%d%d?)/(%d%d%d%d)$")
      if not mo or tonumber(mo) > 12 or tonumber(mo) < 1 or tonumber(d) < 1 or tonumber(d) > 31 then
        lib.fail("Invalid " .. name .. " (expected mm/dd/yyyy): " .. s)
      end
      return format("%04d-%02d-%02d", tonumber(y), tonumber(mo), tonumber(d))
    end
    local bd, ed = mdy(b, "period.begin_at"), mdy(e, "period.end_at")
    if bd > ed then lib.fail("Invalid period: begin_at is after end_at") end
    return bd, ed
  elseif ty == "Last Period" then
    local n = lib.scalar(p.period_number, "period.period_number")
    if lib.is_blank(n) then lib.fail("Missing required argument: period.period_number") end
    local num = C.to_int(n)
    if not num or num < 1 or num > 31 then lib.fail("Invalid period.period_number (1..31): " .. n) end
    local unit = lib.scalar(p.period_time, "period.period_time")
    if lib.is_blank(unit) then lib.fail("Missing required argument: period.period_time") end
    unit = lib.one_of(unit, PERIOD_UNITS, "period.period_time")
    return lib.iso_date(today - num * PERIOD_DAYS[unit] * 86400), lib.iso_date(today)
  end
  local unit = lib.scalar(p.current_period, "period.current_period")
  if lib.is_blank(unit) then lib.fail("Missing required argument: period.current_period") end
  unit = lib.one_of(unit, PERIOD_UNITS, "period.current_period")
  local d = os.date("!*t", floor(today))
  local b
  if unit == "day" then b = C.utc(d.year, d.month, d.day)
  elseif unit == "week" then b = C.utc(d.year, d.month, d.day) - ((d.wday + 5) % 7) * 86400
  elseif unit == "month" then b = C.utc(d.year, d.month, 1)
  else b = C.utc(d.year, 1, 1)
  end
  return lib.iso_date(b), lib.iso_date(today)
end

-- "-1" means all; otherwise every id must exist.
local function scope_ids(raw, name, map, what, pred)
  local ids = lib.id_list(raw, name)
  if #ids == 0 then lib.fail("Invalid report." .. name .. ": no ids") end
  for _, id in ipairs(ids) do
    if id == -1 then
      local all = {}
      for _, x in ipairs(lib.sorted_values(map, pred)) do all[#all + 1] = x.id end
      return all
    end
  end
  for _, id in ipairs(ids) do
    local x = map[id]
    if not x or (pred and not pred(x)) then lib.fail("Invalid " .. what .. " ID: " .. id) end
  end
  return ids
end

-- A user's first and last names (nil, nil when the user is gone).
local function person(uid)
  local u = S.users[uid]
  return u and u.first_name, u and u.last_name
end

-- The rows of a team-scoped report (admins, then members, of each group)
-- into rows; returns the header.
local function team_rows(ids, rows)
  for _, gid in ipairs(ids) do
    local g = S.groups[gid]
    for _, pair in ipairs({ { "Admin", g.admins }, { "Member", g.members } }) do
      for _, uid in ipairs(lib.sorted_keys_num(pair[2])) do
        if S.users[uid] then
          local fn, ln = person(uid)
          rows[#rows + 1] = { g.id, g.name, uid, fn, ln, pair[1], lib.iso_time(pair[2][uid].joined_at) }
        end
      end
    end
  end
  return { "Team ID", "Team name", "User ID", "First name", "Last name", "Role", "Joined at" }
end

-- The rows of an organization-scoped report (time spent per user) into
-- rows; returns the header.
local function organization_rows(ids, period_b, period_e, rows)
  for _, oid in ipairs(ids) do
    local o = S.orgs[oid]
    for _, u in ipairs(lib.sorted_values(S.users, function(x) return x.organization_id == oid end)) do
      local spent = 0
      for _, c in pairs(S.classes) do
        local e = c.enrollments[u.id]
        if e then spent = spent + (e.time_spent or 0) end
      end
      rows[#rows + 1] = { o.id, o.name, u.id, u.first_name, u.last_name, period_b, period_e, spent }
    end
  end
  return { "Organization ID", "Organization name", "User ID", "First name", "Last name", "Period begin",
    "Period end", "Time spent (seconds)" }
end

-- A report's CSV: its scope's rows over the ids asked.
local function report_rows(def_, scope, ids, period_b, period_e)
  local header
  local rows = {}
  if scope == "team" then
    header = team_rows(ids, rows)
  elseif scope == "organization" then
    header = organization_rows(ids, period_b, period_e, rows)
  elseif def_.id == 47 then
    header = { "Class ID", "Class name", "User ID", "First name", "Last name", "Percent", "Grade" }
    for _, cid in ipairs(ids) do
      local c = S.classes[cid]
      for _, uid in ipairs(c.enroll_order) do
        if S.users[uid] and active(c, uid) then
          local fn, ln = person(uid)
          local pct = lib.student_percent(c, uid)
          rows[#rows + 1] = { c.id, c.name, uid, fn, ln, pct, lib.letter_for(c, pct) }
        end
      end
    end
  elseif def_.period then
    header = { "Class ID", "Class name", "User ID", "First name", "Last name", "Period begin", "Period end",
      "Time spent (seconds)" }
    for _, cid in ipairs(ids) do
      local c = S.classes[cid]
      for _, uid in ipairs(c.enroll_order) do
        if S.users[uid] and active(c, uid) then
          local fn, ln = person(uid)
          local spent = c.enrollments[uid].time_spent or 0
          rows[#rows + 1] = { c.id, c.name, uid, fn, ln, period_b, period_e, spent }
        end
      end
    end
  else
    header = {
      "Class ID", "Class name", "User ID", "First name", "Last name", "Enrolled at", "Completed at",
      "Status",
    }
    for _, cid in ipairs(ids) do
      local c = S.classes[cid]
      for _, uid in ipairs(c.enroll_order) do
        local e = c.enrollments[uid]
        if S.users[uid] and e then
          local fn, ln = person(uid)
          local status = "Enrolled"
          if e.unenrolled then status = "Unenrolled"
          elseif e.completed_at then status = "Completed"
          elseif e.deactivated then status = "Deactivated"
          end
          rows[#rows + 1] = {
            c.id, c.name, uid, fn, ln, lib.iso_time(e.enrolled_at), lib.iso_time(e.completed_at), status,
          }
        end
      end
    end
  end
  return lib.to_csv(header, rows)
end

K.REPORT_STATUS_KEYS = { "run_report_id", "report_id", "status", "output", "created_at", "completed_at" }

local function report_status(r)
  local t = lib.now()
  if r.run == "schedule" then
    if t < r.start_at then return "Scheduled" end
    return "Completed", r.start_at
  end
  local done = r.created_at + r.delay
  if t < done then return "Running" end
  return "Completed", done
end

def("Reports", "run_report", { "report", "run_options", "period" }, function(ctx)
  local rep = lib.arg_hash(ctx, "report")
  if next(rep) == nil then lib.fail("Missing required argument: report") end
  local opts = lib.arg_hash(ctx, "run_options")
  if next(opts) == nil then lib.fail("Missing required argument: run_options") end
  local rid = lib.scalar(rep.id, "report.id")
  if lib.is_blank(rid) then lib.fail("Missing required argument: report.id") end
  local def_ = S.report_defs[lib.to_int_or_fail(rid, "report.id")]
  if not def_ then lib.fail("Invalid report ID: " .. rid) end
  local output = rep.output
  if output == nil then output = rep.outpup end -- the doc's spelling
  output = lib.scalar(output, "report.output")
  if lib.is_blank(output) then lib.fail("Missing required argument: report.output") end
  output = lib.one_of(output, { "CSV", "HTML", "Chart" }, "report.output")
  local scope, ids
  local class_raw = rep.class_id
  if class_raw == nil then class_raw = rep.course_id end
  if class_raw ~= nil then
    if not def_.scopes.class then lib.fail("Report " .. def_.id .. " is not a course report") end
    scope, ids = "class", scope_ids(class_raw, "class_id", S.classes, "class", live_class)
  elseif rep.team_id ~= nil then
    if not def_.scopes.team then lib.fail("Report " .. def_.id .. " is not a team report") end
    scope, ids = "team", scope_ids(rep.team_id, "team_id", S.groups, "team")
  elseif rep.organization_id ~= nil then
    if not def_.scopes.organization then lib.fail("Report " .. def_.id .. " is not an organization report") end
    scope, ids = "organization", scope_ids(rep.organization_id, "organization_id", S.orgs, "organization")
  else
    lib.fail("Missing required argument: report.class_id, report.team_id or report.organization_id")
  end
  local pb, pe
  if def_.period then
    local p = rep.period
    if p == nil then p = ctx.args.period end
    if type(p) == "string" then p = lib.hash_of(p, "period") end
    pb, pe = report_period(p)
  end
  local run = lib.scalar(opts.run, "run_options.run")
  if lib.is_blank(run) then lib.fail("Missing required argument: run_options.run") end
  run = lib.one_of(run, { "immediately", "schedule" }, "run_options.run")
  local start_at
  if run == "schedule" then
    local s = lib.scalar(opts.start_at, "run_options.start_at")
    if lib.is_blank(s) then lib.fail("Missing required argument: run_options.start_at") end
    start_at = lib.parse_when(s)
    if not start_at then lib.fail("Invalid run_options.start_at: " .. s) end
    if lib.bool_of(opts.repeats_scheduled_report, "run_options.repeats_scheduled_report", false) then
      local rp = lib.scalar(opts.repeats, "run_options.repeats")
      if lib.is_blank(rp) then lib.fail("Missing required argument: run_options.repeats") end
      lib.one_of(rp, { "Minutely", "Daily", "Weekly", "Monthly", "Yearly" }, "run_options.repeats")
      local every = lib.scalar(opts.repeat_every, "run_options.repeat_every")
      if lib.is_blank(every) then lib.fail("Missing required argument: run_options.repeat_every") end
      local n = C.to_int(every)
      if not n or n < 1 or n > 30 then lib.fail("Invalid run_options.repeat_every (1..30): " .. every) end
    end
  end
  local r = {
    id = lib.next_id("next_report"), report_id = def_.id, output = output, run = run, start_at = start_at,
    created_at = lib.now(), delay = lib.CFG.report_delay,
    csv = report_rows(def_, scope, ids, pb, pe),
  }
  S.reports[r.id] = r
  return C.ordered({ "run_report_id" }, { run_report_id = r.id })
end, K.STATEFUL)

def("Reports", "get_report_status", { "run_report_id" }, function(ctx)
  local r = lib.need_in(ctx, "run_report_id", S.reports, "run_report")
  local status, done = report_status(r)
  return C.ordered(K.REPORT_STATUS_KEYS, {
    run_report_id = r.id, report_id = r.report_id, status = status, output = r.output,
    created_at = lib.iso_time(r.created_at), completed_at = lib.iso_time(done),
  })
end, K.STATEFUL)

def("Reports", "download_report", { "run_report_id" }, function(ctx)
  local r = lib.need_in(ctx, "run_report_id", S.reports, "run_report")
  if r.output ~= "CSV" then
    lib.fail("Only CSV reports can be downloaded (report output is " .. r.output .. ")")
  end
  local status = report_status(r)
  if status ~= "Completed" then
    lib.fail("Report " .. r.id .. " is not completed yet (status: " .. status .. ")")
  end
  return lib.raw_reply("text/csv; charset=utf-8", r.csv, {
    ["Content-Disposition"] = format('attachment; filename="report-%d.csv"', r.id),
  })
end, K.STATEFUL)

return {
  live_class = live_class,
}
