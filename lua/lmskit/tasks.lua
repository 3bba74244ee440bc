--- Tasks: coroutines that run lmskit calls concurrently on one engine.
--
--     lmskit.run({ concurrency = 16 }, function(spawn)
--       for _, row in ipairs(rows) do spawn(function() cp.members:create(row) end) end
--     end)
--
-- A call made inside a task submits its request to the engine and yields;
-- the scheduler resumes the task when the response is in.  The yield is a
-- plain coroutine.yield in Lua, never across a C boundary, so the same
-- code runs on Lua 5.1 and LuaJIT.  A host with its own loop calls
-- `lmskit.step(timeout)` instead of `lmskit.run`: it never blocks longer
-- than the timeout.  Scheduler state lives in this module's table: one per
-- lua_State, nothing global in C.
-- @module lmskit.tasks
local core = require "lmskit.core"
local params = require "lmskit.params"

local tasks = {}

-- Raises a usage error for the caller of the public function.
local function usage(message)
  error(core.error { kind = "usage", message = message }, 3)
end

--- Lua's out-of-memory error (the value "not enough memory": what Lua
-- code sees of LUA_ERRMEM) as an lmskit.Error of kind nomem; any other
-- error value as it is.
function tasks.nomem(err)
  if err == "not enough memory" then
    return core.error { kind = "nomem", message = "not enough memory (Lua could not allocate)" }
  end
  return err
end

--- Raises a usage error unless n is a valid number of calls in flight
-- (a whole number of at least 1: 0 or less would hang, NaN never ends).
function tasks.check_concurrency(what, n)
  local why = params.number(n, "count")
  if why then error(core.error { kind = "usage", message = what .. ": concurrency " .. why }, 3) end
end

local unpack = table.unpack or _G.unpack

