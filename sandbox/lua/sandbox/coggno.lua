-- sandbox.coggno: stateful simulator of the Coggno REST API v1
-- (vendor doc: shared/vendor-docs/coggno-v1.txt).
--
-- The doc has two hosts. This one module is mounted twice by the router,
-- and each prefix has its own state:
--   /coggno-test  = https://beta.coggno.com (test mode).  Client base URL
--                   https://127.0.0.1:<port>/coggno-test, API /api/v1/...
--   /coggno-live  = https://coggno.com/capp (live mode).  Client base URL
--                   https://127.0.0.1:<port>/coggno-live/capp, API
--                   /capp/api/v1/...  (/coggno-live/api/v1/... is a 404).
-- The router passes the prefix in req.vendor; "coggno-test" picks the test
-- state and "coggno-live" the live state.
--
-- Keys (HTTP Basic: the key is the user name and the password is empty,
-- as in `curl -u KEY:`):
--   test_sandbox_key_0001   test prefix only, read + write
--   test_sandbox_readonly   test prefix only, GET only (any write -> 403)
--   live_sandbox_key_0001   live prefix only, read + write
--
-- Seed (after start and after every reset, the same shape for each mode):
--   company 1 = the key's own LMS account (test "Sandbox Test Company",
--   live "Sandbox Live Company"), not listed by GET /companies.
--   User 1 owns it and is its only member (test: testuser / John Johnson /
--   testuser@example.com; live: liveuser / Jane Doe / liveuser@example.com).
--   Group 1 "Staff" (description "All staff"), with user 1 in it.
--   Documents 1 "Training", 2 "Workplace Safety" (both ScormDocument,
--   published) and 3 "Data Privacy Basics" (ScormDocument, unpublished), all
--   in company 1.  User 1 holds one license to each: doc 1 "not started", doc
--   2 "completed" (passed), doc 3 "in progress".
--   The next ids are: company 2, user 2, group 2.
--
-- DECISIONS where the doc is unclear, and the doc's QUIRKS:
--
-- * Error body: the doc shows no JSON error example. It only says that "some
--   4xx errors include an error code" and "a brief explanation". So every
--   error from this module is {"error": {"code": C, "message": M}}. 422
--   errors add "param" (the field at fault), like
--   {"error":{"code":"parameter_missing","message":"email is required",
--   "param":"email"}}. Only the first error is reported, in the doc's
--   parameter order. Codes: invalid_api_key (401), permission_denied (403),
--   account_invalid (403, Coggno-LMS), not_found (404), method_not_allowed
--   (405, with Allow), https_required (400), invalid_json (400),
--   parameter_missing / parameter_invalid (422).  "Already registered" has
--   no code (below).
--   Faults and the router's own 404 (an unknown vendor) keep the sandbox's
--   generic {"error": "..."} shape.
-- * Check order: plain HTTP -> 400 https_required (the doc says that requests
--   over plain HTTP fail). Then unknown route -> 404, wrong method -> 405,
--   no or bad key -> 401 (with WWW-Authenticate: Basic realm="Coggno API"),
--   a write with the read-only key -> 403, a bad Coggno-LMS header -> 403,
--   an unknown resource -> 404, bad params -> 422. HEAD is served as GET,
--   and PUT/PATCH get 405. One trailing slash is tolerated.
-- * Auth: the "Basic" scheme is not case-sensitive. The credentials must be
--   "<key>:" with an empty password. A non-empty password, a missing colon,
--   bad base64, an unknown key or a key of the other mode -> 401 with code
--   invalid_api_key. The message is "No valid API key provided" (the doc's
--   401 wording), with a hint added when the key belongs to the other mode.
-- * Coggno-LMS: the doc gives no status, so an unknown id or one that is not
--   connected gets 403 account_invalid (the key has no access to that
--   account), not 404. Non-numeric or repeated headers get the same. An
--   empty header counts as no header. The own account's id (1) is accepted.
--   GET/POST /companies always work on the key's own account, because the
--   created companies are its connected accounts. The header is still
--   checked there, but it does not change what they do.
-- * Success status is always 200, even for creates, since the doc lists no
--   201. Deletes return the deleted object, as the doc shows.
-- * Bodies: form-encoded as in the doc. A JSON body (Content-Type json) is
--   also accepted, and invalid JSON -> 400 invalid_json. Query-string
--   params are ignored except for DELETE /groups?name=... (see below). When
--   a param is repeated, the last value counts. A nested/hash value ->
--   422 parameter_invalid. A blank or whitespace-only required value counts
--   as missing.
-- * Validation (companies and users): email, first_name, last_name and
--   password are required -> "<field> is required". The email must look like
--   a@b.c -> "email is invalid". The password must be 6-40 characters (UTF-8
--   characters, not bytes) -> "password must be between 6 and 40
--   characters". An empty login means "not set", and the email is used.
--   "Already registered" means the email or the login is already taken
--   (case-insensitive) by any user of this mode's Coggno database. That
--   includes users deleted from their LMS (they "stay in the Coggno
--   database"). The doc says only that this "returns a validation error
--   422" and names no code, so the reply is 422 without one:
--   {"error":{"message":"User with email X is already registered",
--   "param":"email"}} (or "with login X"; a client must not rely on a code
--   or the wording: it can look the user up by login).  A company
--   create makes a user too (the owner: user_id), so the same check applies.
--   The company name is optional, and it is null when not given.
-- * The owner of a created company is a member of that company's LMS (it
--   shows in that account's user list).
-- * Create user: group_id must be a group of the acting account, else 422
--   parameter_invalid "No group with id X" (nothing is created). The order
--   of checks is email, first_name, last_name, password, login, group_id, and
--   then the duplicate check.
-- * User references in paths: the doc lets "Retrieve User" and "Retrieve
--   Group User" take a login as userID. Every user path segment accepts it:
--   users/:u (GET, DELETE), users/:u/licenses and groups/:g/users/:u
--   (GET, DELETE). An all-digit segment is tried as an id first and then as a
--   login. Login matching is not case-sensitive. A user must be a member of
--   the acting account (for group paths, also of that group), else 404.
-- * QUIRK: the doc shows "Retrieve User" and "Retrieve Group User" responses
--   as a one-element array [{...}], and the simulator returns them that way.
--   "List Group Users" is shown as a bare object: the doc's example is a
--   group with exactly one user.  The simulator answers exactly that: a
--   group with one user -> the bare user object {...}; none -> []; two or
--   more -> an array [{...}, ...] (a bare object cannot hold many).
-- * QUIRK: "Delete Group" shows DELETE /api/v1/groups/groupID with the
--   parameter "name *", but the example is `curl -X DELETE /api/v1/groups -d
--   name=groupName`. Both forms work. DELETE /groups/:id deletes by id and
--   ignores any name. DELETE /groups takes name from the body, or from the
--   query string when the body has none. It needs name (-> 422), matches it
--   exactly and deletes the lowest-id group of the acting account with that
--   name (404 if there is none). Group names need not be unique. The reply
--   is {"id", "name"} as in the doc (no description). Members stay in the
--   LMS.
-- * QUIRK: "Add User to Group" lists the param as "ID *", but the example
--   sends "id". Both are accepted, and id wins. The value may be a user id or
--   a login. The user must be a member of the acting account or of any
--   account this mode's key can reach (its own + connected), else 404. A user
--   from another account also becomes a member of the acting account.
--   Adding a user who is already in the group is a no-op and returns 200
--   with the user.
-- * Delete user: removes the user from the acting account and from all its
--   groups. The user stays in the database, so create still says "already
--   registered", and their licenses stay.
-- * Documents and licenses belong to an LMS account. A new company has none,
--   and no API creates them. Licenses are listed in id order. Dates are
--   "YYYY-MM-DD" strings as in the doc, and "published" is 1/0. Document ids
--   outside the acting account -> 404. GET /documents/:id is not in the doc
--   -> 404.
-- * Doc typos (no effect): "GET /api/v1/companiesRequest:" and the
--   "groupIDRequest"/"userIDRequest" run-ons, "Delete User :", the 401 row
--   says "Not Authorized", and the connected-accounts example
--   `curl /api/v1/groups ...` has no host.
-- * Paging: none in the doc, so lists return everything.
--
-- Control (no auth): POST /_sandbox/coggno-test/seed or
-- /_sandbox/coggno-live/seed with {"users": N, "mode": "test"|"live"}. The
-- mode is optional and defaults to the prefix. It adds N users
-- seeduser<id> (email seeduser<id>@example.com, "Seed" "User <id>") to that
-- mode's own account, where 0 <= N <= 100000. The reply is {"ok":true,
-- "mode":..,"count":N,"first_id":..,"last_id":..}. (The router finds
-- control modules by their mount prefix, so there is no
-- /_sandbox/coggno/seed.)
--
-- GET /_sandbox/coggno-test/writes (or coggno-live): how many create/add
-- requests the simulator handled for each natural key since the reset, so
-- a test sees a write that reached it twice even where Coggno refuses the
-- second (a user is registered once):
--   {"users": {"<login>": n}, "companies": {"<owner login>": n},
--    "groups": {"<name>": n}, "group_users": {"<group id>": {"<login>": n}}}
-- users/companies count every create that passed the field checks (the
-- one that registered the login and every one refused as already
-- registered), keyed by the login asked for (the email when none, lower
-- case); group_users count handled adds by the user's login.

