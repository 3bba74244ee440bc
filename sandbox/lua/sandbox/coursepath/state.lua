-- sandbox.coursepath.state: the module table, the state, its seed and time helpers.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coursepath/DECISIONS.md.

local C = require "sandbox.common"
local CRED = require "lmskit.sandbox_credentials"

local ngx = ngx
local ipairs = ipairs
local format, concat = string.format, table.concat

local M = {}

M.name = "coursepath"
M.SECRET = CRED.coursepath.secret
M.DEFAULT_MAX_AGE = 120
M.DEFAULT_MAX_FUTURE = 60
M.MAX_SEED = 100000

local LIMIT_MEMBERS, LIMIT_COURSES, LIMIT_GROUPS = 100, 250, 500

local MEMBER_KEYS = {
  "id", "email", "name", "company", "department", "country", "externalId",
  "association", "identification", "registration", "role", "active",
  "createdDate",
}
local OPTIONAL_FIELDS = {
  "company", "department", "country", "externalId", "association",
  "identification", "registration",
}
local FILTERS = {
  "company", "department", "country", "externalId", "association",
  "identification", "registration",
}
local COURSE_KEYS = { "id", "name", "description", "createdDate" }
local CM_KEYS = {
  "courseId", "memberId", "role", "enrolledDate", "score", "success",
  "completedDate", "certificate",
}
local PM_KEYS = { "programId", "memberId", "role", "enrolledDate" }
local GROUP_KEYS = { "id", "name" }
local INVITE_KEYS = {
  "id", "type", "memberId", "email", "courseId", "programId", "mail",
  "invitedBy", "sentDate",
}
local MAIL_KEYS = { "subject", "body", "action" }

---------------------------------------------------------------------------
-- State
---------------------------------------------------------------------------

local S = {}   -- simulator state (kept by identity), see M.reset()
local CFG = {} -- auth settings (control: config)

local function now()
  return ngx.time()
end

local function t(s)
  return assert(C.parse_time(s))
end

local function iso(ts)
  if ts == nil or ts == C.null then return nil end
  return os.date("!%Y-%m-%dT%H:%M:%SZ", ts)
end

local function trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

