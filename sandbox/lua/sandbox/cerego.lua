-- sandbox.cerego: stateful simulator of the Cerego API v3 (JSON:API)
-- (vendor doc: shared/vendor-docs/cerego-v3.md).
--
-- Mounted by the router under /cerego, so a client's base URL is
-- https://127.0.0.1:<port>/cerego and the doc's paths (/api/echo,
-- /api/v3/...) are below it.  Token: "Authorization: Bearer
-- sandbox-cerego-token".  State lives in module-level tables (one nginx
-- worker); reset() restores the seed fixtures.
--
-- Endpoints:
--   POST   /api/echo               no auth; echoes the request body
--   GET    /api/v3/courses         list (filters, tab, sort, page[...])
--   POST   /api/v3/courses         create
--   GET    /api/v3/courses/:id     :id = numeric id or slug
--   PUT    /api/v3/courses/:id     update (PATCH accepted too)
--   DELETE /api/v3/courses/:id     only unpublished/archived courses
--   GET    /api/v3/images/:id
--   POST   /_sandbox/cerego/seed {"courses": N, "partner_id": P}   control: N published courses
--
-- Decisions where the doc is silent or unclear:
--
-- * Errors: the doc's "errors" include is missing, so every error is a
--   JSON:API error document {"errors":[{"status":"401","title":
--   "Unauthorized","detail":"..."}]} (status is a string).  422 entries add
--   "source":{"pointer":"/data/attributes/<dasherized-field>"}, one entry per
--   failed field, with Rails-style full messages ("Name can't be blank").
--   Content-Type of every reply is application/json (the doc names no
--   media type); request bodies may be application/json or
--   application/vnd.api+json (or form-encoded).
-- * Check order: unknown route -> 404; known route, wrong method -> 405
--   (with Allow); bad/missing token -> 401 (with WWW-Authenticate: Bearer);
--   unknown id/slug -> 404; body that is not JSON -> 400; validation -> 422.
--   HEAD is treated as GET.  One trailing slash is tolerated.
-- * Auth: "Bearer <token>"; the scheme is case-insensitive (RFC 6750), the
--   token must match exactly.  Anything else, or no header -> 401.  The echo
--   endpoint needs no auth ("all other endpoints require authentication").
-- * Echo: the doc shows no response.  POST /api/echo replies 200 with the
--   request's JSON body echoed back byte for byte ({"echo":"Test"} ->
--   {"echo":"Test"}); a form body is echoed as a JSON object; an empty body
--   gives {}; invalid JSON -> 400.  Only POST (405 otherwise).
-- * Course :id is the numeric id or the slug (resource links use the slug).
--   Slugs may not be all digits.  Image :id is numeric only.
-- * Links: resource links are relative ("/v3/courses/<slug>",
--   "/v3/images/<id>") and the list's top-level links are absolute on
--   http://localhost:3001/v3/courses, exactly like the doc: never the
--   sandbox host (clients must page by number, not follow links).  Their
--   query is Rails' to_query of the request's other query args plus
--   page[number]/page[size] (keys sorted, brackets escaped), as AMS does.
--   Keys: "self" always; "first" and "prev" when page > 1 ("prev" clamped
--   to the last page, omitted when there are no pages); "next" when
--   page < total-pages; "last" when total-pages >= 1 and page is not the
--   last page.  The foreign_link fault changes nothing here.  The
--   cerego_next_forever fault (a server that never ends) drops "meta" and
--   "last", always names "next", and answers a page past the end with the
--   last page again.
-- * Paging: page[number] default 1 (invalid or < 1 -> 1); page[size]
--   default 15 (invalid or < 1 -> 15), at most 100 (the doc states no
--   maximum).  A page past the end -> "data": [] with the right meta.
--   meta = {"total-pages": ceil(count/size), "total-count": count};
--   total-pages is 0 when nothing matches.  A plain "page=N" is ignored.
-- * "included" (the courses' images, each once, in order of first use) is
--   omitted when empty, as in the doc's create/update examples.  Single
--   resources have no top-level links/meta (none shown in the doc).
-- * Filters (all ANDed; each value may be a comma-separated list, ORed):
--   filter[partner_id] (filter[partner-id] too): partner id equality, a
--   non-integer matches nothing.  filter[state] and tab: published,
--   unpublished, archived; an unknown value matches nothing; an empty value
--   is no filter; without either, courses in every state are listed.
--   filter[role]: "student" (or "learner") = courses where the token's
--   user's role is learner; "instructor" = courses the user teaches, i.e.
--   any non-learner role (instructor, editor, content_manager,
--   course_manager, admin).  Unknown role matches nothing.
-- * sort: comma-separated JSON:API sort keys, "-" prefix = descending.
--   Fields: name (case-insensitive), id, slug, state, created-at
--   (created_at too), state-updated-at (nulls first), users-count.
--   Ties and the default order: id ascending.  Unknown field -> 400.
-- * Create: the doc's body is flat {"name":..,"partner_id":..,
--   "description":..,"slug":..}; also accepted: JSON:API
--   {"data":{"type":"courses","attributes":{..},"relationships":{"partner":
--   {"data":{"id":..}}}}} (dashed or underscored keys, data.type is not
--   checked), {"course":{..}} and form bodies.  Required: name and
--   partner_id (any integer > 0; partners are not simulated).  slug: letters,
--   digits, "-", "_", not all digits, unique ("Slug has already been
--   taken"); when absent it is made from the name (Rails parameterize),
--   with "-<id>" appended on a clash.  Reply 201 (the doc gives no
--   status), no Location.  New course: state unpublished, the token user
--   as the only member and instructor (users-count 1, admin-users-count 1;
--   the doc's create example shows 0, its update example 1),
--   instructor-names ["Sandbox Instructor"], meta as in the doc's example.
-- * meta.role is the token user's role in the course; meta.can-edit is true
--   for every teaching role, including "instructor" (the doc's table says
--   instructors cannot edit, but all its examples show instructor with
--   can-edit true), false for learner.
-- * Update: PUT (and PATCH) with name, description, slug, state, same body
--   forms as create; partner_id and unknown fields are ignored; absent
--   fields are unchanged; name may not be blank; state must be one of
--   the three ("State is not included in the list").  Reply 200 with the
--   course.  state-updated-at is set to now when the state changes (the
--   doc's example shows null, which looks like an artefact).
-- * Delete: a published course -> 422 "A course must be unpublished or
--   archived to be deleted" (the doc's wording; 422 rather than 403
--   because it is a state precondition, not a permission).  Else 204.
--   Images are shared and never deleted.
-- * Timestamps: ISO 8601 UTC with milliseconds ("2017-12-14T00:25:58.000Z").
--   ids, partner ids and external-id are strings, as in the examples
--   (the field table says integer for external-id).
-- * Control seed: N courses "Seed course 1".."Seed course N" (slug
--   "seed-course-<id>", partner 10 or the body's partner_id, no image,
--   published, role instructor), 0 <= N <= 100000; reply
--   {"ok":true,"count":N,"first_id":"<id>","last_id":"<id>"} (ids in
--   sequence, strings like the API's); else 400 {"error":..} (control
--   API style).  A partner of their own lets a spec list only them
--   (filter[partner_id]).  The body is read as JSON when it starts with "{",
--   whatever the Content-Type.
--
-- Seed fixtures (after start and every reset), in id order:
--   13421 published,   partner 10, image 865877, role instructor  (doc)
--   13422 published,   partner 10, no image,     role instructor  (doc)
--   38401 unpublished, partner 21, image 662672, role editor
--   38402 archived,    partner 4,  no image,     role admin
--   38403 published,   partner 21, image 662672, role learner
--   38410 published,   partner 4,  image 628253, role instructor  (doc)
--   images 865877, 628253, 662672 (from the doc); next course id 38411.

local C = require "sandbox.common"
local CRED = require "lmskit.sandbox_credentials"

local ngx = ngx
local type, pairs, ipairs, tostring, tonumber = type, pairs, ipairs, tostring, tonumber
local setmetatable = setmetatable
local format, floor, ceil = string.format, math.floor, math.ceil
local concat, sort = table.concat, table.sort

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
local function fmt_time(t)
  if t == nil then return nil end
  local s = floor(t)
  local ms = floor((t - s) * 1000 + 0.5)
  if ms > 999 then ms = 999 end
  return os.date("!%Y-%m-%dT%H:%M:%S", s) .. format(".%03dZ", ms)
end

local function ts(s)
  return assert(C.parse_time(s))
end

local function now()
  return ngx.now()
end

---------------------------------------------------------------------------
-- State
---------------------------------------------------------------------------

local S -- see reset()

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
  S = { courses = {}, slugs = {}, images = {}, next_id = 1 }
  seed()
end

M.reset()

---------------------------------------------------------------------------
-- JSON views
---------------------------------------------------------------------------

local function strings(list)
  local out = C.array()
  for i, s in ipairs(list) do out[i] = s end
  return out
end

local function ref(id, rtype)
  if id == nil then return C.ordered({ "data" }, {}) end
  return C.ordered({ "data" }, {
    data = C.ordered({ "id", "type" }, { id = tostring(id), type = rtype }),
  })
end

local function course_json(c)
  local settings
  if c.settings then
    settings = C.ordered({ "notifications" }, {
      notifications = C.ordered(NOTIFICATION_KEYS, c.settings),
    })
  end
  return C.ordered(RESOURCE_KEYS, {
    id = tostring(c.id),
    type = "courses",
    attributes = C.ordered(COURSE_ATTR_KEYS, {
      ["created-at"] = fmt_time(c.created_at),
      name = c.name, description = c.description, slug = c.slug,
      ["users-count"] = c.users_count,
      ["admin-users-count"] = c.admin_users_count,
      ["student-users-count"] = c.student_users_count,
      ["goal-list-count"] = c.goal_list_count,
      ["goals-count"] = c.goals_count,
      ["reports-count"] = c.reports_count,
      state = c.state,
      ["state-updated-at"] = fmt_time(c.state_updated_at),
      ["instructor-names"] = strings(c.instructor_names),
      ["ic-items-count"] = c.ic_items_count,
      ["assignments-count"] = c.assignments_count,
      ["external-id"] = c.external_id,
    }),
    relationships = C.ordered({ "partner", "image" }, {
      partner = ref(c.partner_id, "partners"),
      image = ref(c.image_id, "images"),
    }),
    links = C.ordered({ "self" }, { self = "/v3/courses/" .. c.slug }),
    meta = C.ordered(COURSE_META_KEYS, {
      settings = settings,
      role = c.role,
      ["can-edit"] = TEACHING_ROLES[c.role] == true,
      lti = c.lti,
      progress = c.progress,
      ["percent-started"] = c.percent_started,
      ["last-study-time"] = fmt_time(c.last_study_time),
      ["payment-required"] = c.payment_required,
      cost = c.cost,
    }),
  })
end

local function image_json(img)
  return C.ordered(IMAGE_RESOURCE_KEYS, {
    id = tostring(img.id),
    type = "images",
    attributes = C.ordered(IMAGE_ATTR_KEYS, {
      ["created-at"] = fmt_time(img.created_at),
      url = img.url, ["orig-url"] = img.orig_url, ["orig-owner"] = img.orig_owner,
      ["license-id"] = img.license_id, ["alt-tag"] = img.alt_tag,
    }),
    links = C.ordered({ "self" }, { self = "/v3/images/" .. img.id }),
  })
end

-- Images of `courses`, each once, in order of first use.
local function included_for(courses)
  local out, seen = C.array(), {}
  for _, c in ipairs(courses) do
    local img = c.image_id and S.images[c.image_id]
    if img and not seen[img.id] then
      seen[img.id] = true
      out[#out + 1] = image_json(img)
    end
  end
  return out
end

-- Top-level document; `included` is left out when empty.
local function document(data, included, links, meta)
  local keys, vals = { "data" }, { data = data }
  if included and #included > 0 then
    keys[#keys + 1] = "included"
    vals.included = included
  end
  if links then
    keys[#keys + 1] = "links"
    vals.links = links
  end
  if meta then
    keys[#keys + 1] = "meta"
    vals.meta = meta
  end
  return C.ordered(keys, vals)
end

local function course_document(c)
  return document(course_json(c), included_for({ c }))
end

---------------------------------------------------------------------------
-- Errors (JSON:API error documents)
---------------------------------------------------------------------------

local function jsonapi_error(status, detail, headers)
  return C.reply(status, C.ordered({ "errors" }, {
    errors = C.array {
      C.ordered({ "status", "title", "detail" }, {
        status = tostring(status), title = STATUS_TITLES[status], detail = detail,
      }),
    },
  }), headers)
end

local function not_found(detail)
  return jsonapi_error(404, detail or "The requested resource was not found")
end

local function method_not_allowed(allowed)
  return jsonapi_error(405, "Method not allowed", { Allow = concat(allowed, ", ") })
end

local function bad_json()
  return jsonapi_error(400, "The request body is not valid JSON")
end

-- Validation errors: list of { field, message }, sent as one 422 document.
local function new_errors()
  local list = {}
  local e = {}
  function e.add(field, message)
    list[#list + 1] = { field, message }
  end
  function e.any() return #list > 0 end
  function e.reply()
    local errors = C.array()
    for _, fe in ipairs(list) do
      local field = fe[1]
      local human = field:gsub("_id$", ""):gsub("[_-]", " ")
      human = human:sub(1, 1):upper() .. human:sub(2)
      errors[#errors + 1] = C.ordered({ "status", "title", "detail", "source" }, {
        status = "422", title = STATUS_TITLES[422],
        detail = human .. " " .. fe[2],
        source = C.ordered({ "pointer" }, {
          pointer = "/data/attributes/" .. field:gsub("_", "-"),
        }),
      })
    end
    return C.reply(422, C.ordered({ "errors" }, { errors = errors }))
  end
  return e
end

---------------------------------------------------------------------------
-- Query helpers
---------------------------------------------------------------------------


local function positive_int(v)
  local n = C.to_int(C.scalar_arg(v) or "")
  if n and n > 0 then return n end
  return nil
end

-- comma-separated values of a query arg, or nil when absent/empty
local function list_arg(v)
  local s = C.scalar_arg(v)
  if s == nil then return nil end
  local out = {}
  for part in s:gmatch("[^,]+") do
    part = part:match("^%s*(.-)%s*$")
    if part ~= "" then out[#out + 1] = part end
  end
  if #out == 0 then return nil end
  return out
end

local function set_of(list)
  local set = {}
  for _, x in ipairs(list) do set[x] = true end
  return set
end

---------------------------------------------------------------------------
-- Listing: filters, sort, paging, links
---------------------------------------------------------------------------

local SORT_FIELDS = {
  id = function(c) return c.id end,
  name = function(c) return c.name:lower() end,
  slug = function(c) return c.slug end,
  state = function(c) return c.state end,
  ["created-at"] = function(c) return c.created_at end,
  created_at = function(c) return c.created_at end,
  ["state-updated-at"] = function(c) return c.state_updated_at or -1e300 end,
  state_updated_at = function(c) return c.state_updated_at or -1e300 end,
  ["users-count"] = function(c) return c.users_count end,
  users_count = function(c) return c.users_count end,
}

-- Parses ?sort=; returns a list of { key_fn, descending } or nil, bad_field.
local function parse_sort(v)
  local keys = {}
  local s = C.scalar_arg(v)
  if s == nil then return keys end
  for part in s:gmatch("[^,]+") do
    part = part:match("^%s*(.-)%s*$")
    if part ~= "" then
      local desc = part:sub(1, 1) == "-"
      local name = desc and part:sub(2) or part
      local fn = SORT_FIELDS[name]
      if not fn then return nil, part end
      keys[#keys + 1] = { fn, desc }
    end
  end
  return keys
end

local function sort_courses(list, keys)
  sort(list, function(a, b)
    for _, k in ipairs(keys) do
      local x, y = k[1](a), k[1](b)
      if x ~= y then
        if k[2] then return x > y end
        return x < y
      end
    end
    return a.id < b.id
  end)
end

-- filter predicate from the query, nil + "nothing" when a filter can
-- never match
local function course_filter(args)
  local filter = type(args.filter) == "table" and args.filter or {}
  local partners
  local pv = list_arg(filter.partner_id or filter["partner-id"])
  if pv then
    partners = {}
    for _, p in ipairs(pv) do
      local n = C.to_int(p)
      if n then partners[n] = true end
    end
  end
  local states = list_arg(filter.state)
  states = states and set_of(states)
  local tabs = list_arg(args.tab)
  tabs = tabs and set_of(tabs)
  local roles = list_arg(filter.role)
  local role_ok
  if roles then
    local want = set_of(roles)
    role_ok = function(role)
      if (want.student or want.learner) and role == "learner" then return true end
      if want.instructor and TEACHING_ROLES[role] then return true end
      return false
    end
  end
  return function(c)
    if partners and not partners[c.partner_id] then return false end
    if states and not states[c.state] then return false end
    if tabs and not tabs[c.state] then return false end
    if role_ok and not role_ok(c.role) then return false end
    return true
  end
end

-- Rails' Hash#to_query-like encoding of one pair (brackets escaped)
local function query_pair(k, v)
  return ngx.escape_uri(k) .. "=" .. ngx.escape_uri(v)
end

-- Absolute link to page n on the vendor's own host (the doc's quirk):
-- the request's other query args, plus page[number]/page[size], sorted.
local function page_link(req, n, size)
  local pairs_ = {}
  if req.raw_query then
    for piece in req.raw_query:gmatch("[^&]+") do
      local k, v = piece:match("^([^=]*)=?(.*)$")
      k, v = C.unescape(k), C.unescape(v)
      if k ~= "" and k:sub(1, 5) ~= "page[" and k ~= "page" then
        pairs_[#pairs_ + 1] = query_pair(k, v)
      end
    end
  end
  pairs_[#pairs_ + 1] = query_pair("page[number]", format("%d", n))
  pairs_[#pairs_ + 1] = query_pair("page[size]", format("%d", size))
  sort(pairs_)
  return LINK_BASE .. "/courses?" .. concat(pairs_, "&")
end

local function list_courses(req)
  local keys, bad = parse_sort(req.args.sort)
  if not keys then
    return jsonapi_error(400, "'" .. bad .. "' is not a valid sort field")
  end
  local pred = course_filter(req.args)
  local items = {}
  for _, c in pairs(S.courses) do
    if pred(c) then items[#items + 1] = c end
  end
  sort_courses(items, keys)

  local page_arg = type(req.args.page) == "table" and req.args.page or {}
  local size = positive_int(page_arg.size) or M.DEFAULT_PAGE_SIZE
  if size > M.MAX_PAGE_SIZE then size = M.MAX_PAGE_SIZE end
  local number = positive_int(page_arg.number) or 1
  if number > 1e9 then number = 1e9 end
  local total = #items
  local pages = ceil(total / size)

  local first = (number - 1) * size + 1
  if req.next_forever and first > total and pages > 0 then
    first = (pages - 1) * size + 1 -- a server that never ends: the last page again
  end
  local slice = {}
  for i = first, math.min(total, first + size - 1) do slice[#slice + 1] = items[i] end
  local data = C.array()
  for i, c in ipairs(slice) do data[i] = course_json(c) end

  local lkeys, links = { "self" }, { self = page_link(req, number, size) }
  local function add(rel, n)
    lkeys[#lkeys + 1] = rel
    links[rel] = page_link(req, n, size)
  end
  if number > 1 then
    add("first", 1)
    if pages >= 1 then add("prev", math.min(number - 1, pages)) end
  end
  if number < pages or req.next_forever then add("next", number + 1) end
  if pages >= 1 and number ~= pages and not req.next_forever then add("last", pages) end

  local meta = not req.next_forever and C.ordered({ "total-pages", "total-count" }, {
    ["total-pages"] = pages, ["total-count"] = total,
  }) or nil
  return C.reply(200, document(data, included_for(slice), C.ordered(lkeys, links), meta))
end

---------------------------------------------------------------------------
-- Create / update
---------------------------------------------------------------------------

-- Parameters from any accepted body form, with dashed keys normalised
-- to underscores.
local function course_params(body)
  local src = body
  local partner_rel
  if type(body.data) == "table" then
    src = type(body.data.attributes) == "table" and body.data.attributes or {}
    local rel = body.data.relationships
    if type(rel) == "table" and type(rel.partner) == "table"
        and type(rel.partner.data) == "table" then
      partner_rel = rel.partner.data.id
    end
  elseif type(body.course) == "table" then
    src = body.course
  end
  local p = {}
  for k, v in pairs(src) do
    if type(k) == "string" then p[(k:gsub("-", "_"))] = v end
  end
  if p.partner_id == nil and partner_rel ~= nil then p.partner_id = partner_rel end
  return p
end

local function str_value(v)
  if type(v) == "string" then return v end
  if type(v) == "number" then return (C.fmt_decimal(v):gsub("%.0$", "")) end
  return nil
end

-- Rails' parameterize (ASCII): lowercase, runs of other chars -> "-"
local function parameterize(s)
  local out = s:lower():gsub("[^a-z0-9_-]+", "-"):gsub("%-%-+", "-")
  out = out:gsub("^%-+", ""):gsub("%-+$", "")
  if out == "" then out = "course" end
  return out
end

local function check_slug(errs, v, current)
  local s = str_value(v)
  if C.is_blank(v) then
    errs.add("slug", "can't be blank")
  elseif not s or not s:match("^[%w_-]+$") or s:match("^%d+$") then
    errs.add("slug", "is invalid")
  else
    local owner = S.slugs[s]
    if owner and (current == nil or owner ~= current.id) then
      errs.add("slug", "has already been taken")
    else
      return s
    end
  end
  return nil
end

-- Validates p; `current` is the course when updating.  Returns changes
-- or nil, errors.
local function course_changes(p, current)
  local errs = new_errors()
  local ch = {}
  if current == nil or p.name ~= nil then
    local name = str_value(p.name)
    if C.is_blank(p.name) then
      errs.add("name", "can't be blank")
    elseif not name then
      errs.add("name", "is invalid")
    else
      ch.name = name
    end
  end
  if current == nil then
    if C.is_blank(p.partner_id) then
      errs.add("partner_id", "can't be blank")
    else
      local n = C.to_int(p.partner_id)
      if not n then
        errs.add("partner_id", "is not a number")
      elseif n < 1 then
        errs.add("partner_id", "must be greater than 0")
      else
        ch.partner_id = n
      end
    end
  end
  if p.description ~= nil then
    if C.is_null(p.description) then
      ch.description = C.null
    else
      local d = str_value(p.description)
      if not d then errs.add("description", "is invalid") else ch.description = d end
    end
  end
  if p.slug ~= nil and not (current == nil and C.is_null(p.slug)) then
    ch.slug = check_slug(errs, p.slug, current)
  end
  if current ~= nil and p.state ~= nil then
    if type(p.state) ~= "string" or not STATES[p.state] then
      errs.add("state", "is not included in the list")
    else
      ch.state = p.state
    end
  end
  if errs.any() then return nil, errs end
  return ch
end

local function read_params(req)
  local body = C.body(req)
  if not body then
    bad_json()
    return nil
  end
  return course_params(body)
end

local function set_slug(c, slug)
  if c.slug then S.slugs[c.slug] = nil end
  c.slug = slug
  S.slugs[slug] = c.id
end

local function create_course(req)
  local p = read_params(req)
  if not p then return end
  local ch, errs = course_changes(p, nil)
  if not ch then return errs.reply() end
  local id = S.next_id
  local slug = ch.slug
  if not slug then
    slug = parameterize(ch.name)
    if S.slugs[slug] or slug:match("^%d+$") then slug = slug .. "-" .. id end
  end
  local desc = ch.description
  if desc == C.null then desc = nil end
  local c = add_course {
    id = id, name = ch.name, description = desc, slug = slug,
    partner_id = ch.partner_id, image_id = nil, state = "unpublished",
    created_at = now(), users_count = 1, admin_users_count = 1,
    student_users_count = 0, ic_items_count = nil, assignments_count = 0,
    role = "instructor", settings = default_settings(), progress = 0,
    percent_started = 0, payment_required = false,
  }
  return C.reply(201, course_document(c))
end

local function find_course(key)
  if key:match("^%d+$") then
    if #key > 15 then return nil end
    return S.courses[tonumber(key)]
  end
  local id = S.slugs[key]
  return id and S.courses[id]
end

local function course_not_found(key)
  return not_found("Couldn't find Course with 'id'=" .. key)
end

local function show_course(_, key)
  local c = find_course(key)
  if not c then return course_not_found(key) end
  return C.reply(200, course_document(c))
end

local function update_course(req, key)
  local c = find_course(key)
  if not c then return course_not_found(key) end
  local p = read_params(req)
  if not p then return end
  local ch, errs = course_changes(p, c)
  if not ch then return errs.reply() end
  if ch.name then c.name = ch.name end
  if ch.description == C.null then
    c.description = nil
  elseif ch.description then
    c.description = ch.description
  end
  if ch.slug and ch.slug ~= c.slug then set_slug(c, ch.slug) end
  if ch.state and ch.state ~= c.state then
    c.state = ch.state
    c.state_updated_at = now()
  end
  return C.reply(200, course_document(c))
end

local function delete_course(_, key)
  local c = find_course(key)
  if not c then return course_not_found(key) end
  if c.state ~= "unpublished" and c.state ~= "archived" then
    return C.reply(422, C.ordered({ "errors" }, {
      errors = C.array {
        C.ordered({ "status", "title", "detail", "source" }, {
          status = "422", title = STATUS_TITLES[422],
          detail = "A course must be unpublished or archived to be deleted",
          source = C.ordered({ "pointer" }, { pointer = "/data/attributes/state" }),
        }),
      },
    }))
  end
  S.courses[c.id] = nil
  S.slugs[c.slug] = nil
  return C.no_content()
end

---------------------------------------------------------------------------
-- Images
---------------------------------------------------------------------------

local function show_image(_, key)
  local img = key:match("^%d+$") and #key < 16 and S.images[tonumber(key)]
  if not img then return not_found("Couldn't find Image with 'id'=" .. key) end
  return C.reply(200, document(image_json(img)))
end

---------------------------------------------------------------------------
-- Echo (no auth)
---------------------------------------------------------------------------

local function echo(req)
  local body = C.body(req)
  if not body then return bad_json() end
  local raw = C.raw_body(req)
  local ctype = (ngx.var.content_type or ""):lower()
  local is_form = ctype:find("application/x-www-form-urlencoded", 1, true)
    or (not ctype:find("json", 1, true) and raw and not raw:match("^%s*[%[{\"]"))
  if raw and not raw:match("^%s*$") and not is_form then
    -- valid JSON (C.body checked it): send it back as it came
    return C.reply_raw(200, raw)
  end
  return C.reply(200, setmetatable(body, OBJECT_MT))
end

---------------------------------------------------------------------------
-- Routing
---------------------------------------------------------------------------

local ROUTES = {
  courses = {
    collection = { GET = list_courses, POST = create_course },
    member = { GET = show_course, PUT = update_course, PATCH = update_course,
               DELETE = delete_course },
  },
  images = {
    member = { GET = show_image },
  },
}

local METHOD_ORDER = { "GET", "POST", "PUT", "PATCH", "DELETE" }

local function allowed(tbl)
  local out = {}
  for _, m in ipairs(METHOD_ORDER) do
    if tbl[m] then out[#out + 1] = m end
  end
  return out
end

local function authorized()
  local h = ngx.req.get_headers()["authorization"]
  if type(h) ~= "string" then return false end
  local scheme, token = h:match("^%s*(%S+)%s+(%S+)%s*$")
  return scheme ~= nil and scheme:lower() == "bearer" and token == M.TOKEN
end

function M.handle(req)
  local segs = req.segs
  local method = req.method
  if method == "HEAD" then method = "GET" end
  if segs[1] ~= "api" then return not_found() end
  if segs[2] == "echo" and #segs == 2 then
    if method ~= "POST" then return method_not_allowed({ "POST" }) end
    return echo(req)
  end
  if segs[2] ~= "v3" or #segs < 3 or #segs > 4 then return not_found() end
  local route = ROUTES[segs[3]]
  if not route then return not_found() end
  local handlers = (#segs == 3) and route.collection or route.member
  if not handlers then return not_found() end
  local fn = handlers[method]
  if not fn then return method_not_allowed(allowed(handlers)) end
  if not authorized() then
    return jsonapi_error(401, "A valid bearer token is required (Authorization: Bearer <token>)",
      { ["WWW-Authenticate"] = 'Bearer realm="Cerego"' })
  end
  return fn(req, segs[4])
end

---------------------------------------------------------------------------
-- Control API: /_sandbox/cerego/...
---------------------------------------------------------------------------

function M.control(req, rest)
  if rest[1] == "seed" and #rest == 1 then
    if req.method ~= "POST" then return C.method_not_allowed({ "POST" }) end
    -- JSON whatever the Content-Type (curl -d sends a form type)
    local raw = C.raw_body(req)
    local body
    if raw and raw:match("^%s*{") then
      body = C.decode(raw)
      if type(body) ~= "table" then return C.invalid_json() end
    else
      body = C.body(req)
      if not body then return C.invalid_json() end
    end
    local n = C.to_int(body.courses or 0)
    if not n or n < 0 or n > M.MAX_SEED then
      return C.error(400, "courses must be an integer between 0 and " .. M.MAX_SEED)
    end
    local partner = C.to_int(body.partner_id or 10)
    if not partner or partner < 1 then return C.error(400, "partner_id must be an integer >= 1") end
    local t = now()
    local first_id, last_id
    for i = 1, n do
      local id = S.next_id
      local slug = "seed-course-" .. id
      if S.slugs[slug] then slug = slug .. "-" .. i end
      add_course {
        id = id, name = "Seed course " .. i, description = "Seeded course " .. i,
        slug = slug, partner_id = partner, image_id = nil,
        state = "published", created_at = t, role = "instructor",
      }
      first_id = first_id or tostring(id)
      last_id = tostring(id)
    end
    return C.reply(200, C.ordered({ "ok", "count", "first_id", "last_id" },
      { ok = true, count = n, first_id = first_id, last_id = last_id }))
  end
  return C.not_found()
end

return M
