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
-- or name[k]=v), grades (an array of { user_id =, grade = }), and pairs:
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

return {
  name = "matrix",
  title = "MATRIX LMS",
  options = { api_key = "string", api_version = "number" },
  auth = { strategy = "query", param = "api_key", secret = "api_key" },
  rpc_path = "/api/",
  paging = { strategy = "page", params = { page = "integer" } },
  rate = { calls = 120, per = 60, lockout = 60, signal = "limit exceeded" },
  sections = {
    version = { -- Version
      get_version = {},
    },
    authentication = { -- Authentication
      is_authenticated = { "userid:string", "password:string", send = "form" },
    },
    users = { -- Users
      get_my_account = {},
      get_all_users = { paged = true },
      get_users_with_ids = { "user_ids:array" },
      get_users_that_match = { "constraints:pairs", paged = true },
      add_user = { "attributes:pairs", send = "form" },
      update_user = { "attributes:pairs", send = "form" },
      archive_users = { "user_ids:array", send = "form" },
      reactivate_users = { "user_ids:array", send = "form" },
      delete_users = { "user_ids:array", send = "form" },
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
      add_students_to_class = { "class_id:integer", "user_ids:array", "options:pairs?", send = "form" },
      remove_students_from_class = { "class_id:integer", "user_ids:array", "options:pairs?", send = "form" },
      deactivate_students_in_class = { "class_id:integer", "user_ids:array", "options:pairs?", send = "form" },
      reactivate_students_in_class = { "class_id:integer", "user_ids:array", "options:pairs?", send = "form" },
      complete_students_in_class = { "class_id:integer", "user_ids:array", "options:pairs?", send = "form" },
      uncomplete_students_in_class = { "class_id:integer", "user_ids:array", "options:pairs?", send = "form" },
      add_teachers_to_class = { "class_id:integer", "user_ids:array", "options:pairs?", send = "form" },
      remove_teachers_from_class = { "class_id:integer", "user_ids:array", send = "form" },
      add_class = { "attributes:pairs", send = "form" },
      add_class_from_template = { "class_template_id:integer", "attributes:pairs", send = "form" },
      add_child_class = { "parent_class_id:integer", "attributes:pairs", send = "form" },
      edit_class = { "class_id:integer", "attributes:pairs", send = "form" },
      archive_classes = { "class_ids:array", send = "form" },
      reactivate_classes = { "class_ids:array", send = "form" },
      delete_classes = { "class_ids:array", send = "form" },
      restore_classes = { "class_ids:array", send = "form" },
    },
    class_templates = { -- Course Templates
      add_class_template = { "attributes:pairs", send = "form" },
      edit_class_template = { "class_id:integer", "attributes:pairs", send = "form" },
      get_all_class_templates = { "archived:boolean?", paged = true },
      get_class_templates_with_ids = { "class_ids:array" },
      get_class_templates_for_organization = { "organization_id:integer", "archived:boolean?", paged = true },
      get_class_templates_that_match = { "constraints:pairs", paged = true },
      delete_class_templates = { "class_ids:array", send = "form" },
      restore_class_templates = { "class_ids:array", send = "form" },
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
      set_grades_for_assignment = { "assignment_id:integer", "grades:grades", send = "form" },
    },
    organizations = { -- Organizations
      get_all_organizations = { paged = true },
      get_organizations_with_ids = { "organization_ids:array" },
      add_organization = { "attributes:pairs", send = "form" },
      edit_organization = { "organization_id:integer", "attributes:pairs", send = "form" },
      delete_organizations = { "organization_ids:array", send = "form" },
    },
    groups = { -- Groups
      get_all_groups = { paged = true },
      get_groups_with_ids = { "group_ids:array" },
      get_groups_that_match = { "constraints:pairs", paged = true },
      get_members_for_group = { "group_id:integer" },
      get_admins_for_group = { "group_id:integer" },
      get_groups_with_member = { "user_id:integer" },
      get_groups_with_admin = { "user_id:integer" },
      add_members_to_group = { "group_id:integer", "user_ids:array", send = "form" },
      remove_members_from_group = { "group_id:integer", "user_ids:array", send = "form" },
      add_admins_to_group = { "group_id:integer", "user_ids:array", send = "form" },
      remove_admins_from_group = { "group_id:integer", "user_ids:array", send = "form" },
      add_group = { "attributes:pairs", send = "form" },
      edit_group = { "group_id:integer", "attributes:pairs", send = "form" },
      delete_groups = { "group_ids:array", send = "form" },
    },
    paths = { -- Paths
      get_all_paths = { paged = true },
      get_paths_with_ids = { "path_ids:array" },
      get_students_for_path = { "path_id:integer" },
      add_students_to_path = { "path_id:integer", "user_ids:array", "options:pairs?", send = "form" },
      remove_students_from_path = { "path_id:integer", "user_ids:array", "options:pairs?", send = "form" },
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
      run_report = { "report:object", "run_options:object", "period:object?", send = "json" },
      get_report_status = { "run_report_id:integer" },
      download_report = { "run_report_id:integer" },
    },
    attendance = { -- Attendance
      get_attendance = { "class_id:integer", "date_and_time:string?", "date:string?" },
      get_all_attendance = { "class_id:integer" },
    },
    news_feeds = { -- News feeds
      post_class_announcement = { "class_id:integer", "message:string", "options:pairs?", send = "form" },
      post_class_message = { "class_id:integer", "message:string", "options:pairs?", send = "form" },
      post_group_announcement = { "group_id:integer", "message:string", "options:pairs?", send = "form" },
      post_group_message = { "group_id:integer", "message:string", "options:pairs?", send = "form" },
      post_site_announcement = { "message:string", "options:pairs?", send = "form" },
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
      add_job_title = { "attributes:pairs", send = "form" },
      edit_job_title = { "job_title_id:integer", "attributes:pairs", send = "form" },
      delete_job_titles = { "job_title_ids:array", send = "form" },
    },
    sis_sync = { -- SIS Sync
      begin_sync = { send = "form" },
      commit_sync = { "sync_id:integer", "force:boolean?", send = "form" },
      cancel_sync = { "sync_id:integer", send = "form" },
      sync_status = { "sync_id:integer?" }, -- without an id: the active sync
      sync_teachers = { "sync_id:integer", "operations:array@data", send = "json" },
      sync_students = { "sync_id:integer", "operations:array@data", send = "json" },
      sync_classes = { "sync_id:integer", "operations:array@data", send = "json" },
    },
  },
  resources = {},
}