local function name_from_email(email)
  local lp = email:match("^([^@]*)") or email
  local words = {}
  for w in lp:gmatch("[^%._%-%+]+") do
    words[#words + 1] = w:sub(1, 1):upper() .. w:sub(2)
  end
  if #words == 0 then return email end
  return concat(words, " ")
end

local function find_member_by_email(email)
  local lower = email:lower()
  for id = 1, S.next_member - 1 do
    local m = S.members[id]
    if m and m.email:lower() == lower then return m end
  end
  return nil
end

local function add_member(f)
  local id = C.take_id(S, "next_member")
  local m = {
    id = id, email = f.email, name = f.name or name_from_email(f.email),
    role = f.role or "learner", created = f.created or now(),
  }
  if f.active == nil then m.active = true else m.active = f.active end
  for _, k in ipairs(OPTIONAL_FIELDS) do m[k] = f[k] end
  S.members[id] = m
  return m
end

-- Enrolls member mid, once, in the course or program id whose enrollments
-- are links[id] (S.cms, S.pms; id_field names it in the record); returns
-- the enrollment and whether it is new.
local function enroll(links, id_field, id, mid, ts)
  local e = links[id][mid]
  if e then return e, false end
  e = { [id_field] = id, member_id = mid, role = "learner", enrolled = ts or now() }
  links[id][mid] = e
  return e, true
end

local function enroll_course(cid, mid, ts)
  return enroll(S.cms, "course_id", cid, mid, ts)
end

local function enroll_program(pid, mid, ts)
  return enroll(S.pms, "program_id", pid, mid, ts)
end

local function find_group(name)
  for id = 1, S.next_group - 1 do
    local g = S.groups[id]
    if g and g.name == name then return g end
  end
  return nil
end

local function add_group(name)
  local id = C.take_id(S, "next_group")
  local g = { id = id, name = name, members = {} }
  S.groups[id] = g
  return g
end

local function seed()
  local admin = add_member({
    email = "admin@sandbox.example", name = "Sandbox Admin", role = "admin",
    company = "Sandbox Academy", department = "Management", country = "NL",
    externalId = "ext-admin", association = "Sandbox Association",
    identification = "ID-ADMIN", registration = "REG-ADMIN",
    created = t("2024-01-01T08:00:00Z"),
  })
  local learner = add_member({
    email = "learner@sandbox.example", name = "Sandbox Learner", role = "learner",
    company = "Sandbox Academy", department = "Sales", country = "BE",
    externalId = "ext-learner", association = "Sandbox Association",
    identification = "ID-LEARNER", registration = "REG-LEARNER",
    created = t("2024-01-02T08:00:00Z"),
  })
  local courses = {
    { "Onboarding", "Getting started with the academy." },
    { "Workplace Safety", "Safety rules and procedures." },
    { "Advanced Selling", "Negotiation and closing techniques." },
  }
  for i, c in ipairs(courses) do
    S.courses[i] = {
      id = i, name = c[1], description = c[2],
      created = t(format("2024-01-%02dT09:00:00Z", 10 + i)),
    }
    S.cms[i] = {}
  end
  S.programs[1] = {
    id = 1, name = "Sales Track", description = "Onboarding and safety.",
    course_ids = { 1, 2 }, created = t("2024-01-20T09:00:00Z"),
  }
  S.programs[2] = {
    id = 2, name = "Advanced Track", description = "Advanced selling.",
    course_ids = { 3 }, created = t("2024-01-21T09:00:00Z"),
  }
  S.pms[1], S.pms[2] = {}, {}

  -- the learner completed course 1, is enrolled in course 2 and program 1
  local cm = enroll_course(1, learner.id, t("2024-02-01T09:00:00Z"))
  cm.score, cm.success = 85, true
  cm.completed = t("2024-02-15T14:30:00Z")
  cm.certificate = "https://certificates.sandbox.example/coursepath/1/2.pdf"
  enroll_course(2, learner.id, t("2024-03-01T09:00:00Z"))
  enroll_program(1, learner.id, t("2024-02-01T09:00:00Z"))

  local teachers = add_group("Teachers")
  teachers.members[admin.id] = true
end

function M.reset()
  C.refill(S, {
    members = {}, next_member = 1, next_seed = 1,
    courses = {}, programs = {},
    cms = {},  -- cms[course_id][member_id] = course membership + results
    pms = {},  -- pms[program_id][member_id] = program membership
    groups = {}, next_group = 1,
    invites = {}, next_invite = 1,
    jtis = {},
  })
  C.refill(CFG, { max_age = M.DEFAULT_MAX_AGE, max_future = M.DEFAULT_MAX_FUTURE })
  seed()
end

M.reset()

return {
  CFG = CFG,
  CM_KEYS = CM_KEYS,
  COURSE_KEYS = COURSE_KEYS,
  FILTERS = FILTERS,
  GROUP_KEYS = GROUP_KEYS,
  INVITE_KEYS = INVITE_KEYS,
  LIMIT_COURSES = LIMIT_COURSES,
  LIMIT_GROUPS = LIMIT_GROUPS,
  LIMIT_MEMBERS = LIMIT_MEMBERS,
  M = M,
  MAIL_KEYS = MAIL_KEYS,
  MEMBER_KEYS = MEMBER_KEYS,
  OPTIONAL_FIELDS = OPTIONAL_FIELDS,
  PM_KEYS = PM_KEYS,
  S = S,
  add_group = add_group,
  add_member = add_member,
  enroll_course = enroll_course,
  enroll_program = enroll_program,
  find_group = find_group,
  find_member_by_email = find_member_by_email,
  iso = iso,
  name_from_email = name_from_email,
  now = now,
  trim = trim,
}
