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
--       -- or lacks = { field = "id", values = "user_ids" }: none listed (removals;
--       --    with all = true, a call that gave no values, a removal of all,
--       --    must find nothing)
--       -- or no rule: whatever the look-up answers is the effect
--     } }
--
-- Values name the call's own arguments (route parameters and body or
-- query fields, by their declared names, after conversion to their
-- declared types: "021" given for an integer is 21); a list of names,
-- { "login", "email" }, is the first the call gave (a key with a default).
-- More, for vendors whose look-ups need it:
--
--     effect = {                                     -- alternatives: the first that applies
--       { when = "slug", lookup = "get", args = { "slug" }, missing = "absent", match = ... },
--       { lookup = "list", query = { filter = { partner_id = "partner_id" }, page = { size = 100 } },
--         match = ..., unique = true, hint = "give it a slug" },
--     }
--     -- when = "name": this alternative applies when the call has that value
--     -- query: a table of fields nests (filter[partner_id]); a number or
--     --   boolean is sent as it stands (a page size)
--     -- missing = "absent": the look-up answering 404 means the effect is absent
--     --   (a read of the key itself: GET /users/<login>);
--     --   missing = "done": it means the effect is there (a delete: gone)
--     -- partial = true: match compares only the fields the call gave (updates)
--     -- exact = true: match compares strings as they are, not case-folded
--     -- unique = true: every item is read; when several match, nothing tells
--     --   which is this call's, and the outcome stays unknown (its message
--     --   says so, and `hint` what would tell them apart)
--     -- append_only = { page = "page", size = "per_page", per = 100 }: the
--     --   list only grows at its end (id order); a look-up reads only the
--     --   pages an earlier look-up of the client has not seen full
--     -- fresh = "id": the key is not unique (a group's name), so the look-up
--     --   also runs just before the write, and only an item whose `id` it did
--     --   not see then is the effect (if that read fails, nothing is sent)
--
-- `effect = false` declares that no read can find the effect.  After an
-- unknown outcome the effect is looked up: found, the call returns what
-- the look-up found (the item, or true); absent, the write is sent again
-- (up to the client's `retries`), and when no try is left the error says
-- so (`sent = false`: not done, safe to try later); the look-up failing,
-- or no look-up declared, the call raises its lmskit.Error with
-- `sent = "unknown"`.  Writes that notify people (`notifies = true`:
-- invitations, mails) are never sent again once their outcome is unknown,
-- even when the look-up finds nothing: a second mail is worse than a
-- question.
-- And for vendors whose calls take tables or answer bare ids:
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
--   * alternatives (effect = { {...}, {...} }) are used only when the call
--     gives their keys: a user by userid, else by student id, ...;
--   * idempotent and notifies may be conditions: an argument path or a
--     list of paths, true when one holds a true value
--     (notifies = "options.send_notification").  A call that notifies is
--     never idempotent: it is not repeated after a 5xx or a lost answer.
-- @module lmskit.reconcile
local core = require "lmskit.core"
local NULL = require("lmskit.json").null
local retry = require "lmskit.retry"
local backoff = retry.backoff
local tasks = require "lmskit.tasks"

local reconcile = {}

-- Look-ups tried beyond the client's `retries` before an outcome is left
-- unknown.
local LOOKUP_EXTRA = 3

-- Methods whose repetition changes nothing (RFC 9110 section 9.2.2).
local IDEMPOTENT = { GET = true, HEAD = true, PUT = true, DELETE = true }

-- Whether a failed look-up (reads: always safe to repeat) is tried
-- again: the retry policy, with LOOKUP_EXTRA tries beyond `retries`.
local function look_again(api, looks, found)
  return retry.should_retry { kind = core.is_error(found) and found.kind or nil, safe = true,
                              attempt = looks, retries = api.retries + LOOKUP_EXTRA }
end

-- The pages of append-only lists kept by earlier look-ups, per request
-- path (see lookup_tail).
local tails = setmetatable({}, { __mode = "k" })

-- An item's (or the call's values') field by a dotted path ("user.id");
-- JSON null is absent.
local function field_of(item, path)
  if path ~= "" and not path:find(".", 1, true) then -- (one name: no iterator to make)
    if type(item) ~= "table" then return nil end
    item = item[path]
    if item == NULL then return nil end
    return item
  end
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

--- A natural key's value as the text look-ups compare (the keys of the
-- set reconcile.find returns for contains/lacks rules).
function reconcile.text(v) return text(v) end

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

-- A value name without its "?" (optional) mark, and the mark.
local function key_name(from)
  if from:byte(-1) == 63 then return from:sub(1, -2), true end -- ("?")
  return from, false
end

-- The value an effect names: a call value by name or dotted path
-- ("attributes.userid"), or the first given of a list of names.
local function value_of(values, from)
  if type(from) ~= "table" then return field_of(values, (key_name(from))) end
  for _, name in ipairs(from) do
    local v = field_of(values, name)
    if v ~= nil and v ~= "" then return v end
  end
  return nil
end

-- A look-up's query from its declaration: strings name call values,
-- tables nest, other values are sent as they stand.
local function map_query(spec, values, into)
  for k, from in pairs(spec) do
    if type(from) == "string" or (type(from) == "table" and from[1] ~= nil) then
      into[k] = value_of(values, from)
    elseif type(from) == "table" then into[k] = map_query(from, values, {})
    else into[k] = from end
  end
  return into
end

-- True when the call gives every key the effect needs to be found by:
-- a natural key the call does not give leaves nothing to look up by (the
-- outcome then stays unknown, and is never sent again blindly).
local function keys_given(effect, values)
  if effect.when ~= nil and value_of(values, { effect.when }) == nil then return false end
  for _, from in pairs(effect.match or {}) do
    local v = value_of(values, from)
    local optional = type(from) == "string" and select(2, key_name(from))
    if not (optional or effect.partial) and (v == nil or v == "") then return false end
  end
  if type(effect.upsert) == "string" then
    local compared = {}
    for _, from in pairs(effect.match or {}) do
      if type(from) == "string" then compared[(key_name(from))] = true end
    end
    local fields = value_of(values, effect.upsert)
    for k in pairs(type(fields) == "table" and fields or {}) do
      if not compared[effect.upsert .. "." .. tostring(k)] then return false end
    end
  end
  local rule = effect.contains or (effect.lacks and not effect.lacks.all and effect.lacks)
  local v = rule and value_of(values, rule.values)
  return not rule or (v ~= nil and not (type(v) == "table" and next(v) == nil))
end

-- The effect this call can be looked up by: the declared one, or the
-- first alternative whose keys the call gives; nil when none (or when
-- `effect = false`: no read can find it).
local function choose(effect, values)
  if not effect then return nil end
  for _, e in ipairs(effect[1] and effect or { effect }) do
    if keys_given(e, values) then return e end
  end
  return nil
end

-- True when item has the literal field values of `where` (true: present
-- and not false; false: absent, false or null).
local function passes(item, where)
  if where == nil then return true end
  if type(item) ~= "table" then return false end
  for field, want in pairs(where) do
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
local function lookup_call(api, resource, effect, values, options, extra)
  local name = effect.lookup
  local args = {}
  for i, from in ipairs(effect.args or {}) do args[i] = value_of(values, from) end
  local query = {}
  for k, v in pairs(options or {}) do query[k] = v end
  map_query(effect.query or {}, values, query)
  for k, v in pairs(extra or {}) do query[k] = v end
  local owner, action = name:match("^([%w_]+)%.([%w_]+)$")
  if api.functions and api.functions[name] then
    for k, v in pairs(query) do args[k] = v end
    return api.client:call(name, args)
  end
  local target = owner and api.client[owner] or resource
  local method = target and target[action or name]
  if not method then error(("reconcile: no look-up '%s'"):format(name)) end
  args[#args + 1] = query
  return method(target, (table.unpack or _G.unpack)(args, 1, #args))
end

-- Whether a value read equals the call's value (exact: strings as they are).
local function same(v, wanted, exact)
  return text(v, exact) == text(wanted, exact)
end

-- True when item carries the call's natural key (effect.match) and the
-- literal values of effect.where; a key the call leaves out (optional,
-- or partial = true) is not compared.
local function matches(effect, values, item)
  if type(item) ~= "table" or not passes(item, effect.where) then return false end
  for field, from in pairs(effect.match or {}) do
    local wanted = value_of(values, from)
    if wanted ~= nil then
      local v = field_of(item, field)
      if v == nil or not same(v, wanted, effect.exact) then return false end
    end
  end
  return true
end

-- Runs the look-up; returns its result, or nil, "missing" when it
-- answered 404 and the declaration says what that means.
local function lookup(api, resource, effect, values, options, extra)
  local ok, result = tasks.pcall(lookup_call, api, resource, effect, values, options, extra)
  if ok then return result end
  if effect.missing and core.is_error(result) and result.kind == "not_found" then
    return nil, "missing"
  end
  error(result, 0)
end

-- An append-only list (effect.append_only = { page =, size =, per = }:
-- items are only ever added at its end, in id order) is read from the
-- first page not yet seen full by an earlier look-up of this client:
-- full pages are kept (per list and query), so a job's look-ups cost the
-- new pages only, not the whole list each time.  Returns an iterator over
-- the kept pages and the new items.
local function lookup_tail(api, resource, effect, values, options)
  local t = effect.append_only
  local key = effect.lookup .. "?" .. core.encode_query(map_query(effect.query or {}, values, {}))
  local kept_tails = tails[api] or {}
  tails[api] = kept_tails
  local tail = kept_tails[key] or { pages = {}, full = 0 }
  kept_tails[key] = tail
  local first = tail.full + 1
  local new = {}
  each_item(lookup(api, resource, effect, values, options, { [t.page] = first, [t.size] = t.per }),
            function(item) new[#new + 1] = item; return false end)
  local complete = math.floor(#new / t.per)
  for p = 1, complete do
    local page = {}
    for i = (p - 1) * t.per + 1, p * t.per do page[#page + 1] = new[i] end
    tail.pages[first + p - 1] = page
  end
  while tail.pages[tail.full + 1] do tail.full = tail.full + 1 end
  local kept = {}
  for p = 1, first - 1 do
    for _, item in ipairs(tail.pages[p] or {}) do kept[#kept + 1] = item end
  end
  for _, item in ipairs(new) do kept[#kept + 1] = item end
  return kept
end

-- The identities (effect.fresh) of the items matching before the write.
local function existing(api, resource, effect, values, options)
  local seen = {}
  each_item(lookup(api, resource, effect, values, options), function(item)
    if matches(effect, values, item) then seen[text(field_of(item, effect.fresh))] = true end
    return false
  end)
  return seen
end

-- Looks the effect up.  Returns the item found (or true for contains,
-- lacks and missing = "done"), false when it is absent.  `before`: the
-- identities seen before the write (effect.fresh), which are not its effect.
local function find(api, resource, effect, values, options, before)
  local result, missing
  if effect.append_only then result = lookup_tail(api, resource, effect, values, options)
  else result, missing = lookup(api, resource, effect, values, options) end
  if missing then return effect.missing == "done" end
  if effect.missing == "done" then return false end -- still there
  local rule = effect.contains or effect.lacks
  if not rule then
    local found, n = false, 0
    each_item(result, function(item)
      if not matches(effect, values, item) then return false end
      if before and before[text(field_of(item, effect.fresh))] then return false end
      found, n = found or item, n + 1
      return not effect.unique
    end)
    if n > 1 then
      local fields = {}
      for field in pairs(effect.match or {}) do fields[#fields + 1] = field end
      table.sort(fields)
      error(("%d %s match %s: cannot tell whether this write took effect%s"):format(
        n, resource and resource._name or "items", table.concat(fields, ", "),
        effect.hint and "; " .. effect.hint or ""), 0)
    end
    if found and effect.returns then return found[effect.returns] or false end
    return found
  end
  local exact, given = effect.exact, value_of(values, rule.values)
  local wanted = text_set(given, exact)
  local seen, any = {}, false
  each_item(result, function(item)
    if not passes(item, effect.where) then return false end
    local v = type(item) == "table" and field_of(item, rule.field) or item
    if v ~= nil then seen[text(v, exact)] = true end
    any = true
    return false
  end)
  if effect.lacks and effect.lacks.all and given == nil then return not any end -- removed from all
  -- which: the values given that satisfy the rule (listed for contains,
  -- not listed for lacks), so that one read settles every value of a batch
  local all, which = true, {}
  for v in pairs(wanted) do
    if (seen[v] ~= nil) == (effect.contains ~= nil) then which[v] = true else all = false end
  end
  return all, which
end

-- Declarations whose effect has an alternative with `fresh` (its look-up
-- runs before the write), by declaration: asked once per action.
local has_fresh = setmetatable({}, { __mode = "k" })

-- True when some alternative of adecl's effect is `fresh`.
local function fresh_alternative(adecl)
  local effect = adecl and adecl.effect
  if not effect then return false end
  local known = has_fresh[adecl]
  if known == nil then
    known = false
    for _, e in ipairs(effect[1] and effect or { effect }) do
      if e.fresh then known = true end
    end
    has_fresh[adecl] = known
  end
  return known
end

-- The effect a call of adecl with these values is looked up by, or nil:
-- an upsert found proves its fields, never that its mail went out.
local function effect_for(adecl, values)
  local effect = choose(adecl and adecl.effect, values)
  if effect and effect.upsert and reconcile.notifies(adecl, values) then return nil end
  return effect
end

--- Sends a write (`spec`, through api:send) and settles an unknown
-- outcome through the declared look-up.  `values` are the call's arguments by name;
-- `resource` is the resource object the call belongs to (nil for RPC);
-- `options` the per-call options (Coursepath `as`, Coggno `lms`) the
-- look-up is made with too.
-- Returns what send returns, or what the look-up found and true.
function reconcile.send(api, resource, adecl, values, options, spec)
  values = values or {}
  local effect, before
  if fresh_alternative(adecl) then -- chosen before the write: it reads first
    effect = effect_for(adecl, values)
  end
  if effect and effect.fresh and not api:is_dry() then
    local looked, seen = tasks.pcall(existing, api, resource, effect, values, options)
    if not looked then
      if core.is_error(seen) then -- the write itself never left
        seen.sent = false
        seen.message = seen.message .. " (looking up before a write; the write was not sent)"
      end
      error(seen, 0)
    end
    before = seen
  end
  local ok, result = tasks.pcall(api.send, api, spec)
  if ok then return result end
  -- (the rest runs only after a failure: the common call chooses nothing)
  local notifies = reconcile.notifies(adecl, values)
  effect = effect or effect_for(adecl, values)
  -- sends again: the client's `retries`; look-ups (reads, always safe to
  -- repeat) a few more, so that a flaky read rarely leaves a row unknown
  local sends, looks = 0, 0
  local reconnected = false -- the free send again after a stale connection
  while reconcile.unknown(result) and effect do
    local looked, found = tasks.pcall(find, api, resource, effect, values, options, before)
    if looked then
      api:emit { event = "reconcile", method = result.method, url = result.url,
                  found = found ~= false }
      if found then return found, true end
      if notifies then
        result.message = result.message .. " (looked up: not done; it notifies people, so it was not sent again)"
        break
      end
      local free = not reconnected and retry.reconnects(result)
      if sends >= api.retries and not free then -- looked up: the write surely did not happen
        result.sent, result.looked_up = false, true
        result.message = result.message .. " (looked up: not done)"
        break
      end
      if free then reconnected = true else sends = sends + 1 end
      ok, result = tasks.pcall(api.send, api, spec)
      if ok then return result end
    else
      if not look_again(api, looks, found) then
        result.message = result.message .. "; looking it up failed: " ..
          tostring(core.is_error(found) and found.message or found)
        break
      end
      api:pause(math.min(backoff(looks), api.max_retry_wait))
      looks = looks + 1
    end
  end
  error(result, 0)
end

--- Looks up the effect of a call of the declared action `adecl` with
-- `values` (its arguments by name, as reconcile.send gets them) without
-- sending anything: for a caller that must know whether a write it made
-- earlier (or one refused, or lost) is in place, such as a bulk workflow
-- before it reports a row.  `resource` is the resource object the action
-- belongs to (nil for an RPC function), `options` the per-call options.
-- Returns the item found (or true), and for contains/lacks rules the set
-- of the given values (as text) that satisfy it; false (and that set)
-- when the effect is absent; nil when no look-up is declared for these
-- values (or the call notifies and its look-up could not prove the mail).
-- A look-up that fails is tried again like reconcile.send's (the client's
-- retries plus a few); the last failure is raised.
function reconcile.find(api, resource, adecl, values, options)
  values = values or {}
  local effect = effect_for(adecl, values)
  if not effect then return nil end
  local looks = 0
  while true do
    local ok, found, which = tasks.pcall(find, api, resource, effect, values, options)
    if ok then return found, which end
    if not look_again(api, looks, found) then
      error(found, 0)
    end
    api:pause(math.min(backoff(looks), api.max_retry_wait)) -- (every wait is capped)
    looks = looks + 1
  end
end

return reconcile
