-- sandbox.coursepath: stateful simulator of the Coursepath API v1
-- (vendor doc: shared/vendor-docs/coursepath-v1.txt).
--
-- Mounted by the router under /coursepath: the client's "academy URL" is
-- https://127.0.0.1:<port>/coursepath and the doc's /api/v1/... paths are
-- below it.  State lives in module-level tables (one nginx worker);
-- reset() restores the seed fixtures.
--
-- Auth: "Authorization: Bearer <JWT>", HS256 only, signed with
-- M.SECRET (lmskit.sandbox_credentials: coursepath.secret; sandbox.jwt:
-- HMAC-SHA256 from libcrypto via FFI, CRYPTO_memcmp, ngx.base64).
--
-- Decisions where the doc is silent or unclear:
--
-- * Check order: path not under /api/v1 or unknown route -> 404
--   {"error":"not found"}; known route, wrong method -> 405
--   {"error":"method not allowed"} + Allow; then auth -> 401
--   {"error":"<reason>"}; a non-numeric id -> 404; then the admin check ->
--   403 {"error":"admin role required"} (before any id lookup, so a
--   learner cannot probe ids); body that is not valid JSON -> 400
--   {"error":"invalid JSON"}; unknown ids -> 404 {"error":"not found"};
--   validation -> 422 {"error":"<message>"} (first failing check only).
--   HEAD is GET; one trailing slash is tolerated.
-- * JWT checks, in order, each -> 401 with this reason:
--   no/other-scheme Authorization -> "missing bearer token" (the scheme
--   "Bearer" is matched case-insensitively; two Authorization headers ->
--   "multiple authorization headers"); not three dot-separated parts ->
--   "malformed token"; header not base64url (unpadded, as JWS requires)
--   JSON object -> "malformed token header"; alg not exactly "HS256"
--   (including "none", "hs256", "HS512") -> "unsupported alg"; the typ
--   header is ignored; signature wrong or not 32 bytes -> "invalid
--   signature"; payload not a JSON object -> "malformed token payload";
--   jti absent/null -> "missing jti", not a non-empty string or a number
--   -> "invalid jti"; iat absent -> "missing iat", not a number ->
--   "invalid iat" (fractional seconds are allowed); now - iat > max_age
--   (default 120 s) -> "token expired"; iat - now > max_future (default
--   60 s) -> "token issued in the future"; email absent -> "missing
--   email", not a non-empty string -> "invalid email"; no member with
--   that email (case-insensitive) -> "unknown member"; member not active
--   -> "member inactive"; jti seen before -> "jti already used".  A jti is
--   recorded only when the whole check passes (a refused token does not
--   burn its jti).  The string jti "5" and the number 5 are different
--   jtis.  Used jtis are kept until reset (never pruned, so changing
--   max_age cannot reopen a replay window).  exp, nbf, aud and any other
--   claims are ignored.
-- * Permissions: any active member may call every GET.  Admin-only (403
--   for a learner): POST /members, POST /members/{id}, POST
--   /courses/{id}/members, POST /programs/{id}/members, all three invite
--   calls, POST and DELETE /members/{id}/groups.  Course/program
--   enrollment (POST/DELETE coursemember, programmember) is allowed for
--   an admin, or for a learner acting on her own member id.
-- * Params: the query string and the body are merged (body wins).
--   Bodies may be JSON (an object) or form-encoded; with no or an unknown
--   Content-Type the body is sniffed (sandbox.common).  mail overrides
--   may be sent as {"mail":{"subject":..}}, as form mail[subject]=.., or
--   as flat JSON keys "mail[subject]".  Repeated form keys: the last
--   wins.  String fields accept strings and numbers (numbers are stored
--   as strings); other types -> 422 "<field> must be a string".  Unknown
--   params are ignored.
-- * Members: email is required on create (422 "email is required"), must
--   contain one "@" with text on both sides (422 "email is invalid"), and
--   is unique case-insensitively (422 "email already exists"); it is
--   stored trimmed, as given.  name missing/blank -> derived from the
--   email's local part: split on . _ - +, each word capitalised
--   ("john.smith@x" -> "John Smith").  role: "admin" | "learner"
--   (default learner; other -> 422 "role is invalid").  active: boolean
--   (true/false/1/0/"true"/..., default true; other -> 422 "active is
--   invalid").  On update only the given fields change; null or "" clears
--   an optional field, and a blank name is derived again from the email.
--   Create -> 201 + member; update -> 200 + member.  No delete endpoint
--   exists, so ids are never reused.  An inactive member is still listed
--   and can be invited, but cannot authenticate.
-- * POST /courses/{id}/members and /programs/{id}/members: an existing
--   member with that email (case-insensitive) is reused unchanged (other
--   params ignored) -> 200 + member; otherwise the member is created
--   (same validation as POST /members) -> 201 + member.  Either way the
--   member ends up enrolled as learner; an existing enrollment (and its
--   results) is kept.
-- * Enrollments: POST coursemember -> 201 + coursemember when new, 200 +
--   the existing one (results kept) when already enrolled.  GET/DELETE of
--   a member who is not enrolled -> 404.  DELETE -> 204 and forgets the
--   results (a new enrollment starts with null results).  Program
--   memberships work the same (201/200, 204, 404) and are independent of
--   course memberships (joining a program enrolls in no course).  The
--   doc has no call to record results: tests set them with the control
--   call POST /_sandbox/coursepath/results.  The doc has no programs
--   listing either: GET /_sandbox/coursepath/programs shows them.
-- * Invites: the member (and course/program) must exist, and for the
--   course/program forms the member must be enrolled there, else 404.
--   Nothing else changes (no activation).  -> 200 + the invite record,
--   which is also appended to the invite log (GET
--   /_sandbox/coursepath/invites).  mail values must be strings (422
--   "mail[subject] must be a string"); an absent or "" value means "no
--   override" and is logged as null.
-- * Groups: identified by exact (case-sensitive, trimmed) name.  POST
--   /members/{id}/groups requires name (422 "name is required"), creates
--   the group when missing, and is idempotent -> 200 + the group.  DELETE
--   /members/{id}/groups takes name from the query or the body; with a
--   name it leaves that group, without one it leaves every group; always
--   204, also when the member was not in the group or the group does not
--   exist.  Empty groups are kept.
-- * Paging: offset (default 0) and limit (default = max) from the query
--   string.  Max/default per endpoint: 100 for member lists (/members,
--   /courses/{id}/members, /groups/{id}/members); 250 for course lists
--   (/courses, /members/{id}/courses); 500 for group lists (/groups,
--   /members/{id}/groups).  limit above the max is clamped to it.  A
--   non-integer or negative offset, or a limit that is not an integer
--   >= 1 -> 400 {"error":"offset must be an integer >= 0"} / {"error":
--   "limit must be an integer >= 1"}.  Lists are plain JSON arrays (no
--   wrapper object, no paging headers), in ascending id order: a client
--   pages until it gets a page shorter than its limit.
-- * Filters (member lists): email (case-insensitive), company,
--   department, country, externalId, association, identification,
--   registration: exact string match; an empty filter value is ignored.
--   Several filters combine with AND.
-- * JSON field names (camelCase; timestamps ISO 8601 UTC, second
--   resolution, "2024-01-01T00:00:00Z"; absent values are null):
--   member   {id, email, name, company, department, country, externalId,
--             association, identification, registration, role, active,
--             createdDate}
--   course   {id, name, description, createdDate}
--   coursemember {courseId, memberId, role, enrolledDate, score, success,
--             completedDate, certificate}  (score: number|null, success:
--             boolean|null, certificate: URL string|null; role "learner")
--   programmember {programId, memberId, role, enrolledDate}
--   group    {id, name}
--   invite   {id, type ("member"|"course"|"program"), memberId, email,
--             courseId, programId, mail {subject, body, action},
--             invitedBy (acting member id), sentDate}
--
-- Control (no auth): POST /_sandbox/coursepath/config {"max_age": s,
-- "max_future": s} (GET shows it); GET/DELETE /_sandbox/coursepath/invites;
-- POST /_sandbox/coursepath/seed {"members": N, "courses": N, "groups": N}
-- (any subset; members "seed<k>@sandbox.example", courses "Seed course
-- <id>", groups "Seed group <id>", each after the existing ones); POST
-- /_sandbox/coursepath/results; GET /_sandbox/coursepath/programs.

local C = require "sandbox.common"
local CRED = require "lmskit.sandbox_credentials"
local jwt = require "sandbox.jwt"

local ngx = ngx
local type, pairs, ipairs, tostring, tonumber = type, pairs, ipairs, tostring, tonumber
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

local S   -- simulator state, see M.reset()
local CFG -- auth settings (control: config)

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
  local id = S.next_member
  S.next_member = id + 1
  local m = {
    id = id, email = f.email, name = f.name or name_from_email(f.email),
    role = f.role or "learner", created = f.created or now(),
  }
  if f.active == nil then m.active = true else m.active = f.active end
  for _, k in ipairs(OPTIONAL_FIELDS) do m[k] = f[k] end
  S.members[id] = m
  return m
end

local function enroll_course(cid, mid, ts)
  local cm = S.cms[cid][mid]
  if cm then return cm, false end
  cm = { course_id = cid, member_id = mid, role = "learner", enrolled = ts or now() }
  S.cms[cid][mid] = cm
  return cm, true
end

local function enroll_program(pid, mid, ts)
  local pm = S.pms[pid][mid]
  if pm then return pm, false end
  pm = { program_id = pid, member_id = mid, role = "learner", enrolled = ts or now() }
  S.pms[pid][mid] = pm
  return pm, true
end

local function find_group(name)
  for id = 1, S.next_group - 1 do
    local g = S.groups[id]
    if g and g.name == name then return g end
  end
  return nil
end

local function add_group(name)
  local id = S.next_group
  S.next_group = id + 1
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
  S = {
    members = {}, next_member = 1, next_seed = 1,
    courses = {}, programs = {},
    cms = {},  -- cms[course_id][member_id] = course membership + results
    pms = {},  -- pms[program_id][member_id] = program membership
    groups = {}, next_group = 1,
    invites = {}, next_invite = 1,
    jtis = {},
  }
  CFG = { max_age = M.DEFAULT_MAX_AGE, max_future = M.DEFAULT_MAX_FUTURE }
  seed()
end

M.reset()

---------------------------------------------------------------------------
-- JSON views
---------------------------------------------------------------------------

local function member_json(m)
  local v = {
    id = m.id, email = m.email, name = m.name, role = m.role,
    active = m.active, createdDate = iso(m.created),
  }
  for _, k in ipairs(OPTIONAL_FIELDS) do v[k] = m[k] end
  return C.ordered(MEMBER_KEYS, v)
end

local function course_json(c)
  return C.ordered(COURSE_KEYS, {
    id = c.id, name = c.name, description = c.description, createdDate = iso(c.created),
  })
end

local function cm_json(cm)
  return C.ordered(CM_KEYS, {
    courseId = cm.course_id, memberId = cm.member_id, role = cm.role,
    enrolledDate = iso(cm.enrolled), score = cm.score, success = cm.success,
    completedDate = iso(cm.completed), certificate = cm.certificate,
  })
end

local function pm_json(pm)
  return C.ordered(PM_KEYS, {
    programId = pm.program_id, memberId = pm.member_id, role = pm.role,
    enrolledDate = iso(pm.enrolled),
  })
end

local function group_json(g)
  return C.ordered(GROUP_KEYS, { id = g.id, name = g.name })
end

local function invite_json(i)
  return C.ordered(INVITE_KEYS, {
    id = i.id, type = i.type, memberId = i.member_id, email = i.email,
    courseId = i.course_id, programId = i.program_id,
    mail = C.ordered(MAIL_KEYS, { subject = i.subject, body = i.body, action = i.action }),
    invitedBy = i.invited_by, sentDate = iso(i.sent),
  })
end

---------------------------------------------------------------------------
-- Request helpers
---------------------------------------------------------------------------

local function not_found()
  return C.error(404, "not found")
end

local function unprocessable(msg)
  return C.error(422, msg)
end

-- Last value of a possibly repeated param.
local function last(v)
  if type(v) == "table" and v[1] ~= nil then return v[#v] end
  return v
end

-- A string param: returns value, err.  value is nil (absent), false
-- (null or blank: clear) or a trimmed non-empty string.
local function str_param(p, key)
  local v = last(p[key])
  if v == nil then return nil end
  if v == C.null then return false end
  if type(v) == "number" then
    if v == math.floor(v) and v > -2^53 and v < 2^53 then
      v = format("%d", v)
    else
      v = tostring(v)
    end
  end
  if type(v) ~= "string" then return nil, key .. " must be a string" end
  v = trim(v)
  if v == "" then return false end
  return v
end

-- Query args merged with the body (body wins).  Replies 400 and returns
-- nil on invalid JSON.
local function params(req)
  local body = C.body(req)
  if not body then
    C.error(400, "invalid JSON")
    return nil
  end
  local p = {}
  for k, v in pairs(req.args) do p[k] = v end
  for k, v in pairs(body) do p[k] = v end
  return p
end

local function paging(req, max)
  local offset, limit = 0, max
  local o = last(req.args.offset)
  if o ~= nil and o ~= "" then
    offset = C.to_int(o)
    if not offset or offset < 0 then
      C.error(400, "offset must be an integer >= 0")
      return nil
    end
  end
  local l = last(req.args.limit)
  if l ~= nil and l ~= "" then
    limit = C.to_int(l)
    if not limit or limit < 1 then
      C.error(400, "limit must be an integer >= 1")
      return nil
    end
    if limit > max then limit = max end
  end
  return offset, limit
end

-- Replies with items[offset+1 .. offset+limit] rendered by view.
local function list(req, items, max, view)
  local offset, limit = paging(req, max)
  if not offset then return end
  local out = C.array()
  for i = offset + 1, math.min(#items, offset + limit) do
    out[#out + 1] = view(items[i])
  end
  return C.reply(200, out)
end


local function course_count()
  return #S.courses
end

-- Member filters from the query string.
local function member_filter(req)
  local wanted = {}
  for _, k in ipairs(FILTERS) do
    local v = last(req.args[k])
    if type(v) == "string" and v ~= "" then wanted[k] = v end
  end
  local email = last(req.args.email)
  if type(email) ~= "string" or email == "" then email = nil else email = email:lower() end
  return function(m)
    if email and m.email:lower() ~= email then return false end
    for k, v in pairs(wanted) do
      if m[k] ~= v then return false end
    end
    return true
  end
end

local function is_admin(actor)
  return actor.role == "admin"
end

local function forbidden()
  return C.error(403, "admin role required")
end

---------------------------------------------------------------------------
-- Member validation (create and update)
---------------------------------------------------------------------------

-- Reads member fields from p.  creating: email required.  self: the
-- member being updated (for the uniqueness check).  Returns fields or
-- nil, message.
local function member_fields(p, creating, self)
  local f = {}
  local email, err = str_param(p, "email")
  if err then return nil, err end
  if creating and not email then return nil, "email is required" end
  if email == false then return nil, "email is required" end
  if email then
    if not email:match("^[^@%s]+@[^@%s]+$") then return nil, "email is invalid" end
    local other = find_member_by_email(email)
    if other and other ~= self then return nil, "email already exists" end
    f.email = email
  end
  local name
  name, err = str_param(p, "name")
  if err then return nil, err end
  f.name = name
  local role
  role, err = str_param(p, "role")
  if err then return nil, err end
  if role ~= nil then
    if role ~= "admin" and role ~= "learner" then return nil, "role is invalid" end
    f.role = role
  end
  local a = last(p.active)
  if a ~= nil and a ~= C.null and a ~= "" then
    local b = C.to_bool(a)
    if b == nil then return nil, "active is invalid" end
    f.active = b
  end
  for _, k in ipairs(OPTIONAL_FIELDS) do
    local v
    v, err = str_param(p, k)
    if err then return nil, err end
    f[k] = v
  end
  return f
end

local function create_member_from(f)
  local fields = { email = f.email, role = f.role, active = f.active }
  if f.name then fields.name = f.name end
  for _, k in ipairs(OPTIONAL_FIELDS) do
    if f[k] then fields[k] = f[k] end
  end
  return add_member(fields)
end

---------------------------------------------------------------------------
-- Handlers: fn(req, actor, ids...)
---------------------------------------------------------------------------

local H = {}

-- Courses

function H.list_courses(req)
  return list(req, C.in_id_order(S.courses, course_count() + 1), LIMIT_COURSES, course_json)
end

function H.show_course(_, _, cid)
  local c = S.courses[cid]
  if not c then return not_found() end
  return C.reply(200, course_json(c))
end

function H.member_courses(req, _, mid)
  if not S.members[mid] then return not_found() end
  local items = C.in_id_order(S.courses, course_count() + 1, function(c)
    return S.cms[c.id][mid] ~= nil
  end)
  return list(req, items, LIMIT_COURSES, course_json)
end

-- Members

function H.me(_, actor)
  return C.reply(200, member_json(actor))
end

function H.show_member(_, _, mid)
  local m = S.members[mid]
  if not m then return not_found() end
  return C.reply(200, member_json(m))
end

function H.list_members(req)
  return list(req, C.in_id_order(S.members, S.next_member, member_filter(req)), LIMIT_MEMBERS, member_json)
end

function H.course_members(req, _, cid)
  if not S.courses[cid] then return not_found() end
  local filter = member_filter(req)
  local items = C.in_id_order(S.members, S.next_member, function(m)
    return S.cms[cid][m.id] ~= nil and filter(m)
  end)
  return list(req, items, LIMIT_MEMBERS, member_json)
end

function H.create_member(req, actor)
  if not is_admin(actor) then return forbidden() end
  local p = params(req)
  if not p then return end
  local f, err = member_fields(p, true)
  if not f then return unprocessable(err) end
  return C.reply(201, member_json(create_member_from(f)))
end

function H.update_member(req, actor, mid)
  if not is_admin(actor) then return forbidden() end
  local p = params(req)
  if not p then return end
  local m = S.members[mid]
  if not m then return not_found() end
  local f, err = member_fields(p, false, m)
  if not f then return unprocessable(err) end
  if f.email then m.email = f.email end
  if f.name then
    m.name = f.name
  elseif f.name == false then
    m.name = name_from_email(m.email)
  end
  if f.role then m.role = f.role end
  if f.active ~= nil then m.active = f.active end
  for _, k in ipairs(OPTIONAL_FIELDS) do
    if f[k] == false then
      m[k] = nil
    elseif f[k] ~= nil then
      m[k] = f[k]
    end
  end
  return C.reply(200, member_json(m))
end

-- Creates or reuses a member by email; returns member, created or nil
-- after replying with an error.
local function create_or_reuse(p)
  local email, err = str_param(p, "email")
  if err then unprocessable(err) return nil end
  if not email then unprocessable("email is required") return nil end
  local m = find_member_by_email(email)
  if m then return m, false end
  local f
  f, err = member_fields(p, true)
  if not f then unprocessable(err) return nil end
  return create_member_from(f), true
end

function H.create_course_member(req, actor, cid)
  if not is_admin(actor) then return forbidden() end
  local p = params(req)
  if not p then return end
  if not S.courses[cid] then return not_found() end
  local m, created = create_or_reuse(p)
  if not m then return end
  enroll_course(cid, m.id)
  return C.reply(created and 201 or 200, member_json(m))
end

function H.create_program_member(req, actor, pid)
  if not is_admin(actor) then return forbidden() end
  local p = params(req)
  if not p then return end
  if not S.programs[pid] then return not_found() end
  local m, created = create_or_reuse(p)
  if not m then return end
  enroll_program(pid, m.id)
  return C.reply(created and 201 or 200, member_json(m))
end

-- Course enrollment

function H.show_cm(_, _, cid, mid)
  local cm = S.cms[cid] and S.cms[cid][mid]
  if not cm then return not_found() end
  return C.reply(200, cm_json(cm))
end

function H.enroll_cm(_, actor, cid, mid)
  if not is_admin(actor) and actor.id ~= mid then return forbidden() end
  if not S.courses[cid] or not S.members[mid] then return not_found() end
  local cm, created = enroll_course(cid, mid)
  return C.reply(created and 201 or 200, cm_json(cm))
end

function H.delete_cm(_, actor, cid, mid)
  if not is_admin(actor) and actor.id ~= mid then return forbidden() end
  if not (S.cms[cid] and S.cms[cid][mid]) then return not_found() end
  S.cms[cid][mid] = nil
  return C.no_content()
end

-- Program enrollment

function H.enroll_pm(_, actor, pid, mid)
  if not is_admin(actor) and actor.id ~= mid then return forbidden() end
  if not S.programs[pid] or not S.members[mid] then return not_found() end
  local pm, created = enroll_program(pid, mid)
  return C.reply(created and 201 or 200, pm_json(pm))
end

function H.delete_pm(_, actor, pid, mid)
  if not is_admin(actor) and actor.id ~= mid then return forbidden() end
  if not (S.pms[pid] and S.pms[pid][mid]) then return not_found() end
  S.pms[pid][mid] = nil
  return C.no_content()
end

-- Invites

local function mail_overrides(p)
  local mail = p.mail
  if type(mail) ~= "table" or mail[1] ~= nil then mail = {} end
  local out = {}
  for _, k in ipairs(MAIL_KEYS) do
    local v = mail[k]
    if v == nil then v = p["mail[" .. k .. "]"] end
    v = last(v)
    if v ~= nil and v ~= C.null then
      if type(v) ~= "string" then return nil, "mail[" .. k .. "] must be a string" end
      if v ~= "" then out[k] = v end
    end
  end
  return out
end

local function invite(req, actor, kind, mid, cid, pid)
  if not is_admin(actor) then return forbidden() end
  local p = params(req)
  if not p then return end
  local m = S.members[mid]
  if not m then return not_found() end
  if kind == "course" and not (S.cms[cid] and S.cms[cid][mid]) then return not_found() end
  if kind == "program" and not (S.pms[pid] and S.pms[pid][mid]) then return not_found() end
  local mail, err = mail_overrides(p)
  if not mail then return unprocessable(err) end
  local id = S.next_invite
  S.next_invite = id + 1
  local i = {
    id = id, type = kind, member_id = mid, email = m.email,
    course_id = cid, program_id = pid,
    subject = mail.subject, body = mail.body, action = mail.action,
    invited_by = actor.id, sent = now(),
  }
  S.invites[#S.invites + 1] = i
  return C.reply(200, invite_json(i))
end

function H.invite_member(req, actor, mid)
  return invite(req, actor, "member", mid)
end

function H.invite_course(req, actor, cid, mid)
  return invite(req, actor, "course", mid, cid)
end

function H.invite_program(req, actor, pid, mid)
  return invite(req, actor, "program", mid, nil, pid)
end

-- Groups

function H.list_groups(req)
  return list(req, C.in_id_order(S.groups, S.next_group), LIMIT_GROUPS, group_json)
end

function H.group_members(req, _, gid)
  local g = S.groups[gid]
  if not g then return not_found() end
  local items = C.in_id_order(S.members, S.next_member, function(m) return g.members[m.id] end)
  return list(req, items, LIMIT_MEMBERS, member_json)
end

function H.member_groups(req, _, mid)
  if not S.members[mid] then return not_found() end
  local items = C.in_id_order(S.groups, S.next_group, function(g) return g.members[mid] end)
  return list(req, items, LIMIT_GROUPS, group_json)
end

function H.add_to_group(req, actor, mid)
  if not is_admin(actor) then return forbidden() end
  local p = params(req)
  if not p then return end
  if not S.members[mid] then return not_found() end
  local name, err = str_param(p, "name")
  if err then return unprocessable(err) end
  if not name then return unprocessable("name is required") end
  local g = find_group(name) or add_group(name)
  g.members[mid] = true
  return C.reply(200, group_json(g))
end

function H.remove_from_groups(req, actor, mid)
  if not is_admin(actor) then return forbidden() end
  local p = params(req)
  if not p then return end
  if not S.members[mid] then return not_found() end
  local name, err = str_param(p, "name")
  if err then return unprocessable(err) end
  if name then
    local g = find_group(name)
    if g then g.members[mid] = nil end
  else
    for _, g in pairs(S.groups) do g.members[mid] = nil end
  end
  return C.no_content()
end

---------------------------------------------------------------------------
-- Authentication
---------------------------------------------------------------------------

local function jti_key(jti)
  if type(jti) == "string" and jti ~= "" then return "s:" .. jti end
  if type(jti) == "number" and jti == jti and jti ~= math.huge and jti ~= -math.huge then
    return "n:" .. format("%.17g", jti)
  end
  return nil
end

-- Returns the acting member, or nil and the reason.
local function authenticate()
  local h = ngx.req.get_headers()["authorization"]
  if type(h) == "table" then return nil, "multiple authorization headers" end
  if type(h) ~= "string" then return nil, "missing bearer token" end
  local token = h:match("^%s*[Bb][Ee][Aa][Rr][Ee][Rr]%s+(%S+)%s*$")
  if not token then return nil, "missing bearer token" end
  local header, claims = jwt.verify_hs256(token, M.SECRET)
  if not header then return nil, claims end

  local jti = claims.jti
  if C.is_null(jti) then return nil, "missing jti" end
  local key = jti_key(jti)
  if not key then return nil, "invalid jti" end

  local iat = claims.iat
  if C.is_null(iat) then return nil, "missing iat" end
  if type(iat) ~= "number" or iat ~= iat then return nil, "invalid iat" end
  local current = ngx.now()
  if current - iat > CFG.max_age then return nil, "token expired" end
  if iat - current > CFG.max_future then return nil, "token issued in the future" end

  local email = claims.email
  if C.is_null(email) then return nil, "missing email" end
  if type(email) ~= "string" or email == "" then return nil, "invalid email" end
  local m = find_member_by_email(email)
  if not m then return nil, "unknown member" end
  if not m.active then return nil, "member inactive" end

  if S.jtis[key] then return nil, "jti already used" end
  S.jtis[key] = true
  return m
end

---------------------------------------------------------------------------
-- Routing
---------------------------------------------------------------------------

-- Patterns below /api/v1; ":x" is a numeric id.  First match wins.
local ROUTES = {
  { { "courses" }, { GET = H.list_courses } },
  { { "courses", ":id" }, { GET = H.show_course } },
  { { "courses", ":id", "members" }, { GET = H.course_members, POST = H.create_course_member } },
  { { "courses", ":id", "members", ":id", "coursemember" },
    { GET = H.show_cm, POST = H.enroll_cm, DELETE = H.delete_cm } },
  { { "courses", ":id", "members", ":id", "invite" }, { POST = H.invite_course } },
  { { "members" }, { GET = H.list_members, POST = H.create_member } },
  { { "members", "me" }, { GET = H.me } },
  { { "members", ":id" }, { GET = H.show_member, POST = H.update_member } },
  { { "members", ":id", "courses" }, { GET = H.member_courses } },
  { { "members", ":id", "invite" }, { POST = H.invite_member } },
  { { "members", ":id", "groups" },
    { GET = H.member_groups, POST = H.add_to_group, DELETE = H.remove_from_groups } },
  { { "programs", ":id", "members" }, { POST = H.create_program_member } },
  { { "programs", ":id", "members", ":id", "programmember" },
    { POST = H.enroll_pm, DELETE = H.delete_pm } },
  { { "programs", ":id", "members", ":id", "invite" }, { POST = H.invite_program } },
  { { "groups" }, { GET = H.list_groups } },
  { { "groups", ":id", "members" }, { GET = H.group_members } },
}

local METHOD_ORDER = { "GET", "POST", "DELETE" }

local function match(pattern, segs)
  if #pattern ~= #segs then return nil end
  local ids = {}
  for i, p in ipairs(pattern) do
    local s = segs[i]
    if p == ":id" then
      if s == "" then return nil end
      ids[#ids + 1] = s
    elseif p ~= s then
      return nil
    end
  end
  return ids
end

local function allowed(handlers)
  local out = {}
  for _, m in ipairs(METHOD_ORDER) do
    if handlers[m] then out[#out + 1] = m end
  end
  return out
end

-- req.segs: decoded path segments below the /coursepath prefix.
function M.handle(req)
  local segs = req.segs
  if segs[1] ~= "api" or segs[2] ~= "v1" or #segs < 3 then return not_found() end
  local rest = {}
  for i = 3, #segs do rest[#rest + 1] = segs[i] end
  local handlers, raw_ids
  for _, r in ipairs(ROUTES) do
    raw_ids = match(r[1], rest)
    if raw_ids then handlers = r[2] break end
  end
  if not handlers then return not_found() end
  local method = req.method
  if method == "HEAD" then method = "GET" end
  local fn = handlers[method]
  if not fn then
    return C.error(405, "method not allowed", { Allow = concat(allowed(handlers), ", ") })
  end
  local actor, reason = authenticate()
  if not actor then return C.error(401, reason) end
  local ids = {}
  for i, s in ipairs(raw_ids) do
    if not s:match("^%d+$") or #s > 15 then return not_found() end
    ids[i] = tonumber(s)
  end
  return fn(req, actor, ids[1], ids[2])
end

---------------------------------------------------------------------------
-- Control API: /_sandbox/coursepath/...
---------------------------------------------------------------------------

local function ok(keys, vals)
  local k = { "ok" }
  for _, x in ipairs(keys or {}) do k[#k + 1] = x end
  vals = vals or {}
  vals.ok = true
  return C.reply(200, C.ordered(k, vals))
end

local function config_json()
  return ok({ "max_age", "max_future" }, { max_age = CFG.max_age, max_future = CFG.max_future })
end

local function control_config(req)
  if req.method == "GET" then return config_json() end
  if req.method ~= "POST" then return C.method_not_allowed({ "GET", "POST" }) end
  local body = C.body(req)
  if not body then return C.invalid_json() end
  local new = {}
  for _, k in ipairs({ "max_age", "max_future" }) do
    local v = body[k]
    if not C.is_null(v) then
      local n = C.to_int(v)
      if not n or n < 0 then
        return C.error(400, k .. " must be an integer >= 0")
      end
      new[k] = n
    end
  end
  for k, v in pairs(new) do CFG[k] = v end
  return config_json()
end

local function control_invites(req)
  if req.method == "DELETE" then
    S.invites = {}
    return ok()
  end
  if req.method ~= "GET" then return C.method_not_allowed({ "GET", "DELETE" }) end
  local out = C.array()
  for i, inv in ipairs(S.invites) do out[i] = invite_json(inv) end
  return C.reply(200, C.ordered({ "invites" }, { invites = out }))
end

-- A count from the seed body (0 when absent); nil and the 400 reply when invalid.
local function seed_count(body, name)
  local v = body[name]
  if v == nil then return 0 end
  local n = C.to_int(v)
  if not n or n < 0 or n > M.MAX_SEED then
    return nil, C.error(400, name .. " must be an integer between 0 and " .. M.MAX_SEED)
  end
  return n
end

local function control_seed(req)
  if req.method ~= "POST" then return C.method_not_allowed({ "POST" }) end
  local body = C.body(req)
  if not body then return C.invalid_json() end
  local counts = {}
  for _, name in ipairs({ "members", "courses", "groups" }) do
    local n, failed = seed_count(body, name)
    if not n then return failed end
    counts[name] = n
  end
  local first_id, last_id
  for _ = 1, counts.members do
    local k = S.next_seed
    S.next_seed = k + 1
    local email = format("seed%d@sandbox.example", k)
    while find_member_by_email(email) do
      k = S.next_seed
      S.next_seed = k + 1
      email = format("seed%d@sandbox.example", k)
    end
    local m = add_member({
      email = email, name = format("Seed Learner %d", k), role = "learner",
      company = "Seed Company", department = (k % 2 == 0) and "Seed Even" or "Seed Odd",
      externalId = format("ext-seed-%d", k),
    })
    first_id = first_id or m.id
    last_id = m.id
  end
  local keys, vals = { "count", "first_id", "last_id" }, { count = counts.members, first_id = first_id,
                                                            last_id = last_id }
  if counts.courses > 0 then
    local first = course_count() + 1
    for id = first, first + counts.courses - 1 do
      S.courses[id] = { id = id, name = format("Seed course %d", id), description = "Seeded for paging.",
                        created = now() }
      S.cms[id] = {}
    end
    keys[#keys + 1] = "courses"
    vals.courses = C.ordered({ "count", "first_id", "last_id" },
      { count = counts.courses, first_id = first, last_id = course_count() })
  end
  if counts.groups > 0 then
    local first
    for _ = 1, counts.groups do
      local g = add_group(format("Seed group %d", S.next_group))
      first = first or g.id
    end
    keys[#keys + 1] = "groups"
    vals.groups = C.ordered({ "count", "first_id", "last_id" },
      { count = counts.groups, first_id = first, last_id = S.next_group - 1 })
  end
  return ok(keys, vals)
end

-- Sets the learning results of an existing course membership.
local function control_results(req)
  if req.method ~= "POST" then return C.method_not_allowed({ "POST" }) end
  local body = C.body(req)
  if not body then return C.invalid_json() end
  local cid, mid = C.to_int(body.courseId), C.to_int(body.memberId)
  local cm = cid and mid and S.cms[cid] and S.cms[cid][mid]
  if not cm then return not_found() end
  local v = body.score
  if v ~= nil then
    if v == C.null then
      cm.score = nil
    elseif type(v) == "number" then
      cm.score = v
    else
      return C.error(400, "score must be a number or null")
    end
  end
  v = body.success
  if v ~= nil then
    if v == C.null then
      cm.success = nil
    elseif type(v) == "boolean" then
      cm.success = v
    else
      return C.error(400, "success must be a boolean or null")
    end
  end
  v = body.completedDate
  if v ~= nil then
    if v == C.null then
      cm.completed = nil
    else
      local ts = C.parse_time(v)
      if not ts then return C.error(400, "completedDate must be an ISO 8601 time or null") end
      cm.completed = ts
    end
  end
  v = body.certificate
  if v ~= nil then
    if v == C.null then
      cm.certificate = nil
    elseif type(v) == "string" then
      cm.certificate = v
    else
      return C.error(400, "certificate must be a string or null")
    end
  end
  return C.reply(200, cm_json(cm))
end

local function control_programs(req)
  if req.method ~= "GET" then return C.method_not_allowed({ "GET" }) end
  local out = C.array()
  for id = 1, #S.programs do
    local p = S.programs[id]
    local members = C.array()
    for mid = 1, S.next_member - 1 do
      if S.pms[id][mid] then members[#members + 1] = mid end
    end
    out[#out + 1] = C.ordered({ "id", "name", "description", "courseIds", "memberIds", "createdDate" }, {
      id = p.id, name = p.name, description = p.description,
      courseIds = C.array({ unpack(p.course_ids) }), memberIds = members,
      createdDate = iso(p.created),
    })
  end
  return C.reply(200, C.ordered({ "programs" }, { programs = out }))
end

local CONTROL = {
  config = control_config,
  invites = control_invites,
  seed = control_seed,
  results = control_results,
  programs = control_programs,
}

function M.control(req, rest)
  local fn = #rest == 1 and CONTROL[rest[1]]
  if not fn then return C.not_found() end
  return fn(req)
end

return M
