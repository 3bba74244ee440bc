-- sandbox.matrix.state: the state tables (S, CFG, LIM), key orders (K) and the record constructors.

local C = require "sandbox.common"
local B = require "sandbox.matrix.base"

local pairs, ipairs = pairs, ipairs
local copy_list, iso_date, now = B.copy_list, B.iso_date, B.now

---------------------------------------------------------------------------
-- State
---------------------------------------------------------------------------

local K = {}     -- key orders of the JSON objects, and other constants
local S = {}     -- everything the API can see or change; see seed()
local CFG = {}   -- limiter/sync/report configuration
local LIM = {}   -- limiter state and counters


K.USER_KEYS = {
  "id", "first_name", "last_name", "userid", "password", "email", "sms_email", "student", "teacher",
  "assistant", "administrator", "monitor", "manager", "year_of_graduation", "student_id", "teacher_id",
  "organization_id", "birthdate", "nick_name", "skype", "phone", "gender", "street_1", "street_2", "city",
  "state", "zip", "country", "picture", "joined_at", "first_login_at", "last_login_at", "logins",
  "archived", "archived_at", "job_title_id",
}
K.STUDENT_EXTRA = {
  "notes", "enroll_type", "enrolled_at", "enrolled_by_id", "started_at", "last_visited_at", "time_spent",
  "completed_at", "unenrolled", "unenrolled_at", "unenrolled_by_id", "deactivated", "deactivated_at",
  "reactivated_at", "percent", "grade",
}
K.NOTE_KEYS = { "teacher_id", "submitted_at", "show_student", "show_parents", "subject", "message" }
K.CLASS_KEYS = {
  "id", "name", "style", "course_code", "section_code", "picture", "semester", "start", "finish",
  "class_times", "weighting_using_categories", "weighting_style", "display_in_catalog", "archived",
  "catalog_category", "grademap", "grading_periods",
}
K.TEMPLATE_KEYS = {
  "id", "name", "style", "course_code", "section_code", "picture", "semester", "start", "finish",
  "weighting_using_categories", "weighting_style", "display_in_catalog", "archived", "catalog_category",
  "grademap", "grading_periods",
}
K.GROUP_KEYS = { "id", "name", "description", "access_code", "picture", "visibility", "type" }
K.GROUP_USER_KEYS = { "id", "joined_at", "last_visited_at" }
K.ORG_KEYS = { "id", "name", "description", "internal" }
K.PATH_KEYS = { "id", "name", "description", "picture", "sequencing", "goals" }
K.RESOURCE_KEYS = { "id", "type", "name", "library", "creator_id", "created_at", "url" }
K.CERT_KEYS = { "id", "name", "description", "printable", "duration" }
K.CURRICULUM_KEYS = { "id", "name", "description", "city", "state", "country", "organization" }
K.JOB_TITLE_KEYS = { "id", "name", "description" }
K.SYNC_KEYS = { "sync_id", "status", "created_at", "committed_at", "error" }
K.MAIL_KEYS = {
  "id", "kind", "function", "user_id", "userid", "email", "from_name", "class_id", "path_id", "time",
}

local DEFAULT_GRADEMAP = {
  { "A+", 97 }, { "A", 93 }, { "A-", 90 }, { "B+", 87 }, { "B", 83 }, { "B-", 80 }, { "C+", 77 },
  { "C", 73 }, { "C-", 70 }, { "D+", 67 }, { "D", 63 }, { "D-", 60 }, { "F", 0 },
}

local function default_grademap()
  local out = {}
  for i, g in ipairs(DEFAULT_GRADEMAP) do out[i] = { grade = g[1], minimum_percent = g[2] } end
  return out
end

local function next_id(counter)
  return C.take_id(S, counter)
end

local function set_userid(u, userid)
  if u.userid then S.by_userid[u.userid:lower()] = nil end
  u.userid = userid
  if userid then S.by_userid[userid:lower()] = u end
end

local function new_user(f)
  local u = {
    id = next_id("next_user"), custom = {}, sis = {}, logins = 0, joined_at = now(),
    student = false, teacher = false, assistant = false, administrator = false, monitor = false,
    manager = false, archived = false,
  }
  for k, v in pairs(f) do
    if k ~= "userid" then u[k] = v end
  end
  S.users[u.id] = u
  set_userid(u, f.userid)
  return u
end

local DEFAULT_CLASS_TABS = {
  "news", "lessons", "calendar", "resources", "forums", "students_tab", "teachers_tab",
}

local function new_class(f)
  local c = {
    id = next_id("next_class"), style = "Self paced", private = true, top_tab = "Lessons",
    tabs = copy_list(DEFAULT_CLASS_TABS), display_in_catalog = false, weighting_style = "Points",
    weighting_using_categories = false, archived = false, deleted = false, template = false,
    grademap = default_grademap(), class_times = {}, catalog_category = {}, teachers = {},
    enrollments = {}, enroll_order = {}, assignment_ids = {}, lessons = {}, custom = {}, sis = {},
    curricula = {}, attendance = {}, created_at = now(),
  }
  for k, v in pairs(f) do c[k] = v end
  if not c.grading_periods then
    c.grading_periods = { { name = "Full term", percent = 100, start = c.start or iso_date(c.created_at) } }
  end
  S.classes[c.id] = c
  return c
end

local function new_assignment(c, f)
  local a = {
    id = next_id("next_assignment"), class_id = c.id, type = "Freeform", points = 100, grading = "Normal",
    gateway = false, given = true, competencies = {},
  }
  for k, v in pairs(f) do a[k] = v end
  S.assignments[a.id] = a
  c.assignment_ids[#c.assignment_ids + 1] = a.id
  return a
end

local function enroll(c, uid, f)
  local e = c.enrollments[uid]
  if not e then
    e = { user_id = uid }
    c.enrollments[uid] = e
    c.enroll_order[#c.enroll_order + 1] = uid
  end
  e.notes = e.notes or {}
  e.enroll_type = f.enroll_type or "API"
  e.enrolled_at = f.enrolled_at or now()
  e.enrolled_by_id = f.enrolled_by_id
  e.started_at, e.last_visited_at, e.time_spent = f.started_at, f.last_visited_at, f.time_spent or 0
  e.completed_at, e.percent, e.grade = f.completed_at, f.percent, f.grade
  e.unenrolled, e.unenrolled_at, e.unenrolled_by_id = false, nil, nil
  e.deactivated, e.deactivated_at, e.reactivated_at = false, nil, nil
  return e
end

local function add_teacher(c, uid)
  for _, t in ipairs(c.teachers) do
    if t.user_id == uid then return false end
  end
  c.teachers[#c.teachers + 1] = { user_id = uid, coteacher = #c.teachers > 0 }
  return true
end

local function set_grade(aid, uid, rec)
  S.grades[aid] = S.grades[aid] or {}
  S.grades[aid][uid] = rec
end

return {
  CFG = CFG,
  K = K,
  LIM = LIM,
  S = S,
  add_teacher = add_teacher,
  enroll = enroll,
  new_assignment = new_assignment,
  new_class = new_class,
  new_user = new_user,
  next_id = next_id,
  set_grade = set_grade,
  set_userid = set_userid,
}
