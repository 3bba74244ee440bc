-- sandbox.cerego.state: the module table, key orders, time, the state and its seed.
-- Decisions where the doc is silent: sandbox/lua/sandbox/cerego/DECISIONS.md.

local C = require "sandbox.common"
local CRED = require "lmskit.sandbox_credentials"

local ngx = ngx

local M = {}

M.name = "cerego"
M.TOKEN = CRED.cerego.token
M.DEFAULT_PAGE_SIZE = 15
M.MAX_PAGE_SIZE = 100
M.MAX_SEED = 100000

-- where the vendor's own absolute links point (the doc's quirk)
local LINK_BASE = "http://localhost:3001/v3"
local USER_NAME = "Sandbox Instructor"

---------------------------------------------------------------------------
-- Output shapes (key order as in the doc's examples)
---------------------------------------------------------------------------

local RESOURCE_KEYS = { "id", "type", "attributes", "relationships", "links", "meta" }
local IMAGE_RESOURCE_KEYS = { "id", "type", "attributes", "links" }
local COURSE_ATTR_KEYS = {
  "created-at", "name", "description", "slug", "users-count",
  "admin-users-count", "student-users-count", "goal-list-count",
  "goals-count", "reports-count", "state", "state-updated-at",
  "instructor-names", "ic-items-count", "assignments-count", "external-id",
}
local COURSE_META_KEYS = {
  "settings", "role", "can-edit", "lti", "progress", "percent-started",
  "last-study-time", "payment-required", "cost",
}
local NOTIFICATION_KEYS = {
  "daily-new-assignments", "signup-nudges", "daily-new-students",
  "daily-goals-reached", "weekly-stale-invitations",
}
local IMAGE_ATTR_KEYS = {
  "created-at", "url", "orig-url", "orig-owner", "license-id", "alt-tag",
}

local OBJECT_MT = { __jsontype = "object" }

local STATES = { published = true, unpublished = true, archived = true }
local TEACHING_ROLES = {
  instructor = true, editor = true, content_manager = true,
  course_manager = true, admin = true,
}

local STATUS_TITLES = {
  [400] = "Bad Request", [401] = "Unauthorized", [404] = "Not Found",
  [405] = "Method Not Allowed", [422] = "Unprocessable Entity",
}

---------------------------------------------------------------------------
-- Time
---------------------------------------------------------------------------

-- epoch seconds (may carry milliseconds) -> "2017-12-14T00:25:58.000Z"
local fmt_time = C.iso_ms

local function ts(s)
  return assert(C.parse_time(s))
end

local function now()
  return ngx.now()
end

---------------------------------------------------------------------------
-- State
---------------------------------------------------------------------------

local S = {} -- kept by identity; see reset()

local function default_settings()
  return {
    ["daily-new-assignments"] = true, ["signup-nudges"] = true,
    ["daily-new-students"] = true, ["daily-goals-reached"] = true,
    ["weekly-stale-invitations"] = true,
  }
end

local function add_image(id, created, url)
  S.images[id] = {
    id = id, created_at = ts(created), url = url,
    orig_url = nil, orig_owner = nil, license_id = nil, alt_tag = nil,
  }
end

-- fields: see seed(); missing counters default to 0
local function add_course(f)
  local c = {
    id = f.id, name = f.name, description = f.description, slug = f.slug,
    partner_id = f.partner_id, image_id = f.image_id,
    state = f.state or "published", state_updated_at = f.state_updated_at,
    created_at = f.created_at or now(),
    users_count = f.users_count or 1, admin_users_count = f.admin_users_count or 1,
    student_users_count = f.student_users_count or 0,
    goal_list_count = f.goal_list_count or 0, goals_count = f.goals_count or 0,
    reports_count = f.reports_count or 0,
    instructor_names = f.instructor_names or { USER_NAME },
    ic_items_count = f.ic_items_count, assignments_count = f.assignments_count or 0,
    external_id = f.external_id,
    -- per-user meta for the token's user
    settings = f.settings, role = f.role or "instructor",
    lti = f.lti, progress = f.progress, percent_started = f.percent_started,
    last_study_time = f.last_study_time, payment_required = f.payment_required,
    cost = f.cost,
  }
  if c.lti == nil then c.lti = true end
  S.courses[c.id] = c
  S.slugs[c.slug] = c.id
  if c.id >= S.next_id then S.next_id = c.id + 1 end
  return c
end

local function seed()
  add_image(865877, "2016-04-04T22:06:29Z",
    "https://assets.testing.cerego.com/uploads/image/uploader/865877/d59fa10pv0.jpg")
  add_image(628253, "2014-05-22T13:39:34Z",
    "https://assets.testing.cerego.com/uploads/image/uploader/628253/61dvdt9c6hmi3o.jpg")
  add_image(662672, "2014-08-19T17:17:24Z",
    "https://assets.testing.cerego.com/uploads/image/uploader/662672/61evfr7fsl2aco.jpg")

  add_course {
    id = 13421, name = "Introduction to Learning and Behavior : 9781305953079",
    slug = "introduction-to-learning-and-behavior-9781305953079-6321ba48-6df3-42b2-bf15-3001977b1110",
    partner_id = 10, image_id = 865877, state = "published",
    created_at = ts("2016-07-26T04:10:32Z"),
    users_count = 3, admin_users_count = 1, student_users_count = 2,
    goals_count = 12, instructor_names = { "Inst04 Mt" }, ic_items_count = 0,
    assignments_count = 12, external_id = "367392", role = "instructor",
  }
  add_course {
    id = 13422, name = "Statistics for the Behavioral Sciences : 9781305647305",
    slug = "statistics-for-the-behavioral-sciences-9781305647305-ecce4b8e-433d-4e43-a58b-5eda6b6da2db",
    partner_id = 10, image_id = nil, state = "published",
    created_at = ts("2016-07-26T06:01:10Z"),
    users_count = 2, admin_users_count = 1, student_users_count = 1,
    goals_count = 1, instructor_names = { "Stephanie Tobin" }, ic_items_count = 0,
    assignments_count = 1, external_id = "367413", role = "instructor",
  }
  add_course {
    id = 38401, name = "Draft Course: Cell Biology",
    description = "Not published yet",
    slug = "draft-course-cell-biology",
    partner_id = 21, image_id = 662672, state = "unpublished",
    created_at = ts("2017-10-02T08:00:00Z"),
    users_count = 1, admin_users_count = 1, goals_count = 2, ic_items_count = 0,
    assignments_count = 2, role = "editor",
    settings = default_settings(), progress = 0, percent_started = 0,
    payment_required = false,
  }
  add_course {
    id = 38402, name = "Archived Course: Organic Chemistry 2015",
    description = "No longer in use",
    slug = "archived-course-organic-chemistry-2015",
    partner_id = 4, image_id = nil, state = "archived",
    created_at = ts("2015-01-12T09:30:00Z"),
    state_updated_at = ts("2016-06-30T17:45:00Z"),
    users_count = 5, admin_users_count = 1, student_users_count = 4,
    goal_list_count = 1, goals_count = 3, reports_count = 2,
    instructor_names = { USER_NAME, "Dana Ortiz" }, ic_items_count = 4,
    assignments_count = 4, external_id = "412977", role = "admin",
  }
  add_course {
    id = 38403, name = "Spanish Vocabulary Basics",
    description = "Learn 500 everyday Spanish words",
    slug = "spanish-vocabulary-basics",
    partner_id = 21, image_id = 662672, state = "published",
    created_at = ts("2017-09-05T12:00:00Z"),
    users_count = 40, admin_users_count = 1, student_users_count = 39,
    goal_list_count = 1, goals_count = 10, reports_count = 0,
    instructor_names = { "Maria Lopez" }, ic_items_count = 12,
    assignments_count = 11, role = "learner", lti = false,
    progress = 0.42, percent_started = 0.5,
    last_study_time = ts("2017-12-01T19:20:00Z"), payment_required = false,
    cost = 1999,
  }
  add_course {
    id = 38410,
    name = "Elsevier Adaptive Learning for Structure and Function of the Body, 14th Edition"
      .. " : 153260_nkane19_1001",
    slug = "elsevier-adaptive-learning-for-structure-and-function-of-the-body-14th-edition"
      .. "-153260_nkane19_1001",
    partner_id = 4, image_id = 628253, state = "published",
    created_at = ts("2017-11-27T09:52:52Z"),
    users_count = 1, admin_users_count = 1, goals_count = 1,
    instructor_names = { "Nerea Kane" }, ic_items_count = 0,
    assignments_count = 1, external_id = "17431949894", role = "instructor",
  }
end

function M.reset()
  C.refill(S, { courses = {}, slugs = {}, images = {}, next_id = 1 })
  seed()
end

M.reset()

return {
  COURSE_ATTR_KEYS = COURSE_ATTR_KEYS,
  COURSE_META_KEYS = COURSE_META_KEYS,
  IMAGE_ATTR_KEYS = IMAGE_ATTR_KEYS,
  IMAGE_RESOURCE_KEYS = IMAGE_RESOURCE_KEYS,
  LINK_BASE = LINK_BASE,
  M = M,
  NOTIFICATION_KEYS = NOTIFICATION_KEYS,
  OBJECT_MT = OBJECT_MT,
  RESOURCE_KEYS = RESOURCE_KEYS,
  S = S,
  STATES = STATES,
  STATUS_TITLES = STATUS_TITLES,
  TEACHING_ROLES = TEACHING_ROLES,
  add_course = add_course,
  default_settings = default_settings,
  fmt_time = fmt_time,
  now = now,
}
