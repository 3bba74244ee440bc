-- sandbox.matrix.views: look-ups by id, the JSON views of records, and grade arithmetic.

local C = require "sandbox.common"
local B = require "sandbox.matrix.base"
local ST = require "sandbox.matrix.state"

local type, pairs, ipairs, tostring, tonumber = type, pairs, ipairs, tostring, tonumber
local sort = table.sort
local arg_ids, arg_int, fail, id_array, is_blank = B.arg_ids, B.arg_int, B.fail, B.id_array, B.is_blank
local iso_date, iso_ms, iso_time, map_array, now = B.iso_date, B.iso_ms, B.iso_time, B.map_array, B.now
local num_str, round2, scalar, sorted_keys_num = B.num_str, B.round2, B.scalar, B.sorted_keys_num
local K, S, next_id, set_userid = ST.K, ST.S, ST.next_id, ST.set_userid

---------------------------------------------------------------------------
-- Lookups
---------------------------------------------------------------------------

local function find_user(id)
  local u = S.users[id]
  if not u then fail("Invalid user ID: " .. id) end
  return u
end

local function need_user(ctx, name)
  return find_user(arg_int(ctx, name or "user_id", true))
end

local function users_arg(ctx, name)
  local out = {}
  for i, id in ipairs(arg_ids(ctx, name or "user_ids", true)) do out[i] = find_user(id) end
  return out
end

-- kind: "class" (default), "template", "any" (either), "trash" (deleted classes too)
local function find_class(id, kind)
  local c = S.classes[id]
  kind = kind or "class"
  local ok = c ~= nil
  if ok and kind ~= "trash" and kind ~= "trash_template" and c.deleted then ok = false end
  if ok and (kind == "class" or kind == "trash") and c.template then ok = false end
  if ok and (kind == "template" or kind == "trash_template") and not c.template then ok = false end
  if not ok then
    fail(((kind == "template" or kind == "trash_template") and "Invalid class template ID: "
      or "Invalid class ID: ") .. id)
  end
  return c
end

local function need_class(ctx, name, kind)
  return find_class(arg_int(ctx, name or "class_id", true), kind)
end

local function find_in(map, id, what)
  local x = map[id]
  if not x then fail("Invalid " .. what .. " ID: " .. id) end
  return x
end

local function need_in(ctx, name, map, what)
  return find_in(map, arg_int(ctx, name, true), what)
end

local function list_in(ctx, name, map, what)
  local out = {}
  for i, id in ipairs(arg_ids(ctx, name, true)) do out[i] = find_in(map, id, what) end
  return out
end

