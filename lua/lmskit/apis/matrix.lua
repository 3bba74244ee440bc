--- MATRIX LMS v1 (shared/vendor-docs/matrix-lms-v1.txt): declarations only.
-- An RPC API: /api/<function>?api_key=...&args.  Each table below is a
-- section of the doc and each entry one of its functions, with its
-- parameters in the doc's order ("name:type", "?" when optional):
--   matrix.classes:add_students_to_class(77, { 1, 2 }, { send_notification = true })
--   matrix:call("get_users_with_ids", { user_ids = { 1, 2 } })
--
-- "operations:array@data": the parameter is named operations in the doc's
-- signature, while its example body carries the list as "data"; the wire
-- follows the example.
-- Types: integer, string, boolean, array (sent as name[]=v), object (JSON
-- or name[k]=v), grades (an array of { user_id =, grade = }: row_types
-- below), and pairs:
-- attributes, constraints and options, which the doc writes as
-- "attribute1=value1&attribute2=value2", i.e. as arguments of their own.
--
-- How each function travels (the doc says "perform an HTTP GET"):
--   reads (get_*, download_*, sync_status) are GETs with the arguments in
--     the query, retried when safe;
--   writes are POSTs with a form body: the doc's GET would put passwords
--     and thousands of user ids into URLs (and server logs, and URL length
--     limits), and a write must not be repeated by a proxy or a retry;
--   run_report and sync_teachers/students/classes POST JSON: the doc's
--     own examples for them are JSON documents.
-- Paginated functions (marked paged) are iterators over every page
-- (page=1, 2, ... until an empty page; 100 rows a page).  Every one
-- answers a bare array but get_resources, whose array is under `root`.
-- The rate limit: 120 calls a minute; exceeding it "disables API access
-- for a minute", so the client paces itself and, if the server still
-- answers with its limit error, holds every call for the lock-out.
--
-- Writes (see lmskit.reconcile): `idempotent` where the doc makes a
-- repeat change nothing (it sets attributes, flags or grades, or the
-- doc offers an option for it, such as ignore_already_enrolled);
-- otherwise `effect` names the read that shows whether a write whose
-- answer was lost took effect, by its natural key; a write with neither
-- is reported unknown.  `notifies` names the options that mail people
-- (login instructions, enrollment notices, announcements): such a call
-- is never sent twice.

