-- sandbox.matrix: the MATRIX LMS simulator: the function dispatcher, the rate limiter and the control API.
-- (vendor doc: shared/vendor-docs/matrix-lms-v1.txt; decisions where the doc
-- is silent: DECISIONS.md in this folder; one file per doc section in
-- sections/.)  Mounted by the router under /matrix.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local K, S = lib.K, lib.S
require "sandbox.matrix.seed" -- defines M.reset (the fixtures)

local ngx = ngx
local type, pairs, ipairs, tostring = type, pairs, ipairs, tostring
local getmetatable = getmetatable
local ceil = math.ceil
local error, pcall = error, pcall

-- the doc's sections, loaded in doc order: the order of def(), so of
-- /_sandbox/matrix/functions
local SECTIONS = {
  "version", "authentication", "users", "courses", "course_templates", "modules", "assignments",
  "grades", "organizations", "groups", "paths", "resources", "certificates", "competencies",
  "mastery", "sessions", "course_reports", "reports", "attendance", "news_feeds", "gamification",
  "ecommerce", "job_titles", "sis_sync",
}
for _, name in ipairs(SECTIONS) do require("sandbox.matrix.sections." .. name) end

lib.M.FUNCTIONS = lib.FUNCS

---------------------------------------------------------------------------
-- Rate limiter: a sliding window of `limit` calls per `window` seconds per
-- key; going over locks the key out for `lockout` seconds.
---------------------------------------------------------------------------

local function key_state(key)
  local k = lib.LIM.keys[key]
  if not k then
    k = { hits = {}, locked_until = nil }
    lib.LIM.keys[key] = k
  end
  return k
end