---------------------------------------------------------------------------
-- JSON views (key order as in the doc's field lists)
---------------------------------------------------------------------------

local function append_keys(base, extra)
  local keys = {}
  for i, k in ipairs(base) do keys[i] = k end
  for _, k in ipairs(extra or {}) do keys[#keys + 1] = k end
  return keys
end

-- An ordered object with exactly `keys` (other values are dropped).
local function only(keys, values)
  local v = {}
  for _, k in ipairs(keys) do v[k] = values[k] end
  return C.ordered(keys, v)
end

local function user_values(u)
  local v = {}
  for _, k in ipairs(K.USER_KEYS) do v[k] = u[k] end
  v.password = nil -- only hashes are kept: the field is always null
  v.joined_at = iso_time(u.joined_at)
  v.first_login_at = iso_time(u.first_login_at)
  v.last_login_at = iso_time(u.last_login_at)
  v.archived_at = iso_time(u.archived_at)
  for _, f in ipairs(S.user_fields) do v[f] = u.custom[f] end
  return v
end

local function user_keys(extra)
  return append_keys(append_keys(K.USER_KEYS, S.user_fields), extra)
end

local function user_json(u, extra_keys, extra)
  local v = user_values(u)
  if extra then
    for k, x in pairs(extra) do v[k] = x end
  end
  return C.ordered(user_keys(extra_keys), v)
end

local function note_json(n)
  return C.ordered(K.NOTE_KEYS, {
    teacher_id = n.teacher_id, submitted_at = iso_time(n.submitted_at), show_student = n.show_student,
    show_parents = n.show_parents, subject = n.subject, message = n.message,
  })
end

local function student_json(e)
  local u = S.users[e.user_id]
  local v = user_values(u)
  v.notes = map_array(e.notes or {}, note_json)
  v.enroll_type = e.enroll_type
  v.enrolled_at = iso_time(e.enrolled_at)
  v.enrolled_by_id = e.enrolled_by_id
  v.started_at = iso_time(e.started_at)
  v.last_visited_at = iso_time(e.last_visited_at)
  v.time_spent = e.time_spent or 0
  v.completed_at = iso_time(e.completed_at)
  v.unenrolled = e.unenrolled == true
  v.unenrolled_at = iso_time(e.unenrolled_at)
  v.unenrolled_by_id = e.unenrolled_by_id
  v.deactivated = e.deactivated == true
  v.deactivated_at = iso_time(e.deactivated_at)
  v.reactivated_at = iso_time(e.reactivated_at)
  v.percent = e.percent
  v.grade = e.grade
  return C.ordered(user_keys(K.STUDENT_EXTRA), v)
end

local function class_json(c, extra_keys, extra)
  local self_paced = c.style == "Self paced"
  local times = C.array()
  if not self_paced then
    for _, x in ipairs(c.class_times) do
      times[#times + 1] = C.ordered({ "day", "from", "to", "location" }, {
        day = x.day, from = x.from, to = x.to, location = x.location,
      })
    end
  end
  local gm = C.array()
  for _, g in ipairs(c.grademap) do
    gm[#gm + 1] = C.ordered({ "grade", "minimum_percent" },
      { grade = g.grade, minimum_percent = g.minimum_percent })
  end
  local gp = C.array()
  for _, p in ipairs(c.grading_periods) do
    gp[#gp + 1] = C.ordered({ "name", "percent", "start" },
      { name = p.name, percent = p.percent, start = p.start })
  end
  local v = {
    id = c.id, name = c.name, style = c.style, course_code = c.course_code, section_code = c.section_code,
    picture = c.picture, semester = c.semester,
    start = (not self_paced) and c.start or nil, finish = (not self_paced) and c.finish or nil,
    weighting_using_categories = c.weighting_using_categories, weighting_style = c.weighting_style,
    display_in_catalog = c.display_in_catalog, archived = c.archived,
    catalog_category = id_array(c.catalog_category), grademap = gm, grading_periods = gp,
  }
  local keys
  if c.template then
    keys = append_keys(K.TEMPLATE_KEYS, extra_keys)
  else
    v.class_times = times
    keys = append_keys(K.CLASS_KEYS, S.class_fields)
    for _, f in ipairs(S.class_fields) do v[f] = c.custom[f] end
    keys = append_keys(keys, extra_keys)
  end
  if extra then
    for k, x in pairs(extra) do v[k] = x end
  end
  return C.ordered(keys, v)
end

local function teacher_entry(c, uid)
  for _, t in ipairs(c.teachers) do
    if t.user_id == uid then return t end
  end
  return nil
end

local function org_json(o)
  return C.ordered(K.ORG_KEYS, {
    id = o.id, name = o.name, description = o.description, internal = o.internal,
  })
end

local function group_json(g)
  return C.ordered(K.GROUP_KEYS, {
    id = g.id, name = g.name, description = g.description, access_code = g.private and g.access_code or nil,
    picture = g.picture, visibility = g.private and "Private" or "School", type = g.type,
  })
end

local function group_users_json(map)
  local out = C.array()
  for _, uid in ipairs(sorted_keys_num(map)) do
    local m = map[uid]
    out[#out + 1] = C.ordered(K.GROUP_USER_KEYS, {
      id = uid, joined_at = iso_time(m.joined_at), last_visited_at = iso_time(m.last_visited_at),
    })
  end
  return out
