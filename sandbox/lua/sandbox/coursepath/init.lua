-- sandbox.coursepath: stateful simulator of the Coursepath API v1: routing and the control API.
-- (vendor doc: shared/vendor-docs/coursepath-v1.txt; one file per doc section in
-- this folder; decisions: DECISIONS.md).  Mounted by the router under /coursepath.

local C = require "sandbox.common"
local lib = require "sandbox.coursepath.lib"
local S = lib.S
local Courses = require "sandbox.coursepath.courses"
local Authentication = require "sandbox.coursepath.authentication"
require "sandbox.coursepath.members" -- its handlers (it exports none)
require "sandbox.coursepath.course_enrollment" -- its handlers (and the writes program enrollment shares)
require "sandbox.coursepath.program_enrollment" -- its handlers (it exports none)
require "sandbox.coursepath.invites" -- its handlers (it exports none)
require "sandbox.coursepath.groups" -- its handlers (it exports none)

local type, pairs, ipairs, tonumber = type, pairs, ipairs, tonumber
local format, concat = string.format, table.concat
local H = Courses.H
local authenticate = Authentication.authenticate

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


-- req.segs: decoded path segments below the /coursepath prefix.
function lib.M.handle(req)
  local segs = req.segs
  if segs[1] ~= "api" or segs[2] ~= "v1" or #segs < 3 then return lib.not_found() end
  local rest = {}
  for i = 3, #segs do rest[#rest + 1] = segs[i] end
  local handlers, raw_ids
  for _, r in ipairs(ROUTES) do
    raw_ids = match(r[1], rest)
    if raw_ids then handlers = r[2] break end
  end
  if not handlers then return lib.not_found() end
  local method = req.method
  if method == "HEAD" then method = "GET" end
  local fn = handlers[method]
  if not fn then
    return C.error(405, "method not allowed", { Allow = concat(C.allowed(handlers, METHOD_ORDER), ", ") })
  end
  local actor, reason = authenticate()
  if not actor then return C.error(401, reason) end
  local ids = {}
  for i, s in ipairs(raw_ids) do
    if not s:match("^%d+$") or #s > 15 then return lib.not_found() end
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
  return ok({ "max_age", "max_future" }, { max_age = lib.CFG.max_age, max_future = lib.CFG.max_future })
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
  for k, v in pairs(new) do lib.CFG[k] = v end
  return config_json()
end

local function control_invites(req)
  if req.method == "DELETE" then
    S.invites = {}
    return ok()
  end
  if req.method ~= "GET" then return C.method_not_allowed({ "GET", "DELETE" }) end
  local out = C.array()
  for i, inv in ipairs(S.invites) do out[i] = lib.invite_json(inv) end
  return C.reply(200, C.ordered({ "invites" }, { invites = out }))
end

-- A count from the seed body (0 when absent); nil and the 400 reply when invalid.
local function seed_count(body, name)
  local v = body[name]
  if v == nil then return 0 end
  local n = C.to_int(v)
  if not n or n < 0 or n > lib.M.MAX_SEED then
    return nil, C.error(400, name .. " must be an integer between 0 and " .. lib.M.MAX_SEED)
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
    local k = C.take_id(S, "next_seed")
    local email = format("seed%d@sandbox.example", k)
    while lib.find_member_by_email(email) do
      k = C.take_id(S, "next_seed")
      email = format("seed%d@sandbox.example", k)
    end
    local m = lib.add_member({
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
    local first = lib.course_count() + 1
    for id = first, first + counts.courses - 1 do
      S.courses[id] = { id = id, name = format("Seed course %d", id), description = "Seeded for paging.",
                        created = lib.now() }
      S.cms[id] = {}
    end
    keys[#keys + 1] = "courses"
    vals.courses = C.ordered({ "count", "first_id", "last_id" },
      { count = counts.courses, first_id = first, last_id = lib.course_count() })
  end
  if counts.groups > 0 then
    local first
    for _ = 1, counts.groups do
      local g = lib.add_group(format("Seed group %d", S.next_group))
      first = first or g.id
    end
    keys[#keys + 1] = "groups"
    vals.groups = C.ordered({ "count", "first_id", "last_id" },
      { count = counts.groups, first_id = first, last_id = S.next_group - 1 })
  end
  return ok(keys, vals)
end

-- The learning results a control call may set on a course membership:
-- the body's field, the membership's, how a value is read (ok, value) and
-- what a 400 says it must be (null always clears it).
local RESULT_FIELDS = {
  { from = "score", to = "score", what = "a number",
    read = function(v) return type(v) == "number", v end },
  { from = "success", to = "success", what = "a boolean",
    read = function(v) return type(v) == "boolean", v end },
  { from = "completedDate", to = "completed", what = "an ISO 8601 time",
    read = function(v) local ts = C.parse_time(v) return ts ~= nil, ts end },
  { from = "certificate", to = "certificate", what = "a string",
    read = function(v) return type(v) == "string", v end },
}

-- Sets the learning results of an existing course membership, field by
-- field in that order (a bad one replies 400 and stops there).
local function control_results(req)
  if req.method ~= "POST" then return C.method_not_allowed({ "POST" }) end
  local body = C.body(req)
  if not body then return C.invalid_json() end
  local cid, mid = C.to_int(body.courseId), C.to_int(body.memberId)
  local cm = cid and mid and S.cms[cid] and S.cms[cid][mid]
  if not cm then return lib.not_found() end
  for _, f in ipairs(RESULT_FIELDS) do
    local v = body[f.from]
    if v == C.null then
      cm[f.to] = nil
    elseif v ~= nil then
      local valid, value = f.read(v)
      if not valid then return C.error(400, f.from .. " must be " .. f.what .. " or null") end
      cm[f.to] = value
    end
  end
  return C.reply(200, lib.cm_json(cm))
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
      createdDate = lib.iso(p.created),
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

function lib.M.control(req, rest)
  local fn = #rest == 1 and CONTROL[rest[1]]
  if not fn then return C.not_found() end
  return fn(req)
end

return lib.M
