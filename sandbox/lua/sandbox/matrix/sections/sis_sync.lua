-- sandbox.matrix.sections.sis_sync: the doc's "SIS Sync" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def
local Courses = require "sandbox.matrix.sections.courses"
local Reports = require "sandbox.matrix.sections.reports"

local type, pairs, ipairs, tostring, tonumber = type, pairs, ipairs, tostring, tonumber
local next = next
local format = string.format
local concat, sort = table.concat, table.sort
local active = Courses.active
local live_class = Reports.live_class

---------------------------------------------------------------------------
-- SIS Sync
---------------------------------------------------------------------------

local function sync_json(s, status)
  return C.ordered(K.SYNC_KEYS, {
    sync_id = s.id, status = status or s.status, created_at = lib.iso_ms(s.created_at),
    committed_at = s.committed_at and lib.iso_ms(s.committed_at) or "", error = s.error or "",
  })
end

local function active_sync()
  for _, s in ipairs(lib.sorted_values(S.syncs)) do
    if s.status == "Preparing" or s.status == "Prepared" then return s end
  end
  return nil
end

local function find_sync(ctx, required)
  local id = lib.arg_int(ctx, "sync_id", required)
  if id == nil then return nil end
  local s = S.syncs[id]
  if not s then lib.fail("Invalid sync_ID") end
  return s
end

-- A string value of sync data (nil for absent/null/blank).
local function sval(v)
  if v == nil or v == C.null then return nil end
  if type(v) == "number" then return lib.num_str(v) end
  if type(v) == "boolean" then return tostring(v) end
  if type(v) ~= "string" or lib.is_blank(v) then return nil end
  return lib.trim(v)
end

local function sub(t, k)
  if type(t) ~= "table" then return nil end
  return t[k]
end