end

local function path_json(p)
  local goals = C.array()
  for _, cid in ipairs(p.goals) do
    goals[#goals + 1] = C.ordered({ "type", "class_id" }, { type = "CompleteClassGoal", class_id = cid })
  end
  return C.ordered(K.PATH_KEYS, {
    id = p.id, name = p.name, description = p.description, picture = p.picture, sequencing = p.sequencing,
    goals = goals,
  })
end

local function cert_json(x, extra_keys, extra)
  local v = { id = x.id, name = x.name, description = x.description, printable = x.printable,
    duration = x.duration }
  if extra then
    for k, y in pairs(extra) do v[k] = y end
  end
  return C.ordered(append_keys(K.CERT_KEYS, extra_keys), v)
end

local function curriculum_json(x)
  return C.ordered(K.CURRICULUM_KEYS, {
    id = x.id, name = x.name, description = x.description, city = x.city, state = x.state,
    country = x.country, organization = x.organization,
  })
end

local function job_title_json(j)
  return C.ordered(K.JOB_TITLE_KEYS, { id = j.id, name = j.name, description = j.description })
end

---------------------------------------------------------------------------
-- Grades
---------------------------------------------------------------------------

-- Special grades: X = excused and I = incomplete (not counted), M = missing
-- and AB = absent (counted as zero).
local SPECIAL_GRADES = { X = false, I = false, M = true, AB = true }

-- Parses a grade exactly as sent.  Returns a record, or "clear" for a blank
-- grade, or nil + reason.
local function parse_grade(c, a, g)
  if g:match("^%s*$") then return "clear" end
  local counted = SPECIAL_GRADES[g]
  if counted ~= nil then
    if counted then return { grade = g, score = 0, percent = 0, counted = true } end
    return { grade = g, counted = false }
  end
  local pct = g:match("^(%d+%.?%d*)%%$") or g:match("^(%.%d+)%%$")
  if pct then
    pct = tonumber(pct)
    return { grade = g, percent = round2(pct), score = round2(a.points * pct / 100), counted = true }
  end
  local num = g:match("^%d+%.?%d*$") or g:match("^%.%d+$")
  if num then
    local score = tonumber(num)
    local p
    if a.points and a.points > 0 then p = round2(100 * score / a.points) end
    return { grade = g, score = score, percent = p, counted = true }
  end
  for _, m in ipairs(c.grademap) do
    if m.grade == g then
      return { grade = g, percent = m.minimum_percent, score = round2(a.points * m.minimum_percent / 100),
        counted = true }
    end
  end
  return nil
end

local function letter_for(c, pct)
  if pct == nil then return nil end
  local best
  for _, m in ipairs(c.grademap) do
    if pct >= m.minimum_percent and (not best or m.minimum_percent > best.minimum_percent) then best = m end
  end
  return best and best.grade or nil
end

local function class_assignments(c)
  local out = {}
  for _, aid in ipairs(c.assignment_ids) do
    if S.assignments[aid] then out[#out + 1] = S.assignments[aid] end
  end
  return out
end

-- Percent of a student over a list of assignments (points-weighted; extra
-- credit adds to the score only; "Ignore"/"Not graded" and X/I are skipped).
local function percent_over(assignments, uid)
  local earned, possible = 0, 0
  for _, a in ipairs(assignments) do
    local rec = S.grades[a.id] and S.grades[a.id][uid]
    if rec and rec.counted and a.grading ~= "Ignore" and a.grading ~= "Not graded" then
      earned = earned + (rec.score or 0)
      if a.grading ~= "Extra credit" then possible = possible + (a.points or 0) end
    end
  end
  if possible <= 0 then return nil end
  return round2(100 * earned / possible)
end

local function period_index(c, a)
  local idx = 1
  local d = a.begin and iso_date(a.begin)
  if d then
    for i, p in ipairs(c.grading_periods) do
      if p.start and p.start <= d then idx = i end
    end
  end
  return idx
end

K.ASSIGNMENT_GRADE_KEYS = {
  "id", "percent", "grade", "score", "points", "comment", "submitted_at", "grader_id",
}

local function assignment_grade_json(a, rec)
  local v = { id = a.id, points = a.points }
  local keys = K.ASSIGNMENT_GRADE_KEYS
  if rec then
    v.percent, v.grade, v.score, v.comment = rec.percent, rec.grade, rec.score, rec.comment
    v.submitted_at, v.grader_id = iso_time(rec.submitted_at), rec.grader_id
    if rec.gradebook then
      keys = append_keys(keys, { "gradebook" })
      v.gradebook = true
    end
  end
  return C.ordered(keys, v)
end

local function student_percent(c, uid)
  return percent_over(class_assignments(c), uid)
end

local function grade_info(c, uid)
  local all = class_assignments(c)
  local periods = C.array()
  for i, p in ipairs(c.grading_periods) do
    local list = {}
    for _, a in ipairs(all) do
      if period_index(c, a) == i then list[#list + 1] = a end
    end
    local pct = percent_over(list, uid)
    local rows = C.array()
    for _, a in ipairs(list) do
      rows[#rows + 1] = assignment_grade_json(a, S.grades[a.id] and S.grades[a.id][uid])
    end
    periods[#periods + 1] = C.ordered({ "name", "percent", "grade", "assignments" }, {
      name = p.name, percent = pct, grade = letter_for(c, pct), assignments = rows,
    })
  end
  local pct = percent_over(all, uid)
  return C.ordered({ "user_id", "percent", "grade", "grading_periods" }, {
    user_id = uid, percent = pct, grade = letter_for(c, pct), grading_periods = periods,
  })
end

-- set_grades_for_assignment rows -> { {user_id = n, grade = "..."}, ... }
local function grade_value(v, i)
  if v == nil or v == C.null then return "" end
  if type(v) == "table" then fail("Invalid grades: grade " .. i .. " is not a single value") end
  if type(v) == "boolean" then fail("Invalid grades: grade " .. i .. " is not a grade") end
  if type(v) == "number" then return num_str(v) end
  return tostring(v)
end

local function grade_rows(v)
  if type(v) == "string" then
    if is_blank(v) then return {} end
    local d = C.decode(v)
    if type(d) ~= "table" then fail("Invalid grades: expected a list of {user_id, grade}") end
    v = d
  end
  if v == nil or v == C.null then return {} end
  if type(v) ~= "table" then fail("Invalid grades: expected a list of {user_id, grade}") end
  local rows = {}
  local function add(uid, g)
    local n = C.to_int(type(uid) == "number" and uid or scalar(uid, "grades user_id"))
    if not n then fail("Invalid grades: bad user_id " .. tostring(scalar(uid, "user_id"))) end
    rows[#rows + 1] = { user_id = n, grade = grade_value(g, #rows + 1) }
  end
  if #v > 0 then
    local zip = false
    for _, e in ipairs(v) do
      if type(e) ~= "table" then fail("Invalid grades: expected a list of {user_id, grade}") end
      if e.user_id == nil then zip = true end
    end
    if zip then
      -- grades[][user_id]=..&grades[][grade]=.. arrives as separate columns
      local uids, gs = {}, {}
      local function collect(into, x)
        if type(x) == "table" then
          for _, y in ipairs(x) do into[#into + 1] = y end
        elseif x ~= nil then
          into[#into + 1] = x
        end
      end
      for _, e in ipairs(v) do
        collect(uids, e.user_id)
        collect(gs, e.grade)
      end
      if #uids ~= #gs then fail("Invalid grades: every user_id needs a grade") end
      for i = 1, #uids do add(uids[i], gs[i]) end
    else
      for _, e in ipairs(v) do add(e.user_id, e.grade) end
      for i, e in ipairs(v) do
        if e.comment ~= nil and e.comment ~= C.null then rows[i].comment = scalar(e.comment, "comment") end
      end
    end
    return rows
  end
  local keys = {}
  for k in pairs(v) do
    if not tonumber(k) then fail("Invalid grades: unexpected key " .. tostring(k)) end
    keys[#keys + 1] = k
  end
  sort(keys, function(a, b) return tonumber(a) < tonumber(b) end)
  local indexed = #keys > 0 and type(v[keys[1]]) == "table" and v[keys[1]][1] == nil
  for _, k in ipairs(keys) do
    if indexed then
      -- grades[0][user_id]=3&grades[0][grade]=B%2B
      local e = v[k]
      if type(e) ~= "table" or e.user_id == nil then
        fail("Invalid grades: entry " .. k .. " has no user_id")
      end
      add(e.user_id, e.grade)
      if e.comment ~= nil and e.comment ~= C.null then rows[#rows].comment = scalar(e.comment, "comment") end
    else
      -- grades[<user_id>]=<grade>
      add(k, v[k])
    end
  end
  return rows
end

---------------------------------------------------------------------------
-- Mail (login instructions and notifications; control GET /mail)
---------------------------------------------------------------------------

local function record_mail(ctx, kind, u, extra)
  local m = {
    id = next_id("next_mail"), kind = kind, ["function"] = ctx.fdef.name, user_id = u.id,
    userid = u.userid, email = u.email, time = iso_ms(now()),
  }
  for k, v in pairs(extra or {}) do m[k] = v end
  S.mail[#S.mail + 1] = m
end

-- Applies change(u) to each of users (true when it changed something for
-- u) and, when notify, mails each user changed (kind, extra: as
-- record_mail); returns how many changed.
local function change_users(ctx, users, notify, kind, extra, change)
  local n = 0
  for _, u in ipairs(users) do
    if change(u) then
      n = n + 1
      if notify then record_mail(ctx, kind, u, extra) end
    end
  end
  return n
end

local function remove_user_everywhere(uid)
  local u = S.users[uid]
  if not u then return end
  set_userid(u, nil)
  S.users[uid] = nil
  for _, c in pairs(S.classes) do
    if c.enrollments[uid] then
      c.enrollments[uid] = nil
      c.enroll_order = C.kept(c.enroll_order, function(x) return x ~= uid end)
    end
    local ts = C.kept(c.teachers, function(t) return t.user_id ~= uid end)
    if ts[1] then ts[1].coteacher = false end
    c.teachers = ts
  end
  for _, g in pairs(S.groups) do
    g.members[uid] = nil
    g.admins[uid] = nil
  end
  for _, p in pairs(S.paths) do p.students[uid] = nil end
  for _, per in pairs(S.grades) do per[uid] = nil end
  S.sessions[uid] = nil
end

return {
  append_keys = append_keys,
  cert_json = cert_json,
  class_assignments = class_assignments,
  class_json = class_json,
  curriculum_json = curriculum_json,
  find_class = find_class,
  find_in = find_in,
  find_user = find_user,
  grade_info = grade_info,
  grade_rows = grade_rows,
  group_json = group_json,
  group_users_json = group_users_json,
  job_title_json = job_title_json,
  letter_for = letter_for,
  list_in = list_in,
  need_class = need_class,
  need_in = need_in,
  need_user = need_user,
  only = only,
  org_json = org_json,
  parse_grade = parse_grade,
  path_json = path_json,
  change_users = change_users,
  record_mail = record_mail,
  remove_user_everywhere = remove_user_everywhere,
  student_json = student_json,
  student_percent = student_percent,
  teacher_entry = teacher_entry,
  user_json = user_json,
  users_arg = users_arg,
}
