--- The shared engine of the ready-made workflows (one file per vendor
-- beside this one): declared writes settled before a row is reported, and
-- batches gathered by the vendor's size.
--
-- A row's write is described as data, so that the engine can both make it
-- and look its effect up through the look-up its vendor declaration names
-- (lmskit.reconcile), never through a read written again here:
--
--     { resource = "enrollments", action = "create", fields = { listing_id = 1, canvas_user_id = 7 } }
--     { resource = "courses", action = "enroll", args = { course, member } }  -- route parameters
--     { fn = "add_students_to_class", args = { class_id = 1, user_ids = { 7 } } } -- RPC (MATRIX)
--
-- engine.write makes it and says how the row ended: `created` (or what
-- the workflow calls its own effect: `removed`, `sent`, `updated`), or,
-- when the write failed but its effect is there (refused as "already
-- enrolled", an answer lost, ...), `exists` (`absent` for a removal).
-- Every failed or unknown write is looked up before a row is reported:
--   * found: the row is done;
--   * absent: the failure stands; an unknown outcome becomes a plain
--     failure (`sent = false`: not done, safe to run again), except for a
--     write that notifies people (a mail may have gone out);
--   * no look-up declared: the failure stands as it is;
--   * the look-up fails: the row is unknown, never failed (its effect may
--     be there), and the message says what was tried.
-- Failures that tell the look-up could not help are not looked up: the
-- credentials refused (the read would be too), the rate limit, a request
-- that surely never left (`sent = false`).
-- @module lmskit.workflows.engine
local core = require "lmskit.core"
local path_of = require("lmskit.client").path_of
local params = require "lmskit.params"
local reconcile = require "lmskit.reconcile"
local tasks = require "lmskit.tasks"

local engine = {}

local unpack = table.unpack or _G.unpack

--- Raises a usage error (a row the workflow cannot run: fix the input).
-- @function usage
engine.usage = require("lmskit.usage").raise

--- True when a CSV value is given (not nil, not "").
function engine.present(v) return v ~= nil and v ~= "" end

--- A row's key: the value of column `group`, then the first given (not
-- empty) one of `who` (a CSV gives "" for an empty cell: it never stands
-- for the row), kept apart by the byte 0x1F; nil without `group`.
function engine.key(row, group, who)
  if row[group] == nil then return nil end
  local id = ""
  for _, c in ipairs(who) do
    if engine.present(row[c]) then id = row[c]; break end
  end
  return row[group] .. "\31" .. id
end

--- The value of a required column, or a usage error naming it.
function engine.need(row, column)
  local v = row[column]
  if not engine.present(v) then engine.usage("column '" .. column .. "' is empty") end
  return v
end

--- The name of the first given column of `columns` (one_of), or a usage
-- error naming them all.
function engine.either(row, columns)
  for _, c in ipairs(columns) do
    if engine.present(row[c]) then return c end
  end
  engine.usage("one of the columns " .. table.concat(columns, ", ") .. " is needed; all are empty")
end

--- An id from a CSV as the integer it is ("021" -> 21); anything else as given.
function engine.int(v)
  if type(v) == "string" and v:match("^%s*%-?%d+%s*$") then return tonumber(v) end
  return v
end

-- The resource object (nil for RPC) and declaration of a described write.
local function declared(client, w)
  local path = path_of(client)
  if w.fn then return nil, path.functions[w.fn] end
  local rdecl = path.decl.resources[w.resource]
  local adecl = rdecl and rdecl.actions[w.action]
  if not adecl then error(("workflows: %s has no %s:%s"):format(path.decl.name, w.resource, w.action)) end
  return client[w.resource], adecl, rdecl
end

-- The write's values by name as reconcile sees them (lmskit.resource):
-- route parameters, and fields converted to their declared types.
local function values_of(client, w)
  if w.fn then return w.args or {} end
  local _, adecl, rdecl = declared(client, w)
  local values = {}
  local declared_fields = adecl.body or adecl.query or {}
  for k, v in pairs(w.fields or {}) do
    local spec = declared_fields[k] or (adecl.top and adecl.top[k])
    values[k] = spec and params.coerce(spec, v) or v
  end
  local i = 0
  for name in (rdecl.path .. (adecl[2] or "")):gmatch("/:([%w_]+)") do
    i = i + 1
    values[name] = (w.args or {})[i]
  end
  return values
end
engine.values = values_of