-- The operations of sync_teachers/sync_students/sync_classes: "data" (the
-- doc's example) or "operations"; an array, a JSON string, {"data": [...]}
-- or data[0][action]=...
local function sync_ops(ctx)
  local v = ctx.args.data
  if v == nil then v = ctx.args.operations end
  if type(v) == "string" then
    if lib.is_blank(v) then v = nil
    else
      local d = C.decode(v)
      if type(d) ~= "table" then lib.fail("Invalid data: expected a JSON array of operations") end
      v = d
    end
  end
  if type(v) == "table" and v[1] == nil and type(v.data) == "table" then v = v.data end
  if type(v) == "table" and v[1] == nil and next(v) ~= nil then
    local keys = {}
    for k in pairs(v) do
      if not tonumber(k) then lib.fail("Invalid data: expected an array of operations") end
      keys[#keys + 1] = k
    end
    sort(keys, function(a, b) return tonumber(a) < tonumber(b) end)
    local arr = {}
    for i, k in ipairs(keys) do arr[i] = v[k] end
    v = arr
  end
  if type(v) ~= "table" or v[1] == nil then lib.fail("Missing required argument: data") end
  return v
end

local function validate_ops(ops, kind)
  for i, op in ipairs(ops) do
    if type(op) ~= "table" or op[1] ~= nil then
      lib.fail(format("Invalid operation %d: expected an object", i))
    end
    local action = sval(op.action)
    if action ~= "add" and action ~= "edit" and action ~= "delete" then
      lib.fail(format("Invalid operation %d: action must be add, edit or delete", i))
    end
    local d = op.data
    if type(d) ~= "table" or d[1] ~= nil then lib.fail(format("Invalid operation %d: data is required", i)) end
    if action == "delete" then
      if not (sval(d.lms_id) or sval(d.id) or sval(d.sis_id)) then
        lib.fail(format("Invalid operation %d: delete needs data.lms_id, data.id or data.sis_id", i))
      end
    else
      if not sval(d.id) then lib.fail(format("Invalid operation %d: data.id is required for %s", i, action)) end
      if action == "add" then
        if kind == "classes" then
          if not sval(d.name) then
            lib.fail(format("Invalid operation %d: data.name is required for add", i))
          end
        elseif not sval(sub(d.name, "first")) or not sval(sub(d.name, "last")) then
          lib.fail(format("Invalid operation %d: data.name.first and data.name.last are required for add", i))
        end
      end
    end
  end
end

local function sync_adder(kind)
  return function(ctx)
    local s = find_sync(ctx, true)
    if s.status ~= "Preparing" then
      lib.fail(format("Sync %d is %s: no more data can be added", s.id, s.status))
    end
    local ops = sync_ops(ctx)
    validate_ops(ops, kind)
    for _, op in ipairs(ops) do s.ops[kind][#s.ops[kind] + 1] = op end
    return sync_json(s)
  end
end

-- The first item of a list whose key(item) is value; nil when value is nil
-- or no item has it.
local function first_with(list, value, key)
  if value == nil then return nil end
  for _, x in ipairs(list) do
    if key(x) == value then return x end
  end
  return nil
end

-- What a synced record's SIS ids (data.id, then data.sis_id) name in a list.
local function by_sis_ids(list, d)
  return first_with(list, sval(d.id), function(x) return x.sis.id end)
      or first_with(list, sval(d.sis_id), function(x) return x.sis.sis_id end)
end

-- The user a synced record names: its LMS id, SIS ids, teacher or
-- student number, then email (any case).
local function match_sync_user(d, kind)
  local lms = C.to_int(sval(d.lms_id) or "")
  if lms and S.users[lms] then return S.users[lms] end
  local users = lib.sorted_values(S.users)
  local field = kind == "teachers" and "teacher_id" or "student_id"
  local email = sval(d.email)
  return by_sis_ids(users, d)
      or first_with(users, sval(kind == "teachers" and d.teacher_number or d.student_number),
                    function(u) return u[field] end)
      or first_with(users, email and email:lower(), function(u) return u.email and u.email:lower() end)
end

local function register_field(list, name, reserved)
  if reserved[name] then return false end
  for _, f in ipairs(list) do
    if f == name then return true end
  end
  list[#list + 1] = name
  return true
end

local USER_RESERVED = {}
for _, k in ipairs(K.USER_KEYS) do USER_RESERVED[k] = true end
for _, k in ipairs(K.STUDENT_EXTRA) do USER_RESERVED[k] = true end
local CLASS_RESERVED = {}
for _, k in ipairs(K.CLASS_KEYS) do CLASS_RESERVED[k] = true end

local function apply_custom_fields(target, d, list, reserved)
  local cf = sub(sub(d, "ext"), "custom_fields")
  if type(cf) ~= "table" then return end
  for _, f in ipairs(cf) do
    local name = sval(sub(f, "name"))
    if name and register_field(list, name, reserved) then target.custom[name] = sval(f.value) end
  end
end

local function sis_dob(s)
  s = sval(s)
  if not s then return nil end
  return lib.parse_date(s)
end

local function sync_user_fields(u, d, kind)
  local name = d.name
  if sval(sub(name, "first")) then u.first_name = sval(name.first) end
  if sval(sub(name, "last")) then u.last_name = sval(name.last) end
  if sub(name, "middle") ~= nil then u.middle_name = sval(name.middle) end
  if d.email ~= nil then u.email = sval(d.email) end
  if sval(d.id) then u.sis.id = sval(d.id) end
  if sval(d.sis_id) then u.sis.sis_id = sval(d.sis_id) end
  local created = sval(d.created)
  if created and lib.parse_when(created) then u.joined_at = lib.parse_when(created) end
  if kind == "teachers" then
    u.teacher = true
    if d.teacher_number ~= nil then u.teacher_id = sval(d.teacher_number) end
    if d.title ~= nil then u.title = sval(d.title) end
  else
    u.student = true
    if d.student_number ~= nil then u.student_id = sval(d.student_number) end
    if d.dob ~= nil then u.birthdate = sis_dob(d.dob) end
    if d.gender ~= nil then
      local g = (sval(d.gender) or ""):upper()
      u.gender = (g == "M" or g == "MALE") and "Male" or ((g == "F" or g == "FEMALE") and "Female" or nil)
    end
    if d.graduation_year ~= nil then u.year_of_graduation = C.to_int(sval(d.graduation_year) or "") end
    if d.grade ~= nil then u.grade_level = sval(d.grade) end
    local loc = d.location
    if type(loc) == "table" then
      if loc.address ~= nil then u.street_1 = sval(loc.address) end
      if loc.city ~= nil then u.city = sval(loc.city) end
      if loc.state ~= nil then u.state = sval(loc.state) end
      if loc.zip ~= nil then u.zip = sval(loc.zip) end
    end
  end
  apply_custom_fields(u, d, S.user_fields, USER_RESERVED)
end

local function apply_user_op(op, kind, errors)
  local d = op.data
  local label = format("%s %s", kind == "teachers" and "instructor" or "learner",
    sval(d.id) or sval(d.lms_id) or sval(d.sis_id) or "?")
  local u = match_sync_user(d, kind)
  if op.action == "delete" then
    if not u then
      errors[#errors + 1] = label .. ": no matching user to delete"
      return
    end
    if u.id == S.admin_id then
      errors[#errors + 1] = label .. ": cannot delete the API key's owner"
      return
    end
    lib.remove_user_everywhere(u.id)
    return
  end
  if not u and op.action == "edit" then
    errors[#errors + 1] = label .. ": no matching user to edit"
    return
  end
  local userid = sval(sub(d.credentials, "district_username"))
  if userid then
    local other = S.by_userid[userid:lower()]
    if other and other ~= u then
      errors[#errors + 1] = label .. ": userid " .. userid .. " is already taken"
      return
    end
  end
  if not u then
    local base = userid or sval(d.email) or sval(d.id)
    if S.by_userid[base:lower()] then
      errors[#errors + 1] = label .. ": userid " .. base .. " is already taken"
      return
    end
    u = lib.new_user({ userid = base })
  elseif userid then
    lib.set_userid(u, userid)
  end
  sync_user_fields(u, d, kind)
end

-- The live class a synced record names: its LMS id, SIS ids, then its
-- course number (or course).
local function match_sync_class(d)
  local classes = lib.sorted_values(S.classes, function(c) return not c.deleted and not c.template end)
  local lms = C.to_int(sval(d.lms_id) or "")
  if lms and S.classes[lms] and live_class(S.classes[lms]) then return S.classes[lms] end
  return by_sis_ids(classes, d)
      or first_with(classes, sval(d.course_number) or sval(d.course), function(c) return c.course_code end)
end

-- A person reference in a synced course: an LMS user id, else an SIS id
-- (data.sis_id or data.id of a synced user).
local function resolve_person(ref)
  local s = sval(ref)
  if not s then return nil end
  local n = C.to_int(s)
  if n and S.users[n] then return S.users[n] end
  for _, u in ipairs(lib.sorted_values(S.users)) do
    if u.sis.sis_id == s or u.sis.id == s then return u end
  end
  return nil
end

-- A synced course's roster: exactly the listed learners (enroll_type
-- "SIS"); the others are unenrolled.  Unknown learners go to errors.
local function sync_roster(c, students, label, errors)
  local want = {}
  for _, ref in ipairs(students) do
    local u = resolve_person(ref)
    if u then
      want[u.id] = true
      if not active(c, u.id) then
        lib.enroll(c, u.id, { enroll_type = "SIS", enrolled_by_id = S.admin_id })
      end
    else
      errors[#errors + 1] = label .. ": unknown learner " .. tostring(sval(ref))
    end
  end
  local t = lib.now()
  for _, uid in ipairs(c.enroll_order) do
    local e = c.enrollments[uid]
    if e and not e.unenrolled and not want[uid] then
      e.unenrolled, e.unenrolled_at, e.unenrolled_by_id = true, t, S.admin_id
    end
  end
end

-- A synced course's instructors: data.teacher is the main one,
-- data.teachers all of them.  Unknown instructors go to errors.
local function sync_teachers(c, d, label, errors)
  local refs = {}
  if d.teacher ~= nil then refs[1] = d.teacher end
  for _, ref in ipairs(type(d.teachers) == "table" and d.teachers or {}) do refs[#refs + 1] = ref end
  local list, seen = {}, {}
  for _, ref in ipairs(refs) do
    local u = resolve_person(ref)
    if u then
      if not seen[u.id] then
        seen[u.id] = true
        list[#list + 1] = { user_id = u.id, coteacher = #list > 0 }
      end
    else
      errors[#errors + 1] = label .. ": unknown instructor " .. tostring(sval(ref))
    end
  end
  c.teachers = list
end

-- Applies one course operation of a sync (add, edit or delete); what
-- could not be applied goes to errors.
local function apply_class_op(op, errors)
  local d = op.data
  local label = "course " .. (sval(d.id) or sval(d.lms_id) or sval(d.sis_id) or "?")
  local c = match_sync_class(d)
  if op.action == "delete" then
    if not c then
      errors[#errors + 1] = label .. ": no matching course to delete"
      return
    end
    c.deleted = true
    return
  end
  if not c and op.action == "edit" then
    errors[#errors + 1] = label .. ": no matching course to edit"
    return
  end
  if not c then c = lib.new_class({ name = sval(d.name) }) end
  if sval(d.name) then c.name = sval(d.name) end
  if sval(d.id) then c.sis.id = sval(d.id) end
  if sval(d.sis_id) then c.sis.sis_id = sval(d.sis_id) end
  local code = sval(d.course_number) or sval(d.course)
  if code then c.course_code = code end
  if d.section_number ~= nil then c.section_code = sval(d.section_number) end
  if d.subject ~= nil then c.subject = sval(d.subject) end
  if d.grade ~= nil then c.grade_level = sval(d.grade) end
  if d.period ~= nil then c.period = sval(d.period) end
  local term = d.term
  if type(term) == "table" then
    if term.name ~= nil then c.semester = sval(term.name) end
    local sd, ed = sis_dob(term.start_date), sis_dob(term.end_date)
    if sd then c.start = sd end
    if ed then c.finish = ed end
    if sd or ed then c.style = "Instructor" end
  end
  local ext = d.ext
  local parent_lms = C.to_int(sval(sub(ext, "parent_class_lms_id")) or "")
  if parent_lms and S.classes[parent_lms] then
    c.parent_id = parent_lms
  elseif sval(sub(ext, "parent_class_id")) then
    local p = match_sync_class({ id = sub(ext, "parent_class_id"), sis_id = sub(ext, "parent_class_id") })
    if p then c.parent_id = p.id else errors[#errors + 1] = label .. ": unknown parent course" end
  end
  apply_custom_fields(c, d, S.class_fields, CLASS_RESERVED)
  if type(d.students) == "table" then sync_roster(c, d.students, label, errors) end
  if type(d.teachers) == "table" or d.teacher ~= nil then sync_teachers(c, d, label, errors) end
end

def("SIS Sync", "begin_sync", {}, function()
  local a = active_sync()
  if a then lib.fail(format("Sync %d is already active: commit or cancel it first", a.id)) end
  local s = {
    id = lib.next_id("next_sync"), status = "Preparing", created_at = lib.now(), error = "",
    ops = { teachers = {}, students = {}, classes = {} },
  }
  S.syncs[s.id] = s
  return sync_json(s)
end, K.STATEFUL)

def("SIS Sync", "commit_sync", { "sync_id", "force" }, function(ctx)
  local s = find_sync(ctx, true)
  local force = lib.arg_bool(ctx, "force", false)
  if s.status == "Committed" then lib.fail(format("Sync %d has already been committed", s.id)) end
  local changes = 0
  for _, list in pairs(s.ops) do
    for _, op in ipairs(list) do
      if op.action ~= "add" then changes = changes + 1 end
    end
  end
  s.status = "Prepared"
  if changes > lib.CFG.sync_threshold and not force then
    s.error = format("The sync edits or deletes %d items, more than the threshold of %d; an administrator "
      .. "must commit it, or commit again with force=true", changes, lib.CFG.sync_threshold)
    lib.fail(s.error)
  end
  local errors = {}
  for _, op in ipairs(s.ops.teachers) do apply_user_op(op, "teachers", errors) end
  for _, op in ipairs(s.ops.students) do apply_user_op(op, "students", errors) end
  for _, op in ipairs(s.ops.classes) do apply_class_op(op, errors) end
  s.status, s.committed_at, s.error = "Committed", lib.now(), concat(errors, "; ")
  return sync_json(s)
end, K.STATEFUL)

def("SIS Sync", "cancel_sync", { "sync_id" }, function(ctx)
  local s = find_sync(ctx, true)
  if s.status == "Committed" then
    lib.fail(format("Sync %d has already been committed and cannot be canceled", s.id))
  end
  S.syncs[s.id] = nil
  return sync_json(s, "Canceled")
end, K.STATEFUL)

def("SIS Sync", "sync_status", { "sync_id" }, function(ctx)
  local s = find_sync(ctx, false)
  if s then return sync_json(s) end
  local a = active_sync()
  if not a then lib.fail("No active sync was found") end
  return sync_json(a)
end, K.STATEFUL)

def("SIS Sync", "sync_teachers", { "sync_id", "data", "operations" }, sync_adder("teachers"), K.STATEFUL)
def("SIS Sync", "sync_students", { "sync_id", "data", "operations" }, sync_adder("students"), K.STATEFUL)
def("SIS Sync", "sync_classes", { "sync_id", "data", "operations" }, sync_adder("classes"), K.STATEFUL)

return true