-- Returns true, or false + seconds until the lockout ends.
local function limiter_allow(key, t)
  local k = key_state(key)
  lib.LIM.keyed_calls = lib.LIM.keyed_calls + 1
  if k.locked_until and t < k.locked_until then
    lib.LIM.refused_calls = lib.LIM.refused_calls + 1
    return false, k.locked_until - t
  end
  k.locked_until = nil
  local cutoff = t - lib.CFG.window
  local kept = {}
  for _, h in ipairs(k.hits) do
    if h > cutoff then kept[#kept + 1] = h end
  end
  k.hits = kept
  if #kept >= lib.CFG.limit then
    k.locked_until = t + lib.CFG.lockout
    k.hits = {} -- a fresh window once the lockout is over
    lib.LIM.refused_calls = lib.LIM.refused_calls + 1
    lib.LIM.lockouts = lib.LIM.lockouts + 1
    lib.LIM.last_lockout_at = t
    return false, lib.CFG.lockout
  end
  kept[#kept + 1] = t
  return true
end

---------------------------------------------------------------------------
-- Entry point: /matrix/api/<function>
---------------------------------------------------------------------------

local function message_reply(status, msg, headers)
  return C.reply(status, lib.message_body(msg), headers)
end

local function traceback(e)
  if getmetatable(e) == lib.API_ERROR then return e end
  return debug.traceback(tostring(e), 2)
end

function lib.M.handle(req)
  lib.LIM.total_calls = lib.LIM.total_calls + 1
  local segs = req.segs
  if #segs ~= 2 or segs[1] ~= "api" or segs[2] == "" then return message_reply(404, "Not found") end
  local method = req.method
  if method ~= "GET" and method ~= "POST" and method ~= "HEAD" then
    return message_reply(405, "Method " .. method .. " not allowed: use GET or POST", { Allow = "GET, POST" })
  end
  local body = C.body(req)
  if not body then return message_reply(400, "Invalid JSON") end
  local args = {}
  for k, v in pairs(req.args) do args[k] = v end
  for k, v in pairs(body) do args[k] = v end

  local ok, key = pcall(lib.scalar, args.api_key, "api_key")
  if not ok or key ~= lib.M.API_KEY then
    lib.LIM.unauthorized_calls = lib.LIM.unauthorized_calls + 1
    return message_reply(401, "Invalid API key")
  end
  ngx.update_time()
  local t = ngx.now()
  local allowed, wait = limiter_allow(key, t)
  if not allowed then
    return message_reply(400, lib.M.LIMIT_MESSAGE, { ["Retry-After"] = tostring(ceil(wait)) })
  end

  local fdef = lib.FUNC_BY_NAME[segs[2]]
  if not fdef then return message_reply(404, "Unknown function: " .. segs[2]) end
  local ctx = { req = req, args = args, fdef = fdef, key = key }
  local okc, res = xpcall(function()
    local v = lib.arg_str(ctx, "api_version")
    if not lib.is_blank(v) and lib.trim(v) ~= "1" and lib.trim(v) ~= "1.0" then
    lib.fail("Unsupported api_version: " .. v)
  end
    return fdef.fn(ctx)
  end, traceback)
  if not okc then
    if getmetatable(res) == lib.API_ERROR then return message_reply(res.status, res.message) end
    error(res, 0)
  end
  if getmetatable(res) == lib.RAW then return lib.send_raw(res) end
  if res == nil then res = C.null end
  return C.reply(200, res)
end

---------------------------------------------------------------------------
-- Control API: /_sandbox/matrix/...
---------------------------------------------------------------------------

K.CONFIG_KEYS = {
  "limit", "window", "lockout", "sync_threshold", "report_delay", "total_calls", "keyed_calls",
  "refused_calls", "unauthorized_calls", "lockouts", "last_lockout_at", "locked", "locked_until",
  "calls_in_window",
}

local function config_view()
  local t = ngx.now()
  local k = lib.LIM.keys[lib.M.API_KEY] or { hits = {} }
  local in_window = 0
  for _, h in ipairs(k.hits) do
    if h > t - lib.CFG.window then in_window = in_window + 1 end
  end
  local locked = k.locked_until ~= nil and t < k.locked_until
  return C.ordered(K.CONFIG_KEYS, {
    limit = lib.CFG.limit, window = lib.CFG.window, lockout = lib.CFG.lockout, sync_threshold = lib.CFG.sync_threshold,
    report_delay = lib.CFG.report_delay, total_calls = lib.LIM.total_calls, keyed_calls = lib.LIM.keyed_calls,
    refused_calls = lib.LIM.refused_calls, unauthorized_calls = lib.LIM.unauthorized_calls, lockouts = lib.LIM.lockouts,
    last_lockout_at = lib.iso_ms(lib.LIM.last_lockout_at), locked = locked,
    locked_until = locked and lib.iso_ms(k.locked_until) or nil, calls_in_window = in_window,
  })
end

-- The control API speaks JSON: a body that looks like JSON is parsed as
-- JSON whatever its Content-Type (curl -d sends a form type).
local function control_body(req)
  local raw = C.raw_body(req)
  if raw and raw:match("^%s*{") then return C.decode(raw) end
  return C.body(req)
end

local CONFIG_RULES = {
  limit = { int = true, min = 1 }, window = { min = 0.001 }, lockout = { min = 0 },
  sync_threshold = { int = true, min = 0 }, report_delay = { min = 0 },
}

local function set_config(body)
  local errs = C.new_errors()
  local new = {}
  for _, k in ipairs(lib.sorted_keys(body)) do
    local rule = CONFIG_RULES[k]
    if not rule then
      errs.add(tostring(k), "is not a config key (limit, window, lockout, sync_threshold, report_delay)")
    else
      local n = rule.int and C.to_int(body[k]) or C.to_decimal(body[k])
      if not n or n < rule.min then
        local what = rule.int and "must be an integer >= " or "must be a number >= "
        errs.add(k, what .. rule.min)
      else
        new[k] = n
      end
    end
  end
  if errs.any() then return C.unprocessable(errs) end
  for k, v in pairs(new) do lib.CFG[k] = v end
  -- a new configuration starts with an empty window and no lockout
  lib.LIM.keys = {}
  return C.reply(200, config_view())
end

local function list_view(key, list, keys)
  local out = C.array()
  for i, x in ipairs(list) do out[i] = C.ordered(keys, x) end
  return C.reply(200, C.ordered({ key }, { [key] = out }))
end

function lib.M.control(req, rest)
  local what, method = rest[1], req.method
  if #rest ~= 1 then return C.not_found() end
  if what == "config" then
    if method == "GET" then return C.reply(200, config_view()) end
    if method ~= "POST" then return C.method_not_allowed({ "GET", "POST" }) end
    local body = control_body(req)
    if type(body) ~= "table" then return C.invalid_json() end
    return set_config(body)
  elseif what == "seed" then
    if method ~= "POST" then return C.method_not_allowed({ "POST" }) end
    local body = control_body(req)
    if type(body) ~= "table" then return C.invalid_json() end
    local count = C.to_int(C.is_null(body.users) and 0 or body.users)
    if not count or count < 0 or count > lib.M.MAX_SEED then
      return C.error(400, "users must be an integer between 0 and " .. lib.M.MAX_SEED)
    end
    local resources = C.to_int(C.is_null(body.resources) and 0 or body.resources)
    if not resources or resources < 0 or resources > lib.M.MAX_SEED then
      return C.error(400, "resources must be an integer between 0 and " .. lib.M.MAX_SEED)
    end
    local first_id, last_id
    for _ = 1, count do
      local id = S.next_user
      local userid = "seeduser" .. id
      local n = 0
      while S.by_userid[userid] do
        n = n + 1
        userid = "seeduser" .. id .. "_" .. n
      end
      local u = lib.new_user({
        userid = userid, first_name = "Seed", last_name = "User " .. id, email = userid .. "@example.com",
        student = true,
      })
      first_id = first_id or u.id
      last_id = u.id
    end
    local keys = { "ok", "count", "first_id", "last_id" }
    local out = { ok = true, count = count, first_id = first_id, last_id = last_id }
    if resources > 0 then
      local first = 1
      for id in pairs(S.resources) do if id >= first then first = id + 1 end end
      for id = first, first + resources - 1 do
        S.resources[id] = { id = id, type = "Page", name = "Seed resource " .. id, library = "School",
          creator_id = 1, created_at = ngx.time() }
      end
      keys[#keys + 1] = "resources"
      out.resources = C.ordered({ "count", "first_id", "last_id" },
        { count = resources, first_id = first, last_id = first + resources - 1 })
    end
    return C.reply(200, C.ordered(keys, out))
  elseif what == "mail" then
    if method == "GET" then return list_view("mail", S.mail, K.MAIL_KEYS) end
    if method == "DELETE" then
      S.mail = {}
      return C.reply(200, C.ordered({ "ok" }, { ok = true }))
    end
    return C.method_not_allowed({ "GET", "DELETE" })
  elseif what == "posts" then
    if method == "GET" then return list_view("posts", S.posts, K.POST_KEYS) end
    return C.method_not_allowed({ "GET" })
  elseif what == "functions" then
    if method ~= "GET" then return C.method_not_allowed({ "GET" }) end
    local detail = req.args.detail ~= nil
    local out = C.array()
    for _, f in ipairs(lib.FUNCS) do
      if detail then
        out[#out + 1] = C.ordered({ "name", "section", "params", "paginated", "stateful" }, {
          name = f.name, section = f.section, params = lib.id_array(f.params), paginated = f.paged,
          stateful = f.stateful,
        })
      else
        out[#out + 1] = f.name
      end
    end
    return C.reply(200, out)
  end
  return C.not_found()
end

lib.M.reset()

return lib.M
