-- sandbox.coursepath.views: the JSON views, request helpers and member validation (create and update).
-- Decisions where the doc is silent: sandbox/lua/sandbox/coursepath/DECISIONS.md.

local C = require "sandbox.common"
local ST = require "sandbox.coursepath.state"

local type, pairs, ipairs, tostring = type, pairs, ipairs, tostring
local format = string.format
local CM_KEYS, COURSE_KEYS, FILTERS, GROUP_KEYS = ST.CM_KEYS, ST.COURSE_KEYS, ST.FILTERS, ST.GROUP_KEYS
local INVITE_KEYS, MAIL_KEYS, MEMBER_KEYS = ST.INVITE_KEYS, ST.MAIL_KEYS, ST.MEMBER_KEYS
local OPTIONAL_FIELDS, PM_KEYS, S, add_member = ST.OPTIONAL_FIELDS, ST.PM_KEYS, ST.S, ST.add_member
local find_member_by_email, iso, trim = ST.find_member_by_email, ST.iso, ST.trim

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

-- The integer query argument `name` (nil when absent or empty), or false
-- after a 400 when it is not an integer >= lo.
local function int_arg(req, name, lo)
  local v = last(req.args[name])
  if v == nil or v == "" then return nil end
  local n = C.to_int(v)
  if not n or n < lo then
    C.error(400, name .. " must be an integer >= " .. lo)
    return false
  end
  return n
end

local function paging(req, max)
  local offset = int_arg(req, "offset", 0)
  if offset == false then return nil end
  local limit = int_arg(req, "limit", 1)
  if limit == false then return nil end
  if not limit or limit > max then limit = max end
  return offset or 0, limit
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

return {
  cm_json = cm_json,
  course_count = course_count,
  course_json = course_json,
  create_member_from = create_member_from,
  forbidden = forbidden,
  group_json = group_json,
  invite_json = invite_json,
  is_admin = is_admin,
  last = last,
  list = list,
  member_fields = member_fields,
  member_filter = member_filter,
  member_json = member_json,
  not_found = not_found,
  params = params,
  pm_json = pm_json,
  str_param = str_param,
  unprocessable = unprocessable,
}
