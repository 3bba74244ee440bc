-- sandbox.matrix.seed: the fixtures every reset restores, and reset.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local S = lib.S

local ipairs = ipairs

local DAY = 86400

-- Empties the state: every table and id counter the API can see or change.
local function seed_empty()
  C.refill(S, {
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
  })
end

-- Organizations and job titles.
local function seed_organizations()
  S.orgs[1] = { id = 1, name = "Sandbox School", description = "The main campus", internal = true }
  S.orgs[2] = { id = 2, name = "Partner College", description = "A partner organization", internal = false }
  S.next_org = 3
  S.job_titles[1] = { id = 1, name = "Administrator", description = "Runs the LMS" }
  S.job_titles[2] = { id = 2, name = "Instructor", description = "Teaches courses" }
  S.next_job_title = 3
end

-- Users: an admin (the API key's account), a teacher and four students.
local function seed_users(t)
  local day = DAY
  lib.new_user({
    first_name = "Alice", last_name = "Admin", userid = "admin", password = "sandbox-admin-pass",
    email = "admin@example.com", administrator = true, teacher = true, organization_id = 1,
    job_title_id = 1, joined_at = C.utc(2024, 9, 1, 8, 0), first_login_at = C.utc(2024, 9, 1, 8, 5),
    last_login_at = t - day, logins = 42, phone = "555-0100", country = "US",
  })
  lib.new_user({
    first_name = "Tom", last_name = "Teacher", userid = "tteacher", password = "sandbox-teacher-pass",
    email = "tom.teacher@example.com", teacher = true, teacher_id = "T-1001", organization_id = 1,
    job_title_id = 2, joined_at = C.utc(2024, 9, 2, 8, 0), first_login_at = C.utc(2024, 9, 2, 9, 0),
    last_login_at = C.utc(2025, 1, 20, 9, 0), logins = 17,
  })
  local sam = lib.new_user({
    first_name = "Sam", last_name = "Student", userid = "sstudent", password = "sandbox-student-pass",
    email = "sam.student@example.com", student = true, student_id = "S-2001", organization_id = 2,
    birthdate = "2007-02-11", year_of_graduation = 2025, gender = "Male", city = "Dallas", state = "TX",
    zip = "75020", country = "US", joined_at = C.utc(2024, 9, 3, 8, 0),
    first_login_at = C.utc(2024, 9, 3, 10, 0), last_login_at = t - 2 * day, logins = 9,
  })
  sam.custom.ssn = "123-456-7890"
  lib.new_user({
    first_name = "Sara", last_name = "Jones", userid = "sjones", email = "sara.jones@example.com",
    student = true, student_id = "S-2002", organization_id = 2, gender = "Female",
    joined_at = C.utc(2024, 9, 3, 8, 5),
  })
  lib.new_user({
    first_name = "Steve", last_name = "Smith", userid = "ssmith", email = "steve.smith@example.com",
    student = true, student_id = "S-2003", organization_id = 1, joined_at = C.utc(2024, 9, 3, 8, 10),
  })
  lib.new_user({
    first_name = "Sue", last_name = "Park", userid = "spark", email = "sue.park@example.com",
    student = true, student_id = "S-2004", organization_id = 2, joined_at = C.utc(2024, 9, 3, 8, 15),
  })
end

-- Certificates, competencies.
local function seed_certificates()
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
end

-- Courses: Biology 101 (students 3 4 5), Workplace Safety (5, 6 completed)
-- and a template; returns the three.
local function seed_courses(t0)
  local day = DAY
  local bio = lib.new_class({
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
  lib.add_teacher(bio, 2)
  for i, uid in ipairs({ 3, 4, 5 }) do
    local e = lib.enroll(bio, uid, {
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
  local safety = lib.new_class({
    name = "Workplace Safety", style = "Self paced", course_code = "SAF100", section_code = "1",
    display_in_catalog = true, weighting_style = "Percent", certificate_id = 1,
    created_at = C.utc(2024, 11, 1), catalog_category = { "Compliance" },
  })
  safety.custom.department = "Operations"
  lib.add_teacher(safety, 1)
  lib.enroll(safety, 5, {
    enroll_type = "Catalog", enrolled_at = C.utc(2025, 2, 1, 9, 0), started_at = C.utc(2025, 2, 1, 9, 5),
    last_visited_at = C.utc(2025, 2, 3, 9, 0), time_spent = 1200,
  })
  lib.enroll(safety, 6, {
    enroll_type = "API", enrolled_at = C.utc(2025, 2, 1, 9, 0), enrolled_by_id = 1,
    started_at = C.utc(2025, 2, 2, 9, 0), last_visited_at = C.utc(2025, 2, 10, 16, 0), time_spent = 5400,
    completed_at = C.utc(2025, 2, 10, 16, 30), percent = 95, grade = "A",
  })
  local tpl = lib.new_class({
    name = "Biology template", style = "Instructor", course_code = "BIO-TPL", template = true,
    created_at = C.utc(2024, 8, 1), description = "Template for biology courses",
  })
  return bio, safety, tpl
end

-- Adds a lesson (module) with its sections to class c.
local function lesson(c, name, start_at, competencies, sections)
  local l = { id = lib.next_id("next_lesson"), name = name, start_at = start_at,
    competencies = competencies or {}, sections = {} }
  for _, s in ipairs(sections) do
    s.id = lib.next_id("next_section")
    l.sections[#l.sections + 1] = s
  end
  c.lessons[#c.lessons + 1] = l
  return l
end

-- Modules and assignments of the three courses; returns the essay.
local function seed_modules(bio, safety, tpl)
  local l1 = lesson(bio, "Unit 1: Cells", C.utc(2025, 1, 13, 9, 0), { 2 }, {
    { name = "Reading: the cell", type = "Page" },
  })
  local essay = lib.new_assignment(bio, {
    name = "Cell structure essay", type = "Freeform", points = 100, lesson = l1.id,
    begin = C.utc(2025, 1, 13, 9, 0), ["end"] = C.utc(2025, 1, 20, 17, 0), given = true,
    competencies = { 2 },
  })
  l1.sections[#l1.sections + 1] = {
    id = lib.next_id("next_section"), name = essay.name, type = "Assignment", assignment_id = essay.id,
  }
  local l2 = lesson(safety, "Safety basics", nil, nil, {
    { name = "Safety video", type = "SCORM" },
  })
  local quiz = lib.new_assignment(safety, { name = "Safety quiz", type = "Quiz", points = 10, lesson = l2.id })
  l2.sections[#l2.sections + 1] = {
    id = lib.next_id("next_section"), name = quiz.name, type = "Assignment", assignment_id = quiz.id,
  }
  l2.sections[#l2.sections + 1] = {
    id = lib.next_id("next_section"), name = "Safety certificate", type = "Certificate", certificate_id = 1,
  }
  local l3 = lesson(tpl, "Unit 1: Cells", nil, nil, { { name = "Reading: the cell", type = "Page" } })
  lib.new_assignment(tpl, { name = "Template essay", points = 50, lesson = l3.id })
  return essay
end

-- Grades of the essay: a letter, a percentage and an excused.
local function seed_grades(essay)
  lib.set_grade(essay.id, 3, {
    grade = "B+", percent = 87, score = 87, counted = true, comment = "Good work",
    submitted_at = C.utc(2025, 1, 19, 20, 0), grader_id = 2,
  })
  lib.set_grade(essay.id, 4, {
    grade = "92%", percent = 92, score = 92, counted = true, submitted_at = C.utc(2025, 1, 20, 11, 0),
    grader_id = 2,
  })
  lib.set_grade(essay.id, 5, { grade = "X", counted = false, grader_id = 2 })
end

-- Attendance of Biology 101.
local function seed_attendance(bio)
  bio.attendance = { {
    started_at = C.utc(2025, 1, 14, 15, 15),
    records = {
      { student_id = 3, status = "OnTime", excused = false },
      { student_id = 4, status = "Late", details = 5, excused = false, note = "Bus was late" },
      { student_id = 5, status = "Absent", excused = true, note = "Doctor's appointment" },
    },
  } }
end

-- A group and a path (and a job title's curriculum).
local function seed_groups_paths()
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
end

-- Resources, games, orders, login sessions and the built-in reports.
local function seed_rest(t)
  local day = DAY
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

-- The fixtures (sandbox/lua/sandbox/matrix/DECISIONS.md, "Seed"), in the
-- order that gives every record its id.
local function seed()
  local t0 = C.utc(2025, 1, 6, 9, 0, 0)
  local t = lib.now()
  seed_empty()
  seed_organizations()
  seed_users(t)
  seed_certificates()
  local bio, safety, tpl = seed_courses(t0)
  seed_grades(seed_modules(bio, safety, tpl))
  seed_attendance(bio)
  seed_groups_paths()
  seed_rest(t)
end

-- The limiter's configuration back to the defaults, counters cleared.
local function reset_limiter()
  C.refill(lib.CFG, lib.M.DEFAULTS)
  C.refill(lib.LIM, {
    keys = {}, total_calls = 0, keyed_calls = 0, refused_calls = 0, unauthorized_calls = 0,
    lockouts = 0, last_lockout_at = nil,
  })
end

-- Restores the seed and the limiter's defaults.
function lib.M.reset()
  seed()
  reset_limiter()
end

return true
