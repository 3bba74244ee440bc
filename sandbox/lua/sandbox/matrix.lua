-- sandbox.matrix: stateful simulator of the MATRIX LMS API 1.0 (an RPC API)
-- (vendor doc: shared/vendor-docs/matrix-lms-v1.txt).
--
-- Mount: /matrix.  Client base URL https://127.0.0.1:<port>/matrix; every
-- function is /matrix/api/<function>?api_key=<key>&args... (the key: lmskit.sandbox_credentials)
-- The key belongs to the seeded administrator (user 1, "admin").
--
-- Seed (after start and after every reset):
--   users 1 Alice Admin (administrator + teacher, the API key's account,
--   password sandbox-admin-pass), 2 Tom Teacher (teacher, T-1001), 3 Sam
--   Student (custom field ssn=123-456-7890, password sandbox-student-pass),
--   4 Sara Jones, 5 Steve Smith, 6 Sue Park (students S-2001..S-2004).
--   Organizations 1 "Sandbox School", 2 "Partner College"; job titles 1, 2.
--   Classes 1 "Biology 101" (Instructor-led, teacher 2, students 3 4 5,
--   mastery with curriculum 1) and 2 "Workplace Safety" (Self paced,
--   teacher 1, students 5 and 6; 6 completed it and earned certificate 1);
--   class template 3 "Biology template".  Assignment 1 "Cell structure
--   essay" (class 1, 100 points) with grades B+ (user 3), 92% (user 4) and
--   X (user 5); assignment 2 "Safety quiz" (class 2, Quiz, 10 points) has no
--   grades; assignment 3 belongs to the template.  Group 1 "Biology Study
--   Group" (admin 1, members 3 4).  Path 1 "Science pathway" (student 3).
--   Also resources 1-3, certificates 1-2, curriculum 1 (competencies 1-3),
--   games 1 (site) and 2 (class 1), orders 1-3, login sessions, attendance
--   for class 1, and the built-in reports 43, 47 and 12750.  Next ids: user
--   7, class 4.
--
-- DECISIONS where the doc is unclear, and its QUIRKS:
--
-- * Methods: the doc says "perform an HTTP GET" for every call, yet its
--   run_report and sync_* examples are JSON bodies.  So every function
--   accepts GET and POST (HEAD is served as GET).  Anything else -> 405
--   {"message": ...} with Allow: GET, POST.  Args come from the query string
--   merged with the body (form-encoded, or JSON when the Content-Type says
--   json or the body starts like JSON).  The body wins for a key given in
--   both.  A body that is not valid JSON -> 400 {"message":"Invalid JSON"}.
-- * Check order: a path that is not /api/<name> -> 404 {"message":"Not
--   found"}.  Then the method (405), the body (400), the api_key (401), the
--   rate limiter, an unknown function (404 {"message":"Unknown function:
--   x"}), api_version, and last the function's own args (400).
-- * Errors are {"message": ...} as the doc says: 401 for a missing or wrong
--   api_key (the doc's "Invalid API key" in both cases), 400 for everything
--   else.  Two exceptions that are routing errors, not call errors: 404 for
--   an unknown function or path, and 405 for a wrong method.  Messages:
--   "Missing required argument: x", "Invalid x: v", "Invalid user ID: 9"
--   (also class, class template, group, organization, ...), "Unknown user
--   attribute: x", "Unsupported constraint: x".  Validation happens before
--   any change, so a failed call changes nothing (the doc says this for
--   add_students_to_class/add_teachers_to_class/add_students_to_path; here
--   it holds for all).
-- * api_version: absent, "1" or "1.0" are accepted.  Anything else -> 400.
-- * HTTPS is what the doc describes, but the sandbox's plain-HTTP port serves
--   the same API (not refused), like the Catalog simulator.
-- * Rate limit: the doc says that going over 120 calls per minute gives "a
--   rate limit exception" and disables API access for a minute.  It states
--   no status or text, so its general rule applies: 400.  The text is
--   {"message":"API call limit exceeded"}, with Retry-After set to the
--   seconds left in the lockout.  The limiter is a sliding window per key:
--   `limit` accepted calls in any `window` seconds (120 / 60).  The call
--   that would be number limit+1 is refused and starts a lockout of
--   `lockout` seconds (60).  Every call during the lockout is refused, and
--   refused calls neither extend the lockout nor count in the window.  When
--   the lockout ends, the window starts empty.  Only calls with the valid key
--   are limited.  Calls with a bad key get 401 and are only counted.
-- * Replies where the doc names no shape: "Returns the ID" -> a bare JSON
--   integer (add_class, edit_class, add_group, ...).  "The number of users"
--   -> a bare integer (add/remove_students_to/from_class,
--   add/remove_teachers..., add/remove_students_to/from_path): the users
--   actually added/removed.  add_user/update_user -> {"id":..,"userid":..}.
--   get_version -> {"version":1} as in the doc.  is_authenticated -> bare
--   true/false.  Functions for which the doc gives no result (archive_*,
--   delete_*, reactivate_*, restore_*, set_grades_for_assignment, the
--   add/remove group functions, deactivate/reactivate/complete/uncomplete
--   students, post_*) -> bare true.
-- * Arrays: name[]=1&name[]=2 as the doc says.  Also accepted: a JSON array
--   (in a JSON body, or as a string value), "1,2,3", a single value, and
--   name[0]=1&name[1]=2.  Unknown ids -> 400, also for get_*_with_ids.
-- * attributes / constraints / options: the doc's form is
--   "attribute1=value1&attribute2=value2", so plain top-level args that are
--   not the function's own parameters count.  Also accepted:
--   attributes[k]=v (constraints[k]=v, options[k]=v), a JSON object, or a
--   JSON string.  The nested form wins.  Unknown attributes and
--   constraints -> 400.  Constraints match exactly and are not
--   case-sensitive.  Booleans take true/false/1/0/yes/no.  The doc's human
--   constraint names ("first name", "studentID", "teacherID") are accepted
--   next to the field names.  "parent" never matches, because families are
--   not enabled: parent, parent_ids and children_ids are left out of user
--   info, as the doc says for that case.
-- * Users: "password" is in the doc's field list but is always null.
--   Custom user fields: "ssn" (seeded, as in the doc's get_users_with_ids
--   example) plus any field a SIS sync names.  add_user updates the matching
--   user (userid, then student_id, then teacher_id, then first+last name &
--   birthdate) instead of adding one.  A new user needs first_name and
--   last_name.  userid defaults to the email, else first.last.  With no
--   account type given, a new user is a student.  account_types replaces all
--   six role flags.  The password of an existing user changes only with
--   update_password=true.  update_user matches the same way, and also (first)
--   on id/user_id (the doc's "user_id when passed as a parameter").  No
--   match -> 400 "No matching user was found".  send_login_instructions=true
--   is recorded as mail (control GET /mail); the doc has no function of that
--   name, only the attribute.  Dates are YYYY-MM-DD, gender Male/Female.
-- * delete_users really removes the users (and their enrollments, groups,
--   grades).  The API key's owner cannot be deleted.  archive_users sets
--   archived/archived_at, and reactivate_users clears them.
-- * Courses: get_students_for_class lists every enrollment, including
--   unenrolled ones (unenrolled: true), since the doc's student info has
--   unenrolled/unenrolled_at.  remove_students_from_class marks the
--   enrollment as unenrolled, and add_students_to_class re-enrolls it.
--   Grades, mastery, get_classes_enrolled_by, get_status_of_classes and
--   get_class_report use only enrollments that are not unenrolled.
--   add_students_to_class: an active student -> 400 unless
--   ignore_already_enrolled (the doc says "not enrolled", an obvious typo).
--   add_teachers_to_class skips existing teachers.  The first teacher is the
--   main one (coteacher false).  deactivate/reactivate/complete/uncomplete
--   need every user to be enrolled.  The doc lists deactivate/reactivate
--   twice (with and without options): they are one function each.
--   complete stores the percent/grade at that time.
-- * Course style: the doc's default "Self-paced" is stored as "Self paced",
--   and "Self-paced" is accepted as input.  Self-paced classes show start,
--   finish null and class_times [], and their assignments have no
--   begin/end/given.  add_class needs a name.  The accepted attributes are
--   the doc's list plus course_code, section_code, semester,
--   display_in_catalog, weighting_style, weighting_using_categories,
--   catalog_category and the custom course field "department".  sync=true
--   is accepted only by add_class_from_template.  Deleted classes go to
--   the trash: every function except restore_classes treats them as
--   unknown.  Templates share the class id sequence, but the class functions
--   refuse template ids and the template functions refuse class ids.
--   get_lessons_for_class and get_assignments_for_class accept both.
--   Template info has no class_times and no custom fields, as in the doc's
--   separate field list.
-- * get_all_class_completions returns {"class","student","certificates"}
--   rows.  certificate_file_url points to download_certificate (named by the
--   doc, so it is a function here: certificate_id, user_id, optional
--   class_id), which returns a small placeholder application/pdf document.
-- * Grades: set_grades_for_assignment takes the doc's array of
--   {user_id, grade} as JSON, as grades[0][user_id]=3&grades[0][grade]=B%2B,
--   as grades[][user_id]=3&grades[][grade]=B%2B (the user_id and grade
--   columns are paired in order), or as grades[<user_id>]=<grade>.  The
--   grade is stored exactly as sent (a JSON number as its shortest form) and
--   comes back unchanged in get_grades_for_class/get_grades_for_user
--   assignment_info.grade.  Letter grades must be in the class's grademap
--   (case-sensitive: A+ .. F, default scale) and score at their minimum
--   percent.  Numbers are points out of the assignment's points.
--   Percentages "15%" ("87.5%" too) set the percent.  A blank grade ('')
--   clears it (grade and score null).  Special grades, case-sensitive: X
--   (excused) and I (incomplete) are not counted (score/percent null), while
--   M (missing) and AB (absent) count as 0.  The doc names the specials but
--   not what they mean.  Anything else -> 400, and the whole call changes
--   nothing.  The users must be active students of the class.  grader_id is
--   the API key's owner.  'gradebook': true is set for Quiz/SCORM
--   assignments graded through the API.  Every assignment of the class is
--   listed in assignment_info, and ungraded ones have null fields.  percent
--   is points-weighted over counted grades (2 decimals), and grade is the
--   grademap letter for it.  An "Extra credit" assignment adds to the score
--   only.
-- * Groups: visibility is "Private" when private (the default, with
--   access_code GROUP<id>), else "School".  add_group's admin_id (default:
--   the caller) becomes a group admin.  Adding an existing member is a
--   no-op.  Removing a non-member is a no-op.
-- * Paths: add_students_to_path fails (nothing changes) if a user is already
--   on the path.  remove_students_from_path counts the users it removed.
-- * get_resources returns {"resources":[...],"count":N} (the doc's
--   "resources ... and the total number of matches (count)").  offset (a
--   0-based row number) wins over page.  libraries is a comma list ("All"
--   matches every library).  K-20 subjects are off, so subject is not in the
--   output and the subject constraint is ignored.  user_id is ignored too.
-- * Competencies: the doc's "childen" is spelled "children", and is present
--   only when a competency has sub-competencies.  Mastery percents average
--   the counted grades of the assignments tagged with a competency (or its
--   children).  Classification: >= 80 "Mastered", >= 60 "Developing", else
--   "Beginning".
-- * Times are sent in the doc's "YYYY-MM-DDThh:mmTZD" form as UTC
--   ("2025-01-13T09:00Z").  SIS sync times use the doc's example form
--   "2019-08-08T16:05:44.099Z".  Dates are "YYYY-MM-DD".  Accepted input:
--   ISO 8601 (date only, Z, offsets, seconds), MM/DD/YYYY and the report
--   example's "2021.02.01 17:03:01".
-- * Paging: the functions the doc marks as paginated (get_all_users,
--   get_users_that_match, get_all_classes, get_classes_for_organization,
--   get_classes_that_match, the three template lists,
--   get_all_organizations, get_all_groups, get_groups_that_match,
--   get_all_paths, get_resources, the four order lists the doc calls
--   paginated, get_job_titles_that_match) take page (default 1) and return
--   100 rows.  A page past the end -> [].  page < 1 or not an integer -> 400.
--   Other functions ignore page.
-- * Reports: run_report takes report and run_options (JSON body, nested
--   report[id]=43&report[class_id][]=1&..., or JSON strings).  It returns
--   {"run_report_id": N}, which the doc describes but does not show.
--   report.output, also accepted as the doc's typo "outpup", is CSV, HTML or
--   Chart.  The doc says "course_id", but its examples use class_id, so both
--   are accepted.  -1 means all, for classes, teams (groups) and
--   organizations (the doc's three different "-1" meanings for classes are
--   one).  Built-in reports: 43 "Course progress" (class or team), 47
--   "Course grades" (class), 12750 "Learner time tracking" (organization or
--   class; needs period, in report.period as in the examples or top-level,
--   with begin_at/end_at as mm/dd/yyyy).  run_options.run is "immediately"
--   or "schedule", and schedule needs start_at (repeat fields checked when
--   repeats_scheduled_report is true).  get_report_status ->
--   {"run_report_id","report_id","status","output","created_at",
--   "completed_at"}.  status is "Running" for the first report_delay seconds
--   (control config, default 0), then "Completed".  A scheduled report is
--   "Scheduled" until start_at.  download_report sends the CSV (text/csv,
--   RFC 4180, a snapshot taken at run time).  It gives 400 for HTML/Chart
--   reports (the doc: "only for CSV reports") and for reports that are not
--   completed yet.
-- * SIS sync: at most one active sync (Preparing or Prepared).  begin_sync
--   while one is active -> 400.  The operations are taken from "data" (the
--   doc's example body {"data":[...]}) or "operations".  They may be a
--   JSON body, a JSON string, or data[0][action]=... .  Each operation is
--   checked when it is sent: the action must be add/edit/delete, add/edit
--   need data.id, add needs a name, and delete needs lms_id, id or sis_id.
--   Operations are only stored until commit_sync.  commit_sync moves the
--   sync to Prepared.  If the edits plus deletes exceed sync_threshold
--   (control config, default 25) and force is not true, the commit fails
--   with 400 and the sync stays Prepared with that error.  Otherwise the
--   sync is applied at once (instructors, then learners, then courses) and
--   becomes Committed.  The doc's statuses are "Committed, Prepared, XXX",
--   so "Preparing" is the state before commit (from the begin_sync
--   example).  Matching follows the doc: lms_id, id, sis_id, then
--   teacher_number/student_number/email (courses: course_number or the
--   example's "course" against course_code).  add of a matching item edits
--   it.  An edit or delete with no match is skipped and reported in the
--   sync's "error" field (joined with "; "), and the rest is applied.
--   Course rosters: the doc says students/teachers hold SIS ids, but also
--   that references are "via their lms_id field".  So a reference is an LMS
--   user id when one exists, else a synced user's sis_id or id.  A listed
--   roster replaces the active students (others become unenrolled,
--   enroll_type "SIS").  data.teacher is the main instructor.  delete of a
--   course moves it to the trash, and delete of a person removes the user.
--   cancel_sync deletes the sync (later sync_status -> 400 "Invalid
--   sync_ID") and returns its status with status "Canceled".  A committed
--   sync cannot be canceled (400).  sync_status without sync_id returns the
--   active sync, or 400 "No active sync was found".  An unknown id -> 400
--   "Invalid sync_ID" (the doc's text) in every sync function.
-- * Attendance: get_attendance takes date_and_time (matched to the
--   minute) or date (the first session that day).  It returns the one
--   attendance data object, or null when none was taken then.
-- * News feeds are stored (control GET /posts).  sticky=true on
--   post_site_message -> 400 (the doc: "not available").  The options may
--   be nested options[k]=v or top-level.
-- * Ecommerce: get_orders_that_match needs status ("complete" = checked out,
--   "incomplete") and date (orders created after it).  Totals are computed
--   from the items minus the bulk discount.  get_orders_with_ids pages its
--   (requested) ids, as the doc marks it paginated.
-- * delete_job_titles refuses (400) a job title that any user has, as the
--   doc says.  delete_organizations clears the users' organization_id.
-- * Doc typos that change nothing here: "ISO 6801", "[yoursbusiness]", "a
--   errors occur", "Desription", "How< long", "sync_.id", "reqeust",
--   "specfied", "outpup", "childen", the duplicated organization_id and
--   picture fields, and the missing comma after "lms_id": "280913" in the
--   sync_teachers example.
--
-- Control (no auth, JSON):
--   GET  /_sandbox/matrix/config   limits plus counters: total_calls (every
--        /matrix request), keyed_calls (seen by the limiter), refused_calls,
--        unauthorized_calls, lockouts, last_lockout_at, locked, locked_until,
--        calls_in_window
--   POST /_sandbox/matrix/config   {"limit":N,"window":S,"lockout":S,
--        "sync_threshold":N,"report_delay":S} (any subset; 422 on bad
--        values).  It also empties the window and ends any lockout.  Counters
--        are kept.  Reset restores the defaults and clears the counters.
--   POST /_sandbox/matrix/seed     {"users":N} adds N students seeduser<id>
--        -> {"ok":true,"count":N,"first_id":..,"last_id":..}; "resources":N
--        also adds N School pages "Seed resource <id>" (for get_resources
--        paging), reported under "resources": {"count","first_id","last_id"}
--   GET  /_sandbox/matrix/mail     {"mail":[...]} login instructions and
--        notifications (DELETE clears them)
--   GET  /_sandbox/matrix/posts    {"posts":[...]} news-feed posts
--   GET  /_sandbox/matrix/functions  a JSON array of every function name in
--        doc order (?detail=1: objects with section, params, paginated,
--        stateful)

local C = require "sandbox.common"
local CRED = require "lmskit.sandbox_credentials"

local ngx = ngx
local type, pairs, ipairs, tostring, tonumber = type, pairs, ipairs, tostring, tonumber
local setmetatable, getmetatable, next = setmetatable, getmetatable, next
local floor, min, ceil = math.floor, math.min, math.ceil
local format = string.format
local concat, sort = table.concat, table.sort

local M = {}

M.name = "matrix"
M.API_KEY = CRED.matrix.api_key
M.PAGE_SIZE = 100
M.MAX_SEED = 100000
M.DEFAULTS = { limit = 120, window = 60, lockout = 60, sync_threshold = 25, report_delay = 0 }
M.LIMIT_MESSAGE = "API call limit exceeded"

---------------------------------------------------------------------------
-- Errors and replies
---------------------------------------------------------------------------

local API_ERROR = {}
local RAW = {}

-- Aborts the current function with a {"message": ...} error (400 unless told).
local function fail(message, status)
  error(setmetatable({ status = status or 400, message = message }, API_ERROR), 0)
end

local function message_body(msg)
  return C.ordered({ "message" }, { message = msg })
end

local function raw_reply(content_type, body, headers)
  return setmetatable({ content_type = content_type, body = body, headers = headers }, RAW)
end

local function send_raw(r)
  ngx.status = 200
  if r.headers then
    for k, v in pairs(r.headers) do ngx.header[k] = v end
  end
  ngx.header["Content-Type"] = r.content_type
  ngx.header["Content-Length"] = #r.body
  ngx.print(r.body)
  return ngx.eof()
end

---------------------------------------------------------------------------
-- Small helpers
---------------------------------------------------------------------------

local function num_str(n)
  if n == floor(n) and n > -2 ^ 53 and n < 2 ^ 53 then return format("%d", n) end
  return format("%.14g", n)
end

local function round2(x)
  if x == nil then return nil end
  return floor(x * 100 + 0.5) / 100
end

local function is_blank(s)
  return s == nil or (type(s) == "string" and s:match("^%s*$") ~= nil)
end

local function trim(s)
  return (s:match("^%s*(.-)%s*$"))
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = tostring(k) end
  sort(keys)
  return keys
end

local function sorted_keys_num(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  sort(keys)
  return keys
end

-- Values of an id-keyed map in id order, optionally filtered.
local function sorted_values(map, pred)
  local ids = {}
  for id, x in pairs(map) do
    if not pred or pred(x) then ids[#ids + 1] = id end
  end
  sort(ids)
  local out = {}
  for i, id in ipairs(ids) do out[i] = map[id] end
  return out
end

local function map_array(items, view)
  local out = C.array()
  for i, x in ipairs(items) do out[i] = view(x) end
  return out
end

local function copy_list(t)
  local out = {}
  for i, x in ipairs(t or {}) do out[i] = x end
  return out
end

local function id_array(t)
  local out = C.array()
  for i, x in ipairs(t or {}) do out[i] = x end
  return out
end

local function now()
  return ngx.now()
end

-- Times: the doc's "YYYY-MM-DDThh:mmTZD" (UTC, "Z"); dates "YYYY-MM-DD".
local function iso_time(t)
  if t == nil then return nil end
  return os.date("!%Y-%m-%dT%H:%MZ", floor(t))
end

-- SIS sync timestamps, like the doc's example "2019-08-08T16:05:44.099Z".
local function iso_ms(t)
  if t == nil then return nil end
  local s = floor(t)
  local ms = floor((t - s) * 1000 + 0.5)
  if ms > 999 then ms = 999 end
  return os.date("!%Y-%m-%dT%H:%M:%S", s) .. format(".%03dZ", ms)
end

local function iso_date(t)
  if t == nil then return nil end
  return os.date("!%Y-%m-%d", floor(t))
end

-- Epoch seconds from ISO 8601 / "YYYY/MM/DD ..." (C.parse_time), "MM/DD/YYYY"
-- or the report example's "YYYY.MM.DD hh:mm:ss".
local function parse_when(s)
  if type(s) ~= "string" then return nil end
  s = trim(s)
  local t = C.parse_time(s)
  if t then return t end
  local mo, d, y = s:match("^(%d%d?)/(%d%d?)/(%d%d%d%d)$")
  if mo then
    mo, d, y = tonumber(mo), tonumber(d), tonumber(y)
    if mo >= 1 and mo <= 12 and d >= 1 and d <= 31 then return C.utc(y, mo, d) end
    return nil
  end
  local y2, mo2, d2, rest = s:match("^(%d%d%d%d)%.(%d%d)%.(%d%d)(.*)$")
  if y2 then
    local h, mi, sec = 0, 0, 0
    if rest ~= "" then
      local hh, mm, ss = rest:match("^%s+(%d%d):(%d%d):?(%d*)$")
      if not hh then return nil end
      h, mi, sec = tonumber(hh), tonumber(mm), tonumber(ss) or 0
    end
    return C.utc(tonumber(y2), tonumber(mo2), tonumber(d2), h, mi, sec)
  end
  return nil
end

-- A date argument as "YYYY-MM-DD" (nil if it is not a date).
local function parse_date(s)
  local t = parse_when(s)
  if not t then return nil end
  return iso_date(t)
end

local function csv_field(v)
  if v == nil or v == C.null then return "" end
  local s
  if type(v) == "number" then s = num_str(v) else s = tostring(v) end
  if s:find('[,"\r\n]') then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

-- RFC 4180 CSV: header plus rows (arrays as long as the header; nil = empty).
local function to_csv(header, rows)
  local lines = {}
  local n = #header
  local function line(r)
    local f = {}
    for j = 1, n do f[j] = csv_field(r[j]) end
    lines[#lines + 1] = concat(f, ",")
  end
  line(header)
  for _, r in ipairs(rows) do line(r) end
  return concat(lines, "\r\n") .. "\r\n"
end

---------------------------------------------------------------------------
-- Arguments (query string merged with a form or JSON body; the body wins)
---------------------------------------------------------------------------

-- One scalar as a string: nil when absent or null; a repeated key gives
-- its last value; a hash is an error.
local function scalar(v, name)
  if type(v) == "table" then
    if #v > 0 then
      v = v[#v]
    elseif next(v) == nil then
      return nil
    else
      fail("Invalid " .. name .. ": expected a single value")
    end
    if type(v) == "table" then fail("Invalid " .. name .. ": expected a single value") end
  end
  if v == nil or v == C.null then return nil end
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then return num_str(v) end
  if t == "boolean" then return v and "true" or "false" end
  fail("Invalid " .. name)
end

local function arg_str(ctx, name, required)
  local s = scalar(ctx.args[name], name)
  if required and is_blank(s) then fail("Missing required argument: " .. name) end
  return s
end

local function to_int_or_fail(s, name)
  local n = C.to_int(s)
  if not n then fail("Invalid " .. name .. ": " .. tostring(s)) end
  return n
end

local function arg_int(ctx, name, required)
  local s = arg_str(ctx, name, required)
  if is_blank(s) then return nil end
  return to_int_or_fail(s, name)
end

local function bool_of(v, name, default)
  local s = scalar(v, name)
  if is_blank(s) then return default end
  local b = C.to_bool(s)
  if b == nil then fail("Invalid " .. name .. ": " .. s) end
  return b
end

local function arg_bool(ctx, name, default)
  return bool_of(ctx.args[name], name, default)
end

-- A list of integer ids: name[]=1&name[]=2, a JSON array, "1,2,3", a single
-- id, or name[0]=1&name[1]=2.  Duplicates are dropped, order is kept.
local function id_list(v, name)
  local out, seen = {}, {}
  local function add(x)
    local s = scalar(x, name)
    if is_blank(s) then return end
    for piece in s:gmatch("[^,]+") do
      if not is_blank(piece) then
        local n = to_int_or_fail(piece, name)
        if not seen[n] then
          seen[n] = true
          out[#out + 1] = n
        end
      end
    end
  end
  if type(v) == "string" and v:match("^%s*%[") then
    local d = C.decode(v)
    if type(d) ~= "table" then fail("Invalid " .. name .. ": " .. v) end
    v = d
  end
  if type(v) == "table" then
    if #v > 0 then
      for _, x in ipairs(v) do add(x) end
    else
      local keys = {}
      for k in pairs(v) do
        if not tonumber(k) then fail("Invalid " .. name .. ": expected a list of ids") end
        keys[#keys + 1] = k
      end
      sort(keys, function(a, b) return tonumber(a) < tonumber(b) end)
      for _, k in ipairs(keys) do add(v[k]) end
    end
  elseif v ~= nil then
    add(v)
  end
  return out
end

local function arg_ids(ctx, name, required)
  local ids = id_list(ctx.args[name], name)
  if required and #ids == 0 then fail("Missing required argument: " .. name) end
  return ids
end

-- A hash argument: name[k]=v pairs, a JSON object, or a JSON string.
local function hash_of(v, name)
  if v == nil or v == C.null then return {} end
  if type(v) == "string" then
    if is_blank(v) then return {} end
    local d = C.decode(v)
    if type(d) ~= "table" or d[1] ~= nil then
      fail("Invalid " .. name .. ": expected " .. name .. "[key]=value pairs or a JSON object")
    end
    return d
  end
  if type(v) ~= "table" or v[1] ~= nil then
    fail("Invalid " .. name .. ": expected " .. name .. "[key]=value pairs or a JSON object")
  end
  return v
end

local function arg_hash(ctx, name)
  return hash_of(ctx.args[name], name)
end

local RESERVED_ARGS = { api_key = true, api_version = true, page = true }

-- attributes / constraints: the doc's "attribute1=value1&attribute2=value2"
-- form (top-level args that are not the function's own parameters), merged
-- with name[k]=v pairs or a JSON object under `name` (those win).
local function arg_attrs(ctx, name)
  local out = {}
  local own = ctx.fdef.param_set
  for k, v in pairs(ctx.args) do
    if not RESERVED_ARGS[k] and not own[k] then out[k] = v end
  end
  for k, v in pairs(arg_hash(ctx, name)) do out[k] = v end
  return out
end

-- An option: options[name] or a top-level name.
local function opt_bool(ctx, opts, name, default)
  local v = opts[name]
  if v == nil then v = ctx.args[name] end
  return bool_of(v, name, default)
end

local function opt_str(ctx, opts, name)
  local v = opts[name]
  if v == nil then v = ctx.args[name] end
  return scalar(v, name)
end

local function page_number(ctx)
  local s = arg_str(ctx, "page")
  if is_blank(s) then return 1 end
  local n = C.to_int(s)
  if not n or n < 1 then fail("Invalid page: " .. s) end
  return n
end

-- One page (100 rows, 1-based) of items; past the end -> [].
local function page_of(ctx, items, view)
  local page = page_number(ctx)
  local out = C.array()
  local first = (page - 1) * M.PAGE_SIZE + 1
  for i = first, min(#items, first + M.PAGE_SIZE - 1) do out[#out + 1] = view(items[i]) end
  return out
end

-- Validates and canonicalises a value against a list (case-insensitive).
local function one_of(s, list, name)
  local l = trim(s):lower()
  for _, x in ipairs(list) do
    if x:lower() == l then return x end
  end
  fail("Invalid " .. name .. ": " .. s)
end

---------------------------------------------------------------------------
-- State
---------------------------------------------------------------------------

local K = {}     -- key orders of the JSON objects, and other constants
local S          -- everything the API can see or change; see seed()
local CFG        -- limiter/sync/report configuration
local LIM        -- limiter state and counters

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
  local id = S[counter]
  S[counter] = id + 1
  return id
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

local function seed()
  local t0 = C.utc(2025, 1, 6, 9, 0, 0)
  local day = 86400
  local t = now()
  S = {
    users = {}, by_userid = {}, next_user = 1, admin_id = 1,
    user_fields = { "ssn" },           -- custom user fields (in output order)
    class_fields = { "department" },   -- custom course fields
    classes = {}, next_class = 1,
    assignments = {}, next_assignment = 1, grades = {},
    next_lesson = 1, next_section = 1,
    orgs = {}, next_org = 1,
    groups = {}, next_group = 1,
    paths = {}, next_path = 1,
    resources = {}, certificates = {}, curricula = {}, proficiencies = {},
    job_titles = {}, next_job_title = 1,
    games = {}, orders = {}, sessions = {},
    posts = {}, next_post = 1,
    mail = {}, next_mail = 1,
    syncs = {}, next_sync = 1,
    reports = {}, next_report = 1,
  }

  -- organizations and job titles
  S.orgs[1] = { id = 1, name = "Sandbox School", description = "The main campus", internal = true }
  S.orgs[2] = { id = 2, name = "Partner College", description = "A partner organization", internal = false }
  S.next_org = 3
  S.job_titles[1] = { id = 1, name = "Administrator", description = "Runs the LMS" }
  S.job_titles[2] = { id = 2, name = "Instructor", description = "Teaches courses" }
  S.next_job_title = 3

  -- users: an admin (the API key's account), a teacher and four students
  new_user({
    first_name = "Alice", last_name = "Admin", userid = "admin", password = "sandbox-admin-pass",
    email = "admin@example.com", administrator = true, teacher = true, organization_id = 1,
    job_title_id = 1, joined_at = C.utc(2024, 9, 1, 8, 0), first_login_at = C.utc(2024, 9, 1, 8, 5),
    last_login_at = t - day, logins = 42, phone = "555-0100", country = "US",
  })
  new_user({
    first_name = "Tom", last_name = "Teacher", userid = "tteacher", password = "sandbox-teacher-pass",
    email = "tom.teacher@example.com", teacher = true, teacher_id = "T-1001", organization_id = 1,
    job_title_id = 2, joined_at = C.utc(2024, 9, 2, 8, 0), first_login_at = C.utc(2024, 9, 2, 9, 0),
    last_login_at = C.utc(2025, 1, 20, 9, 0), logins = 17,
  })
  local sam = new_user({
    first_name = "Sam", last_name = "Student", userid = "sstudent", password = "sandbox-student-pass",
    email = "sam.student@example.com", student = true, student_id = "S-2001", organization_id = 2,
    birthdate = "2007-02-11", year_of_graduation = 2025, gender = "Male", city = "Dallas", state = "TX",
    zip = "75020", country = "US", joined_at = C.utc(2024, 9, 3, 8, 0),
    first_login_at = C.utc(2024, 9, 3, 10, 0), last_login_at = t - 2 * day, logins = 9,
  })
  sam.custom.ssn = "123-456-7890"
  new_user({
    first_name = "Sara", last_name = "Jones", userid = "sjones", email = "sara.jones@example.com",
    student = true, student_id = "S-2002", organization_id = 2, gender = "Female",
    joined_at = C.utc(2024, 9, 3, 8, 5),
  })
  new_user({
    first_name = "Steve", last_name = "Smith", userid = "ssmith", email = "steve.smith@example.com",
    student = true, student_id = "S-2003", organization_id = 1, joined_at = C.utc(2024, 9, 3, 8, 10),
  })
  new_user({
    first_name = "Sue", last_name = "Park", userid = "spark", email = "sue.park@example.com",
    student = true, student_id = "S-2004", organization_id = 2, joined_at = C.utc(2024, 9, 3, 8, 15),
  })

  -- certificates, competencies
  S.certificates[1] = {
    id = 1, name = "Workplace Safety Certificate", description = "Awarded on completing Workplace Safety",
    printable = true, duration = "1 year",
  }
  S.certificates[2] = {
    id = 2, name = "Biology Completion", description = "Completed Biology 101", printable = true,
  }
  S.curricula[1] = {
    id = 1, name = "Science skills", description = "Core science competencies", city = "Dallas",
    state = "TX", country = "US", organization = "Sandbox School", roots = { 1 },
  }
  S.proficiencies[1] = {
    id = 1, curriculum_id = 1, name = "Scientific communication", code = "SC",
    description = "Communicates scientific ideas", children = { 2, 3 },
  }
  S.proficiencies[2] = {
    id = 2, curriculum_id = 1, name = "Written reports", code = "SC.1", description = "Writes lab reports",
    children = {},
  }
  S.proficiencies[3] = {
    id = 3, curriculum_id = 1, name = "Oral presentations", code = "SC.2",
    description = "Presents findings", children = {},
  }

  -- classes
  local bio = new_class({
    name = "Biology 101", style = "Instructor", course_code = "BIO101", section_code = "A",
    semester = "Spring 2025", start = "2025-01-06", finish = "2025-05-30", display_in_catalog = true,
    description = "Introduction to biology", catalog_category = { "Science" },
    class_times = {
      { day = "Tue", from = "15:15", to = "17:30", location = "Room 101" },
      { day = "Thu", from = "15:15", to = "17:30", location = "Room 101" },
    },
    created_at = C.utc(2024, 12, 1), mastery = true,
    curricula = { { id = 1, ignored = {} } },
  })
  bio.custom.department = "Science"
  add_teacher(bio, 2)
  for i, uid in ipairs({ 3, 4, 5 }) do
    local e = enroll(bio, uid, {
      enroll_type = "API", enrolled_at = t0 + i * 60, enrolled_by_id = 1, started_at = t0 + day,
      last_visited_at = C.utc(2025, 1, 20, 10, 0), time_spent = 3600 * i,
    })
    if uid == 3 then
      e.notes = { {
        teacher_id = 2, submitted_at = C.utc(2025, 1, 15, 12, 0), show_student = true,
        show_parents = false, subject = "Lab safety", message = "Remember your goggles.",
      } }
    end
  end
  local safety = new_class({
    name = "Workplace Safety", style = "Self paced", course_code = "SAF100", section_code = "1",
    display_in_catalog = true, weighting_style = "Percent", certificate_id = 1,
    created_at = C.utc(2024, 11, 1), catalog_category = { "Compliance" },
  })
  safety.custom.department = "Operations"
  add_teacher(safety, 1)
  enroll(safety, 5, {
    enroll_type = "Catalog", enrolled_at = C.utc(2025, 2, 1, 9, 0), started_at = C.utc(2025, 2, 1, 9, 5),
    last_visited_at = C.utc(2025, 2, 3, 9, 0), time_spent = 1200,
  })
  enroll(safety, 6, {
    enroll_type = "API", enrolled_at = C.utc(2025, 2, 1, 9, 0), enrolled_by_id = 1,
    started_at = C.utc(2025, 2, 2, 9, 0), last_visited_at = C.utc(2025, 2, 10, 16, 0), time_spent = 5400,
    completed_at = C.utc(2025, 2, 10, 16, 30), percent = 95, grade = "A",
  })
  local tpl = new_class({
    name = "Biology template", style = "Instructor", course_code = "BIO-TPL", template = true,
    created_at = C.utc(2024, 8, 1), description = "Template for biology courses",
  })

  -- lessons and assignments
  local function lesson(c, name, start_at, competencies, sections)
    local l = { id = next_id("next_lesson"), name = name, start_at = start_at,
      competencies = competencies or {}, sections = {} }
    for _, s in ipairs(sections) do
      s.id = next_id("next_section")
      l.sections[#l.sections + 1] = s
    end
    c.lessons[#c.lessons + 1] = l
    return l
  end
  local l1 = lesson(bio, "Unit 1: Cells", C.utc(2025, 1, 13, 9, 0), { 2 }, {
    { name = "Reading: the cell", type = "Page" },
  })
  local essay = new_assignment(bio, {
    name = "Cell structure essay", type = "Freeform", points = 100, lesson = l1.id,
    begin = C.utc(2025, 1, 13, 9, 0), ["end"] = C.utc(2025, 1, 20, 17, 0), given = true,
    competencies = { 2 },
  })
  l1.sections[#l1.sections + 1] = {
    id = next_id("next_section"), name = essay.name, type = "Assignment", assignment_id = essay.id,
  }
  local l2 = lesson(safety, "Safety basics", nil, nil, {
    { name = "Safety video", type = "SCORM" },
  })
  local quiz = new_assignment(safety, { name = "Safety quiz", type = "Quiz", points = 10, lesson = l2.id })
  l2.sections[#l2.sections + 1] = {
    id = next_id("next_section"), name = quiz.name, type = "Assignment", assignment_id = quiz.id,
  }
  l2.sections[#l2.sections + 1] = {
    id = next_id("next_section"), name = "Safety certificate", type = "Certificate", certificate_id = 1,
  }
  local l3 = lesson(tpl, "Unit 1: Cells", nil, nil, { { name = "Reading: the cell", type = "Page" } })
  new_assignment(tpl, { name = "Template essay", points = 50, lesson = l3.id })

  -- grades of the essay: a letter, a percentage and an excused
  set_grade(essay.id, 3, {
    grade = "B+", percent = 87, score = 87, counted = true, comment = "Good work",
    submitted_at = C.utc(2025, 1, 19, 20, 0), grader_id = 2,
  })
  set_grade(essay.id, 4, {
    grade = "92%", percent = 92, score = 92, counted = true, submitted_at = C.utc(2025, 1, 20, 11, 0),
    grader_id = 2,
  })
  set_grade(essay.id, 5, { grade = "X", counted = false, grader_id = 2 })

  -- attendance
  bio.attendance = { {
    started_at = C.utc(2025, 1, 14, 15, 15),
    records = {
      { student_id = 3, status = "OnTime", excused = false },
      { student_id = 4, status = "Late", details = 5, excused = false, note = "Bus was late" },
      { student_id = 5, status = "Absent", excused = true, note = "Doctor's appointment" },
    },
  } }

  -- group, path
  S.groups[1] = {
    id = 1, name = "Biology Study Group", description = "Weekly study sessions", private = true,
    access_code = "GROUP1", type = "Study", top_tab = "News", tabs = { "news", "members_tab" },
    admins = { [1] = { joined_at = C.utc(2024, 10, 1) } },
    members = {
      [3] = { joined_at = C.utc(2024, 10, 2), last_visited_at = C.utc(2025, 1, 18, 18, 0) },
      [4] = { joined_at = C.utc(2024, 10, 3) },
    },
    curricula = { { id = 1, ignored = {} } },
  }
  S.next_group = 2
  S.paths[1] = {
    id = 1, name = "Science pathway", description = "Biology, then safety", sequencing = "InOrder",
    goals = { 1, 2 }, students = { [3] = { enrolled_at = C.utc(2024, 12, 15) } },
  }
  S.next_path = 2
  S.job_titles[2].curricula = { { id = 1, ignored = { 3 } } }

  -- resources
  S.resources[1] = { id = 1, type = "File", name = "Cell diagram", library = "School", creator_id = 2,
    created_at = C.utc(2024, 11, 5, 10, 0) }
  S.resources[2] = { id = 2, type = "Page", name = "Safety checklist", library = "Organization",
    creator_id = 1, created_at = C.utc(2024, 11, 6, 10, 0) }
  S.resources[3] = { id = 3, type = "Question bank", name = "Biology quiz bank", library = "Personal",
    creator_id = 2, created_at = C.utc(2024, 11, 7, 10, 0) }

  -- games
  S.games[1] = {
    id = 1, name = "Sandbox Challenge", description = "Site-wide points", class_id = nil,
    levels = { { "Novice", 0 }, { "Explorer", 100 }, { "Master", 500 } },
    enable_leaderboard = true, leaderboard_size = 10, show_to_students = true,
    include_completed_students = false,
    players = {
      [3] = { points = 150,
        badges = { { id = 1, name = "First login", awarded_at = C.utc(2024, 9, 3, 10) } } },
      [4] = { points = 40, badges = {} },
    },
  }
  S.games[2] = {
    id = 2, name = "Biology Quest", description = "Points for biology work", class_id = 1,
    levels = { { "Cell", 0 }, { "Organism", 50 } },
    enable_leaderboard = false, leaderboard_size = 0, show_to_students = false,
    include_completed_students = true,
    players = { [3] = { points = 60, badges = {} }, [4] = { points = 20, badges = {} },
      [5] = { points = 0, badges = {} } },
  }

  -- orders
  S.orders[1] = {
    id = 1, user_id = 3, created_at = C.utc(2024, 12, 20, 10, 0), checkout_at = C.utc(2024, 12, 20, 10, 5),
    currency = "USD", bulk_discount = 0, coupon_codes = {}, verified_at = C.utc(2024, 12, 20, 10, 6),
    items = { { id = 1, quantity = 1, unit_cost = 49.99, used = 1, item_id = 1, item_type = "Class",
      item_name = "Biology 101", total_cost = 49.99, total_cost_without_discount = 49.99,
      organization_id = 1 } },
  }
  S.orders[2] = {
    id = 2, user_id = 4, created_at = C.utc(2025, 1, 5, 14, 0), checkout_at = C.utc(2025, 1, 5, 14, 2),
    currency = "USD", bulk_discount = 5, coupon_codes = { "WINTER10" },
    verified_at = C.utc(2025, 1, 5, 14, 3),
    affiliate = { id = 2, name = "Tom Teacher", email = "tom.teacher@example.com", organization_id = 1,
      organization_name = "Sandbox School" },
    items = { { id = 2, quantity = 2, unit_cost = 60, used = 1, item_id = 7, item_type = "Bundle",
      item_name = "Science bundle", discount_type = "Coupon", discount = 10, coupon_id = 3,
      total_cost = 110, total_cost_without_discount = 120, organization_id = 1,
      items = { { id = 3, quantity = 1, unit_cost = 40, used = 1, item_id = 1, item_type = "Class",
        item_name = "Biology 101", total_cost = 40, total_cost_without_discount = 40, organization_id = 1 },
        { id = 4, quantity = 1, unit_cost = 20, used = 0, item_id = 2, item_type = "Class",
          item_name = "Workplace Safety", total_cost = 20, total_cost_without_discount = 20,
          organization_id = 1 } } } },
  }
  S.orders[3] = {
    id = 3, user_id = 5, created_at = C.utc(2025, 2, 1, 8, 0), currency = "USD", bulk_discount = 0,
    coupon_codes = {},
    items = { { id = 5, quantity = 1, unit_cost = 19.5, used = 0, item_id = 2, item_type = "Class",
      item_name = "Workplace Safety", total_cost = 19.5, total_cost_without_discount = 19.5,
      organization_id = 1 } },
  }

  -- login sessions (the doc: only the last 30 days are reported)
  S.sessions[1] = {
    { login_at = t - 3 * day, logout_at = t - 3 * day + 3600, ip_address = "192.0.2.10" },
    { login_at = t - day, logout_at = nil, ip_address = "192.0.2.10" },
    { login_at = t - 45 * day, logout_at = t - 45 * day + 600, ip_address = "192.0.2.11" },
  }
  S.sessions[3] = {
    { login_at = t - 2 * day, logout_at = t - 2 * day + 1800, ip_address = "198.51.100.7" },
  }

  -- reports that run_report knows (built-in)
  S.report_defs = {
    [43] = { id = 43, name = "Course progress", scopes = { class = true, team = true } },
    [47] = { id = 47, name = "Course grades", scopes = { class = true } },
    [12750] = { id = 12750, name = "Learner time tracking", scopes = { organization = true, class = true },
      period = true },
  }
end

local function reset_limiter()
  CFG = {}
  for k, v in pairs(M.DEFAULTS) do CFG[k] = v end
  LIM = {
    keys = {}, total_calls = 0, keyed_calls = 0, refused_calls = 0, unauthorized_calls = 0,
    lockouts = 0, last_lockout_at = nil,
  }
end

function M.reset()
  seed()
  reset_limiter()
end

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

local function remove_user_everywhere(uid)
  local u = S.users[uid]
  if not u then return end
  set_userid(u, nil)
  S.users[uid] = nil
  for _, c in pairs(S.classes) do
    if c.enrollments[uid] then
      c.enrollments[uid] = nil
      local order = {}
      for _, x in ipairs(c.enroll_order) do
        if x ~= uid then order[#order + 1] = x end
      end
      c.enroll_order = order
    end
    local ts = {}
    for _, t in ipairs(c.teachers) do
      if t.user_id ~= uid then ts[#ts + 1] = t end
    end
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

---------------------------------------------------------------------------
-- Function registry
---------------------------------------------------------------------------

local FUNCS = {}        -- in doc order
local FUNC_BY_NAME = {}

-- def(section, name, params, fn, opts): opts.paged, opts.stateful
local function def(section, name, params, fn, opts)
  local set = {}
  for _, p in ipairs(params) do set[p] = true end
  local f = {
    section = section, name = name, params = params, param_set = set, fn = fn,
    paged = opts and opts.paged or false, stateful = opts and opts.stateful or false,
  }
  FUNCS[#FUNCS + 1] = f
  FUNC_BY_NAME[name] = f
end

K.PAGED = { paged = true }
K.STATEFUL = { stateful = true }
K.PAGED_STATEFUL = { paged = true, stateful = true }

---------------------------------------------------------------------------
-- Version, Authentication
---------------------------------------------------------------------------

def("Version", "get_version", {}, function()
  return C.ordered({ "version" }, { version = 1 })
end)

def("Authentication", "is_authenticated", { "userid", "password" }, function(ctx)
  local userid = arg_str(ctx, "userid", true)
  local password = arg_str(ctx, "password", true)
  local u = S.by_userid[trim(userid):lower()]
  return u ~= nil and u.password ~= nil and u.password == password
end, K.STATEFUL)

---------------------------------------------------------------------------
-- Users
---------------------------------------------------------------------------

local CLEAR = {} -- a blank attribute value: clears the field

local USER_ATTR_KIND = {
  first_name = "string", last_name = "string", userid = "string", password = "string", email = "email",
  sms_email = "string", student = "bool", teacher = "bool", assistant = "bool", administrator = "bool",
  monitor = "bool", manager = "bool", year_of_graduation = "int", student_id = "string",
  teacher_id = "string", organization_id = "org", birthdate = "date", nick_name = "string",
  skype = "string", phone = "string", gender = "gender", street_1 = "string", street_2 = "string",
  city = "string", state = "string", zip = "string", country = "string", picture = "string",
  job_title_id = "job_title", archived = "bool",
}
local USER_FLAG_KIND = {
  account_types = "types", change_password = "bool", update_password = "bool",
  send_login_instructions = "bool", from_name = "string",
}
local ACCOUNT_TYPES = {
  student = true, teacher = true, assistant = true, manager = true, monitor = true, administrator = true,
  partial_administrator = true,
}

local function is_user_field(name)
  for _, f in ipairs(S.user_fields) do
    if f == name then return true end
  end
  return false
end

local function convert_user_value(kind, name, raw)
  local s = scalar(raw, name)
  if is_blank(s) then
    if kind == "bool" then return false end
    return CLEAR
  end
  if kind == "string" then return s end
  if kind == "email" then
    if not s:find("@", 1, true) then fail("Invalid email: " .. s) end
    return trim(s)
  end
  if kind == "bool" then return bool_of(s, name) end
  if kind == "int" then return to_int_or_fail(s, name) end
  if kind == "org" then return find_in(S.orgs, to_int_or_fail(s, name), "organization").id end
  if kind == "job_title" then return find_in(S.job_titles, to_int_or_fail(s, name), "job title").id end
  if kind == "date" then
    local d = parse_date(s)
    if not d then fail("Invalid " .. name .. ": " .. s) end
    return d
  end
  if kind == "gender" then
    local l = trim(s):lower()
    if l == "male" or l == "m" then return "Male" end
    if l == "female" or l == "f" then return "Female" end
    fail("Invalid gender: " .. s)
  end
  return s
end

-- Returns changes (field -> value | CLEAR), custom (name -> value | CLEAR)
-- and flags, or fails.  allow_id: update_user also matches on id/user_id.
local function parse_user_attrs(attrs, allow_id)
  local ch, custom, fl = {}, {}, {}
  for _, k in ipairs(sorted_keys(attrs)) do
    local raw = attrs[k]
    local kind = USER_ATTR_KIND[k]
    if kind then
      ch[k] = convert_user_value(kind, k, raw)
    elseif USER_FLAG_KIND[k] then
      local fk = USER_FLAG_KIND[k]
      if fk == "bool" then
        fl[k] = bool_of(raw, k, false)
      elseif fk == "types" then
        local s = scalar(raw, k) or ""
        local set = {}
        for piece in s:gmatch("[^,]+") do
          local ty = trim(piece):lower()
          if ty ~= "" then
            if not ACCOUNT_TYPES[ty] then fail("Invalid account_types: " .. trim(piece)) end
            set[ty] = true
          end
        end
        fl.account_types = set
      else
        fl[k] = scalar(raw, k)
      end
    elseif allow_id and (k == "id" or k == "user_id") then
      fl.match_id = to_int_or_fail(scalar(raw, k), k)
    elseif is_user_field(k) then
      local s = scalar(raw, k)
      custom[k] = is_blank(s) and CLEAR or s
    else
      fail("Unknown user attribute: " .. k)
    end
  end
  return ch, custom, fl
end

local function val(x)
  if x == CLEAR then return nil end
  return x
end

-- add_user/update_user matching: userid, student ID, teacher ID, or name &
-- birth date (update_user also takes id/user_id first).
local function match_user(ch, fl)
  if fl.match_id then return S.users[fl.match_id] end
  local userid = val(ch.userid)
  if userid then
    local u = S.by_userid[trim(userid):lower()]
    if u then return u end
  end
  local sid, tid = val(ch.student_id), val(ch.teacher_id)
  local fn, ln, bd = val(ch.first_name), val(ch.last_name), val(ch.birthdate)
  for _, u in ipairs(sorted_values(S.users)) do
    if sid and u.student_id == sid then return u end
  end
  for _, u in ipairs(sorted_values(S.users)) do
    if tid and u.teacher_id == tid then return u end
  end
  if fn and ln and bd then
    for _, u in ipairs(sorted_values(S.users)) do
      if u.birthdate == bd and (u.first_name or ""):lower() == fn:lower()
          and (u.last_name or ""):lower() == ln:lower() then
        return u
      end
    end
  end
  return nil
end

local function default_userid(ch)
  local base = val(ch.email)
  if not base then
    base = ((val(ch.first_name) or "user") .. "." .. (val(ch.last_name) or "")):lower():gsub("[^%w%.]", "")
  end
  local candidate, n = base, 1
  while S.by_userid[candidate:lower()] do
    n = n + 1
    candidate = base .. n
  end
  return candidate
end

local function apply_user(ctx, u, ch, custom, fl, is_new)
  local t = now()
  for k, v in pairs(ch) do
    if k == "userid" then
      if v ~= CLEAR then set_userid(u, trim(v)) end
    elseif k == "password" then
      if is_new or fl.update_password then u.password = val(v) end
    elseif k == "archived" then
      if v and not u.archived then u.archived_at = t end
      if not v then u.archived_at = nil end
      u.archived = v
    else
      u[k] = val(v)
    end
  end
  for k, v in pairs(custom) do u.custom[k] = val(v) end
  if fl.account_types then
    for ty in pairs(ACCOUNT_TYPES) do
      if ty ~= "partial_administrator" then u[ty] = fl.account_types[ty] == true end
    end
    u.partial_administrator = fl.account_types.partial_administrator == true
  end
  if fl.change_password ~= nil then u.change_password = fl.change_password end
  if fl.send_login_instructions then
    record_mail(ctx, "login_instructions", u, { from_name = fl.from_name })
  end
end

local function check_userid_free(ch, u)
  local userid = val(ch.userid)
  if userid then
    local other = S.by_userid[trim(userid):lower()]
    if other and other ~= u then fail("userid " .. trim(userid) .. " is already taken") end
  end
end

local function id_userid(u)
  return C.ordered({ "id", "userid" }, { id = u.id, userid = u.userid })
end

def("Users", "get_my_account", {}, function()
  return user_json(S.users[S.admin_id])
end, K.STATEFUL)

def("Users", "get_all_users", { "page" }, function(ctx)
  return page_of(ctx, C.in_id_order(S.users, S.next_user), user_json) -- no sort: 20000 users stay quick
end, K.PAGED_STATEFUL)

def("Users", "get_users_with_ids", { "user_ids" }, function(ctx)
  return map_array(users_arg(ctx, "user_ids"), user_json)
end, K.STATEFUL)

local USER_CONSTRAINTS = {
  organization_id = "organization_id", first_name = "first_name", last_name = "last_name", email = "email",
  phone = "phone", userid = "userid", student_id = "student_id", studentID = "student_id",
  teacher_id = "teacher_id", teacherID = "teacher_id", year_of_graduation = "year_of_graduation",
  birthdate = "birthdate", nick_name = "nick_name", country = "country", state = "state", zip = "zip",
  teacher = "teacher", student = "student", assistant = "assistant", monitor = "monitor",
  manager = "manager", administrator = "administrator", parent = "parent", archived = "archived",
  job_title_id = "job_title_id",
}
local BOOL_FIELDS = {
  teacher = true, student = true, assistant = true, monitor = true, manager = true, administrator = true,
  parent = true, archived = true,
}

local function as_text(v)
  if v == nil then return "" end
  if type(v) == "number" then return num_str(v) end
  return tostring(v)
end

-- Builds a predicate from constraints; field_of(name) -> getter or nil.
local function constraint_filter(cons, field_of)
  local tests = {}
  for _, k in ipairs(sorted_keys(cons)) do
    local get, is_bool = field_of(k)
    if not get then fail("Unsupported constraint: " .. k) end
    local want = scalar(cons[k], k)
    if is_bool then
      local b = bool_of(want, k, nil)
      if b == nil then fail("Invalid " .. k .. ": blank") end
      tests[#tests + 1] = function(x) return (get(x) == true) == b end
    else
      local w = trim(want or ""):lower()
      tests[#tests + 1] = function(x) return trim(as_text(get(x))):lower() == w end
    end
  end
  return function(x)
    for _, test in ipairs(tests) do
      if not test(x) then return false end
    end
    return true
  end
end

def("Users", "get_users_that_match", { "constraints", "page" }, function(ctx)
  local pred = constraint_filter(arg_attrs(ctx, "constraints"), function(k)
    local f = USER_CONSTRAINTS[k] or USER_CONSTRAINTS[k:gsub(" ", "_")]
    if f then
      if f == "parent" then return function() return false end, true end
      return function(u) return u[f] end, BOOL_FIELDS[f]
    end
    if is_user_field(k) then return function(u) return u.custom[k] end, false end
    return nil
  end)
  return page_of(ctx, sorted_values(S.users, pred), user_json)
end, K.PAGED_STATEFUL)

def("Users", "add_user", { "attributes" }, function(ctx)
  local ch, custom, fl = parse_user_attrs(arg_attrs(ctx, "attributes"), false)
  local u = match_user(ch, fl)
  check_userid_free(ch, u)
  if not u then
    if is_blank(val(ch.first_name)) then fail("Missing required attribute: first_name") end
    if is_blank(val(ch.last_name)) then fail("Missing required attribute: last_name") end
    local any_type = fl.account_types ~= nil
    for _, b in ipairs({ "student", "teacher", "assistant", "administrator", "monitor", "manager" }) do
      if ch[b] ~= nil then any_type = true end
    end
    u = new_user({ userid = val(ch.userid) and trim(ch.userid) or default_userid(ch) })
    if not any_type then u.student = true end
    ch.userid = nil
    apply_user(ctx, u, ch, custom, fl, true)
  else
    apply_user(ctx, u, ch, custom, fl, false)
  end
  return id_userid(u)
end, K.STATEFUL)

def("Users", "update_user", { "attributes" }, function(ctx)
  local ch, custom, fl = parse_user_attrs(arg_attrs(ctx, "attributes"), true)
  local u = match_user(ch, fl)
  if not u then fail("No matching user was found") end
  if not fl.match_id and val(ch.userid) and S.by_userid[trim(ch.userid):lower()] == u then ch.userid = nil end
  check_userid_free(ch, u)
  if ch.first_name == CLEAR or ch.last_name == CLEAR then fail("first_name and last_name cannot be blank") end
  apply_user(ctx, u, ch, custom, fl, false)
  return id_userid(u)
end, K.STATEFUL)

def("Users", "archive_users", { "user_ids" }, function(ctx)
  local t = now()
  for _, u in ipairs(users_arg(ctx)) do
    if not u.archived then
      u.archived, u.archived_at = true, t
    end
  end
  return true
end, K.STATEFUL)

def("Users", "reactivate_users", { "user_ids" }, function(ctx)
  for _, u in ipairs(users_arg(ctx)) do
    u.archived, u.archived_at = false, nil
  end
  return true
end, K.STATEFUL)

def("Users", "delete_users", { "user_ids" }, function(ctx)
  local users = users_arg(ctx)
  for _, u in ipairs(users) do
    if u.id == S.admin_id then fail("Cannot delete user " .. u.id .. ": it owns the API key") end
  end
  for _, u in ipairs(users) do remove_user_everywhere(u.id) end
  return true
end, K.STATEFUL)

---------------------------------------------------------------------------
-- Courses
---------------------------------------------------------------------------

local STYLES = { "Instructor", "Self paced", "Blended" }
local TOP_TABS = { "News", "Lessons", "Custom", "CurrentLesson", "Agenda" }
local WEIGHTING = { "MaxScore", "Points", "Percent", "Equally" }
local CLASS_TABS = {
  "custom", "news", "lessons", "calendar", "blogs", "resources", "forums", "wikis", "chat", "attendance",
  "groups", "portfolios", "reviews", "syllabus_tab", "students_tab", "parents_tab", "teachers_tab",
}
local CLASS_ATTR_KIND = {
  name = "string", description = "string", style = "style", start_at = "date", finish_at = "date",
  private = "bool", top_tab = "top_tab", picture = "string", tabs = "tabs", course_code = "string",
  section_code = "string", semester = "string", display_in_catalog = "bool", weighting_style = "weighting",
  weighting_using_categories = "bool", catalog_category = "list",
}

local function tab_list(raw, name, allowed)
  local s
  if type(raw) == "table" then
    local parts = {}
    for _, x in ipairs(raw) do parts[#parts + 1] = scalar(x, name) end
    s = concat(parts, ",")
  else
    s = scalar(raw, name) or ""
  end
  local out = {}
  for piece in s:gmatch("[^,]+") do
    if not is_blank(piece) then out[#out + 1] = one_of(piece, allowed, name) end
  end
  return out
end

-- add_class/edit_class/... attributes -> changes; fails on unknown ones.
local function parse_class_attrs(attrs, allow_sync)
  local ch, custom = {}, {}
  for _, k in ipairs(sorted_keys(attrs)) do
    local raw = attrs[k]
    local kind = CLASS_ATTR_KIND[k]
    if kind == "list" then
      local out = {}
      if type(raw) == "table" then
        for _, x in ipairs(raw) do out[#out + 1] = scalar(x, k) end
      else
        for piece in (scalar(raw, k) or ""):gmatch("[^,]+") do
          if not is_blank(piece) then out[#out + 1] = trim(piece) end
        end
      end
      ch[k] = out
    elseif kind == "tabs" then
      ch[k] = tab_list(raw, k, CLASS_TABS)
    elseif kind then
      local s = scalar(raw, k)
      if is_blank(s) then
        if kind == "bool" then ch[k] = false
        elseif k == "name" then fail("name cannot be blank")
        elseif kind == "string" or kind == "date" then ch[k] = CLEAR
        end
      elseif kind == "string" then ch[k] = s
      elseif kind == "bool" then ch[k] = bool_of(s, k)
      elseif kind == "date" then
        local d = parse_date(s)
        if not d then fail("Invalid " .. k .. ": " .. s) end
        ch[k] = d
      elseif kind == "style" then
        local norm = trim(s):gsub("[-_]", " ")
        ch[k] = one_of(norm, STYLES, k)
      elseif kind == "top_tab" then ch[k] = one_of(s, TOP_TABS, k)
      elseif kind == "weighting" then ch[k] = one_of(s, WEIGHTING, k)
      end
    elseif allow_sync and k == "sync" then
      ch.sync = bool_of(raw, k, false)
    else
      local known = false
      for _, f in ipairs(S.class_fields) do
        if f == k then known = true end
      end
      if not known then fail("Unknown class attribute: " .. k) end
      local s = scalar(raw, k)
      custom[k] = is_blank(s) and CLEAR or s
    end
  end
  return ch, custom
end

local function apply_class(c, ch, custom)
  for k, v in pairs(ch) do
    if k == "start_at" then c.start = val(v)
    elseif k == "finish_at" then c.finish = val(v)
    elseif k ~= "sync" then c[k] = val(v)
    end
  end
  for k, v in pairs(custom) do c.custom[k] = val(v) end
end

-- A copy of a class/template's structure (no people, no grades).
local function copy_class(src, template)
  local c = new_class({
    name = src.name, description = src.description, style = src.style, course_code = src.course_code,
    section_code = src.section_code, semester = src.semester, start = src.start, finish = src.finish,
    picture = src.picture, private = src.private, top_tab = src.top_tab, tabs = copy_list(src.tabs),
    display_in_catalog = src.display_in_catalog, weighting_style = src.weighting_style,
    weighting_using_categories = src.weighting_using_categories, template = template,
    catalog_category = copy_list(src.catalog_category), certificate_id = src.certificate_id,
    mastery = src.mastery,
  })
  c.grademap = {}
  for i, g in ipairs(src.grademap) do
    c.grademap[i] = { grade = g.grade, minimum_percent = g.minimum_percent }
  end
  c.grading_periods = {}
  for i, p in ipairs(src.grading_periods) do
    c.grading_periods[i] = { name = p.name, percent = p.percent, start = p.start }
  end
  for i, x in ipairs(src.class_times) do
    c.class_times[i] = { day = x.day, from = x.from, to = x.to, location = x.location }
  end
  for k, v in pairs(src.custom) do c.custom[k] = v end
  for i, cu in ipairs(src.curricula) do c.curricula[i] = { id = cu.id, ignored = copy_list(cu.ignored) } end
  local lesson_map, assignment_map = {}, {}
  for _, l in ipairs(src.lessons) do
    local nl = { id = next_id("next_lesson"), name = l.name, start_at = l.start_at,
      competencies = copy_list(l.competencies), sections = {} }
    lesson_map[l.id] = nl
    c.lessons[#c.lessons + 1] = nl
  end
  for _, a in ipairs(class_assignments(src)) do
    local na = new_assignment(c, {
      name = a.name, type = a.type, points = a.points, category = a.category, grading = a.grading,
      weight = a.weight, begin = a.begin, ["end"] = a["end"], given = a.given, gateway = a.gateway,
      gateway_threshold = a.gateway_threshold,
      lesson = a.lesson and lesson_map[a.lesson] and lesson_map[a.lesson].id,
      competencies = copy_list(a.competencies),
    })
    assignment_map[a.id] = na.id
  end
  for _, l in ipairs(src.lessons) do
    local nl = lesson_map[l.id]
    for _, s in ipairs(l.sections) do
      nl.sections[#nl.sections + 1] = {
        id = next_id("next_section"), name = s.name, type = s.type,
        assignment_id = s.assignment_id and assignment_map[s.assignment_id], class_id = s.class_id,
        certificate_id = s.certificate_id,
      }
    end
  end
  return c
end

local function archived_filter(ctx)
  local a = arg_str(ctx, "archived")
  if is_blank(a) then return nil end
  local b = C.to_bool(a)
  if b == nil then fail("Invalid archived: " .. a) end
  return b
end

local function list_classes(ctx, template, pred)
  local archived = archived_filter(ctx)
  local items = sorted_values(S.classes, function(c)
    if c.deleted or c.template ~= template then return false end
    if archived ~= nil and c.archived ~= archived then return false end
    return pred == nil or pred(c)
  end)
  return page_of(ctx, items, class_json)
end

local function has_student_from_org(org_id)
  return function(c)
    for uid, e in pairs(c.enrollments) do
      local u = S.users[uid]
      if u and not e.unenrolled and u.organization_id == org_id then return true end
    end
    return false
  end
end

local CLASS_CONSTRAINTS = {
  name = "name", course_code = "course_code", section_code = "section_code", archived = "archived",
}

local function class_match_filter(ctx)
  local cons = arg_attrs(ctx, "constraints")
  return constraint_filter(cons, function(k)
    local f = CLASS_CONSTRAINTS[k]
    if not f then return nil end
    return function(c) return c[f] end, f == "archived"
  end)
end

def("Courses", "get_all_classes", { "archived", "page" }, function(ctx)
  return list_classes(ctx, false)
end, K.PAGED_STATEFUL)

def("Courses", "get_classes_with_ids", { "class_ids" }, function(ctx)
  local out = C.array()
  for _, id in ipairs(arg_ids(ctx, "class_ids", true)) do out[#out + 1] = class_json(find_class(id)) end
  return out
end, K.STATEFUL)

def("Courses", "get_classes_for_organization", { "organization_id", "archived", "page" }, function(ctx)
  local org = need_in(ctx, "organization_id", S.orgs, "organization")
  return list_classes(ctx, false, has_student_from_org(org.id))
end, K.PAGED_STATEFUL)

def("Courses", "get_classes_that_match", { "constraints", "page" }, function(ctx)
  local pred = class_match_filter(ctx)
  local items = sorted_values(S.classes, function(c) return not c.deleted and not c.template and pred(c) end)
  return page_of(ctx, items, class_json)
end, K.PAGED_STATEFUL)

def("Courses", "get_classes_taught_by", { "user_id" }, function(ctx)
  local u = need_user(ctx)
  local out = C.array()
  for _, c in ipairs(sorted_values(S.classes, function(c) return not c.deleted and not c.template end)) do
    local t = teacher_entry(c, u.id)
    if t then out[#out + 1] = class_json(c, { "coteacher" }, { coteacher = t.coteacher }) end
  end
  return out
end, K.STATEFUL)

def("Courses", "get_classes_enrolled_by", { "user_id" }, function(ctx)
  local u = need_user(ctx)
  local items = sorted_values(S.classes, function(c)
    local e = c.enrollments[u.id]
    return not c.deleted and not c.template and e ~= nil and not e.unenrolled
  end)
  return map_array(items, class_json)
end, K.STATEFUL)

local function certificate_url(ctx, cert_id, uid, cid)
  return ctx.req.vendor_url .. "/api/download_certificate?api_key=" .. ngx.escape_uri(ctx.key)
    .. "&certificate_id=" .. cert_id .. "&user_id=" .. uid .. "&class_id=" .. cid
end

local function time_arg(ctx, name)
  local s = arg_str(ctx, name)
  if is_blank(s) then return nil end
  local t = parse_when(s)
  if not t then fail("Invalid " .. name .. ": " .. s) end
  return t
end

def("Courses", "get_all_class_completions", { "completed_after", "completed_before", "class_id", "user_id" },
  function(ctx)
    local after, before = time_arg(ctx, "completed_after"), time_arg(ctx, "completed_before")
    local cid, uid = arg_int(ctx, "class_id"), arg_int(ctx, "user_id")
    if cid then find_class(cid) end
    if uid then find_user(uid) end
    local out = C.array()
    for _, c in ipairs(sorted_values(S.classes, function(c) return not c.deleted and not c.template end)) do
      if not cid or c.id == cid then
        for _, sid in ipairs(c.enroll_order) do
          local e = c.enrollments[sid]
          local t = e and e.completed_at
          if t and not e.unenrolled and (not uid or uid == sid) and (not after or t > after)
              and (not before or t < before) then
            local certs = C.array()
            local cert = c.certificate_id and S.certificates[c.certificate_id]
            if cert then
              certs[1] = cert_json(cert, { "certificate_file_url" }, {
                certificate_file_url = certificate_url(ctx, cert.id, sid, c.id),
              })
            end
            out[#out + 1] = C.ordered({ "class", "student", "certificates" }, {
              class = class_json(c), student = student_json(e), certificates = certs,
            })
          end
        end
      end
    end
    return out
  end, K.STATEFUL)

def("Courses", "download_certificate", { "certificate_id", "user_id", "class_id" }, function(ctx)
  local cert = need_in(ctx, "certificate_id", S.certificates, "certificate")
  local u = need_user(ctx)
  local cid = arg_int(ctx, "class_id")
  local found
  for _, c in ipairs(sorted_values(S.classes, function(c) return not c.deleted and not c.template end)) do
    local e = c.enrollments[u.id]
    if (not cid or c.id == cid) and c.certificate_id == cert.id and e and e.completed_at
        and not e.unenrolled then
      found = c
      break
    end
  end
  if not found then fail("Certificate " .. cert.id .. " was not awarded to user " .. u.id) end
  -- a placeholder PDF document (not a rendered certificate)
  local body = concat({
    "%PDF-1.4", "% MATRIX LMS sandbox certificate",
    "% certificate " .. cert.id .. " (" .. cert.name .. "), user " .. u.id .. ", class " .. found.id,
    "%%EOF", "",
  }, "\n")
  return raw_reply("application/pdf", body, {
    ["Content-Disposition"] = format('attachment; filename="certificate-%d-%d.pdf"', cert.id, u.id),
  })
end, K.STATEFUL)

def("Courses", "get_teachers_for_class", { "class_id" }, function(ctx)
  local c = need_class(ctx)
  local out = C.array()
  for _, t in ipairs(c.teachers) do
    local u = S.users[t.user_id]
    if u then out[#out + 1] = user_json(u, { "coteacher" }, { coteacher = t.coteacher }) end
  end
  return out
end, K.STATEFUL)

def("Courses", "get_students_for_class", { "class_id" }, function(ctx)
  local c = need_class(ctx)
  local out = C.array()
  for _, uid in ipairs(c.enroll_order) do
    if S.users[uid] and c.enrollments[uid] then out[#out + 1] = student_json(c.enrollments[uid]) end
  end
  return out
end, K.STATEFUL)

def("Courses", "get_status_of_classes", { "user_id" }, function(ctx)
  local u = need_user(ctx)
  local enrolled, deactivated, completed = C.array(), C.array(), C.array()
  for _, c in ipairs(sorted_values(S.classes, function(c) return not c.deleted and not c.template end)) do
    local e = c.enrollments[u.id]
    if e and not e.unenrolled then
      if e.completed_at then completed[#completed + 1] = c.id
      elseif e.deactivated then deactivated[#deactivated + 1] = c.id
      else enrolled[#enrolled + 1] = c.id
      end
    end
  end
  return C.ordered({ "enrolled", "deactivated", "completed" }, {
    enrolled = enrolled, deactivated = deactivated, completed = completed,
  })
end, K.STATEFUL)

local function active(c, uid)
  local e = c.enrollments[uid]
  return e ~= nil and not e.unenrolled
end

def("Courses", "add_students_to_class", { "class_id", "user_ids", "options" }, function(ctx)
  local c = need_class(ctx)
  local users = users_arg(ctx)
  local opts = arg_hash(ctx, "options")
  local notify = opt_bool(ctx, opts, "send_notification", false)
  local ignore = opt_bool(ctx, opts, "ignore_already_enrolled", false)
  for _, u in ipairs(users) do
    if active(c, u.id) and not ignore then
      fail(format("User %d is already enrolled in class %d", u.id, c.id))
    end
  end
  local n = 0
  for _, u in ipairs(users) do
    if not active(c, u.id) then
      enroll(c, u.id, { enroll_type = "API", enrolled_by_id = S.admin_id })
      n = n + 1
      if notify then record_mail(ctx, "enrolled_in_class", u, { class_id = c.id }) end
    end
  end
  return n
end, K.STATEFUL)

def("Courses", "remove_students_from_class", { "class_id", "user_ids", "options" }, function(ctx)
  local c = need_class(ctx)
  local users = users_arg(ctx)
  local notify = opt_bool(ctx, arg_hash(ctx, "options"), "send_notification", false)
  local n, t = 0, now()
  for _, u in ipairs(users) do
    if active(c, u.id) then
      local e = c.enrollments[u.id]
      e.unenrolled, e.unenrolled_at, e.unenrolled_by_id = true, t, S.admin_id
      n = n + 1
      if notify then record_mail(ctx, "unenrolled_from_class", u, { class_id = c.id }) end
    end
  end
  return n
end, K.STATEFUL)

-- deactivate/reactivate/complete/uncomplete: every user must be enrolled.
local function enrollment_change(change)
  return function(ctx)
    local c = need_class(ctx)
    local users = users_arg(ctx)
    arg_hash(ctx, "options")
    for _, u in ipairs(users) do
      if not active(c, u.id) then fail(format("User %d is not enrolled in class %d", u.id, c.id)) end
    end
    local t = now()
    for _, u in ipairs(users) do change(c, c.enrollments[u.id], t) end
    return true
  end
end

def("Courses", "deactivate_students_in_class", { "class_id", "user_ids", "options" },
  enrollment_change(function(_, e, t)
    if not e.deactivated then e.deactivated, e.deactivated_at = true, t end
  end), K.STATEFUL)

def("Courses", "reactivate_students_in_class", { "class_id", "user_ids", "options" },
  enrollment_change(function(_, e, t)
    if e.deactivated then e.deactivated, e.reactivated_at = false, t end
  end), K.STATEFUL)

def("Courses", "complete_students_in_class", { "class_id", "user_ids", "options" },
  enrollment_change(function(c, e, t)
    if not e.completed_at then
      e.completed_at = t
      e.percent = student_percent(c, e.user_id)
      e.grade = letter_for(c, e.percent)
    end
  end), K.STATEFUL)

def("Courses", "uncomplete_students_in_class", { "class_id", "user_ids", "options" },
  enrollment_change(function(_, e)
    e.completed_at, e.percent, e.grade = nil, nil, nil
  end), K.STATEFUL)

def("Courses", "add_teachers_to_class", { "class_id", "user_ids", "options" }, function(ctx)
  local c = need_class(ctx)
  local users = users_arg(ctx)
  local notify = opt_bool(ctx, arg_hash(ctx, "options"), "send_notification", false)
  local n = 0
  for _, u in ipairs(users) do
    if add_teacher(c, u.id) then
      n = n + 1
      if notify then record_mail(ctx, "added_as_teacher", u, { class_id = c.id }) end
    end
  end
  return n
end, K.STATEFUL)

def("Courses", "remove_teachers_from_class", { "class_id", "user_ids" }, function(ctx)
  local c = need_class(ctx)
  local remove = {}
  for _, u in ipairs(users_arg(ctx)) do remove[u.id] = true end
  local kept, n = {}, 0
  for _, t in ipairs(c.teachers) do
    if remove[t.user_id] then n = n + 1 else kept[#kept + 1] = t end
  end
  if kept[1] and n > 0 then kept[1].coteacher = false end
  c.teachers = kept
  return n
end, K.STATEFUL)

def("Courses", "add_class", { "attributes" }, function(ctx)
  local ch, custom = parse_class_attrs(arg_attrs(ctx, "attributes"), false)
  if is_blank(val(ch.name)) then fail("Missing required attribute: name") end
  local c = new_class({ start = val(ch.start_at) })
  apply_class(c, ch, custom)
  return c.id
end, K.STATEFUL)

def("Courses", "add_class_from_template", { "class_template_id", "attributes" }, function(ctx)
  local tpl = need_class(ctx, "class_template_id", "template")
  local ch, custom = parse_class_attrs(arg_attrs(ctx, "attributes"), true)
  local c = copy_class(tpl, false)
  if ch.sync then c.parent_id = tpl.id end
  apply_class(c, ch, custom)
  return c.id
end, K.STATEFUL)

def("Courses", "add_child_class", { "parent_class_id", "attributes" }, function(ctx)
  local parent = need_class(ctx, "parent_class_id")
  local ch, custom = parse_class_attrs(arg_attrs(ctx, "attributes"), false)
  local c = copy_class(parent, false)
  c.parent_id = parent.id
  apply_class(c, ch, custom)
  return c.id
end, K.STATEFUL)

def("Courses", "edit_class", { "class_id", "attributes" }, function(ctx)
  local c = need_class(ctx)
  local ch, custom = parse_class_attrs(arg_attrs(ctx, "attributes"), false)
  apply_class(c, ch, custom)
  return c.id
end, K.STATEFUL)

local function classes_change(kind, change)
  return function(ctx)
    local list = {}
    for i, id in ipairs(arg_ids(ctx, "class_ids", true)) do list[i] = find_class(id, kind) end
    for _, c in ipairs(list) do change(c) end
    return true
  end
end

def("Courses", "archive_classes", { "class_ids" }, classes_change("class", function(c) c.archived = true end),
  K.STATEFUL)
def("Courses", "reactivate_classes", { "class_ids" },
  classes_change("class", function(c) c.archived = false end), K.STATEFUL)
def("Courses", "delete_classes", { "class_ids" }, classes_change("class", function(c) c.deleted = true end),
  K.STATEFUL)
def("Courses", "restore_classes", { "class_ids" }, classes_change("trash", function(c) c.deleted = false end),
  K.STATEFUL)

---------------------------------------------------------------------------
-- Course Templates
---------------------------------------------------------------------------

def("Course Templates", "add_class_template", { "attributes" }, function(ctx)
  local ch, custom = parse_class_attrs(arg_attrs(ctx, "attributes"), false)
  if is_blank(val(ch.name)) then fail("Missing required attribute: name") end
  local c = new_class({ template = true, start = val(ch.start_at) })
  apply_class(c, ch, custom)
  return c.id
end, K.STATEFUL)

def("Course Templates", "edit_class_template", { "class_id", "attributes" }, function(ctx)
  local c = need_class(ctx, "class_id", "template")
  local ch, custom = parse_class_attrs(arg_attrs(ctx, "attributes"), false)
  apply_class(c, ch, custom)
  return c.id
end, K.STATEFUL)

def("Course Templates", "get_all_class_templates", { "archived", "page" }, function(ctx)
  return list_classes(ctx, true)
end, K.PAGED_STATEFUL)

def("Course Templates", "get_class_templates_with_ids", { "class_ids" }, function(ctx)
  local out = C.array()
  for _, id in ipairs(arg_ids(ctx, "class_ids", true)) do
    out[#out + 1] = class_json(find_class(id, "template"))
  end
  return out
end, K.STATEFUL)

def("Course Templates", "get_class_templates_for_organization", { "organization_id", "archived", "page" },
  function(ctx)
    local org = need_in(ctx, "organization_id", S.orgs, "organization")
    return list_classes(ctx, true, has_student_from_org(org.id))
  end, K.PAGED_STATEFUL)

def("Course Templates", "get_class_templates_that_match", { "constraints", "page" }, function(ctx)
  local pred = class_match_filter(ctx)
  local items = sorted_values(S.classes, function(c) return not c.deleted and c.template and pred(c) end)
  return page_of(ctx, items, class_json)
end, K.PAGED_STATEFUL)

def("Course Templates", "delete_class_templates", { "class_ids" },
  classes_change("template", function(c) c.deleted = true end), K.STATEFUL)
def("Course Templates", "restore_class_templates", { "class_ids" },
  classes_change("trash_template", function(c) c.deleted = false end), K.STATEFUL)

---------------------------------------------------------------------------
-- Modules, Assignments
---------------------------------------------------------------------------

def("Modules", "get_lessons_for_class", { "class_id" }, function(ctx)
  local c = need_class(ctx, "class_id", "any")
  local out = C.array()
  for _, l in ipairs(c.lessons) do
    local secs = C.array()
    for _, s in ipairs(l.sections) do
      local keys = { "id", "name", "type" }
      if s.type == "Assignment" then keys[4] = "assignment_id"
      elseif s.type == "Class" then keys[4] = "class_id"
      elseif s.type == "Certificate" then keys[4] = "certificate_id"
      end
      secs[#secs + 1] = only(keys, {
        id = s.id, name = s.name, type = s.type, assignment_id = s.assignment_id, class_id = s.class_id,
        certificate_id = s.certificate_id,
      })
    end
    local keys = { "id", "name", "start_at", "sections" }
    if c.mastery then keys = { "id", "name", "start_at", "competencies", "sections" } end
    out[#out + 1] = only(keys, {
      id = l.id, name = l.name, start_at = iso_time(l.start_at), competencies = id_array(l.competencies),
      sections = secs,
    })
  end
  return out
end, K.STATEFUL)

def("Assignments", "get_assignments_for_class", { "class_id" }, function(ctx)
  local c = need_class(ctx, "class_id", "any")
  local out = C.array()
  for _, a in ipairs(class_assignments(c)) do
    local keys = { "id", "name", "type", "points", "category", "grading" }
    if c.weighting_using_categories then keys[#keys + 1] = "weight" end
    if c.style ~= "Self paced" then
      keys[#keys + 1] = "begin"
      keys[#keys + 1] = "end"
      keys[#keys + 1] = "given"
    end
    keys[#keys + 1] = "gateway"
    if a.gateway then keys[#keys + 1] = "gateway_threshold" end
    keys[#keys + 1] = "lesson"
    if c.mastery then keys[#keys + 1] = "competencies" end
    out[#out + 1] = only(keys, {
      id = a.id, name = a.name, type = a.type, points = a.points, category = a.category,
      grading = a.grading, weight = a.weight, begin = iso_time(a.begin), ["end"] = iso_time(a["end"]),
      given = a.given == true, gateway = a.gateway == true, gateway_threshold = a.gateway_threshold,
      lesson = a.lesson, competencies = id_array(a.competencies),
    })
  end
  return out
end, K.STATEFUL)

---------------------------------------------------------------------------
-- Grades
---------------------------------------------------------------------------

def("Grades", "get_grades_for_class", { "class_id" }, function(ctx)
  local c = need_class(ctx)
  local out = C.array()
  for _, uid in ipairs(c.enroll_order) do
    if S.users[uid] and active(c, uid) then out[#out + 1] = grade_info(c, uid) end
  end
  return out
end, K.STATEFUL)

def("Grades", "get_grades_for_user", { "user_id" }, function(ctx)
  local u = need_user(ctx)
  local out = C.array()
  for _, c in ipairs(sorted_values(S.classes, function(c)
    return not c.deleted and not c.template and not c.archived and active(c, u.id)
  end)) do
    out[#out + 1] = C.ordered({ "class_id", "grades" }, { class_id = c.id, grades = grade_info(c, u.id) })
  end
  return out
end, K.STATEFUL)

def("Grades", "set_grades_for_assignment", { "assignment_id", "grades" }, function(ctx)
  local a = need_in(ctx, "assignment_id", S.assignments, "assignment")
  local c = S.classes[a.class_id]
  if not c or c.deleted or c.template then fail("Invalid assignment ID: " .. a.id) end
  local rows = grade_rows(ctx.args.grades)
  if #rows == 0 then fail("Missing required argument: grades") end
  local parsed = {}
  for i, r in ipairs(rows) do
    local u = find_user(r.user_id)
    if not active(c, u.id) then fail(format("User %d is not a student in class %d", u.id, c.id)) end
    local rec = parse_grade(c, a, r.grade)
    if not rec then fail(format("Invalid grade for user %d: %s", u.id, r.grade)) end
    parsed[i] = rec
  end
  local t = now()
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
      set_grade(a.id, r.user_id, rec)
    end
  end
  return true
end, K.STATEFUL)

---------------------------------------------------------------------------
-- Organizations
---------------------------------------------------------------------------

-- Generic attribute parser: spec = { name = "string"|"bool"|..., ... }
local function parse_simple_attrs(attrs, spec, what)
  local ch = {}
  for _, k in ipairs(sorted_keys(attrs)) do
    local kind = spec[k]
    if not kind then fail("Unknown " .. what .. " attribute: " .. k) end
    local raw = attrs[k]
    if type(kind) == "table" then
      if kind.tabs then
        ch[k] = tab_list(raw, k, kind.tabs)
      else
        local s = scalar(raw, k)
        if is_blank(s) then ch[k] = CLEAR else ch[k] = one_of(s, kind, k) end
      end
    elseif kind == "bool" then
      ch[k] = bool_of(raw, k, false)
    elseif kind == "user" then
      local s = scalar(raw, k)
      if is_blank(s) then ch[k] = CLEAR else ch[k] = find_user(to_int_or_fail(s, k)).id end
    else
      local s = scalar(raw, k)
      if k == "name" and is_blank(s) then fail("name cannot be blank") end
      ch[k] = is_blank(s) and CLEAR or s
    end
  end
  return ch
end

local function apply_simple(x, ch)
  for k, v in pairs(ch) do x[k] = val(v) end
end

local ORG_ATTRS = { name = "string", description = "string", internal = "bool", picture = "string" }

def("Organizations", "get_all_organizations", { "page" }, function(ctx)
  return page_of(ctx, sorted_values(S.orgs), org_json)
end, K.PAGED_STATEFUL)

def("Organizations", "get_organizations_with_ids", { "organization_ids" }, function(ctx)
  return map_array(list_in(ctx, "organization_ids", S.orgs, "organization"), org_json)
end, K.STATEFUL)

def("Organizations", "add_organization", { "attributes" }, function(ctx)
  local ch = parse_simple_attrs(arg_attrs(ctx, "attributes"), ORG_ATTRS, "organization")
  if is_blank(val(ch.name)) then fail("Missing required attribute: name") end
  local o = { id = next_id("next_org"), internal = false }
  apply_simple(o, ch)
  S.orgs[o.id] = o
  return o.id
end, K.STATEFUL)

def("Organizations", "edit_organization", { "organization_id", "attributes" }, function(ctx)
  local o = need_in(ctx, "organization_id", S.orgs, "organization")
  apply_simple(o, parse_simple_attrs(arg_attrs(ctx, "attributes"), ORG_ATTRS, "organization"))
  return o.id
end, K.STATEFUL)

def("Organizations", "delete_organizations", { "organization_ids" }, function(ctx)
  local list = list_in(ctx, "organization_ids", S.orgs, "organization")
  for _, o in ipairs(list) do
    S.orgs[o.id] = nil
    for _, u in pairs(S.users) do
      if u.organization_id == o.id then u.organization_id = nil end
    end
  end
  return true
end, K.STATEFUL)

---------------------------------------------------------------------------
-- Groups
---------------------------------------------------------------------------

local GROUP_TYPES = { "Interest", "Study", "Club", "Hobby", "Faculty", "Students", "Topic" }
local GROUP_ATTRS = {
  name = "string", description = "string", admin_id = "user", private = "bool", type = GROUP_TYPES,
  top_tab = { "News", "Custom" }, picture = "string",
  tabs = { tabs = { "news", "custom", "calendar", "blog", "resources", "forums", "wikis", "chat",
    "members_tab", "admins_tab" } },
}

local function apply_group(g, ch)
  local t = now()
  for k, v in pairs(ch) do
    if k == "admin_id" then
      if v ~= CLEAR and not g.admins[v] then g.admins[v] = { joined_at = t } end
    else
      g[k] = val(v)
    end
  end
  if g.private and not g.access_code then g.access_code = "GROUP" .. g.id end
end

def("Groups", "get_all_groups", { "page" }, function(ctx)
  return page_of(ctx, sorted_values(S.groups), group_json)
end, K.PAGED_STATEFUL)

def("Groups", "get_groups_with_ids", { "group_ids" }, function(ctx)
  return map_array(list_in(ctx, "group_ids", S.groups, "group"), group_json)
end, K.STATEFUL)

def("Groups", "get_groups_that_match", { "constraints", "page" }, function(ctx)
  local pred = constraint_filter(arg_attrs(ctx, "constraints"), function(k)
    if k == "name" then return function(g) return g.name end end
    if k == "access_code" then return function(g) return g.private and g.access_code or nil end end
    return nil
  end)
  return page_of(ctx, sorted_values(S.groups, pred), group_json)
end, K.PAGED_STATEFUL)

def("Groups", "get_members_for_group", { "group_id" }, function(ctx)
  return group_users_json(need_in(ctx, "group_id", S.groups, "group").members)
end, K.STATEFUL)

def("Groups", "get_admins_for_group", { "group_id" }, function(ctx)
  return group_users_json(need_in(ctx, "group_id", S.groups, "group").admins)
end, K.STATEFUL)

def("Groups", "get_groups_with_member", { "user_id" }, function(ctx)
  local u = need_user(ctx)
  return map_array(sorted_values(S.groups, function(g) return g.members[u.id] ~= nil end), group_json)
end, K.STATEFUL)

def("Groups", "get_groups_with_admin", { "user_id" }, function(ctx)
  local u = need_user(ctx)
  return map_array(sorted_values(S.groups, function(g) return g.admins[u.id] ~= nil end), group_json)
end, K.STATEFUL)

local function group_people_change(field, add)
  return function(ctx)
    local g = need_in(ctx, "group_id", S.groups, "group")
    local users = users_arg(ctx)
    local t = now()
    for _, u in ipairs(users) do
      if add then
        if not g[field][u.id] then g[field][u.id] = { joined_at = t } end
      else
        g[field][u.id] = nil
      end
    end
    return true
  end
end

def("Groups", "add_members_to_group", { "group_id", "user_ids" }, group_people_change("members", true),
  K.STATEFUL)
def("Groups", "remove_members_from_group", { "group_id", "user_ids" }, group_people_change("members", false),
  K.STATEFUL)
def("Groups", "add_admins_to_group", { "group_id", "user_ids" }, group_people_change("admins", true),
  K.STATEFUL)
def("Groups", "remove_admins_from_group", { "group_id", "user_ids" }, group_people_change("admins", false),
  K.STATEFUL)

def("Groups", "add_group", { "attributes" }, function(ctx)
  local ch = parse_simple_attrs(arg_attrs(ctx, "attributes"), GROUP_ATTRS, "group")
  if is_blank(val(ch.name)) then fail("Missing required attribute: name") end
  local g = {
    id = next_id("next_group"), private = true, top_tab = "News", type = "Interest",
    tabs = { "news", "members_tab", "admins_tab" }, members = {}, admins = {}, curricula = {},
  }
  if ch.admin_id == nil or ch.admin_id == CLEAR then ch.admin_id = S.admin_id end
  apply_group(g, ch)
  S.groups[g.id] = g
  return g.id
end, K.STATEFUL)

def("Groups", "edit_group", { "group_id", "attributes" }, function(ctx)
  local g = need_in(ctx, "group_id", S.groups, "group")
  apply_group(g, parse_simple_attrs(arg_attrs(ctx, "attributes"), GROUP_ATTRS, "group"))
  return g.id
end, K.STATEFUL)

def("Groups", "delete_groups", { "group_ids" }, function(ctx)
  for _, g in ipairs(list_in(ctx, "group_ids", S.groups, "group")) do S.groups[g.id] = nil end
  return true
end, K.STATEFUL)

---------------------------------------------------------------------------
-- Paths
---------------------------------------------------------------------------

def("Paths", "get_all_paths", { "page" }, function(ctx)
  return page_of(ctx, sorted_values(S.paths), path_json)
end, K.PAGED_STATEFUL)

def("Paths", "get_paths_with_ids", { "path_ids" }, function(ctx)
  return map_array(list_in(ctx, "path_ids", S.paths, "path"), path_json)
end, K.STATEFUL)

def("Paths", "get_students_for_path", { "path_id" }, function(ctx)
  local p = need_in(ctx, "path_id", S.paths, "path")
  local out = C.array()
  for _, uid in ipairs(sorted_keys_num(p.students)) do
    if S.users[uid] then out[#out + 1] = user_json(S.users[uid]) end
  end
  return out
end, K.STATEFUL)

def("Paths", "add_students_to_path", { "path_id", "user_ids", "options" }, function(ctx)
  local p = need_in(ctx, "path_id", S.paths, "path")
  local users = users_arg(ctx)
  local notify = opt_bool(ctx, arg_hash(ctx, "options"), "send_notification", false)
  for _, u in ipairs(users) do
    if p.students[u.id] then fail(format("User %d is already enrolled in path %d", u.id, p.id)) end
  end
  local t = now()
  for _, u in ipairs(users) do
    p.students[u.id] = { enrolled_at = t }
    if notify then record_mail(ctx, "enrolled_in_path", u, { path_id = p.id }) end
  end
  return #users
end, K.STATEFUL)

def("Paths", "remove_students_from_path", { "path_id", "user_ids", "options" }, function(ctx)
  local p = need_in(ctx, "path_id", S.paths, "path")
  local users = users_arg(ctx)
  local notify = opt_bool(ctx, arg_hash(ctx, "options"), "send_notification", false)
  local n = 0
  for _, u in ipairs(users) do
    if p.students[u.id] then
      p.students[u.id] = nil
      n = n + 1
      if notify then record_mail(ctx, "unenrolled_from_path", u, { path_id = p.id }) end
    end
  end
  return n
end, K.STATEFUL)

---------------------------------------------------------------------------
-- Resources, Certificates
---------------------------------------------------------------------------

def("Resources", "get_resources", { "constraints", "page", "offset" }, function(ctx)
  local cons = arg_attrs(ctx, "constraints")
  local offset_raw = cons.offset
  if offset_raw == nil then offset_raw = ctx.args.offset end
  cons.offset = nil
  cons.user_id = nil -- perspective only; every seeded library is visible to the admin
  cons.subject = nil -- K-20 subjects are not enabled
  local libs
  if cons.libraries ~= nil then
    libs = {}
    for piece in (scalar(cons.libraries, "libraries") or ""):gmatch("[^,]+") do
      if not is_blank(piece) then libs[trim(piece):lower()] = true end
    end
    cons.libraries = nil
  end
  local pred = constraint_filter(cons, function(k)
    if k == "name" or k == "type" then return function(r) return r[k] end end
    return nil
  end)
  local items = sorted_values(S.resources, function(r)
    if libs and not libs.all and not libs[r.library:lower()] then return false end
    return pred(r)
  end)
  local first
  local off = scalar(offset_raw, "offset")
  if not is_blank(off) then
    local n = C.to_int(off)
    if not n or n < 0 then fail("Invalid offset: " .. off) end
    first = n + 1
  else
    first = (page_number(ctx) - 1) * M.PAGE_SIZE + 1
  end
  local out = C.array()
  for i = first, min(#items, first + M.PAGE_SIZE - 1) do
    local r = items[i]
    out[#out + 1] = C.ordered(K.RESOURCE_KEYS, {
      id = r.id, type = r.type, name = r.name, library = r.library, creator_id = r.creator_id,
      created_at = iso_time(r.created_at), url = ctx.req.vendor_url .. "/resources/" .. r.id,
    })
  end
  return C.ordered({ "resources", "count" }, { resources = out, count = #items })
end, K.PAGED)

def("Certificates", "get_all_certificates", {}, function()
  return map_array(sorted_values(S.certificates), cert_json)
end)

def("Certificates", "get_certificates_with_ids", { "certificate_ids" }, function(ctx)
  return map_array(list_in(ctx, "certificate_ids", S.certificates, "certificate"), function(x)
    return cert_json(x)
  end)
end)

---------------------------------------------------------------------------
-- Competencies, Mastery
---------------------------------------------------------------------------

do
  local function proficiency_json(p)
    local keys = { "id", "name", "code", "description" }
    local children
    if #p.children > 0 then
      keys[5] = "children"
      children = C.array()
      for _, cid in ipairs(p.children) do children[#children + 1] = proficiency_json(S.proficiencies[cid]) end
    end
    return C.ordered(keys, { id = p.id, name = p.name, code = p.code, description = p.description,
      children = children })
  end

  local function curricula_links_json(list)
    local out = C.array()
    for _, cu in ipairs(list or {}) do
      out[#out + 1] = C.ordered({ "id", "ignored_proficiency_ids" }, {
        id = cu.id, ignored_proficiency_ids = id_array(cu.ignored),
      })
    end
    return out
  end

  def("Competencies", "get_all_curricula", {}, function()
    return map_array(sorted_values(S.curricula), curriculum_json)
  end)

  def("Competencies", "get_curricula_with_ids", { "curriculum_ids" }, function(ctx)
    return map_array(list_in(ctx, "curriculum_ids", S.curricula, "curriculum"), curriculum_json)
  end)

  def("Competencies", "get_proficiencies_for_curriculum", { "curriculum_id" }, function(ctx)
    local cu = need_in(ctx, "curriculum_id", S.curricula, "curriculum")
    local out = C.array()
    for _, pid in ipairs(cu.roots) do out[#out + 1] = proficiency_json(S.proficiencies[pid]) end
    return out
  end)

  def("Competencies", "get_curricula_for_class", { "class_id" }, function(ctx)
    return curricula_links_json(need_class(ctx).curricula)
  end, K.STATEFUL)

  def("Competencies", "get_curricula_for_group", { "group_id" }, function(ctx)
    return curricula_links_json(need_in(ctx, "group_id", S.groups, "group").curricula)
  end, K.STATEFUL)

  def("Competencies", "get_curricula_for_job_title", { "job_title_id" }, function(ctx)
    return curricula_links_json(need_in(ctx, "job_title_id", S.job_titles, "job title").curricula)
  end, K.STATEFUL)

  local function classification(p)
    if p == nil then return nil end
    if p >= 80 then return "Mastered" end
    if p >= 60 then return "Developing" end
    return "Beginning"
  end

  -- Proficiency ids (flattened, in tree order) of a class's curricula.
  local function class_proficiencies(c, curriculum_id)
    local out = {}
    local function walk(pid, ignored)
      if not ignored[pid] then out[#out + 1] = pid end
      for _, cid in ipairs(S.proficiencies[pid].children) do walk(cid, ignored) end
    end
    for _, cu in ipairs(c.curricula) do
      if S.curricula[cu.id] and (not curriculum_id or cu.id == curriculum_id) then
        local ignored = {}
        for _, x in ipairs(cu.ignored) do ignored[x] = true end
        for _, root in ipairs(S.curricula[cu.id].roots) do walk(root, ignored) end
      end
    end
    return out
  end

  -- Mastery of one student in one proficiency: average percent of the
  -- counted grades of the class's assignments tagged with it (children
  -- roll up into their parent).
  local function proficiency_mastery(classes, pid, uid)
    local ids = { pid }
    for _, cid in ipairs(S.proficiencies[pid].children) do ids[#ids + 1] = cid end
    local sum, n = 0, 0
    local rows = C.array()
    for _, c in ipairs(classes) do
      for _, a in ipairs(class_assignments(c)) do
        local tagged = false
        for _, x in ipairs(a.competencies or {}) do
          for _, y in ipairs(ids) do
            if x == y then tagged = true end
          end
        end
        local rec = S.grades[a.id] and S.grades[a.id][uid]
        if tagged and rec and rec.counted and rec.percent then
          sum, n = sum + rec.percent, n + 1
          rows[#rows + 1] = C.ordered({ "id", "percent", "classification" }, {
            id = a.id, percent = rec.percent, classification = classification(rec.percent),
          })
        end
      end
    end
    local p = n > 0 and round2(sum / n) or nil
    return p, C.ordered({ "id", "percent", "classification", "mastered", "assignments" }, {
      id = pid, percent = p, classification = classification(p), mastered = p ~= nil and p >= 80,
      assignments = rows,
    })
  end

  local function average(list)
    local sum, n = 0, 0
    for _, x in ipairs(list) do
      if x ~= nil then sum, n = sum + x, n + 1 end
    end
    if n == 0 then return nil end
    return round2(sum / n)
  end

  local function class_mastery(c, student_ids)
    local pids = class_proficiencies(c)
    local per_prof = {}
    local students = C.array()
    for _, uid in ipairs(student_ids) do
      local details, pcts = C.array(), {}
      for i, pid in ipairs(pids) do
        local p, d = proficiency_mastery({ c }, pid, uid)
        details[#details + 1] = d
        if p then pcts[#pcts + 1] = p end
        per_prof[i] = per_prof[i] or {}
        if p then per_prof[i][#per_prof[i] + 1] = p end
      end
      local avg = average(pcts)
      students[#students + 1] = C.ordered({ "id", "percent", "classification", "proficiencies" }, {
        id = uid, percent = avg, classification = classification(avg), proficiencies = details,
      })
    end
    local profs = C.array()
    for i, pid in ipairs(pids) do
      local avg = average(per_prof[i] or {})
      profs[#profs + 1] = C.ordered({ "id", "percent", "classification" }, {
        id = pid, percent = avg, classification = classification(avg),
      })
    end
    return C.ordered({ "proficiencies", "students" }, { proficiencies = profs, students = students })
  end

  def("Mastery", "get_mastery_for_class", { "class_id" }, function(ctx)
    local c = need_class(ctx)
    local ids = {}
    for _, uid in ipairs(c.enroll_order) do
      if S.users[uid] and active(c, uid) then ids[#ids + 1] = uid end
    end
    return class_mastery(c, ids)
  end, K.STATEFUL)

  def("Mastery", "get_mastery_for_class_students", { "class_id", "student_ids" }, function(ctx)
    local c = need_class(ctx)
    local ids = arg_ids(ctx, "student_ids", true)
    for _, uid in ipairs(ids) do
      find_user(uid)
      if not active(c, uid) then fail(format("User %d is not a student in class %d", uid, c.id)) end
    end
    return class_mastery(c, ids)
  end, K.STATEFUL)

  local function user_classes(uid)
    return sorted_values(S.classes, function(c)
      return not c.deleted and not c.template and active(c, uid)
    end)
  end

  def("Mastery", "get_active_curricula_for_user", { "user_id" }, function(ctx)
    local u = need_user(ctx)
    local seen, ids = {}, {}
    for _, c in ipairs(user_classes(u.id)) do
      for _, cu in ipairs(c.curricula) do
        if not seen[cu.id] and S.curricula[cu.id] then
          seen[cu.id] = true
          ids[#ids + 1] = cu.id
        end
      end
    end
    sort(ids)
    local out = C.array()
    for _, id in ipairs(ids) do out[#out + 1] = curriculum_json(S.curricula[id]) end
    return out
  end, K.STATEFUL)

  def("Mastery", "get_mastery_for_user", { "user_id", "curriculum_id" }, function(ctx)
    local u = need_user(ctx)
    local cu = need_in(ctx, "curriculum_id", S.curricula, "curriculum")
    local classes = user_classes(u.id)
    local seen, pids = {}, {}
    for _, c in ipairs(classes) do
      for _, pid in ipairs(class_proficiencies(c, cu.id)) do
        if not seen[pid] then
          seen[pid] = true
          pids[#pids + 1] = pid
        end
      end
    end
    local profs, details, pcts = C.array(), C.array(), {}
    for _, pid in ipairs(pids) do
      local p, d = proficiency_mastery(classes, pid, u.id)
      details[#details + 1] = d
      if p then pcts[#pcts + 1] = p end
      profs[#profs + 1] = C.ordered({ "id", "classification" },
        { id = pid, classification = classification(p) })
    end
    local avg = average(pcts)
    local mastery = C.array()
    mastery[1] = C.ordered({ "percent", "classification", "proficiencies" }, {
      percent = avg, classification = classification(avg), proficiencies = details,
    })
    return C.ordered({ "proficiencies", "mastery" }, { proficiencies = profs, mastery = mastery })
  end, K.STATEFUL)
end

---------------------------------------------------------------------------
-- Sessions, Course reports
---------------------------------------------------------------------------

def("Sessions", "get_session_details", { "user_ids" }, function(ctx)
  local cutoff = now() - 30 * 86400
  local out = C.array()
  for _, u in ipairs(users_arg(ctx)) do
    local list = {}
    for _, s in ipairs(S.sessions[u.id] or {}) do
      if s.login_at >= cutoff then list[#list + 1] = s end
    end
    sort(list, function(a, b) return a.login_at < b.login_at end)
    local sessions = C.array()
    for _, s in ipairs(list) do
      sessions[#sessions + 1] = C.ordered({ "login_at", "logout_at", "ip_address" }, {
        login_at = iso_time(s.login_at), logout_at = iso_time(s.logout_at), ip_address = s.ip_address,
      })
    end
    out[#out + 1] = C.ordered({ "id", "count", "sessions" },
      { id = u.id, count = #list, sessions = sessions })
  end
  return out
end, K.STATEFUL)

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

---------------------------------------------------------------------------
-- Reports (run_report -> get_report_status -> download_report)
---------------------------------------------------------------------------

local function live_class(c) return not c.deleted and not c.template end

do
  local PERIOD_UNITS = { "day", "week", "month", "year" }
  local PERIOD_DAYS = { day = 1, week = 7, month = 30, year = 365 }

  -- Returns begin, end dates ("YYYY-MM-DD") of a validated period.
  local function report_period(p)
    if type(p) ~= "table" or p[1] ~= nil then
      fail("Missing required argument: period (this report uses periods)")
    end
    local ty = scalar(p.period_type, "period.period_type")
    if is_blank(ty) then fail("Missing required argument: period.period_type") end
    ty = one_of(ty, { "Date Range", "Last Period", "Current Period" }, "period.period_type")
    local today = now()
    if ty == "Date Range" then
      local b, e = scalar(p.begin_at, "period.begin_at"), scalar(p.end_at, "period.end_at")
      if is_blank(b) then fail("Missing required argument: period.begin_at") end
      if is_blank(e) then fail("Missing required argument: period.end_at") end
      local function mdy(s, name)
        local mo, d, y = trim(s):match("^(%d%d?)/(%d%d?)/(%d%d%d%d)$")
        if not mo or tonumber(mo) > 12 or tonumber(mo) < 1 or tonumber(d) < 1 or tonumber(d) > 31 then
          fail("Invalid " .. name .. " (expected mm/dd/yyyy): " .. s)
        end
        return format("%04d-%02d-%02d", tonumber(y), tonumber(mo), tonumber(d))
      end
      local bd, ed = mdy(b, "period.begin_at"), mdy(e, "period.end_at")
      if bd > ed then fail("Invalid period: begin_at is after end_at") end
      return bd, ed
    elseif ty == "Last Period" then
      local n = scalar(p.period_number, "period.period_number")
      if is_blank(n) then fail("Missing required argument: period.period_number") end
      local num = C.to_int(n)
      if not num or num < 1 or num > 31 then fail("Invalid period.period_number (1..31): " .. n) end
      local unit = scalar(p.period_time, "period.period_time")
      if is_blank(unit) then fail("Missing required argument: period.period_time") end
      unit = one_of(unit, PERIOD_UNITS, "period.period_time")
      return iso_date(today - num * PERIOD_DAYS[unit] * 86400), iso_date(today)
    end
    local unit = scalar(p.current_period, "period.current_period")
    if is_blank(unit) then fail("Missing required argument: period.current_period") end
    unit = one_of(unit, PERIOD_UNITS, "period.current_period")
    local d = os.date("!*t", floor(today))
    local b
    if unit == "day" then b = C.utc(d.year, d.month, d.day)
    elseif unit == "week" then b = C.utc(d.year, d.month, d.day) - ((d.wday + 5) % 7) * 86400
    elseif unit == "month" then b = C.utc(d.year, d.month, 1)
    else b = C.utc(d.year, 1, 1)
    end
    return iso_date(b), iso_date(today)
  end

  -- "-1" means all; otherwise every id must exist.
  local function scope_ids(raw, name, map, what, pred)
    local ids = id_list(raw, name)
    if #ids == 0 then fail("Invalid report." .. name .. ": no ids") end
    for _, id in ipairs(ids) do
      if id == -1 then
        local all = {}
        for _, x in ipairs(sorted_values(map, pred)) do all[#all + 1] = x.id end
        return all
      end
    end
    for _, id in ipairs(ids) do
      local x = map[id]
      if not x or (pred and not pred(x)) then fail("Invalid " .. what .. " ID: " .. id) end
    end
    return ids
  end

  local function report_rows(def_, scope, ids, period_b, period_e)
    local header
    local rows = {}
    local function person(uid)
      local u = S.users[uid]
      return u and u.first_name, u and u.last_name
    end
    if scope == "team" then
      header = { "Team ID", "Team name", "User ID", "First name", "Last name", "Role", "Joined at" }
      for _, gid in ipairs(ids) do
        local g = S.groups[gid]
        for _, pair in ipairs({ { "Admin", g.admins }, { "Member", g.members } }) do
          for _, uid in ipairs(sorted_keys_num(pair[2])) do
            if S.users[uid] then
              local fn, ln = person(uid)
              rows[#rows + 1] = { g.id, g.name, uid, fn, ln, pair[1], iso_time(pair[2][uid].joined_at) }
            end
          end
        end
      end
    elseif scope == "organization" then
      header = { "Organization ID", "Organization name", "User ID", "First name", "Last name", "Period begin",
        "Period end", "Time spent (seconds)" }
      for _, oid in ipairs(ids) do
        local o = S.orgs[oid]
        for _, u in ipairs(sorted_values(S.users, function(x) return x.organization_id == oid end)) do
          local spent = 0
          for _, c in pairs(S.classes) do
            local e = c.enrollments[u.id]
            if e then spent = spent + (e.time_spent or 0) end
          end
          rows[#rows + 1] = { o.id, o.name, u.id, u.first_name, u.last_name, period_b, period_e, spent }
        end
      end
    elseif def_.id == 47 then
      header = { "Class ID", "Class name", "User ID", "First name", "Last name", "Percent", "Grade" }
      for _, cid in ipairs(ids) do
        local c = S.classes[cid]
        for _, uid in ipairs(c.enroll_order) do
          if S.users[uid] and active(c, uid) then
            local fn, ln = person(uid)
            local pct = student_percent(c, uid)
            rows[#rows + 1] = { c.id, c.name, uid, fn, ln, pct, letter_for(c, pct) }
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
              c.id, c.name, uid, fn, ln, iso_time(e.enrolled_at), iso_time(e.completed_at), status,
            }
          end
        end
      end
    end
    return to_csv(header, rows)
  end

  K.REPORT_STATUS_KEYS = { "run_report_id", "report_id", "status", "output", "created_at", "completed_at" }

  local function report_status(r)
    local t = now()
    if r.run == "schedule" then
      if t < r.start_at then return "Scheduled" end
      return "Completed", r.start_at
    end
    local done = r.created_at + r.delay
    if t < done then return "Running" end
    return "Completed", done
  end

  def("Reports", "run_report", { "report", "run_options", "period" }, function(ctx)
    local rep = arg_hash(ctx, "report")
    if next(rep) == nil then fail("Missing required argument: report") end
    local opts = arg_hash(ctx, "run_options")
    if next(opts) == nil then fail("Missing required argument: run_options") end
    local rid = scalar(rep.id, "report.id")
    if is_blank(rid) then fail("Missing required argument: report.id") end
    local def_ = S.report_defs[to_int_or_fail(rid, "report.id")]
    if not def_ then fail("Invalid report ID: " .. rid) end
    local output = rep.output
    if output == nil then output = rep.outpup end -- the doc's spelling
    output = scalar(output, "report.output")
    if is_blank(output) then fail("Missing required argument: report.output") end
    output = one_of(output, { "CSV", "HTML", "Chart" }, "report.output")
    local scope, ids
    local class_raw = rep.class_id
    if class_raw == nil then class_raw = rep.course_id end
    if class_raw ~= nil then
      if not def_.scopes.class then fail("Report " .. def_.id .. " is not a course report") end
      scope, ids = "class", scope_ids(class_raw, "class_id", S.classes, "class", live_class)
    elseif rep.team_id ~= nil then
      if not def_.scopes.team then fail("Report " .. def_.id .. " is not a team report") end
      scope, ids = "team", scope_ids(rep.team_id, "team_id", S.groups, "team")
    elseif rep.organization_id ~= nil then
      if not def_.scopes.organization then fail("Report " .. def_.id .. " is not an organization report") end
      scope, ids = "organization", scope_ids(rep.organization_id, "organization_id", S.orgs, "organization")
    else
      fail("Missing required argument: report.class_id, report.team_id or report.organization_id")
    end
    local pb, pe
    if def_.period then
      local p = rep.period
      if p == nil then p = ctx.args.period end
      if type(p) == "string" then p = hash_of(p, "period") end
      pb, pe = report_period(p)
    end
    local run = scalar(opts.run, "run_options.run")
    if is_blank(run) then fail("Missing required argument: run_options.run") end
    run = one_of(run, { "immediately", "schedule" }, "run_options.run")
    local start_at
    if run == "schedule" then
      local s = scalar(opts.start_at, "run_options.start_at")
      if is_blank(s) then fail("Missing required argument: run_options.start_at") end
      start_at = parse_when(s)
      if not start_at then fail("Invalid run_options.start_at: " .. s) end
      if bool_of(opts.repeats_scheduled_report, "run_options.repeats_scheduled_report", false) then
        local rp = scalar(opts.repeats, "run_options.repeats")
        if is_blank(rp) then fail("Missing required argument: run_options.repeats") end
        one_of(rp, { "Minutely", "Daily", "Weekly", "Monthly", "Yearly" }, "run_options.repeats")
        local every = scalar(opts.repeat_every, "run_options.repeat_every")
        if is_blank(every) then fail("Missing required argument: run_options.repeat_every") end
        local n = C.to_int(every)
        if not n or n < 1 or n > 30 then fail("Invalid run_options.repeat_every (1..30): " .. every) end
      end
    end
    local r = {
      id = next_id("next_report"), report_id = def_.id, output = output, run = run, start_at = start_at,
      created_at = now(), delay = CFG.report_delay,
      csv = report_rows(def_, scope, ids, pb, pe),
    }
    S.reports[r.id] = r
    return C.ordered({ "run_report_id" }, { run_report_id = r.id })
  end, K.STATEFUL)

  def("Reports", "get_report_status", { "run_report_id" }, function(ctx)
    local r = need_in(ctx, "run_report_id", S.reports, "run_report")
    local status, done = report_status(r)
    return C.ordered(K.REPORT_STATUS_KEYS, {
      run_report_id = r.id, report_id = r.report_id, status = status, output = r.output,
      created_at = iso_time(r.created_at), completed_at = iso_time(done),
    })
  end, K.STATEFUL)

  def("Reports", "download_report", { "run_report_id" }, function(ctx)
    local r = need_in(ctx, "run_report_id", S.reports, "run_report")
    if r.output ~= "CSV" then
      fail("Only CSV reports can be downloaded (report output is " .. r.output .. ")")
    end
    local status = report_status(r)
    if status ~= "Completed" then
      fail("Report " .. r.id .. " is not completed yet (status: " .. status .. ")")
    end
    return raw_reply("text/csv; charset=utf-8", r.csv, {
      ["Content-Disposition"] = format('attachment; filename="report-%d.csv"', r.id),
    })
  end, K.STATEFUL)
end

---------------------------------------------------------------------------
-- Attendance
---------------------------------------------------------------------------

K.ATTENDANCE_RECORD_KEYS = { "student_id", "status", "details", "excused", "note" }

do
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
end

---------------------------------------------------------------------------
-- News feeds
---------------------------------------------------------------------------

K.POST_KEYS = {
  "id", "function", "kind", "scope", "class_id", "group_id", "message", "sticky", "notify", "submitter_id",
  "students", "teachers", "parents", "managers", "created_at",
}

local function poster(kind, scope)
  return function(ctx)
    local target
    if scope == "class" then target = need_class(ctx)
    elseif scope == "group" then target = need_in(ctx, "group_id", S.groups, "group")
    end
    local message = arg_str(ctx, "message", true)
    local opts = arg_hash(ctx, "options")
    local sticky = opt_bool(ctx, opts, "sticky", false)
    if sticky and kind == "message" and scope == "site" then
      fail("The sticky option is not available for post_site_message")
    end
    local sub = opt_str(ctx, opts, "submitter_id")
    local submitter = S.admin_id
    if not is_blank(sub) then submitter = find_user(to_int_or_fail(sub, "submitter_id")).id end
    local p = {
      id = next_id("next_post"), ["function"] = ctx.fdef.name, kind = kind, scope = scope,
      class_id = scope == "class" and target.id or nil, group_id = scope == "group" and target.id or nil,
      message = message, sticky = sticky, submitter_id = submitter, created_at = iso_ms(now()),
    }
    if kind == "announcement" then p.notify = opt_bool(ctx, opts, "notify", false) end
    if scope == "site" then
      for _, k in ipairs({ "students", "teachers", "parents", "managers" }) do
        p[k] = opt_bool(ctx, opts, k, false)
      end
    end
    S.posts[#S.posts + 1] = p
    return true
  end
end

local CLASS_POST = { "class_id", "message", "options" }
local GROUP_POST = { "group_id", "message", "options" }
def("News feeds", "post_class_announcement", CLASS_POST, poster("announcement", "class"), K.STATEFUL)
def("News feeds", "post_class_message", CLASS_POST, poster("message", "class"), K.STATEFUL)
def("News feeds", "post_group_announcement", GROUP_POST, poster("announcement", "group"), K.STATEFUL)
def("News feeds", "post_group_message", GROUP_POST, poster("message", "group"), K.STATEFUL)
def("News feeds", "post_site_announcement", { "message", "options" }, poster("announcement", "site"),
  K.STATEFUL)
def("News feeds", "post_site_message", { "message", "options" }, poster("message", "site"), K.STATEFUL)

---------------------------------------------------------------------------
-- Gamification
---------------------------------------------------------------------------

K.GAME_KEYS = {
  "id", "name", "description", "levels", "enable_leaderboard", "leaderboard_size", "show_to_students",
  "include_completed_students",
}

do
  local function game_json(g)
    local levels = C.array()
    for _, l in ipairs(g.levels) do
      levels[#levels + 1] = C.ordered({ "name", "points" }, { name = l[1], points = l[2] })
    end
    return C.ordered(K.GAME_KEYS, {
      id = g.id, name = g.name, description = g.description, levels = levels,
      enable_leaderboard = g.enable_leaderboard, leaderboard_size = g.leaderboard_size,
      show_to_students = g.show_to_students, include_completed_students = g.include_completed_students,
    })
  end

  local function player_json(g, uid)
    local p = g.players[uid] or { points = 0, badges = {} }
    local level = g.levels[1] and g.levels[1][1]
    for _, l in ipairs(g.levels) do
      if p.points >= l[2] then level = l[1] end
    end
    local badges = C.array()
    for _, b in ipairs(p.badges) do
      badges[#badges + 1] = C.ordered({ "id", "name", "awarded_at" }, {
        id = b.id, name = b.name, awarded_at = iso_time(b.awarded_at),
      })
    end
    return C.ordered({ "user_id", "points", "level", "badges" }, {
      user_id = uid, points = p.points, level = level, badges = badges,
    })
  end

  def("Gamification", "get_games_for_site", {}, function()
    return map_array(sorted_values(S.games, function(g) return g.class_id == nil end), game_json)
  end)

  def("Gamification", "get_games_for_class", { "class_id" }, function(ctx)
    local c = need_class(ctx)
    return map_array(sorted_values(S.games, function(g) return g.class_id == c.id end), game_json)
  end)

  def("Gamification", "get_status_for_all_players", { "game_id" }, function(ctx)
    local g = need_in(ctx, "game_id", S.games, "game")
    local out = C.array()
    for _, uid in ipairs(sorted_keys_num(g.players)) do
      if S.users[uid] then out[#out + 1] = player_json(g, uid) end
    end
    return out
  end)

  def("Gamification", "get_status_for_players", { "game_id", "user_ids" }, function(ctx)
    local g = need_in(ctx, "game_id", S.games, "game")
    local out = C.array()
    for _, u in ipairs(users_arg(ctx)) do out[#out + 1] = player_json(g, u.id) end
    return out
  end)
end

---------------------------------------------------------------------------
-- Ecommerce
---------------------------------------------------------------------------

K.ORDER_KEYS = {
  "id", "user_id", "user_name", "organization_id", "checkout_at", "currency", "bulk_discount", "coupon_codes",
  "items", "total", "total_without_bulk_discount", "verified_at",
}
K.ITEM_KEYS_1 = {
  "id", "quantity", "unit_cost", "used", "item_id", "item_type", "item_name", "discount_type", "discount",
  "coupon_id",
}
K.ITEM_KEYS_2 = { "total_cost", "total_cost_without_discount", "organization_id", "organization_name" }

do
  local function item_json(it)
    local keys = append_keys(K.ITEM_KEYS_1, nil)
    local v = {}
    for _, k in ipairs(K.ITEM_KEYS_1) do v[k] = it[k] end
    if it.item_type == "Bundle" then
      keys[#keys + 1] = "items"
      v.items = map_array(it.items or {}, item_json)
    end
    keys = append_keys(keys, K.ITEM_KEYS_2)
    for _, k in ipairs(K.ITEM_KEYS_2) do v[k] = it[k] end
    local org = it.organization_id and S.orgs[it.organization_id]
    v.organization_name = org and org.name or nil
    local c = it.item_type == "Class" and S.classes[it.item_id]
    if c then
      for _, f in ipairs(S.class_fields) do
        keys[#keys + 1] = f
        v[f] = c.custom[f]
      end
    end
    return C.ordered(keys, v)
  end

  local function order_json(o)
    local u = S.users[o.user_id]
    local total, without = 0, 0
    for _, it in ipairs(o.items) do
      total = total + (it.total_cost or 0)
      without = without + (it.total_cost or 0)
    end
    total = round2(total - (o.bulk_discount or 0))
    local keys = K.ORDER_KEYS
    local v = {
      id = o.id, user_id = o.user_id, user_name = u and (u.first_name .. " " .. u.last_name) or nil,
      organization_id = u and u.organization_id or nil, checkout_at = iso_time(o.checkout_at),
      currency = o.currency, bulk_discount = o.bulk_discount, coupon_codes = id_array(o.coupon_codes),
      items = map_array(o.items, item_json), total = total, total_without_bulk_discount = round2(without),
      verified_at = iso_time(o.verified_at),
    }
    if o.affiliate then
      keys = append_keys(K.ORDER_KEYS, { "affiliate" })
      local a = o.affiliate
      v.affiliate = C.ordered({ "id", "name", "email", "organization_id", "organization_name" }, {
        id = a.id, name = a.name, email = a.email, organization_id = a.organization_id,
        organization_name = a.organization_name,
      })
    end
    return C.ordered(keys, v)
  end

  def("Ecommerce", "get_all_orders", { "page" }, function(ctx)
    return page_of(ctx, sorted_values(S.orders), order_json)
  end, K.PAGED)

  def("Ecommerce", "get_orders_with_ids", { "order_ids", "page" }, function(ctx)
    return page_of(ctx, list_in(ctx, "order_ids", S.orders, "order"), order_json)
  end, K.PAGED)

  def("Ecommerce", "get_orders_for_organization", { "organization_id", "page" }, function(ctx)
    local org = need_in(ctx, "organization_id", S.orgs, "organization")
    return page_of(ctx, sorted_values(S.orders, function(o)
      local u = S.users[o.user_id]
      return u ~= nil and u.organization_id == org.id
    end), order_json)
  end, K.PAGED)

  def("Ecommerce", "get_orders_for_user", { "user_id", "page" }, function(ctx)
    local u = need_user(ctx)
    return page_of(ctx, sorted_values(S.orders, function(o) return o.user_id == u.id end), order_json)
  end, K.PAGED)

  def("Ecommerce", "get_orders_that_match", { "status", "date" }, function(ctx)
    local status = one_of(arg_str(ctx, "status", true), { "complete", "incomplete" }, "status")
    local after = time_arg(ctx, "date")
    if not after then fail("Missing required argument: date") end
    return map_array(sorted_values(S.orders, function(o)
      local complete = o.checkout_at ~= nil
      return (status == "complete") == complete and o.created_at > after
    end), order_json)
  end)
end

---------------------------------------------------------------------------
-- Job titles
---------------------------------------------------------------------------

local JOB_TITLE_ATTRS = { name = "string", description = "string", picture = "string" }

def("Job titles", "get_all_job_titles", {}, function()
  return map_array(sorted_values(S.job_titles), job_title_json)
end, K.STATEFUL)

def("Job titles", "get_job_titles_with_ids", { "job_title_ids" }, function(ctx)
  return map_array(list_in(ctx, "job_title_ids", S.job_titles, "job title"), job_title_json)
end, K.STATEFUL)

def("Job titles", "get_job_titles_that_match", { "constraints", "page" }, function(ctx)
  local pred = constraint_filter(arg_attrs(ctx, "constraints"), function(k)
    local key = k:gsub(" ", "_")
    if key == "id" or key == "job_title_id" then return function(j) return j.id end end
    if key == "name" then return function(j) return j.name end end
    return nil
  end)
  return page_of(ctx, sorted_values(S.job_titles, pred), job_title_json)
end, K.PAGED_STATEFUL)

def("Job titles", "add_job_title", { "attributes" }, function(ctx)
  local ch = parse_simple_attrs(arg_attrs(ctx, "attributes"), JOB_TITLE_ATTRS, "job title")
  if is_blank(val(ch.name)) then fail("Missing required attribute: name") end
  local j = { id = next_id("next_job_title") }
  apply_simple(j, ch)
  S.job_titles[j.id] = j
  return j.id
end, K.STATEFUL)

def("Job titles", "edit_job_title", { "job_title_id", "attributes" }, function(ctx)
  local j = need_in(ctx, "job_title_id", S.job_titles, "job title")
  apply_simple(j, parse_simple_attrs(arg_attrs(ctx, "attributes"), JOB_TITLE_ATTRS, "job title"))
  return j.id
end, K.STATEFUL)

def("Job titles", "delete_job_titles", { "job_title_ids" }, function(ctx)
  local list = list_in(ctx, "job_title_ids", S.job_titles, "job title")
  for _, j in ipairs(list) do
    for _, u in ipairs(sorted_values(S.users)) do
      if u.job_title_id == j.id then
        fail(format("Cannot delete job title %d: user %d has it", j.id, u.id))
      end
    end
  end
  for _, j in ipairs(list) do S.job_titles[j.id] = nil end
  return true
end, K.STATEFUL)

---------------------------------------------------------------------------
-- SIS Sync
---------------------------------------------------------------------------

do
  local function sync_json(s, status)
    return C.ordered(K.SYNC_KEYS, {
      sync_id = s.id, status = status or s.status, created_at = iso_ms(s.created_at),
      committed_at = s.committed_at and iso_ms(s.committed_at) or "", error = s.error or "",
    })
  end

  local function active_sync()
    for _, s in ipairs(sorted_values(S.syncs)) do
      if s.status == "Preparing" or s.status == "Prepared" then return s end
    end
    return nil
  end

  local function find_sync(ctx, required)
    local id = arg_int(ctx, "sync_id", required)
    if id == nil then return nil end
    local s = S.syncs[id]
    if not s then fail("Invalid sync_ID") end
    return s
  end

  -- A string value of sync data (nil for absent/null/blank).
  local function sval(v)
    if v == nil or v == C.null then return nil end
    if type(v) == "number" then return num_str(v) end
    if type(v) == "boolean" then return tostring(v) end
    if type(v) ~= "string" or is_blank(v) then return nil end
    return trim(v)
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
      if is_blank(v) then v = nil
      else
        local d = C.decode(v)
        if type(d) ~= "table" then fail("Invalid data: expected a JSON array of operations") end
        v = d
      end
    end
    if type(v) == "table" and v[1] == nil and type(v.data) == "table" then v = v.data end
    if type(v) == "table" and v[1] == nil and next(v) ~= nil then
      local keys = {}
      for k in pairs(v) do
        if not tonumber(k) then fail("Invalid data: expected an array of operations") end
        keys[#keys + 1] = k
      end
      sort(keys, function(a, b) return tonumber(a) < tonumber(b) end)
      local arr = {}
      for i, k in ipairs(keys) do arr[i] = v[k] end
      v = arr
    end
    if type(v) ~= "table" or v[1] == nil then fail("Missing required argument: data") end
    return v
  end

  local function validate_ops(ops, kind)
    for i, op in ipairs(ops) do
      if type(op) ~= "table" or op[1] ~= nil then
        fail(format("Invalid operation %d: expected an object", i))
      end
      local action = sval(op.action)
      if action ~= "add" and action ~= "edit" and action ~= "delete" then
        fail(format("Invalid operation %d: action must be add, edit or delete", i))
      end
      local d = op.data
      if type(d) ~= "table" or d[1] ~= nil then fail(format("Invalid operation %d: data is required", i)) end
      if action == "delete" then
        if not (sval(d.lms_id) or sval(d.id) or sval(d.sis_id)) then
          fail(format("Invalid operation %d: delete needs data.lms_id, data.id or data.sis_id", i))
        end
      else
        if not sval(d.id) then fail(format("Invalid operation %d: data.id is required for %s", i, action)) end
        if action == "add" then
          if kind == "classes" then
            if not sval(d.name) then
              fail(format("Invalid operation %d: data.name is required for add", i))
            end
          elseif not sval(sub(d.name, "first")) or not sval(sub(d.name, "last")) then
            fail(format("Invalid operation %d: data.name.first and data.name.last are required for add", i))
          end
        end
      end
    end
  end

  local function sync_adder(kind)
    return function(ctx)
      local s = find_sync(ctx, true)
      if s.status ~= "Preparing" then
        fail(format("Sync %d is %s: no more data can be added", s.id, s.status))
      end
      local ops = sync_ops(ctx)
      validate_ops(ops, kind)
      for _, op in ipairs(ops) do s.ops[kind][#s.ops[kind] + 1] = op end
      return sync_json(s)
    end
  end

  local function match_sync_user(d, kind)
    local lms = C.to_int(sval(d.lms_id) or "")
    if lms and S.users[lms] then return S.users[lms] end
    local id, sis = sval(d.id), sval(d.sis_id)
    local users = sorted_values(S.users)
    if id then
      for _, u in ipairs(users) do
        if u.sis.id == id then return u end
      end
    end
    if sis then
      for _, u in ipairs(users) do
        if u.sis.sis_id == sis then return u end
      end
    end
    local number = sval(kind == "teachers" and d.teacher_number or d.student_number)
    local field = kind == "teachers" and "teacher_id" or "student_id"
    if number then
      for _, u in ipairs(users) do
        if u[field] == number then return u end
      end
    end
    local email = sval(d.email)
    if email then
      for _, u in ipairs(users) do
        if u.email and u.email:lower() == email:lower() then return u end
      end
    end
    return nil
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
    return parse_date(s)
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
    if created and parse_when(created) then u.joined_at = parse_when(created) end
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
      remove_user_everywhere(u.id)
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
      u = new_user({ userid = base })
    elseif userid then
      set_userid(u, userid)
    end
    sync_user_fields(u, d, kind)
  end

  local function match_sync_class(d)
    local classes = sorted_values(S.classes, function(c) return not c.deleted and not c.template end)
    local lms = C.to_int(sval(d.lms_id) or "")
    if lms and S.classes[lms] and live_class(S.classes[lms]) then return S.classes[lms] end
    local id, sis = sval(d.id), sval(d.sis_id)
    if id then
      for _, c in ipairs(classes) do
        if c.sis.id == id then return c end
      end
    end
    if sis then
      for _, c in ipairs(classes) do
        if c.sis.sis_id == sis then return c end
      end
    end
    local code = sval(d.course_number) or sval(d.course)
    if code then
      for _, c in ipairs(classes) do
        if c.course_code == code then return c end
      end
    end
    return nil
  end

  -- A person reference in a synced course: an LMS user id, else an SIS id
  -- (data.sis_id or data.id of a synced user).
  local function resolve_person(ref)
    local s = sval(ref)
    if not s then return nil end
    local n = C.to_int(s)
    if n and S.users[n] then return S.users[n] end
    for _, u in ipairs(sorted_values(S.users)) do
      if u.sis.sis_id == s or u.sis.id == s then return u end
    end
    return nil
  end

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
    if not c then c = new_class({ name = sval(d.name) }) end
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
    -- the roster: exactly the listed learners (enroll_type "SIS")
    if type(d.students) == "table" then
      local want = {}
      for _, ref in ipairs(d.students) do
        local u = resolve_person(ref)
        if u then
          want[u.id] = true
          if not active(c, u.id) then
            enroll(c, u.id, { enroll_type = "SIS", enrolled_by_id = S.admin_id })
          end
        else
          errors[#errors + 1] = label .. ": unknown learner " .. tostring(sval(ref))
        end
      end
      local t = now()
      for _, uid in ipairs(c.enroll_order) do
        local e = c.enrollments[uid]
        if e and not e.unenrolled and not want[uid] then
          e.unenrolled, e.unenrolled_at, e.unenrolled_by_id = true, t, S.admin_id
        end
      end
    end
    -- instructors: data.teacher is the main one, data.teachers all of them
    if type(d.teachers) == "table" or d.teacher ~= nil then
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
  end

  def("SIS Sync", "begin_sync", {}, function()
    local a = active_sync()
    if a then fail(format("Sync %d is already active: commit or cancel it first", a.id)) end
    local s = {
      id = next_id("next_sync"), status = "Preparing", created_at = now(), error = "",
      ops = { teachers = {}, students = {}, classes = {} },
    }
    S.syncs[s.id] = s
    return sync_json(s)
  end, K.STATEFUL)

  def("SIS Sync", "commit_sync", { "sync_id", "force" }, function(ctx)
    local s = find_sync(ctx, true)
    local force = arg_bool(ctx, "force", false)
    if s.status == "Committed" then fail(format("Sync %d has already been committed", s.id)) end
    local changes = 0
    for _, list in pairs(s.ops) do
      for _, op in ipairs(list) do
        if op.action ~= "add" then changes = changes + 1 end
      end
    end
    s.status = "Prepared"
    if changes > CFG.sync_threshold and not force then
      s.error = format("The sync edits or deletes %d items, more than the threshold of %d; an administrator "
        .. "must commit it, or commit again with force=true", changes, CFG.sync_threshold)
      fail(s.error)
    end
    local errors = {}
    for _, op in ipairs(s.ops.teachers) do apply_user_op(op, "teachers", errors) end
    for _, op in ipairs(s.ops.students) do apply_user_op(op, "students", errors) end
    for _, op in ipairs(s.ops.classes) do apply_class_op(op, errors) end
    s.status, s.committed_at, s.error = "Committed", now(), concat(errors, "; ")
    return sync_json(s)
  end, K.STATEFUL)

  def("SIS Sync", "cancel_sync", { "sync_id" }, function(ctx)
    local s = find_sync(ctx, true)
    if s.status == "Committed" then
      fail(format("Sync %d has already been committed and cannot be canceled", s.id))
    end
    S.syncs[s.id] = nil
    return sync_json(s, "Canceled")
  end, K.STATEFUL)

  def("SIS Sync", "sync_status", { "sync_id" }, function(ctx)
    local s = find_sync(ctx, false)
    if s then return sync_json(s) end
    local a = active_sync()
    if not a then fail("No active sync was found") end
    return sync_json(a)
  end, K.STATEFUL)

  def("SIS Sync", "sync_teachers", { "sync_id", "data", "operations" }, sync_adder("teachers"), K.STATEFUL)
  def("SIS Sync", "sync_students", { "sync_id", "data", "operations" }, sync_adder("students"), K.STATEFUL)
  def("SIS Sync", "sync_classes", { "sync_id", "data", "operations" }, sync_adder("classes"), K.STATEFUL)
end

M.FUNCTIONS = FUNCS

---------------------------------------------------------------------------
-- Rate limiter: a sliding window of `limit` calls per `window` seconds per
-- key; going over locks the key out for `lockout` seconds.
---------------------------------------------------------------------------

local function key_state(key)
  local k = LIM.keys[key]
  if not k then
    k = { hits = {}, locked_until = nil }
    LIM.keys[key] = k
  end
  return k
end

-- Returns true, or false + seconds until the lockout ends.
local function limiter_allow(key, t)
  local k = key_state(key)
  LIM.keyed_calls = LIM.keyed_calls + 1
  if k.locked_until and t < k.locked_until then
    LIM.refused_calls = LIM.refused_calls + 1
    return false, k.locked_until - t
  end
  k.locked_until = nil
  local cutoff = t - CFG.window
  local kept = {}
  for _, h in ipairs(k.hits) do
    if h > cutoff then kept[#kept + 1] = h end
  end
  k.hits = kept
  if #kept >= CFG.limit then
    k.locked_until = t + CFG.lockout
    k.hits = {} -- a fresh window once the lockout is over
    LIM.refused_calls = LIM.refused_calls + 1
    LIM.lockouts = LIM.lockouts + 1
    LIM.last_lockout_at = t
    return false, CFG.lockout
  end
  kept[#kept + 1] = t
  return true
end

---------------------------------------------------------------------------
-- Entry point: /matrix/api/<function>
---------------------------------------------------------------------------

local function message_reply(status, msg, headers)
  return C.reply(status, message_body(msg), headers)
end

local function traceback(e)
  if getmetatable(e) == API_ERROR then return e end
  return debug.traceback(tostring(e), 2)
end

function M.handle(req)
  LIM.total_calls = LIM.total_calls + 1
  local segs = req.segs
  if #segs ~= 2 or segs[1] ~= "api" or segs[2] == "" then return message_reply(404, "Not found") end
  local method = req.method
  if method ~= "GET" and method ~= "POST" and method ~= "HEAD" then
    return message_reply(405, "Method " .. method .. " not allowed: use GET or POST", { Allow = "GET, POST" })
  end
  local body = C.body(req)
  if not body then return message_reply(400, "Invalid JSON") end
  local args = {}
  for k, v in pairs(req.args) do args[k] = v end
  for k, v in pairs(body) do args[k] = v end

  local ok, key = pcall(scalar, args.api_key, "api_key")
  if not ok or key ~= M.API_KEY then
    LIM.unauthorized_calls = LIM.unauthorized_calls + 1
    return message_reply(401, "Invalid API key")
  end
  ngx.update_time()
  local t = ngx.now()
  local allowed, wait = limiter_allow(key, t)
  if not allowed then
    return message_reply(400, M.LIMIT_MESSAGE, { ["Retry-After"] = tostring(ceil(wait)) })
  end

  local fdef = FUNC_BY_NAME[segs[2]]
  if not fdef then return message_reply(404, "Unknown function: " .. segs[2]) end
  local ctx = { req = req, args = args, fdef = fdef, key = key }
  local okc, res = xpcall(function()
    local v = arg_str(ctx, "api_version")
    if not is_blank(v) and trim(v) ~= "1" and trim(v) ~= "1.0" then fail("Unsupported api_version: " .. v) end
    return fdef.fn(ctx)
  end, traceback)
  if not okc then
    if getmetatable(res) == API_ERROR then return message_reply(res.status, res.message) end
    error(res, 0)
  end
  if getmetatable(res) == RAW then return send_raw(res) end
  if res == nil then res = C.null end
  return C.reply(200, res)
end

---------------------------------------------------------------------------
-- Control API: /_sandbox/matrix/...
---------------------------------------------------------------------------

K.CONFIG_KEYS = {
  "limit", "window", "lockout", "sync_threshold", "report_delay", "total_calls", "keyed_calls",
  "refused_calls", "unauthorized_calls", "lockouts", "last_lockout_at", "locked", "locked_until",
  "calls_in_window",
}

local function config_view()
  local t = ngx.now()
  local k = LIM.keys[M.API_KEY] or { hits = {} }
  local in_window = 0
  for _, h in ipairs(k.hits) do
    if h > t - CFG.window then in_window = in_window + 1 end
  end
  local locked = k.locked_until ~= nil and t < k.locked_until
  return C.ordered(K.CONFIG_KEYS, {
    limit = CFG.limit, window = CFG.window, lockout = CFG.lockout, sync_threshold = CFG.sync_threshold,
    report_delay = CFG.report_delay, total_calls = LIM.total_calls, keyed_calls = LIM.keyed_calls,
    refused_calls = LIM.refused_calls, unauthorized_calls = LIM.unauthorized_calls, lockouts = LIM.lockouts,
    last_lockout_at = iso_ms(LIM.last_lockout_at), locked = locked,
    locked_until = locked and iso_ms(k.locked_until) or nil, calls_in_window = in_window,
  })
end

-- The control API speaks JSON: a body that looks like JSON is parsed as
-- JSON whatever its Content-Type (curl -d sends a form type).
local function control_body(req)
  local raw = C.raw_body(req)
  if raw and raw:match("^%s*{") then return C.decode(raw) end
  return C.body(req)
end

local CONFIG_RULES = {
  limit = { int = true, min = 1 }, window = { min = 0.001 }, lockout = { min = 0 },
  sync_threshold = { int = true, min = 0 }, report_delay = { min = 0 },
}

local function set_config(body)
  local errs = C.new_errors()
  local new = {}
  for _, k in ipairs(sorted_keys(body)) do
    local rule = CONFIG_RULES[k]
    if not rule then
      errs.add(tostring(k), "is not a config key (limit, window, lockout, sync_threshold, report_delay)")
    else
      local n = rule.int and C.to_int(body[k]) or C.to_decimal(body[k])
      if not n or n < rule.min then
        local what = rule.int and "must be an integer >= " or "must be a number >= "
        errs.add(k, what .. rule.min)
      else
        new[k] = n
      end
    end
  end
  if errs.any() then return C.unprocessable(errs) end
  for k, v in pairs(new) do CFG[k] = v end
  -- a new configuration starts with an empty window and no lockout
  LIM.keys = {}
  return C.reply(200, config_view())
end

local function list_view(key, list, keys)
  local out = C.array()
  for i, x in ipairs(list) do out[i] = C.ordered(keys, x) end
  return C.reply(200, C.ordered({ key }, { [key] = out }))
end

function M.control(req, rest)
  local what, method = rest[1], req.method
  if #rest ~= 1 then return C.not_found() end
  if what == "config" then
    if method == "GET" then return C.reply(200, config_view()) end
    if method ~= "POST" then return C.method_not_allowed({ "GET", "POST" }) end
    local body = control_body(req)
    if type(body) ~= "table" then return C.invalid_json() end
    return set_config(body)
  elseif what == "seed" then
    if method ~= "POST" then return C.method_not_allowed({ "POST" }) end
    local body = control_body(req)
    if type(body) ~= "table" then return C.invalid_json() end
    local count = C.to_int(C.is_null(body.users) and 0 or body.users)
    if not count or count < 0 or count > M.MAX_SEED then
      return C.error(400, "users must be an integer between 0 and " .. M.MAX_SEED)
    end
    local resources = C.to_int(C.is_null(body.resources) and 0 or body.resources)
    if not resources or resources < 0 or resources > M.MAX_SEED then
      return C.error(400, "resources must be an integer between 0 and " .. M.MAX_SEED)
    end
    local first_id, last_id
    for _ = 1, count do
      local id = S.next_user
      local userid = "seeduser" .. id
      local n = 0
      while S.by_userid[userid] do
        n = n + 1
        userid = "seeduser" .. id .. "_" .. n
      end
      local u = new_user({
        userid = userid, first_name = "Seed", last_name = "User " .. id, email = userid .. "@example.com",
        student = true,
      })
      first_id = first_id or u.id
      last_id = u.id
    end
    local keys = { "ok", "count", "first_id", "last_id" }
    local out = { ok = true, count = count, first_id = first_id, last_id = last_id }
    if resources > 0 then
      local first = 1
      for id in pairs(S.resources) do if id >= first then first = id + 1 end end
      for id = first, first + resources - 1 do
        S.resources[id] = { id = id, type = "Page", name = "Seed resource " .. id, library = "School",
          creator_id = 1, created_at = ngx.time() }
      end
      keys[#keys + 1] = "resources"
      out.resources = C.ordered({ "count", "first_id", "last_id" },
        { count = resources, first_id = first, last_id = first + resources - 1 })
    end
    return C.reply(200, C.ordered(keys, out))
  elseif what == "mail" then
    if method == "GET" then return list_view("mail", S.mail, K.MAIL_KEYS) end
    if method == "DELETE" then
      S.mail = {}
      return C.reply(200, C.ordered({ "ok" }, { ok = true }))
    end
    return C.method_not_allowed({ "GET", "DELETE" })
  elseif what == "posts" then
    if method == "GET" then return list_view("posts", S.posts, K.POST_KEYS) end
    return C.method_not_allowed({ "GET" })
  elseif what == "functions" then
    if method ~= "GET" then return C.method_not_allowed({ "GET" }) end
    local detail = req.args.detail ~= nil
    local out = C.array()
    for _, f in ipairs(FUNCS) do
      if detail then
        out[#out + 1] = C.ordered({ "name", "section", "params", "paginated", "stateful" }, {
          name = f.name, section = f.section, params = id_array(f.params), paginated = f.paged,
          stateful = f.stateful,
        })
      else
        out[#out + 1] = f.name
      end
    end
    return C.reply(200, out)
  end
  return C.not_found()
end

M.reset()

return M
