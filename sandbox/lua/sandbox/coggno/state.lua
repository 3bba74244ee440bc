-- sandbox.coggno.state: the module table, key orders, the state of each mode and its seed.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coggno/DECISIONS.md.

local C = require "sandbox.common"
local CRED = require "lmskit.sandbox_credentials"

local ipairs = ipairs

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

local STATES = {} -- mode -> state (kept by identity); see reset()

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
  local id = C.take_id(S, "next_user")
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
  local id = C.take_id(S, "next_company")
  local c = {
    id = id, owner_id = owner.id, name = name, connected = connected,
    members = { [owner.id] = true },
  }
  S.companies[id] = c
  return c
end

local function add_group(S, company, name, description)
  local id = C.take_id(S, "next_group")
  local g = { id = id, company_id = company.id, name = name, description = description, members = {} }
  S.groups[id] = g
  return g
end

local function add_document(S, company, f)
  local id = C.take_id(S, "next_document")
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
  C.refill(STATES, { test = seed("test"), live = seed("live") })
end

M.reset()

return {
  COMPANY_KEYS = COMPANY_KEYS,
  DOCUMENT_BRIEF_KEYS = DOCUMENT_BRIEF_KEYS,
  DOCUMENT_KEYS = DOCUMENT_KEYS,
  GROUP_DELETED_KEYS = GROUP_DELETED_KEYS,
  GROUP_KEYS = GROUP_KEYS,
  LICENSE_DOC_KEYS = LICENSE_DOC_KEYS,
  LICENSE_USER_KEYS = LICENSE_USER_KEYS,
  M = M,
  PREFIX_MODE = PREFIX_MODE,
  ROOT_SEGS = ROOT_SEGS,
  STATES = STATES,
  USER_BRIEF_KEYS = USER_BRIEF_KEYS,
  USER_KEYS = USER_KEYS,
  add_company = add_company,
  add_group = add_group,
  add_user = add_user,
}