-- The scheduler of this lua_State (created on first use).
local scheduler = {
  ready = {},       -- { task, value } to resume, FIFO
  waiting = {},     -- request -> task
  sleepers = {},    -- tasks with a wake time, unordered (small)
  by_co = setmetatable({}, { __mode = "k" }), -- coroutine -> task
  count = 0,        -- live tasks
  in_flight = 0,    -- requests submitted by tasks
  slots = nil,      -- semaphore bounding calls in flight (lmskit.run's concurrency)
  failure = nil,    -- the first error a task raised
}

local engine_of = {} -- engines the scheduler steps (weak set by engine)
setmetatable(engine_of, { __mode = "k" })

-- Queues a task to be resumed with value.
local function make_ready(task, value)
  local r = scheduler.ready
  r[#r + 1] = { task, value }
end

--- The task running now, or nil outside tasks.
function tasks.current()
  local co = coroutine.running()
  return co and scheduler.by_co[co]
end

-- Lua 5.1 cannot yield across pcall (LuaJIT and 5.2+ can).
local PCALL_BLOCKS_YIELD = _VERSION == "Lua 5.1" and not rawget(_G, "jit")

--- pcall that lets fn yield to the scheduler on every Lua version: on
-- Lua 5.1, fn runs in a coroutine of the same task whose yields are
-- passed up (the coxpcall technique); elsewhere it is pcall itself.
function tasks.pcall(fn, ...)
  if not PCALL_BLOCKS_YIELD then return pcall(fn, ...) end
  local co = coroutine.create(fn)
  local task = tasks.current()
  if task then scheduler.by_co[co] = task end
  local function step(ok, ...)
    if not ok then return false, ... end
    if coroutine.status(co) == "dead" then return true, ... end
    return step(coroutine.resume(co, coroutine.yield(...)))
  end
  return step(coroutine.resume(co, ...))
end

-- True when fn can be called (a function, or a table or userdata with __call).
local function callable(fn)
  if type(fn) == "function" then return true end
  local mt = (type(fn) == "table" or type(fn) == "userdata") and getmetatable(fn)
  return type(mt) == "table" and mt.__call ~= nil
end

--- Starts fn(...) as a task; it runs at the scheduler's next step.
function tasks.spawn(fn, ...)
  if not callable(fn) then usage("lmskit.spawn(fn, ...): fn must be a function") end
  local args, n = { ... }, select("#", ...)
  local task = {}
  task.co = coroutine.create(function() return fn(unpack(args, 1, n)) end)
  scheduler.by_co[task.co] = task
  scheduler.count = scheduler.count + 1
  make_ready(task, nil)
  return task
end

--- A counting semaphore for tasks: at most n holders at once.
function tasks.semaphore(n)
  return { free = n, queue = {}, head = 1, tail = 0 }
end

--- Inside a task: takes one unit, yielding until one is free.
function tasks.acquire(sem)
  if sem.free > 0 then
    sem.free = sem.free - 1
    return
  end
  sem.tail = sem.tail + 1
  sem.queue[sem.tail] = tasks.current()
  coroutine.yield("semaphore") -- the releaser hands its unit over
end

--- Gives a unit back, to the longest waiting task if any.
function tasks.release(sem)
  if sem.head <= sem.tail then
    local task = sem.queue[sem.head]
    sem.queue[sem.head] = nil
    sem.head = sem.head + 1
    make_ready(task, nil)
  else
    sem.free = sem.free + 1
  end
end

--- Inside a task: submits the wire request on a core client and yields
-- until it finishes; returns the finished Request.  `limit` is the
-- client's own semaphore (its `concurrency` option), if any.
function tasks.await(core_client, wire, limit)
  local slots = scheduler.slots
  if slots then tasks.acquire(slots) end
  if limit then tasks.acquire(limit) end
  local ok, request = pcall(core_client.submit, core_client, wire)
  if ok then
    engine_of[core_client:engine()] = true
    scheduler.in_flight = scheduler.in_flight + 1
    scheduler.waiting[request] = tasks.current()
    coroutine.yield("request")
  end
  if limit then tasks.release(limit) end
  if slots then tasks.release(slots) end
  if not ok then error(request, 0) end
  return request
end

--- Inside a task: yields for `seconds` while other tasks go on.
function tasks.sleep(seconds)
  local task = tasks.current()
  task.wake = core.now() + seconds
  scheduler.sleepers[#scheduler.sleepers + 1] = task
  coroutine.yield("sleep")
end

-- Resumes one task; records its end or the first failure.
local function resume(task, value)
  local ok, err = coroutine.resume(task.co, value)
  if not ok then
    scheduler.failure = scheduler.failure or tasks.nomem(err)
  end
  if coroutine.status(task.co) == "dead" then
    scheduler.count = scheduler.count - 1
    scheduler.by_co[task.co] = nil
  end
end

-- Runs every task that is ready now (new ones may become ready meanwhile).
local function run_ready()
  while #scheduler.ready > 0 do
    local batch = scheduler.ready
    scheduler.ready = {}
    for _, item in ipairs(batch) do resume(item[1], item[2]) end
  end
end

-- Wakes sleepers whose time has come; returns seconds to the next wake.
local function wake_sleepers()
  local now, next_wake = core.now(), math.huge
  local still = {}
  for _, task in ipairs(scheduler.sleepers) do
    if task.wake <= now then make_ready(task, nil) else
      still[#still + 1] = task
      if task.wake - now < next_wake then next_wake = task.wake - now end
    end
  end
  scheduler.sleepers = still
  return next_wake
end

--- Advances every task as far as it can without waiting longer than
-- `timeout` seconds (0, the default, never blocks).  Returns the number
-- of live tasks.  Raises the first error a task raised.
function tasks.step(timeout)
  timeout = timeout or 0
  local why = params.number(timeout, "seconds0")
  if why then usage("lmskit.step(timeout): timeout " .. why) end
  run_ready()
  local next_wake = wake_sleepers()
  run_ready()
  local wait = math.min(timeout, next_wake)
  local moved = false
  for engine in pairs(engine_of) do
    local finished
    if engine:running() > 0 then
      finished = engine:step(moved and 0 or wait)
    else
      finished = engine:step(0)
    end
    for _, request in ipairs(finished) do
      local task = scheduler.waiting[request]
      if task then
        scheduler.waiting[request] = nil
        scheduler.in_flight = scheduler.in_flight - 1
        make_ready(task, request)
        moved = true
      end
    end
  end
  if not moved and scheduler.in_flight == 0 and #scheduler.ready == 0 and wait > 0 and wait < math.huge then
    core.engine():wait(wait) -- only sleepers: pause without spinning
  end
  wake_sleepers()
  run_ready()
  local failure = scheduler.failure
  if failure then
    scheduler.failure = nil
    error(failure, 0)
  end
  return scheduler.count
end

--- Runs fn(spawn) as a task and steps until every task has finished.
-- opts.concurrency bounds the calls in flight (default 16; a whole number
-- of at least 1).  Misuse is an lmskit.Error of kind usage; Lua running
-- out of memory in a task, one of kind nomem.
function tasks.run(opts, fn)
  if fn == nil and callable(opts) then opts, fn = {}, opts end
  if type(opts) ~= "table" then usage("lmskit.run(opts, fn): opts must be a table (or left out)") end
  if not callable(fn) then usage("lmskit.run(opts, fn): fn must be a function") end
  if opts.concurrency ~= nil then tasks.check_concurrency("lmskit.run", opts.concurrency) end
  if tasks.current() then -- the outer task would wait on itself
    error(core.error { kind = "usage", message = "lmskit.run inside a task: spawn tasks instead" }, 2)
  end
  local previous = scheduler.slots
  scheduler.slots = tasks.semaphore(opts.concurrency or 16)
  local ok, err = pcall(function()
    tasks.spawn(fn, tasks.spawn)
    while scheduler.count > 0 do tasks.step(1) end
  end)
  scheduler.slots = previous
  if not ok then
    -- abandon what is left: their requests are collected with them
    scheduler.ready, scheduler.sleepers, scheduler.waiting = {}, {}, {}
    scheduler.count, scheduler.in_flight = 0, 0
    error(tasks.nomem(err), 0)
  end
end

return tasks