--- Makes the described write; returns what the call returned.
function engine.call(client, w)
  if w.fn then return client:call(w.fn, w.args or {}) end
  local resource = client[w.resource]
  local args = {}
  for i, v in ipairs(w.args or {}) do args[i] = v end
  if w.fields then args[#args + 1] = w.fields end
  return resource[w.action](resource, unpack(args, 1, #args))
end

-- Tasks whose call the client tried more than once (a "retry" event
-- came from the task), and the clients whose retries are watched
-- (engine.watch_retries).
local retried = setmetatable({}, { __mode = "k" })
local watching = setmetatable({}, { __mode = "k" })

--- Watches the client's retries for engine.call_watched, for the length
-- of a job: the client's log function gets every event as before.
-- Returns a function that stops watching.
function engine.watch_retries(client)
  local path = path_of(client)
  local log = path.log
  path.log = function(event)
    if event.event == "retry" then
      local task = tasks.current()
      if task then retried[task] = true end
    end
    if log then return log(event) end
  end
  watching[client] = (watching[client] or 0) + 1
  return function()
    path.log = log
    watching[client] = watching[client] - 1
    if watching[client] == 0 then watching[client] = nil end
  end
end

--- Makes the described write like engine.call, inside tasks.pcall;
-- returns ok, the result, and whether the client tried it more than once
-- (only known while engine.watch_retries watches; nil otherwise): an
-- answer that counts what the call changed then may not count what an
-- earlier try of it changed.
function engine.call_watched(client, w)
  local task = tasks.current()
  if task then retried[task] = nil end
  local ok, result = tasks.pcall(engine.call, client, w)
  local again
  if task and watching[client] then again = retried[task] == true end
  if task then retried[task] = nil end
  return ok, result, again
end

-- Failures after which a look-up can tell nothing: the credentials were
-- refused (a read would be too), the rate limit, a misuse.
local NO_LOOKUP = { auth = true, rate_limited = true, usage = true }

-- True when looking the effect of a write up after err may tell something.
local function worth_looking(err)
  return core.is_error(err) and not NO_LOOKUP[err.kind] and err.sent ~= false
end

-- Looks the effect up; returns true, found, which (contains/lacks: the
-- values found) when the look-up answered, or false, the look-up's error.
local function look(client, w)
  local resource, adecl = declared(client, w)
  return tasks.pcall(reconcile.find, path_of(client), resource, adecl, values_of(client, w))
end

-- The failure of a write whose effect the look-up showed absent (unknown
-- becomes not done, safe to run again, unless the write notifies people).
local function not_done(client, w, err)
  local _, adecl = declared(client, w)
  if reconcile.unknown(err) and not reconcile.notifies(adecl, values_of(client, w)) then
    err.sent, err.looked_up = false, true
    err.message = err.message .. " (looked up afterwards: not done)"
  end
  return err
end

-- A write whose look-up failed: its effect may be there, so the row is
-- unknown, whatever the write's own failure was; but when the look-up too
-- was refused the credentials (a key that may neither write nor read),
-- the write's own failure stands: nothing can be known before they are
-- fixed.
local REFUSED = { auth = true, forbidden = true }
local function not_known(err, why)
  if core.is_error(why) and REFUSED[why.kind] and REFUSED[err.kind] then return err end
  err.sent = "unknown"
  err.message = ("%s; looking its effect up failed: %s"):format(err.message,
    core.is_error(why) and why.message or tostring(why))
  return err
end

-- A write no read can settle: an unknown outcome says so.
local function unread(client, w, err)
  if reconcile.unknown(err) and not err.message:find("no read can show", 1, true) then
    local _, adecl = declared(client, w)
    err.message = err.message .. "; no read can show whether it took effect" ..
      (reconcile.notifies(adecl, values_of(client, w)) and
       " (it notifies people: it is not sent again unless asked to resend)" or "")
  end
  return err
end

--- Makes a described write and settles a failure through its declared
-- look-up (see the module header).  `how`: { done = "created", found =
-- "exists" }, what the row reports when the write went through, and when
-- it failed but its effect was found.  Returns how, and the call's result
-- (or the item found).  Raises the write's error, amended, otherwise.
function engine.write(client, w, how)
  local ok, result = tasks.pcall(engine.call, client, w)
  local done = how and how.done or "created"
  if ok then return done, result end
  local err = result
  if not worth_looking(err) then error(err, 0) end
  local looked, found = look(client, w)
  if not looked then error(not_known(err, found), 0) end
  if found then -- a lost answer found is this write's; a refusal found was there before
    return reconcile.unknown(err) and done or (how and how.found or "exists"), found
  end
  if found == false then error(not_done(client, w, err), 0) end
  error(unread(client, w, err), 0) -- no look-up declared for it
end

--- A batch write's failure settled per item: `keys` are the values of the
-- batch's contains/lacks rule (user ids), one per item.  Returns an array:
-- for each item its how, or { err = error }.
function engine.settle_each(client, w, err, keys, how)
  local out = {}
  local function all(v) for i = 1, #keys do out[i] = v end return out end
  if not worth_looking(err) then return all { err = err } end
  local looked, found, which = look(client, w)
  if not looked then return all { err = not_known(err, found) } end
  if found == nil then return all { err = unread(client, w, err) } end
  local done = how and how.done or "created"
  local there = reconcile.unknown(err) and done or (how and how.found or "exists")
  local absent = not_done(client, w, err)
  for i, key in ipairs(keys) do
    out[i] = (found == true or (which and which[reconcile.text(key)])) and there or { err = absent }
  end
  return out
end

--- Whether a described write's effect is in place, for a workflow's
-- verify: "done", "absent", or nil when no look-up can tell (none
-- declared, or it failed).
function engine.check(client, w)
  local looked, found = look(client, w)
  if not looked or found == nil then return nil end
  return found and "done" or "absent"
end

--- engine.check for each item of a batch write (`keys` as for
-- settle_each): an array of "done" / "absent" (nil each when no look-up
-- can tell); one read for the whole batch.
function engine.check_each(client, w, keys)
  local looked, found, which = look(client, w)
  local out = {}
  if not looked or found == nil then return out end
  for i, key in ipairs(keys) do
    out[i] = (found == true or (which and which[reconcile.text(key)])) and "done" or "absent"
  end
  return out
end

--- The item a described write's look-up finds (false when absent, nil
-- when it cannot tell): for a workflow that needs an id to verify further.
function engine.lookup(client, w)
  local looked, found = look(client, w)
  if not looked then return nil end
  return found
end

-- Batches ---------------------------------------------------------------

local Batcher = {}
Batcher.__index = Batcher

--- Gathers the rows of a batching workflow into calls of up to `size`
-- items per group (a class, an assignment), whatever the job's
-- concurrency: the rows wait in the batcher as tasks, holding no call
-- slot (bulk runs `size` times as many rows as calls in flight for a
-- batching workflow, see lmskit.workflows).  A batch goes when it is full,
-- or, once the rows ready to run have joined, when no row of its group is
-- still being prepared (its preparing call, an add_user, may yet bring it;
-- the first row looks again every `linger` seconds), or after `max_wait`
-- seconds at most; and at once when every row the job runs at a time
-- (`workers`) waits in the batcher: no other row can come before one of
-- them goes.
-- opts: size, send(group, items) -> { how or { err = e }, ... } (one per
-- item; raising fails every item), linger (0.05 s), max_wait (10 s),
-- workers (the job's rows at a time, if known).
function engine.batcher(opts)
  return setmetatable({ size = opts.size, send = opts.send, linger = opts.linger or 0.05,
                        max_wait = opts.max_wait or 10, workers = opts.workers, groups = {},
                        waiting = 0, calls = 0 }, Batcher)
end

-- True when every row the job runs at a time waits in this batcher.
local function all_waiting(b)
  return b.workers ~= nil and b.waiting >= b.workers
end

-- Sends a batch (once); the rows waiting for it are released.  True when
-- this task sent it.
local function flush(b, g, batch)
  if batch.sent then return false end
  batch.sent = true
  if g.open == batch then g.open = nil end
  b.calls = b.calls + 1
  b.waiting = b.waiting - #batch.items
  local ok, results = tasks.pcall(b.send, g.value, batch.items)
  batch.ok, batch.results = ok, results
  for _ = 2, #batch.items do tasks.release(batch.waiting) end
  return true
end

--- Adds a row to its group's batch: prepare() returns the row's item (it
-- may make calls of its own); the row waits for its batch and returns its
-- result (a how), or raises its error.
function Batcher:add(group, prepare)
  local key = tostring(group)
  local g = self.groups[key]
  if not g then
    g = { coming = 0, value = group }
    self.groups[key] = g
  end
  g.coming = g.coming + 1
  local ok, item = tasks.pcall(prepare)
  g.coming = g.coming - 1
  if not ok then error(item, 0) end
  if not tasks.current() then -- outside tasks nothing can join: a batch of one
    local results = self.send(group, { item })
    local r = results[1]
    if type(r) == "table" and r.err ~= nil then error(r.err, 0) end
    return r
  end
  local batch = g.open
  if not batch then
    batch = { items = {}, waiting = tasks.semaphore(0), since = core.now() }
    g.open = batch
  end
  local items = batch.items
  items[#items + 1] = item
  self.waiting = self.waiting + 1
  local index = #items
  local sent_here = false
  if index >= self.size or (all_waiting(self) and g.coming == 0) then
    sent_here = flush(self, g, batch)
  elseif index == 1 then -- the first row watches over the batch
    tasks.sleep(0) -- the rows ready to run now join it first
    while not batch.sent do
      if g.coming == 0 or all_waiting(self) or core.now() - batch.since >= self.max_wait then
        sent_here = flush(self, g, batch)
      else
        tasks.sleep(self.linger) -- rows of its group are being prepared: they will join
      end
    end
  end
  if not sent_here then tasks.acquire(batch.waiting) end
  if not batch.ok then error(batch.results, 0) end
  local r = batch.results[index]
  if type(r) == "table" and r.err ~= nil then error(r.err, 0) end
  return r
end

return engine