local C = require "sandbox.common"
local CRED = require "lmskit.sandbox_credentials"

local ngx = ngx
local type, pairs, ipairs, tostring, tonumber = type, pairs, ipairs, tostring, tonumber
local select = select

local M = {}

M.name = "coggno"

M.KEYS = {
  [CRED.coggno.api_key] = { mode = "test", write = true },
  [CRED.coggno_readonly.api_key] = { mode = "test", write = false },
  [CRED.coggno_live.api_key] = { mode = "live", write = true },
}

local PREFIX_MODE = { ["coggno-test"] = "test", ["coggno-live"] = "live" }
-- path segments before "api", "v1" for each mode (the live host root is /capp)
local ROOT_SEGS = { test = {}, live = { "capp" } }

---------------------------------------------------------------------------
-- Output shapes (key order as in the doc's examples)
---------------------------------------------------------------------------

local COMPANY_KEYS = { "id", "user_id", "login", "first_name", "last_name", "name" }
local GROUP_KEYS = { "id", "name", "description" }
local GROUP_DELETED_KEYS = { "id", "name" }
local USER_KEYS = { "id", "login", "first_name", "last_name" }
local USER_BRIEF_KEYS = { "id", "first_name", "last_name" }
local DOCUMENT_KEYS = { "id", "title", "published", "type", "published_at", "created_at" }
local DOCUMENT_BRIEF_KEYS = { "id", "title" }
local LICENSE_BASE_KEYS = {
  "amount", "used", "views", "start_date", "complete_date", "total_time",
  "score", "status", "passed", "created_at",
}
local function with(keys, extra)
  local out = {}
  for i, k in ipairs(keys) do out[i] = k end
  out[#out + 1] = extra
  return out
end
local LICENSE_DOC_KEYS = with(LICENSE_BASE_KEYS, "document")   -- user licenses
local LICENSE_USER_KEYS = with(LICENSE_BASE_KEYS, "user")      -- document licenses

---------------------------------------------------------------------------
-- State: one table per mode
---------------------------------------------------------------------------

local STATES -- mode -> state; see reset()

local function new_state()
  return {
    companies = {}, next_company = 1,
    users = {}, next_user = 1,
    by_email = {}, by_login = {}, -- lower-case email/login -> user
    groups = {}, next_group = 1,
    documents = {}, next_document = 1,
    licenses = {}, -- array, in creation order
    writes = { users = {}, companies = {}, groups = {}, group_users = {} }, -- see the header
  }
end

local function add_user(S, f)
  local id = S.next_user
  S.next_user = id + 1
  local u = {
    id = id, email = f.email, login = f.login or f.email,
    first_name = f.first_name, last_name = f.last_name, password = f.password,
  }
  S.users[id] = u
  S.by_email[u.email:lower()] = u
  S.by_login[u.login:lower()] = u
  return u
end

local function add_company(S, owner, name, connected)
  local id = S.next_company
  S.next_company = id + 1
  local c = {
    id = id, owner_id = owner.id, name = name, connected = connected,
    members = { [owner.id] = true },
  }
  S.companies[id] = c
  return c
end

local function add_group(S, company, name, description)
  local id = S.next_group
  S.next_group = id + 1
  local g = { id = id, company_id = company.id, name = name, description = description, members = {} }
  S.groups[id] = g
  return g
end

local function add_document(S, company, f)
  local id = S.next_document
  S.next_document = id + 1
  local d = {
    id = id, company_id = company.id, title = f.title, published = f.published,
    type = f.type or "ScormDocument", published_at = f.published_at, created_at = f.created_at,
  }
  S.documents[id] = d
  return d
end

local function add_license(S, user, doc, f)
  local l = {
    user_id = user.id, document_id = doc.id,
    amount = f.amount or 1, used = f.used or 0, views = f.views or 0,
    start_date = f.start_date, complete_date = f.complete_date,
    total_time = f.total_time or 0, score = f.score or 0,
    status = f.status or "not started", passed = f.passed or false,
    created_at = f.created_at,
  }
  S.licenses[#S.licenses + 1] = l
  return l
end

local SEED_PEOPLE = {
  test = {
    company = "Sandbox Test Company", login = "testuser", email = "testuser@example.com",
    first_name = "John", last_name = "Johnson", password = "sandbox-test-pass",
  },
  live = {
    company = "Sandbox Live Company", login = "liveuser", email = "liveuser@example.com",
    first_name = "Jane", last_name = "Doe", password = "sandbox-live-pass",
  },
}

local function seed(mode)
  local S = new_state()
  local p = SEED_PEOPLE[mode]
  local owner = add_user(S, p)
  local own = add_company(S, owner, p.company, false)
  S.own = own
  local staff = add_group(S, own, "Staff", "All staff")
  staff.members[owner.id] = true

  local d1 = add_document(S, own, {
    title = "Training", published = 1, published_at = "2025-01-15", created_at = "2025-01-15",
  })
  local d2 = add_document(S, own, {
    title = "Workplace Safety", published = 1, published_at = "2025-02-03", created_at = "2025-02-01",
  })
  local d3 = add_document(S, own, {
    title = "Data Privacy Basics", published = 0, published_at = nil, created_at = "2025-03-10",
  })
  add_license(S, owner, d1, { created_at = "2025-01-15" })
  add_license(S, owner, d2, {
    amount = 5, used = 1, views = 4, start_date = "2025-02-05", complete_date = "2025-02-07",
    total_time = 3600, score = 92, status = "completed", passed = true, created_at = "2025-02-04",
  })
  add_license(S, owner, d3, {
    amount = 2, used = 1, views = 2, start_date = "2025-03-12", complete_date = nil,
    total_time = 900, score = 40, status = "in progress", passed = false, created_at = "2025-03-11",
  })
  return S
end

function M.reset()
  STATES = { test = seed("test"), live = seed("live") }
end

M.reset()

---------------------------------------------------------------------------
-- Replies
---------------------------------------------------------------------------

local function fail(status, code, message, param, headers)
  local keys = { "code", "message" }
  if not code then keys = { "message" } end -- no code (see "Already registered")
  if param then keys[#keys + 1] = "param" end
  return C.reply(status, C.ordered({ "error" }, {
    error = C.ordered(keys, { code = code, message = message, param = param }),
  }), headers)
end

local function not_found(what)
  return fail(404, "not_found", what or "The requested resource doesn't exist")
end

local function invalid(param, message)
  return fail(422, "parameter_invalid", message, param)
end

local function list(items, view)
  local out = C.array()
  for i, x in ipairs(items) do out[i] = view(x) end
  return C.reply(200, out)
end

---------------------------------------------------------------------------
-- JSON views
---------------------------------------------------------------------------

local function user_json(u)
  return C.ordered(USER_KEYS, {
    id = u.id, login = u.login, first_name = u.first_name, last_name = u.last_name,
  })
end

local function user_brief(u)
  return C.ordered(USER_BRIEF_KEYS, { id = u.id, first_name = u.first_name, last_name = u.last_name })
end

local function company_json(S, c)
  local o = S.users[c.owner_id]
  return C.ordered(COMPANY_KEYS, {
    id = c.id, user_id = o.id, login = o.login, first_name = o.first_name,
    last_name = o.last_name, name = c.name,
  })
end

local function group_json(g)
  return C.ordered(GROUP_KEYS, { id = g.id, name = g.name, description = g.description })
end

local function document_json(d)
  return C.ordered(DOCUMENT_KEYS, {
    id = d.id, title = d.title, published = d.published, type = d.type,
    published_at = d.published_at, created_at = d.created_at,
  })
end

local function license_values(l)
  return {
    amount = l.amount, used = l.used, views = l.views, start_date = l.start_date,
    complete_date = l.complete_date, total_time = l.total_time, score = l.score,
    status = l.status, passed = l.passed, created_at = l.created_at,
  }
end

---------------------------------------------------------------------------
-- Params
---------------------------------------------------------------------------

-- A form/JSON param as a string: nil when absent, false when unusable
-- (a hash or a non-scalar).  A repeated param gives its last value.
local function param(p, name)
  local v = p[name]
  if v == nil or v == C.null then return nil end
  if type(v) == "table" then
    if #v == 0 then return false end
    v = v[#v]
  end
  if type(v) == "string" then return v end
  if type(v) == "number" then
    if v == math.floor(v) and v > -2^53 and v < 2^53 then return string.format("%d", v) end
    return tostring(v)
  end
  if type(v) == "boolean" then return tostring(v) end
  return false
end

local function blank(s)
  return s == nil or (type(s) == "string" and s:match("^%s*$") ~= nil)
end

local function utf8_len(s)
  return select(2, s:gsub("[^\128-\191]", ""))
end

local function valid_email(s)
  return s:match("^[^@%s]+@[^@%s]+%.[^@%s%.]+$") ~= nil
end

-- Reads the required/optional person fields shared by companies and users.
-- Returns a table of fields, or nil after replying 422.
local function person_fields(p)
  local f = {}
  for _, name in ipairs({ "email", "first_name", "last_name", "password" }) do
    local v = param(p, name)
    if v == false then return nil, invalid(name, name .. " is invalid") end
    if blank(v) then return nil, fail(422, "parameter_missing", name .. " is required", name) end
    f[name] = v
  end
  if not valid_email(f.email) then return nil, invalid("email", "email is invalid") end
  local n = utf8_len(f.password)
  if n < 6 or n > 40 then
    return nil, invalid("password", "password must be between 6 and 40 characters")
  end
  local login = param(p, "login")
  if login == false then return nil, invalid("login", "login is invalid") end
  if not blank(login) then f.login = login end
  return f
end

-- Counts a handled write for a natural key (GET /_sandbox/<prefix>/writes).
local function count_write(S, kind, key, group)
  local t = S.writes[kind]
  if group then
    local k = tostring(group)
    t[k] = t[k] or {}
    t = t[k]
  end
  t[key] = (t[key] or 0) + 1
end

local function duplicate_check(S, f)
  if S.by_email[f.email:lower()] then
    return fail(422, nil, "User with email " .. f.email .. " is already registered", "email")
  end
  local login = f.login or f.email
  if S.by_login[login:lower()] then
    return fail(422, nil, "User with login " .. login .. " is already registered",
      f.login and "login" or "email")
  end
  return nil
end

---------------------------------------------------------------------------
-- Lookups
---------------------------------------------------------------------------

local function small_int(s)
  if type(s) == "string" and s:match("^%d+$") and #s < 16 then return tonumber(s) end
  return nil
end

-- A user by id (all digits, tried first) or login (case-insensitive),
-- restricted to those `accept(u)` allows.
local function find_user(S, ref, accept)
  local id = small_int(ref)
  if id then
    local u = S.users[id]
    if u and accept(u) then return u end
  end
  local u = S.by_login[ref:lower()]
  if u and accept(u) then return u end
  return nil
end

local function member_of(company)
  return function(u) return company.members[u.id] == true end
end


local function account_users(S, company)
  return C.in_id_order(S.users, S.next_user, member_of(company))
end

local function find_group(S, company, ref)
  local g = S.groups[small_int(ref) or -1]
  if g and g.company_id == company.id then return g end
  return nil
end

local function user_not_found(ref)
  return not_found("No such user: " .. ref)
end

local function group_not_found(ref)
  return not_found("No such group: " .. ref)
end

---------------------------------------------------------------------------
-- Handlers: fn(ctx, ...) with ctx = { req, S, account, key }
---------------------------------------------------------------------------

-- Companies (always on the key's own account)

local function list_companies(ctx)
  local S = ctx.S
  local items = C.in_id_order(S.companies, S.next_company, function(c) return c.connected end)
  return list(items, function(c) return company_json(S, c) end)
end

local function create_company(ctx)
  local S = ctx.S
  local f, replied = person_fields(ctx.body)
  if not f then return replied end
  local name = param(ctx.body, "name")
  if name == false then return invalid("name", "name is invalid") end
  if blank(name) then name = nil end
  count_write(S, "companies", (f.login or f.email):lower())
  local dup = duplicate_check(S, f)
  if dup then return dup end
  local owner = add_user(S, f)
  local c = add_company(S, owner, name, true)
  return C.reply(200, company_json(S, c))
end

-- Groups

local function list_groups(ctx)
  local S, acct = ctx.S, ctx.account
  return list(C.in_id_order(S.groups, S.next_group, function(g) return g.company_id == acct.id end),
    group_json)
end

local function create_group(ctx)
  local name = param(ctx.body, "name")
  if name == false then return invalid("name", "name is invalid") end
  if blank(name) then return fail(422, "parameter_missing", "name is required", "name") end
  local description = param(ctx.body, "description")
  if description == false then return invalid("description", "description is invalid") end
  count_write(ctx.S, "groups", name)
  local g = add_group(ctx.S, ctx.account, name, description)
  return C.reply(200, group_json(g))
end

local function show_group(ctx, gref)
  local g = find_group(ctx.S, ctx.account, gref)
  if not g then return group_not_found(gref) end
  return C.reply(200, group_json(g))
end

local function remove_group(ctx, g)
  ctx.S.groups[g.id] = nil
  return C.reply(200, C.ordered(GROUP_DELETED_KEYS, { id = g.id, name = g.name }))
end

local function delete_group(ctx, gref)
  local g = find_group(ctx.S, ctx.account, gref)
  if not g then return group_not_found(gref) end
  return remove_group(ctx, g)
end

-- DELETE /groups -d name=... (the doc's example form)
local function delete_group_by_name(ctx)
  local name = param(ctx.body, "name")
  if name == nil then name = param(ctx.req.args, "name") end
  if name == false then return invalid("name", "name is invalid") end
  if blank(name) then return fail(422, "parameter_missing", "name is required", "name") end
  local S, acct = ctx.S, ctx.account
  local found = C.in_id_order(S.groups, S.next_group, function(g)
    return g.company_id == acct.id and g.name == name
  end)
  if #found == 0 then return not_found("No such group: " .. name) end
  return remove_group(ctx, found[1])
end

-- Users

local function list_users(ctx)
  return list(account_users(ctx.S, ctx.account), user_json)
end

local function show_user(ctx, uref)
  local u = find_user(ctx.S, uref, member_of(ctx.account))
  if not u then return user_not_found(uref) end
  return C.reply(200, C.array { user_json(u) }) -- one-element array, as in the doc
end

local function create_user(ctx)
  local S, acct = ctx.S, ctx.account
  local f, replied = person_fields(ctx.body)
  if not f then return replied end
  local group
  local gid = param(ctx.body, "group_id")
  if gid == false then return invalid("group_id", "group_id is invalid") end
  if not blank(gid) then
    group = find_group(S, acct, gid:match("^%s*(.-)%s*$"))
    if not group then return invalid("group_id", "No group with id " .. gid) end
  end
  count_write(S, "users", (f.login or f.email):lower())
  local dup = duplicate_check(S, f)
  if dup then return dup end
  local u = add_user(S, f)
  acct.members[u.id] = true
  if group then group.members[u.id] = true end
  return C.reply(200, user_json(u))
end

local function delete_user(ctx, uref)
  local S, acct = ctx.S, ctx.account
  local u = find_user(S, uref, member_of(acct))
  if not u then return user_not_found(uref) end
  acct.members[u.id] = nil
  for _, g in pairs(S.groups) do
    if g.company_id == acct.id then g.members[u.id] = nil end
  end
  return C.reply(200, user_json(u))
end

local function user_licenses(ctx, uref)
  local S = ctx.S
  local u = find_user(S, uref, member_of(ctx.account))
  if not u then return user_not_found(uref) end
  local out = C.array()
  for _, l in ipairs(S.licenses) do
    if l.user_id == u.id then
      local d = S.documents[l.document_id]
      local v = license_values(l)
      v.document = C.ordered(DOCUMENT_BRIEF_KEYS, { id = d.id, title = d.title })
      out[#out + 1] = C.ordered(LICENSE_DOC_KEYS, v)
    end
  end
  return C.reply(200, C.ordered({ "user", "licenses" }, { user = user_brief(u), licenses = out }))
end

-- Group users

local function group_or_404(ctx, gref)
  local g = find_group(ctx.S, ctx.account, gref)
  if not g then return nil, group_not_found(gref) end
  return g
end

local function in_group(ctx, g)
  local acct = ctx.account
  return function(u) return g.members[u.id] == true and acct.members[u.id] == true end
end

local function list_group_users(ctx, gref)
  local g, replied = group_or_404(ctx, gref)
  if not g then return replied end
  local S = ctx.S
  local users = C.in_id_order(S.users, S.next_user, in_group(ctx, g))
  -- one user: a bare object, as the doc's example shows (see the header)
  if #users == 1 then return C.reply(200, user_json(users[1])) end
  return list(users, user_json)
end

local function show_group_user(ctx, gref, uref)
  local g, replied = group_or_404(ctx, gref)
  if not g then return replied end
  local u = find_user(ctx.S, uref, in_group(ctx, g))
  if not u then return user_not_found(uref) end
  return C.reply(200, C.array { user_json(u) }) -- one-element array, as in the doc
end

local function add_group_user(ctx, gref)
  local g, replied = group_or_404(ctx, gref)
  if not g then return replied end
  local S, acct = ctx.S, ctx.account
  local ref = param(ctx.body, "id")
  local pname = "id"
  if ref == nil then ref, pname = param(ctx.body, "ID"), "ID" end
  if ref == false then return invalid(pname, pname .. " is invalid") end
  if blank(ref) then return fail(422, "parameter_missing", "id is required", "id") end
  ref = ref:match("^%s*(.-)%s*$")
  -- a member of the acting account or of any account this key reaches
  local u = find_user(S, ref, function(x)
    for _, c in pairs(S.companies) do
      if c.members[x.id] then return true end
    end
    return false
  end)
  if not u then return user_not_found(ref) end
  count_write(S, "group_users", u.login:lower(), g.id)
  acct.members[u.id] = true
  g.members[u.id] = true
  return C.reply(200, user_json(u))
end

local function remove_group_user(ctx, gref, uref)
  local g, replied = group_or_404(ctx, gref)
  if not g then return replied end
  local u = find_user(ctx.S, uref, in_group(ctx, g))
  if not u then return user_not_found(uref) end
  g.members[u.id] = nil
  return C.reply(200, user_json(u))
end

-- Documents

local function list_documents(ctx)
  local S, acct = ctx.S, ctx.account
  return list(C.in_id_order(S.documents, S.next_document, function(d) return d.company_id == acct.id end),
    document_json)
end

local function document_licenses(ctx, dref)
  local S = ctx.S
  local d = S.documents[small_int(dref) or -1]
  if not d or d.company_id ~= ctx.account.id then return not_found("No such document: " .. dref) end
  local out = C.array()
  for _, l in ipairs(S.licenses) do
    if l.document_id == d.id then
      local v = license_values(l)
      v.user = user_brief(S.users[l.user_id])
      out[#out + 1] = C.ordered(LICENSE_USER_KEYS, v)
    end
  end
  return C.reply(200, C.ordered({ "document", "licenses" }, {
    document = C.ordered(DOCUMENT_BRIEF_KEYS, { id = d.id, title = d.title }),
    licenses = out,
  }))
end

---------------------------------------------------------------------------
-- Routing
---------------------------------------------------------------------------

-- Path patterns below /api/v1; "*" matches one segment (passed to the
-- handler).  companies ignore Coggno-LMS (own_account).
local ROUTES = {
  { { "companies" }, { GET = list_companies, POST = create_company }, own_account = true },
  { { "groups" }, { GET = list_groups, POST = create_group, DELETE = delete_group_by_name } },
  { { "groups", "*" }, { GET = show_group, DELETE = delete_group } },
  { { "groups", "*", "users" }, { GET = list_group_users, POST = add_group_user } },
  { { "groups", "*", "users", "*" }, { GET = show_group_user, DELETE = remove_group_user } },
  { { "users" }, { GET = list_users, POST = create_user } },
  { { "users", "*" }, { GET = show_user, DELETE = delete_user } },
  { { "users", "*", "licenses" }, { GET = user_licenses } },
  { { "documents" }, { GET = list_documents } },
  { { "documents", "*", "licenses" }, { GET = document_licenses } },
}

local METHOD_ORDER = { "GET", "POST", "DELETE" }

local function match_route(rest)
  for _, r in ipairs(ROUTES) do
    local pat = r[1]
    if #pat == #rest then
      local captures, ok = {}, true
      for i, p in ipairs(pat) do
        if p == "*" then
          captures[#captures + 1] = rest[i]
        elseif p ~= rest[i] then
          ok = false
          break
        end
      end
      if ok then return r, captures end
    end
  end
  return nil
end

local function unauthorized(message)
  return fail(401, "invalid_api_key", message or "No valid API key provided", nil,
    { ["WWW-Authenticate"] = 'Basic realm="Coggno API"' })
end

-- Returns the key's record, or nil + a hint for the 401 message.
local function authenticate(mode)
  local h = ngx.req.get_headers()["authorization"]
  if type(h) ~= "string" then return nil end
  local b64 = h:match("^%s*[Bb][Aa][Ss][Ii][Cc]%s+(%S+)%s*$")
  if not b64 then return nil end
  local creds = ngx.decode_base64(b64)
  if not creds then return nil end
  local user, pass = creds:match("^([^:]*):(.*)$")
  if not user or pass ~= "" then return nil end
  local k = M.KEYS[user]
  if not k then return nil end
  if k.mode ~= mode then
    return nil, "No valid API key provided (a " .. k.mode .. " mode key cannot be used on the "
      .. mode .. " endpoint)"
  end
  return k
end

-- The account the request acts on (Coggno-LMS), or nil after replying 403.
local function acting_account(S)
  local h = ngx.req.get_headers()["coggno-lms"]
  if h == nil then return S.own end
  local bad = "The API key does not have access to LMS account "
  if type(h) ~= "string" then
    return nil, fail(403, "account_invalid", bad .. "(repeated Coggno-LMS header)")
  end
  local v = h:match("^%s*(.-)%s*$")
  if v == "" then return S.own end
  local c = S.companies[small_int(v) or -1]
  if not c or (c ~= S.own and not c.connected) then
    return nil, fail(403, "account_invalid", bad .. v .. " (or that account does not exist)")
  end
  return c
end

-- req.vendor: "coggno-test" or "coggno-live"; req.segs: decoded segments
-- below the prefix.
function M.handle(req)
  local mode = PREFIX_MODE[req.vendor]
  if not mode then return not_found() end
  if req.scheme ~= "https" then
    return fail(400, "https_required", "All API requests must be made over HTTPS")
  end
  local segs = req.segs
  local root = ROOT_SEGS[mode]
  local n = #root
  for i = 1, n do
    if segs[i] ~= root[i] then return not_found("Unrecognized request URL") end
  end
  if segs[n + 1] ~= "api" or segs[n + 2] ~= "v1" then return not_found("Unrecognized request URL") end
  local rest = {}
  for i = n + 3, #segs do rest[#rest + 1] = segs[i] end
  local route, captures = match_route(rest)
  if not route then return not_found("Unrecognized request URL") end

  local method = req.method
  if method == "HEAD" then method = "GET" end
  local fn = route[2][method]
  if not fn then
    local allow = {}
    for _, m in ipairs(METHOD_ORDER) do
      if route[2][m] then allow[#allow + 1] = m end
    end
    return fail(405, "method_not_allowed", "Method " .. req.method .. " not allowed", nil,
      { Allow = table.concat(allow, ", ") })
  end

  local key, hint = authenticate(mode)
  if not key then return unauthorized(hint) end
  if method ~= "GET" and not key.write then
    return fail(403, "permission_denied", "The API key doesn't have permissions to perform the request.")
  end

  local S = STATES[mode]
  local account, replied = acting_account(S)
  if not account then return replied end
  if route.own_account then account = S.own end

  local body = {}
  if method ~= "GET" then
    body = C.body(req)
    if not body then return fail(400, "invalid_json", "Invalid JSON") end
  end
  local ctx = { req = req, S = S, account = account, key = key, body = body }
  return fn(ctx, captures[1], captures[2])
end

---------------------------------------------------------------------------
-- Control API: /_sandbox/coggno-test/... and /_sandbox/coggno-live/...
---------------------------------------------------------------------------

M.MAX_SEED = 100000

function M.control(req, rest)
  if rest[1] == "writes" and #rest == 1 then
    if req.method ~= "GET" then return C.method_not_allowed({ "GET" }) end
    return C.reply(200, STATES[PREFIX_MODE[req.segments[2]]].writes)
  end
  if rest[1] == "seed" and #rest == 1 then
    if req.method ~= "POST" then return C.method_not_allowed({ "POST" }) end
    -- the control API speaks JSON: a body that looks like JSON is parsed
    -- as JSON whatever its Content-Type (curl -d sends a form type)
    local raw = C.raw_body(req)
    local body
    if raw and raw:match("^%s*{") then body = C.decode(raw) else body = C.body(req) end
    if type(body) ~= "table" then return C.invalid_json() end
    local mode = PREFIX_MODE[req.segments[2]]
    if not C.is_null(body.mode) then
      if body.mode ~= "test" and body.mode ~= "live" then
        return C.error(400, 'mode must be "test" or "live"')
      end
      mode = body.mode
    end
    local count = C.to_int(C.is_null(body.users) and 0 or body.users)
    if not count or count < 0 or count > M.MAX_SEED then
      return C.error(400, "users must be an integer between 0 and " .. M.MAX_SEED)
    end
    local S = STATES[mode]
    local first_id, last_id
    for _ = 1, count do
      local id = S.next_user
      local login = "seeduser" .. id
      local suffix = 0
      while S.by_login[login] or S.by_email[login .. "@example.com"] do
        suffix = suffix + 1
        login = "seeduser" .. id .. "_" .. suffix
      end
      local u = add_user(S, {
        email = login .. "@example.com", login = login, first_name = "Seed",
        last_name = "User " .. id, password = "seed-password",
      })
      S.own.members[u.id] = true
      first_id = first_id or u.id
      last_id = u.id
    end
    return C.reply(200, C.ordered({ "ok", "mode", "count", "first_id", "last_id" }, {
      ok = true, mode = mode, count = count, first_id = first_id, last_id = last_id,
    }))
  end
  return C.not_found()
end

return M
