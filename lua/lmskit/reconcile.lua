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
--       -- or lacks = { field = "id", values = "user_ids" }: none listed (removals);
--       --    a call that gave no values (a removal of all) must find nothing
--       exact = true,                                -- compare text as is (default:
--                                                    -- case-folded, as emails are)
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
-- nothing: a second mail is worse than a question.  A look-up answered
-- 404 (the read of one item, such as an enrollment) finds nothing.
-- @module lmskit.reconcile
local core = require "lmskit.core"
local backoff = require("lmskit.retry").backoff
local tasks = require "lmskit.tasks"

local reconcile = {}

-- Methods whose repetition changes nothing (RFC 9110 section 9.2.2).
local IDEMPOTENT = { GET = true, HEAD = true, PUT = true, DELETE = true }

--- True when the declared action (or, by default, its method) may be
-- repeated without changing the outcome.
function reconcile.idempotent(method, adecl)
  if adecl and adecl.idempotent ~= nil then return adecl.idempotent end
  return IDEMPOTENT[method] == true
end

--- True when err says the call may or may not have taken effect.  A
-- read (GET, HEAD) has no effect: its lost answer is a plain failure.
function reconcile.unknown(err)
  return core.is_error(err) and err.sent == "unknown" and err.method ~= "GET" and err.method ~= "HEAD"
end

-- A value as text for comparing natural keys: integral numbers without
-- ".0", strings case-folded (emails, logins, slugs differ in case only)
-- unless the effect compares them exactly.
local function text(v, exact)
  if type(v) == "number" and v == math.floor(v) and v > -2^53 and v < 2^53 then
    return ("%d"):format(v)
  end
  return exact and tostring(v) or tostring(v):lower()
end

-- An item's field by a dotted path ("user.id").
local function field_of(item, path)
  for part in path:gmatch("[^.]+") do
    if type(item) ~= "table" then return nil end
    item = item[part]
  end
  return item
end

-- The set of texts of a value or array of values.
local function text_set(v, exact)
  local set = {}
  if type(v) == "table" then
    for _, x in ipairs(v) do set[text(x, exact)] = true end
  elseif v ~= nil then
    set[text(v, exact)] = true
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

-- The read that finds the effect: a method of this resource, of another
-- resource ("name.action"), or an RPC function of the client.
local function lookup_call(api, resource, effect, values, options)
  local name = effect.lookup
  local args = {}
  for i, from in ipairs(effect.args or {}) do args[i] = values[from] end
  local query = {}
  for k, v in pairs(options or {}) do query[k] = v end
  for k, from in pairs(effect.query or {}) do query[k] = values[from] end
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

-- Calls fn(item) for each item the look-up finds; a look-up answered
-- 404 finds none.
local function each_found(api, resource, effect, values, options, fn)
  local ok, err = tasks.pcall(function()
    each_item(lookup_call(api, resource, effect, values, options), fn)
  end)
  if not ok and not (core.is_error(err) and err.kind == "not_found") then error(err, 0) end
end

-- Looks the effect up.  Returns the item found (or true for contains and
-- lacks), false when it is absent.
local function find(api, resource, effect, values, options)
  local exact = effect.exact
  if effect.match then
    local found = false
    each_found(api, resource, effect, values, options, function(item)
      if type(item) ~= "table" then return false end
      for field, from in pairs(effect.match) do
        local v = field_of(item, field)
        if v == nil or text(v, exact) ~= text(values[from], exact) then return false end
      end
      found = item
      return true
    end)
    return found
  end
  local rule = effect.contains or effect.lacks
  local given = values[rule.values]
  local wanted = text_set(given, exact)
  local seen, any = {}, false
  each_found(api, resource, effect, values, options, function(item)
    local v = type(item) == "table" and field_of(item, rule.field) or item
    if v ~= nil then seen[text(v, exact)] = true end
    any = true
    return false
  end)
  if effect.lacks and given == nil then return not any end -- removed from all
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
  local effect = adecl.effect
  local budget, tries = api._retries, 0 -- look-ups and sends again, together
  while reconcile.unknown(result) and effect do
    local looked, found = tasks.pcall(find, api, resource, effect, values, options)
    if looked then
      api:_emit { event = "reconcile", method = result.method, url = result.url,
                  found = found ~= false }
      if found then return found, true end
      if adecl.notifies then break end
      if tries >= budget then -- looked up: the write surely did not happen
        result.sent = false
        result.message = result.message .. " (looked up: not done)"
        break
      end
      tries = tries + 1
      ok, result = tasks.pcall(send)
      if ok then return result end
    else
      if tries >= budget or not core.is_error(found) then
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
