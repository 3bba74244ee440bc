-- sandbox.coggno.views: replies, the JSON views, parameter readers and look-ups.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coggno/DECISIONS.md.

local C = require "sandbox.common"
local ST = require "sandbox.coggno.state"

local type, ipairs, tostring, tonumber = type, ipairs, tostring, tonumber
local select = select
local COMPANY_KEYS, DOCUMENT_KEYS, GROUP_KEYS = ST.COMPANY_KEYS, ST.DOCUMENT_KEYS, ST.GROUP_KEYS
local USER_BRIEF_KEYS, USER_KEYS = ST.USER_BRIEF_KEYS, ST.USER_KEYS

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

return {
  account_users = account_users,
  blank = blank,
  company_json = company_json,
  count_write = count_write,
  document_json = document_json,
  duplicate_check = duplicate_check,
  fail = fail,
  find_group = find_group,
  find_user = find_user,
  group_json = group_json,
  group_not_found = group_not_found,
  invalid = invalid,
  license_values = license_values,
  list = list,
  member_of = member_of,
  not_found = not_found,
  param = param,
  person_fields = person_fields,
  small_int = small_int,
  user_brief = user_brief,
  user_json = user_json,
  user_not_found = user_not_found,
}