-- A user by the keys add_user and update_user match on ("userid, student
-- ID, teacher ID, or name & birth date"), comparing every other attribute
-- given too: the user found then shows the attributes in place.  A call
-- with an attribute user info does not show (password, account_types,
-- a custom field) cannot be settled by the look-up.
local USER_INFO = {
  "first_name", "last_name", "userid", "email", "sms_email", "student", "teacher", "assistant",
  "administrator", "monitor", "manager", "year_of_graduation", "student_id", "teacher_id",
  "organization_id", "birthdate", "nick_name", "skype", "phone", "gender", "street_1", "street_2",
  "city", "state", "zip", "country", "picture", "archived", "job_title_id",
}
local function user_by(...)
  local constraints, match = {}, {}
  for _, key in ipairs { ... } do
    constraints[key] = "attributes." .. key
    match[key] = "attributes." .. key
  end
  for _, field in ipairs(USER_INFO) do
    match[field] = match[field] or ("attributes." .. field .. "?")
  end
  return { lookup = "get_users_that_match", query = { constraints = constraints }, match = match,
           upsert = "attributes" }
end
local user_effect = { user_by "userid", user_by "student_id", user_by "teacher_id",
                      user_by("first_name", "last_name", "birthdate") }

-- A new course, course template, group, organization or job title by its
-- name (and its codes, when given); the function answers the bare id.
local function named(lookup, with_codes)
  local match = { name = "attributes.name" }
  if with_codes then
    match.course_code, match.section_code = "attributes.course_code?", "attributes.section_code?"
  end
  return { lookup = lookup, query = { constraints = { name = "attributes.name" } }, match = match,
           returns = "id" }
end

-- Every listed id is among (contains) or none is among (lacks) the items
-- of a read, counting only the items with the `where` field values.
local function listed(lookup, query, ids, where)
  return { lookup = lookup, query = query, contains = { field = "id", values = ids }, where = where }
end
local function unlisted(lookup, query, ids, where)
  return { lookup = lookup, query = query, lacks = { field = "id", values = ids }, where = where }
end
local CLASS = { class_id = "class_id" }
local ACTIVE = { unenrolled = false } -- get_students_for_class lists unenrolled students too

return {
  name = "matrix",
  title = "MATRIX LMS",
  options = { api_key = "string", api_version = "number" },
  -- what the options the rest of the declaration does not explain do (for the reference)
  about = { api_version = "The API version every call asks for (its `api_version` argument); "
    .. "without it the server answers with its latest." },
  auth = { strategy = "query", param = "api_key", secret = "api_key" },
  rpc_path = "/api/",
  -- Row types: a parameter of such a type is an array whose every item is
  -- a table giving these fields (the doc's grades: "user_id" and "grade").
  row_types = { grades = { "user_id", "grade" } },
  -- Options every call carries as an argument (option -> argument name).
  option_args = { api_version = "api_version" },
  paging = { strategy = "page", params = { page = "integer" } },
  rate = { calls = 120, per = 60, lockout = 60, signal = "limit exceeded" },
  sections = {
    version = { -- Version
      get_version = {},
    },
    authentication = { -- Authentication
      -- a check, sent as a form so the password stays out of URLs
      is_authenticated = { "userid:string", "password:string", send = "form", idempotent = true },
    },
    users = { -- Users
      get_my_account = {},
      get_all_users = { paged = true },
      get_users_with_ids = { "user_ids:array" },
      get_users_that_match = { "constraints:pairs", paged = true },
      -- "If an account with a matching userid, student ID, teacher ID ...
      -- is found, ... updated instead": a repeat with a key changes nothing
      add_user = { "attributes:pairs", send = "form", effect = user_effect,
                   idempotent = { "attributes.userid", "attributes.student_id", "attributes.teacher_id" },
                   notifies = "attributes.send_login_instructions" },
      update_user = { "attributes:pairs", send = "form", idempotent = true, effect = user_effect,
                      notifies = "attributes.send_login_instructions" },
      archive_users = { "user_ids:array", send = "form", idempotent = true,
                        effect = listed("get_users_with_ids", { user_ids = "user_ids" }, "user_ids",
                                        { archived = true }) },
      reactivate_users = { "user_ids:array", send = "form", idempotent = true,
                           effect = listed("get_users_with_ids", { user_ids = "user_ids" }, "user_ids",
                                           { archived = false }) },
      delete_users = { "user_ids:array", send = "form", effect = unlisted("get_all_users", nil, "user_ids") },
    },
    classes = { -- Courses
      get_all_classes = { "archived:boolean?", paged = true },
      get_classes_with_ids = { "class_ids:array" },
      get_classes_for_organization = { "organization_id:integer", "archived:boolean?", paged = true },
      get_classes_that_match = { "constraints:pairs", paged = true },
      get_classes_taught_by = { "user_id:integer" },
      get_classes_enrolled_by = { "user_id:integer" },
      get_all_class_completions = { "completed_after:string?", "completed_before:string?", "class_id:integer?",
                                    "user_id:integer?" },
      download_certificate = { "certificate_id:integer?", "user_id:integer?", "class_id:integer?" },
      get_teachers_for_class = { "class_id:integer" },
      get_students_for_class = { "class_id:integer" },
      get_status_of_classes = { "user_id:integer" },
      add_students_to_class = { "class_id:integer", "user_ids:array", "options:pairs?", send = "form",
                                idempotent = "options.ignore_already_enrolled",
                                notifies = "options.send_notification",
                                effect = listed("get_students_for_class", CLASS, "user_ids", ACTIVE) },
      remove_students_from_class = { "class_id:integer", "user_ids:array", "options:pairs?", send = "form",
                                     notifies = "options.send_notification",
                                     effect = unlisted("get_students_for_class", CLASS, "user_ids", ACTIVE) },
      deactivate_students_in_class = { "class_id:integer", "user_ids:array", "options:pairs?", send = "form",
        idempotent = true, effect = listed("get_students_for_class", CLASS, "user_ids",
                                           { unenrolled = false, deactivated = true }) },
      reactivate_students_in_class = { "class_id:integer", "user_ids:array", "options:pairs?", send = "form",
        idempotent = true, effect = listed("get_students_for_class", CLASS, "user_ids",
                                           { unenrolled = false, deactivated = false }) },
      complete_students_in_class = { "class_id:integer", "user_ids:array", "options:pairs?", send = "form",
        idempotent = true, effect = listed("get_students_for_class", CLASS, "user_ids",
                                           { unenrolled = false, completed_at = true }) },
      uncomplete_students_in_class = { "class_id:integer", "user_ids:array", "options:pairs?", send = "form",
        idempotent = true, effect = listed("get_students_for_class", CLASS, "user_ids",
                                           { unenrolled = false, completed_at = false }) },
      add_teachers_to_class = { "class_id:integer", "user_ids:array", "options:pairs?", send = "form",
                                notifies = "options.send_notification",
                                effect = listed("get_teachers_for_class", CLASS, "user_ids") },
      remove_teachers_from_class = { "class_id:integer", "user_ids:array", send = "form",
                                     effect = unlisted("get_teachers_for_class", CLASS, "user_ids") },
      add_class = { "attributes:pairs", send = "form", effect = named("get_classes_that_match", true) },
      add_class_from_template = { "class_template_id:integer", "attributes:pairs", send = "form",
                                  effect = named("get_classes_that_match", true) },
      -- no look-up: a child is a copy of its parent (name and codes too),
      -- and no read tells a new child from its parent or its siblings
      add_child_class = { "parent_class_id:integer", "attributes:pairs", send = "form" },
      edit_class = { "class_id:integer", "attributes:pairs", send = "form", idempotent = true },
      archive_classes = { "class_ids:array", send = "form", idempotent = true,
                          effect = listed("get_classes_with_ids", { class_ids = "class_ids" }, "class_ids",
                                          { archived = true }) },
      reactivate_classes = { "class_ids:array", send = "form", idempotent = true,
                             effect = listed("get_classes_with_ids", { class_ids = "class_ids" }, "class_ids",
                                             { archived = false }) },
      delete_classes = { "class_ids:array", send = "form",
                         effect = unlisted("get_all_classes", nil, "class_ids") },
      restore_classes = { "class_ids:array", send = "form",
                          effect = listed("get_classes_with_ids", { class_ids = "class_ids" }, "class_ids") },
    },
    class_templates = { -- Course Templates
      add_class_template = { "attributes:pairs", send = "form",
                             effect = named("get_class_templates_that_match", true) },
      edit_class_template = { "class_id:integer", "attributes:pairs", send = "form", idempotent = true },
      get_all_class_templates = { "archived:boolean?", paged = true },
      get_class_templates_with_ids = { "class_ids:array" },
      get_class_templates_for_organization = { "organization_id:integer", "archived:boolean?", paged = true },
      get_class_templates_that_match = { "constraints:pairs", paged = true },
      delete_class_templates = { "class_ids:array", send = "form",
                                 effect = unlisted("get_all_class_templates", nil, "class_ids") },
      restore_class_templates = { "class_ids:array", send = "form",
                                  effect = listed("get_class_templates_with_ids", { class_ids = "class_ids" },
                                                  "class_ids") },
    },
    modules = { -- Modules
      get_lessons_for_class = { "class_id:integer" },
    },
    assignments = { -- Assignments
      get_assignments_for_class = { "class_id:integer" },
    },
    grades = { -- Grades
      get_grades_for_class = { "class_id:integer" },
      get_grades_for_user = { "user_id:integer" },
      -- sets each grade; no read finds grades by assignment (only by class)
      set_grades_for_assignment = { "assignment_id:integer", "grades:grades", send = "form", idempotent = true },
    },
    organizations = { -- Organizations
      get_all_organizations = { paged = true },
      get_organizations_with_ids = { "organization_ids:array" },
      add_organization = { "attributes:pairs", send = "form",
                           effect = { lookup = "get_all_organizations", match = { name = "attributes.name" },
                                      returns = "id" } },
      edit_organization = { "organization_id:integer", "attributes:pairs", send = "form", idempotent = true },
      delete_organizations = { "organization_ids:array", send = "form",
                               effect = unlisted("get_all_organizations", nil, "organization_ids") },
    },
    groups = { -- Groups
      get_all_groups = { paged = true },
      get_groups_with_ids = { "group_ids:array" },
      get_groups_that_match = { "constraints:pairs", paged = true },
      get_members_for_group = { "group_id:integer" },
      get_admins_for_group = { "group_id:integer" },
      get_groups_with_member = { "user_id:integer" },
      get_groups_with_admin = { "user_id:integer" },
      add_members_to_group = { "group_id:integer", "user_ids:array", send = "form",
                               effect = listed("get_members_for_group", { group_id = "group_id" }, "user_ids") },
      remove_members_from_group = { "group_id:integer", "user_ids:array", send = "form",
                                    effect = unlisted("get_members_for_group", { group_id = "group_id" },
                                                      "user_ids") },
      add_admins_to_group = { "group_id:integer", "user_ids:array", send = "form",
                              effect = listed("get_admins_for_group", { group_id = "group_id" }, "user_ids") },
      remove_admins_from_group = { "group_id:integer", "user_ids:array", send = "form",
                                   effect = unlisted("get_admins_for_group", { group_id = "group_id" },
                                                     "user_ids") },
      add_group = { "attributes:pairs", send = "form", effect = named("get_groups_that_match") },
      edit_group = { "group_id:integer", "attributes:pairs", send = "form", idempotent = true },
      delete_groups = { "group_ids:array", send = "form", effect = unlisted("get_all_groups", nil, "group_ids") },
    },
    paths = { -- Paths
      get_all_paths = { paged = true },
      get_paths_with_ids = { "path_ids:array" },
      get_students_for_path = { "path_id:integer" },
      add_students_to_path = { "path_id:integer", "user_ids:array", "options:pairs?", send = "form",
                               notifies = "options.send_notification",
                               effect = listed("get_students_for_path", { path_id = "path_id" }, "user_ids") },
      remove_students_from_path = { "path_id:integer", "user_ids:array", "options:pairs?", send = "form",
                                    notifies = "options.send_notification",
                                    effect = unlisted("get_students_for_path", { path_id = "path_id" },
                                                      "user_ids") },
    },
    resources = { -- Resources
      -- pages are {resources = [...], count = N}; an offset wins over page
      get_resources = { "constraints:pairs", "offset:integer?", paged = true, root = "resources", offset = "offset" },
    },
    certificates = { -- Certificates
      get_all_certificates = {},
      get_certificates_with_ids = { "certificate_ids:array" },
    },
    competencies = { -- Competencies
      get_all_curricula = {},
      get_curricula_with_ids = { "curriculum_ids:array" },
      get_proficiencies_for_curriculum = { "curriculum_id:integer" },
      get_curricula_for_class = { "class_id:integer" },
      get_curricula_for_group = { "group_id:integer" },
      get_curricula_for_job_title = { "job_title_id:integer" },
    },
    mastery = { -- Mastery
      get_mastery_for_class = { "class_id:integer" },
      get_mastery_for_class_students = { "class_id:integer", "student_ids:array" },
      get_active_curricula_for_user = { "user_id:integer" },
      get_mastery_for_user = { "user_id:integer", "curriculum_id:integer" },
    },
    sessions = { -- Sessions
      get_session_details = { "user_ids:array" },
    },
    course_reports = { -- Course reports
      get_class_report = { "class_id:integer", "constraints:pairs" },
    },
    reports = { -- Reports
      -- a new run each time, found by no read; its owner is notified when it ends
      run_report = { "report:object", "run_options:object", "period:object?", send = "json", notifies = true },
      get_report_status = { "run_report_id:integer" },
      download_report = { "run_report_id:integer" },
    },
    attendance = { -- Attendance
      get_attendance = { "class_id:integer", "date_and_time:string?", "date:string?" },
      get_all_attendance = { "class_id:integer" },
    },
    news_feeds = { -- News feeds: a new post each time, and no read of the feeds (unknown when lost)
      post_class_announcement = { "class_id:integer", "message:string", "options:pairs?", send = "form",
                                  notifies = "options.notify" },
      post_class_message = { "class_id:integer", "message:string", "options:pairs?", send = "form" },
      post_group_announcement = { "group_id:integer", "message:string", "options:pairs?", send = "form",
                                  notifies = "options.notify" },
      post_group_message = { "group_id:integer", "message:string", "options:pairs?", send = "form" },
      post_site_announcement = { "message:string", "options:pairs?", send = "form",
                                 notifies = { "options.notify", "options.students", "options.teachers",
                                              "options.parents", "options.managers" } },
      post_site_message = { "message:string", "options:pairs?", send = "form" },
    },
    gamification = { -- Gamification
      get_games_for_site = {},
      get_games_for_class = { "class_id:integer" },
      get_status_for_all_players = { "game_id:integer" },
      get_status_for_players = { "game_id:integer", "user_ids:array" },
    },
    ecommerce = { -- Ecommerce
      get_all_orders = { paged = true },
      get_orders_with_ids = { "order_ids:array", paged = true },
      get_orders_for_organization = { "organization_id:integer", paged = true },
      get_orders_for_user = { "user_id:integer", paged = true },
      get_orders_that_match = { "status:string", "date:string" },
    },
    job_titles = { -- Job titles
      get_all_job_titles = {},
      get_job_titles_with_ids = { "job_title_ids:array" },
      get_job_titles_that_match = { "constraints:pairs", paged = true },
      add_job_title = { "attributes:pairs", send = "form", effect = named("get_job_titles_that_match") },
      edit_job_title = { "job_title_id:integer", "attributes:pairs", send = "form", idempotent = true },
      delete_job_titles = { "job_title_ids:array", send = "form",
                            effect = unlisted("get_all_job_titles", nil, "job_title_ids") },
    },
    sis_sync = { -- SIS Sync
      -- the sync it began is the active one, still Preparing
      begin_sync = { send = "form", effect = { lookup = "sync_status", where = { status = "Preparing" } } },
      commit_sync = { "sync_id:integer", "force:boolean?", send = "form",
                      effect = { lookup = "sync_status", query = { sync_id = "sync_id" },
                                 match = { sync_id = "sync_id" }, where = { status = "Committed" } } },
      -- no look-up: a canceled sync is answered as an error ("Invalid sync_ID")
      cancel_sync = { "sync_id:integer", send = "form" },
      sync_status = { "sync_id:integer?" }, -- without an id: the active sync
      -- no look-up: a sync's operations cannot be read, and sent twice they
      -- are stored twice (counted twice against the commit threshold)
      sync_teachers = { "sync_id:integer", "operations:array@data", send = "json" },
      sync_students = { "sync_id:integer", "operations:array@data", send = "json" },
      sync_classes = { "sync_id:integer", "operations:array@data", send = "json" },
    },
  },
  resources = {},
}
