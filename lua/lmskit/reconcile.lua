--- Writes whose outcome is unknown are settled, not blindly sent again.
--
-- A write (a POST, or any call its declaration marks `idempotent = false`)
-- whose request went out and whose answer never came (the connection died,
-- a timeout, a 500/502/503/504 from the server or a gateway) may have taken
-- effect.  Its declaration names how to find that effect:
--
--     create = { "POST", body = ..., effect = {
--       lookup = "list",                             -- a read of this resource
--       -- or "user_registrations.list" (another resource), or an RPC function
--       args = { "course_id" },                      -- its positional arguments
--       query = { listing_id = "listing_id" },       -- its argument table
--       match = { ["user.id"] = "canvas_user_id" },  -- item field (dotted) = call value
--       -- or contains = { field = "id", values = "user_ids" }: every value listed
--       -- or lacks = { field = "id", values = "user_ids" }: none listed (removals)
--     } }
--
-- Values name the call's own arguments (route parameters and body or
-- query fields, by their declared names).  After an unknown outcome the
-- effect is looked up: found, the call returns what the look-up found
-- (the item, or true); absent, the write is sent again (up to the
-- client's `retries`), and when no try is left the error says so
-- (`sent = false`: not done, safe to try later); the look-up failing, or
-- no look-up declared, the call raises its lmskit.Error with
-- `sent = "unknown"`.  Writes that
-- notify people (`notifies = true`: invitations, mails) are never sent
-- again once their outcome is unknown, even when the look-up finds
-- nothing: a second mail is worse than a question.
--
-- More shapes, for vendors whose calls take tables or answer bare ids:
--   * a value name may be a path into a table argument ("attributes.userid"),
--     and a table in `query` builds a table argument the same way:
--     query = { constraints = { userid = "attributes.userid" } };
--   * a `match` value ending in "?" is compared only when the call gives
--     it; any other value (a natural key) the call does not give leaves
--     nothing to look up by: the outcome stays unknown, never sent again;
--   * where = { unenrolled = false, status = "Committed" }: only items
--     with these literal field values count (true: present, not false or
--     null); with neither match nor contains/lacks, the first such item;
--   * returns = "id": the call returns that field of the item found (for
--     functions that answer a bare id);
--   * upsert = "attributes" (or true): the write creates or updates what its key
--     finds with the fields of that table argument, so an item found
--     proves the call only when `match` compares every field it gives,
--     and never proves a notification (a call that notifies is not
--     looked up);
--   * effect = { {...}, {...} }: alternatives, the first whose keys the
--     call gives is used (a user by userid, else by student id, ...);
--   * idempotent and notifies may be conditions: an argument path or a
--     list of paths, true when one holds a true value
--     (notifies = "options.send_notification").  A call that notifies is
--     never idempotent: it is not repeated after a 5xx or a lost answer.
-- @module lmskit.reconcile
local core = require "lmskit.core"
local NULL = require("lmskit.json").null
local backoff = require("lmskit.retry").backoff
local tasks = require "lmskit.tasks"

local reconcile = {}

-- Methods whose repetition changes nothing (RFC 9110 section 9.2.2).
local IDEMPOTENT = { GET = true, HEAD = true, PUT = true, DELETE = true }

-- A look-up that failed this way may succeed when tried again.
local TRANSIENT = { transport = true, timeout = true, server = true, rate_limited = true }

-- An item's (or the call's values') field by a dotted path ("user.id").
local function field_of(item, path)
  for part in path:gmatch("[^.]+") do
    if type(item) ~= "table" then return nil end
    item = item[part]
  end
  if item == NULL then return nil end
  return item
end

local FALSE_TEXT = { ["false"] = true, ["0"] = true, no = true, [""] = true }

-- A call value read as a flag: absent, false, 0, "false", "0", "no" and
-- "" are false; anything else (true, "true", a userid) is true.
local function is_true(v)
  if v == nil or v == false or v == 0 then return false end
  return not (type(v) == "string" and FALSE_TEXT[v:lower()])
end

-- A declared condition: a boolean, or an argument path or list of paths
-- (true when one is true).  nil when the call's values are not known.
local function holds(cond, values)
  if cond == nil or type(cond) == "boolean" then return cond end
  if values == nil then return nil end
  for _, path in ipairs(type(cond) == "table" and cond or { cond }) do
    if is_true(field_of(values, path)) then return true end
  end
  return false
end

--- True when this call of the declared action notifies people (when its
-- values are not known, a conditional `notifies` counts as true).
function reconcile.notifies(adecl, values)
  if not adecl or adecl.notifies == nil then return false end
  local n = holds(adecl.notifies, values)
  if n == nil then return true end
  return n
end

--- True when this call of the declared action (or, by default, its
-- method) may be repeated without changing the outcome; never for a call
-- that notifies.  `values`: the call's arguments by name, for conditions.
function reconcile.idempotent(method, adecl, values)
  if reconcile.notifies(adecl, values) then return false end
  if adecl and adecl.idempotent ~= nil then return holds(adecl.idempotent, values) == true end
  return IDEMPOTENT[method] == true
end

--- True when err says the call may or may not have taken effect.
function reconcile.unknown(err)
  return core.is_error(err) and err.sent == "unknown"
end

-- A value as text for comparing natural keys: integral numbers without
-- ".0", strings case-folded (emails, logins, slugs differ in case only).
local function text(v)
  if type(v) == "number" and v == math.floor(v) and v > -2^53 and v < 2^53 then
    return ("%d"):format(v)
  end
  return tostring(v):lower()
end

-- The set of texts of a value or array of values.
local function text_set(v)
  local set = {}
  if type(v) == "table" then
    for _, x in ipairs(v) do set[text(x)] = true end
  elseif v ~= nil then
    set[text(v)] = true
  end
  return set
end

-- Calls fn(item) for each item a look-up result holds: an iterator (a
-- paged list), an array, or one object.
local function each_item(result, fn)
  if type(result) == "function" then
    for item in result do if fn(item) then return true end end
  elseif type(result) == "table" then
    if #result > 0 or next(result) == nil then
      for _, item in ipairs(result) do if fn(item) then return true end end
    else
      return fn(result)
    end
  end
  return false
end

-- A value name without its "?" (optional) mark, and the mark.
local function key_name(from)
  if from:sub(-1) == "?" then return from:sub(1, -2), true end
  return from, false
end

-- The call's value a name (or a table of names) stands for.
local function value_for(from, values)
  if type(from) == "table" then
    local t = {}
    for k, x in pairs(from) do t[k] = value_for(x, values) end
    return t
  end
  return field_of(values, (key_name(from)))
end

-- True when the call gives every key the effect needs to be found by.
local function keys_given(effect, values)
  for _, from in pairs(effect.match or {}) do
    local v, optional = value_for(from, values), select(2, key_name(from))
    if not optional and (v == nil or v == "") then return false end
  end
  if type(effect.upsert) == "string" then
    local compared = {}
    for _, from in pairs(effect.match or {}) do compared[(key_name(from))] = true end
    local fields = value_for(effect.upsert, values)
    for k in pairs(type(fields) == "table" and fields or {}) do
      if not compared[effect.upsert .. "." .. tostring(k)] then return false end
    end
  end
  local rule = effect.contains or effect.lacks
  local v = rule and value_for(rule.values, values)
  return not rule or (v ~= nil and not (type(v) == "table" and next(v) == nil))
end

-- The declared effect this call can be looked up by (the first usable
-- alternative), or nil.
local function usable(effect, values)
  if not effect then return nil end
  for _, e in ipairs(effect[1] and effect or { effect }) do
    if keys_given(e, values) then return e end
  end
end

-- True when item has the literal field values of `where`.
local function passes(item, where)
  if type(item) ~= "table" then return where == nil end
  for field, want in pairs(where or {}) do
    local v = field_of(item, field)
    if type(want) == "boolean" then
      if (v ~= nil and v ~= false) ~= want then return false end
    elseif v == nil or text(v) ~= text(want) then
      return false
    end
  end
  return true
end

-- The read that finds the effect: a method of this resource, of another
-- resource ("name.action"), or an RPC function of the client.
local function lookup_call(api, resource, effect, values, options)
  local name = effect.lookup
  local args = {}
  for i, from in ipairs(effect.args or {}) do args[i] = value_for(from, values) end
  local query = {}
  for k, v in pairs(options or {}) do query[k] = v end
  for k, from in pairs(effect.query or {}) do query[k] = value_for(from, values) end
  local owner, action = name:match("^([%w_]+)%.([%w_]+)$")
  if api._functions and api._functions[name] then
    for k, v in pairs(query) do args[k] = v end
    return api:call(name, args)
  end
  local target = owner and api[owner] or resource
  local method = target and target[action or name]
  if not method then error(("reconcile: no look-up '%s'"):format(name)) end
  args[#args + 1] = query
  return method(target, (table.unpack or _G.unpack)(args, 1, #args))
end

-- Looks the effect up.  Returns the item found (or true for contains and
-- lacks), false when it is absent.
local function find(api, resource, effect, values, options)
  local result = lookup_call(api, resource, effect, values, options)
  local rule = effect.contains or effect.lacks
  if not rule then
    local found = false
    each_item(result, function(item)
      if type(item) ~= "table" or not passes(item, effect.where) then return false end
      for field, from in pairs(effect.match or {}) do
        local want = value_for(from, values)
        if want ~= nil and text(field_of(item, field) or "") ~= text(want) then return false end
      end
      found = item
      return true
    end)
    if found and effect.returns then return found[effect.returns] or false end
    return found
  end
  local wanted = text_set(value_for(rule.values, values))
  local seen = {}
  each_item(result, function(item)
    if not passes(item, effect.where) then return false end
    local v = type(item) == "table" and field_of(item, rule.field) or item
    if v ~= nil then seen[text(v)] = true end
    return false
  end)
  for v in pairs(wanted) do
    if (seen[v] ~= nil) ~= (effect.contains ~= nil) then return false end
  end
  return true
end

--- Sends a write through `send()` and settles an unknown outcome through
-- the declared look-up.  `values` are the call's arguments by name;
-- `resource` is the resource object the call belongs to (nil for RPC);
-- `options` the per-call options (Coursepath `as`, Coggno `lms`) the
-- look-up is made with too.
-- Returns what send returns, or what the look-up found and true.
function reconcile.send(api, resource, adecl, values, options, send)
  local ok, result = tasks.pcall(send)
  if ok then return result end
  local notifies = reconcile.notifies(adecl, values)
  local effect = usable(adecl.effect, values or {})
  if effect and effect.upsert and notifies then effect = nil end
  local budget, tries = api._retries, 0 -- look-ups and sends again, together
  while reconcile.unknown(result) and effect do
    local looked, found = tasks.pcall(find, api, resource, effect, values, options)
    if looked then
      api:_emit { event = "reconcile", method = result.method, url = result.url,
                  found = found ~= false }
      if found then return found, true end
      if notifies then
        result.message = result.message .. " (looked up: not done; it notifies people, so it was not sent again)"
        break
      end
      if tries >= budget then -- looked up: the write surely did not happen
        result.sent = false
        result.message = result.message .. " (looked up: not done)"
        break
      end
      tries = tries + 1
      ok, result = tasks.pcall(send)
      if ok then return result end
    else
      if tries >= budget or not core.is_error(found) or not TRANSIENT[found.kind] then
        result.message = result.message .. "; looking it up failed: " ..
          tostring(core.is_error(found) and found.message or found)
        break
      end
      api:_pause(backoff(tries))
      tries = tries + 1
    end
  end
  error(result, 0)
end

return reconcile
