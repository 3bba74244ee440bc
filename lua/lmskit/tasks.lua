--- Tasks: coroutines that run lmskit calls concurrently on one engine.
--
--     lmskit.run({ concurrency = 16 }, function(spawn)
--       for _, row in ipairs(rows) do spawn(function() cp.members:create(row) end) end
--     end)
--
-- A call made inside a task submits its request to the engine and yields;
-- the scheduler resumes the task when the response is in.  The yield is a
-- plain coroutine.yield in Lua, never across lmskit's C code, so the same
-- code runs on Lua 5.1, 5.2, 5.3, 5.4 and LuaJIT.  Lua 5.1 alone cannot
-- yield through pcall or out of a generic for's iterator (a lazy list's
-- next page): tasks.pcall passes yields up from a coroutine of its own, and
-- where no yield can get out the task waits in place, running the
-- scheduler (other tasks included) nested until its call is in.  A host
-- with its own loop calls `lmskit.step(timeout)` instead of `lmskit.run`:
-- it never blocks longer than the timeout.  Scheduler state lives in this
-- module's table: one per lua_State, nothing global in C.
-- @module lmskit.tasks
local core = require "lmskit.core"
local params = require "lmskit.params"

local tasks = {}

-- Raises a usage error for the caller of the public function.
local usage = require("lmskit.usage").raise

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
  -- task, value, task, value... to resume, FIFO but for tasks just
  -- started and tasks.release(sem, true), which go first (shared by
  -- nested loops)
  ready = { head = 1, tail = 0 },
  waiting = {},     -- request -> task
  sleepers = {},    -- tasks with a wake time, unordered (small)
  soonest = math.huge, -- the earliest of their wake times (core.now's clock)
  by_co = setmetatable({}, { __mode = "k" }), -- coroutine -> task
  count = 0,        -- live tasks
  in_flight = 0,    -- requests submitted by tasks
  slots = nil,      -- semaphore bounding calls in flight (lmskit.run's concurrency)
  pending = { head = 1, tail = 0 }, -- tasks spawned and not yet started, FIFO
  idle = {},        -- worker coroutines with no task, parked (a stack)
  active = 0,       -- started tasks, less those asleep or waiting for another task
  limit = math.huge, -- tasks active at once (lmskit.run's concurrency)
  failure = nil,    -- the first error a task raised
  depth = 0,        -- tasks waiting in place (Lua 5.1), one inside the other
  only = nil,       -- the task a nested loop past MAX_NESTED runs for (its own, theirs)
  calls = {},       -- tasks waiting for their call's units, in the order they came
}

local engine_of = {} -- engines the scheduler steps (weak set by engine)
setmetatable(engine_of, { __mode = "k" })
-- A core client's engine (it never changes), so a call asks it once.
local engine_by_client = setmetatable({}, { __mode = "k" })

-- Queues a task to be resumed with value; a task waiting in place (see
-- wait_in_place) is woken where it waits instead.  A task woken from a
-- sleep or another task's semaphore counts as active again.  `first`:
-- ahead of the tasks already ready (it runs next).
local function make_ready(task, value, first)
  if task.in_place then -- (active again once its wait returns, see wait_in_place)
    task.parked, task.woken, task.wake_value = nil, true, value
    return
  end
  if task.parked then
    task.parked = nil
    scheduler.active = scheduler.active + 1
  end
  local r = scheduler.ready
  if first then
    r.head = r.head - 2
    r[r.head], r[r.head + 1] = task, value
    return
  end
  r.tail = r.tail + 2 -- (a pair of slots: no table per wake-up)
  r[r.tail - 1], r[r.tail] = task, value
end

--- The task running now, or nil outside tasks.
function tasks.current()
  local co = coroutine.running()
  return co and scheduler.by_co[co]
end

-- Lua 5.1 (not LuaJIT, nor 5.2+) cannot yield across a C function (pcall,
-- table.sort...) nor out of a generic for's iterator, which it calls
-- through C: a lazy list's page fetched inside a task is such a case.
local PUC51 = _VERSION == "Lua 5.1" and not rawget(_G, "jit")
local getinfo = debug.getinfo

-- tasks.pcall's coroutine (Lua 5.1) -> the thread that passes its yields up.
local parent_of = setmetatable({}, { __mode = "k" })

-- Lua 5.1: true when a yield from here cannot reach the scheduler: a C
-- frame, or a frame a generic for called as its iterator (5.1 names it
-- "(for generator)"), in this coroutine or in the tasks.pcall coroutines
-- its yields go up through.  (A metamethod's call is a boundary 5.1 does
-- not show; a yield there fails with Lua's own error, registering nothing.)
-- (A C frame is a function with no current line, -1; a tail call's place
-- holder has no function.  "S" would name C frames too, but it formats the
-- source's name for every frame, and this runs on every call.)
local function cannot_yield()
  local thread, level = nil, 1
  while true do
    local info
    if thread then info = getinfo(thread, level, "fnl") else info = getinfo(level, "fnl") end
    if not info then
      thread = parent_of[thread or coroutine.running()]
      if not thread then return false end
      level = 1 -- level 0 is its coroutine.resume of the coroutine above
    elseif (info.currentline < 0 and info.func) or info.name == "(for generator)" then
      return true
    else
      level = level + 1
    end
  end
end

--- pcall that lets fn yield to the scheduler on every Lua version: on
-- Lua 5.1, fn runs in a coroutine of the same task whose yields are
-- passed up (the coxpcall technique); elsewhere it is pcall itself.
function tasks.pcall(fn, ...)
  if not PUC51 then return pcall(fn, ...) end
  local co = coroutine.create(fn)
  local task = tasks.current()
  if task then
    scheduler.by_co[co] = task
    parent_of[co] = coroutine.running()
  end
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

-- Queues a task of fn(...), checked callable by the caller.
local function enqueue(fn, ...)
  local n = select("#", ...)
  -- Lua 5.1: who started the task (see run_ready)
  local parent = PUC51 and tasks.current() or nil
  local task = { fn = fn, n = n, args = n > 0 and { ... } or nil, parent = parent }
  scheduler.count = scheduler.count + 1
  local p = scheduler.pending
  p.tail = p.tail + 1
  p[p.tail] = task
  return task
end

--- Starts fn(...) as a task; it runs at the scheduler's next step, on a
-- worker coroutine once fewer than lmskit.run's concurrency tasks are
-- active (asleep or waiting for another task, a task is not active).
function tasks.spawn(fn, ...)
  if not callable(fn) then usage("lmskit.spawn(fn, ...): fn must be a function") end
  return enqueue(fn, ...)
end

-- Tasks lmskit.run lets wait to start, per call slot (at least 64): a
-- job that spawns 20,000 calls at once pauses while this many are queued,
-- so the queue, not the job's size, bounds its memory.
local QUEUED_PER_SLOT = 8

-- lmskit.run's spawn: tasks.spawn, but a task that can yield waits (as
-- a sleeper, holding no worker) while the queue of tasks not yet started
-- is full; elsewhere it queues as tasks.spawn does.
local function bounded_spawn(fn, ...)
  if not callable(fn) then usage("lmskit.spawn(fn, ...): fn must be a function") end
  local limit = math.max(64, QUEUED_PER_SLOT * (scheduler.limit or 16))
  -- (cannot_yield walks the stack: asked only once the queue is full)
  if tasks.queued() >= limit and tasks.current() and not cannot_yield() then
    while tasks.queued() >= limit do
      -- woken by take_pending once half the queue has started
      local gate = scheduler.spawn_gate or tasks.semaphore(0)
      scheduler.spawn_gate, scheduler.spawn_resume = gate, math.floor(limit / 2)
      tasks.acquire(gate)
    end
  end
  return enqueue(fn, ...)
end

--- How many spawned tasks wait to start (queued, not yet on a worker).
function tasks.queued()
  local p = scheduler.pending
  return p.tail - p.head + 1
end

--- A counting semaphore for tasks: at most n holders at once.  Waiting
-- for one (tasks.acquire) lets another task start.  lmskit.run's slots
-- and a client's `concurrency` are semaphores too, whose units calls
-- take and give back in tasks.await only (see take_units): `waiting`
-- counts the calls queued for one.
function tasks.semaphore(n)
  return { free = n, queue = {}, head = 1, tail = 0, waiting = 0 }
end

-- Records what a suspended task waits for.  The scheduler does it when it
-- receives the task's yield, so a yield that Lua refuses (Lua 5.1, across
-- a boundary) leaves no wake-up behind for a task that went on or died.
-- A task asleep or waiting for another task is parked: not active, so
-- it holds no worker another task needs (one it waits for, say).
local function register(task, kind, arg)
  if kind == "request" then
    scheduler.waiting[arg] = task
    scheduler.in_flight = scheduler.in_flight + 1
    return
  elseif kind == "sleep" then
    task.wake = arg
    scheduler.sleepers[#scheduler.sleepers + 1] = task
    if arg < scheduler.soonest then scheduler.soonest = arg end
  elseif kind == "semaphore" then
    arg.tail = arg.tail + 1
    arg.queue[arg.tail] = task
  else -- ("units": a task waiting for its call's units stays active)
    return
  end
  task.parked = true
  scheduler.active = scheduler.active - 1
end

local advance -- defined below (the body of tasks.step)
local step_engines -- defined below (sends and reads on every engine)

-- Tasks waiting in place that may run all others nested; each takes C
-- stack (Lua 5.1 allows 200 C calls), so one deeper runs only the tasks it
-- started itself (and theirs), the others waiting meanwhile.
local MAX_NESTED = 10

-- Waits where the task stands (Lua 5.1, where it cannot yield): runs the
-- scheduler nested, other tasks included, until this task is woken.  It
-- is not active meanwhile, even once woken: it goes on only when the
-- tasks nested above it return, so a unit of the limit it held would
-- keep the tasks they wait for from starting (a deadlock).
local function wait_in_place(task, kind, arg)
  scheduler.depth = scheduler.depth + 1
  local only = scheduler.depth > MAX_NESTED and task or nil
  local outer_only = scheduler.only
  scheduler.only = only or outer_only
  task.in_place, task.woken = true, false
  register(task, kind, arg)
  if not task.parked then scheduler.active = scheduler.active - 1 end -- (register parks sleepers)
  -- its request goes out before the tasks it runs meanwhile
  if kind == "request" then step_engines(0) end
  local ok, err = pcall(function() -- nothing yields in here: it is Lua 5.1, in place
    while not task.woken do advance(1, task, only) end
  end)
  scheduler.depth = scheduler.depth - 1
  scheduler.only = outer_only
  scheduler.active = scheduler.active + 1
  local value = task.wake_value
  task.in_place, task.parked, task.woken, task.wake_value = nil, nil, nil, nil
  if not ok then error(err, 0) end
  return value
end

-- Suspends the running task until the scheduler wakes it for `kind`
-- ("request", "sleep", "semaphore" with its argument); returns the value
-- it is woken with.
local function suspend(task, kind, arg)
  if PUC51 and cannot_yield() then return wait_in_place(task, kind, arg) end
  return coroutine.yield(kind, arg)
end

-- Takes one unit of sem if one is free; true when taken.
local function try_acquire(sem)
  if sem.free > 0 then
    sem.free = sem.free - 1
    return true
  end
  return false
end

--- Inside a task: takes one unit, yielding until one is free.
function tasks.acquire(sem)
  if try_acquire(sem) then return end
  suspend(tasks.current(), "semaphore", sem) -- the releaser hands its unit over
end

--- Gives a unit back, to the longest waiting task if any; with `first`,
-- that task runs next, ahead of the tasks already ready.
function tasks.release(sem, first)
  if sem.head <= sem.tail then
    local task = sem.queue[sem.head]
    sem.queue[sem.head] = nil
    sem.head = sem.head + 1
    make_ready(task, nil, first)
  else
    sem.free = sem.free + 1
  end
end

-- A call's units: one of lmskit.run's slots (its concurrency) and one of
-- its client's own limit (the client's `concurrency`), either absent.
-- A call takes both at once just before its request goes out, nothing
-- yields in between, and gives them back when the request ends: a unit
-- is held exactly while a request is in flight, so one always comes
-- free.  A unit is never handed over to a waiting task, which might not
-- run soon (a nested loop past MAX_NESTED runs only its own tasks): the
-- task is woken, and takes its units when it runs if they are still free.

-- True when the units a call needs are free.
local function units_free(slots, limit)
  return (slots == nil or slots.free > 0) and (limit == nil or limit.free > 0)
end

-- True when the units a call needs are free and no task that came
-- first waits for one of them (each semaphore counts its waiting tasks).
local function free_for_all(slots, limit)
  return (slots == nil or (slots.free > 0 and slots.waiting == 0))
     and (limit == nil or (limit.free > 0 and limit.waiting == 0))
end

-- Puts task in the queue of calls waiting for units (first in line, or
-- last), or takes it out.
local function queue_call(task, slots, limit, first)
  task.want_slots, task.want_limit = slots, limit
  if slots then slots.waiting = slots.waiting + 1 end
  if limit then limit.waiting = limit.waiting + 1 end
  table.insert(scheduler.calls, first and 1 or #scheduler.calls + 1, task)
end
local function unqueue_call(i)
  local task = table.remove(scheduler.calls, i)
  local slots, limit = task.want_slots, task.want_limit
  task.want_slots, task.want_limit = nil, nil
  if slots then slots.waiting = slots.waiting - 1 end
  if limit then limit.waiting = limit.waiting - 1 end
  return task
end

-- True when task was started by `ancestor`, or by a task it started...
local function descends(task, ancestor)
  repeat task = task.parent until task == nil or task == ancestor
  return task ~= nil
end

-- True when a waiting task would run now once woken: any (but for a
-- nested loop past MAX_NESTED, which runs its own tasks only).
local function runs_now(task)
  return scheduler.only == nil or descends(task, scheduler.only)
end

-- Wakes the waiting tasks whose units are free and that run now, in the
-- order they came, as many as the free units allow.
local function admit()
  local queue = scheduler.calls
  local spent = {} -- sem -> units promised in this pass
  local i = 1
  while queue[i] do
    local task = queue[i]
    local slots, limit = task.want_slots, task.want_limit
    if (slots == nil or slots.free > (spent[slots] or 0))
       and (limit == nil or limit.free > (spent[limit] or 0)) and runs_now(task) then
      unqueue_call(i)
      if slots then spent[slots] = (spent[slots] or 0) + 1 end
      if limit then spent[limit] = (spent[limit] or 0) + 1 end
      make_ready(task, nil)
    else
      i = i + 1
    end
  end
end

-- Takes the units of task's call, waiting (in the queue, woken by admit)
-- while they are not free or tasks that came first wait for them.  Woken,
-- it takes them (admit saw them free); should another have taken them
-- meanwhile, it waits again, first in line.  A task that cannot yield
-- (Lua 5.1, in place) waits only for the units to be free, stepping the
-- engines and running no other task: waiting in place runs the others
-- nested, one wait inside the other, and each goes on only once those
-- above it return (past MAX_NESTED, one at a time).  A unit comes back
-- as a request ends, in step_engines, so the wait is one call's at most.
local function take_units(task, slots, limit, in_place)
  if in_place then
    -- (with nothing in flight no unit can come back: it goes on without)
    while not units_free(slots, limit) and scheduler.in_flight > 0 do step_engines(1) end
  elseif not free_for_all(slots, limit) then
    local first = false
    repeat
      queue_call(task, slots, limit, first)
      coroutine.yield("units")
      first = true
    until units_free(slots, limit)
  end
  if slots then slots.free = slots.free - 1 end
  if limit then limit.free = limit.free - 1 end
  task.held_slots, task.held_limit = slots, limit
end

-- Gives back the units task holds for its call (once), and wakes the
-- tasks waiting for them.
local function give_back(task)
  local slots, limit = task.held_slots, task.held_limit
  if slots == nil and limit == nil then return end
  task.held_slots, task.held_limit = nil, nil
  if slots then slots.free = slots.free + 1 end
  if limit then limit.free = limit.free + 1 end
  if scheduler.calls[1] ~= nil then admit() end
end

--- Inside a task: submits the wire request on a core client and yields
-- until it finishes; returns the finished Request.  `limit` is the
-- client's own semaphore (its `concurrency` option), if any.  The call
-- holds a unit of it and of lmskit.run's slots while its request is in
-- flight (see take_units).
function tasks.await(core_client, wire, limit)
  local task = tasks.current()
  local in_place = PUC51 and cannot_yield()
  take_units(task, scheduler.slots, limit, in_place)
  -- a job that stopped (lmskit.bulk: its breaker, Ctrl-C) sends nothing
  -- more, not even for rows it had started: a call waiting for its slot
  -- fails, unsent, with `stopped` set
  local why = task.stop and task.stop()
  if why then
    give_back(task)
    error(core.error { kind = "transport", message = "not sent: the job stopped: " .. why, sent = false,
                       stopped = true }, 0)
  end
  task.sent_calls = (task.sent_calls or 0) + 1
  local ok, request = pcall(core_client.submit, core_client, wire)
  if ok then
    local engine = engine_by_client[core_client]
    if not engine then
      engine = core_client:engine()
      engine_by_client[core_client] = engine
    end
    engine_of[engine] = true
    -- (its units go back when the request ends: see step_engines)
    if in_place then wait_in_place(task, "request", request) else coroutine.yield("request", request) end
  end
  give_back(task)
  if not ok then error(request, 0) end
  return request
end

--- Inside a task: yields for `seconds` while other tasks go on.
function tasks.sleep(seconds)
  suspend(tasks.current(), "sleep", core.now() + seconds)
end

-- What a worker yields when it has no task left to run.
local IDLE = {}

local worker -- defined below (the body of a worker coroutine)

-- Starts task on a parked worker coroutine, or a new one: the worker
-- receives the task when it is resumed.
local function start(task)
  local idle = scheduler.idle
  local co = idle[#idle]
  if co then idle[#idle] = nil else co = coroutine.create(worker) end
  task.co = co
  scheduler.by_co[co] = task
  scheduler.active = scheduler.active + 1
  make_ready(task, task)
end

-- Takes the next spawned task that may start now (fewer than the limit
-- active), or nil.
local function take_pending()
  if scheduler.active >= scheduler.limit then return nil end
  local p = scheduler.pending
  while p.head <= p.tail do
    local task = p[p.head]
    p[p.head] = nil
    p.head = p.head + 1
    local gate = scheduler.spawn_gate -- a spawner waits for the queue to shrink
    if gate and p.tail - p.head + 1 <= scheduler.spawn_resume then
      scheduler.spawn_gate = nil
      tasks.release(gate)
    end
    if task then return task end -- (false: started by a nested loop)
  end
end

-- Starts the spawned tasks that may start now; with `only` (a nested loop
-- of Lua 5.1, see run_ready), every task `only` started (and theirs).
-- The tasks started run before those already ready, in the order they
-- were spawned: a new task's first step sends its request, and it goes
-- out before the answers in hand are read.  Returns how many started.
local function start_pending(only)
  if only then
    local p = scheduler.pending
    for i = p.head, p.tail do
      local task = p[i]
      if task and descends(task, only) then
        p[i] = false
        start(task)
      end
    end
    return 0
  end
  local task = take_pending()
  if not task then return 0 end
  local r = scheduler.ready
  local head, tail = r.head, r.tail
  while task do
    start(task)
    task = take_pending()
  end
  -- what was queued meanwhile, two slots an entry: the tasks started, and
  -- a spawner take_pending woke (its gate) -- all of it moves, so n is
  -- read from the queue, not counted from the tasks started
  local n = r.tail - tail
  if head <= tail then -- others were ready: move the new ones ahead
    for i = 1, n do
      r[head - n - 1 + i], r[tail + i] = r[tail + i], nil
    end
    r.head, r.tail = head - n, tail
  end
  return n / 2
end

-- The body of a worker coroutine: runs `task`, then the next spawned
-- task while one may start (a nested loop of Lua 5.1 starts them
-- itself), then parks until the scheduler hands it another.  A task
-- raising an error ends its worker with it.
function worker(task)
  local co = coroutine.running()
  while true do
    local fn, args = task.fn, task.args
    task.fn, task.args = nil, nil
    if args then fn(unpack(args, 1, task.n)) else fn() end
    scheduler.count = scheduler.count - 1
    scheduler.active = scheduler.active - 1
    scheduler.by_co[co] = nil
    task = scheduler.depth == 0 and take_pending()
    if task then
      task.co = co
      scheduler.by_co[co] = task
      scheduler.active = scheduler.active + 1
    else
      task = coroutine.yield(IDLE)
    end
  end
end

-- Resumes one task's coroutine; registers what the task it now runs
-- waits for, parks a worker with no task left, or records a failure.
local function resume(task, value)
  local co = task.co
  local ok, kind, arg = coroutine.resume(co, value)
  if not ok then
    scheduler.failure = scheduler.failure or tasks.nomem(kind)
  end
  if coroutine.status(co) == "dead" then -- (a worker dies only with an error)
    scheduler.count = scheduler.count - 1
    scheduler.active = scheduler.active - 1
    scheduler.by_co[co] = nil
  elseif kind == IDLE then
    scheduler.idle[#scheduler.idle + 1] = co
  elseif ok then
    register(scheduler.by_co[co], kind, arg)
  end
end

-- An engine waits for its own transfers only: with requests running on
-- more than one, each waits at most this long in turn (seconds), so an
-- answer on one is read while another's call is slow.
local ENGINE_SLICE = 0.005

-- True when more than one engine the scheduler knows has requests running.
local function engines_busy()
  local first = next(engine_of)
  if first == nil or next(engine_of, first) == nil then return false end -- (one engine: the usual case)
  local busy = 0
  for engine in pairs(engine_of) do
    if not engine:closed() and engine:running() > 0 then busy = busy + 1 end
  end
  return busy > 1
end

-- Steps every engine the scheduler knows (sending what was submitted,
-- reading what came back), waiting up to `wait` seconds for the first
-- with requests running and not at all after one moved; the tasks whose
-- requests finished become ready.  True when one did.
function step_engines(wait)
  local moved = false
  if wait > ENGINE_SLICE and engines_busy() then wait = ENGINE_SLICE end
  for engine in pairs(engine_of) do
    local finished
    if engine:closed() then
      -- closed by its owner: its requests ended with a transport error
      engine_of[engine] = nil
      finished = {}
      for request in pairs(scheduler.waiting) do
        if request:done() then finished[#finished + 1] = request end
      end
    elseif engine:running() > 0 then
      finished = engine:step(moved and 0 or wait)
    else
      finished = engine:step(0)
    end
    for _, request in ipairs(finished) do
      local task = scheduler.waiting[request]
      if task then
        scheduler.waiting[request] = nil
        scheduler.in_flight = scheduler.in_flight - 1
        give_back(task) -- (its units: the request no longer holds them)
        make_ready(task, request)
        moved = true
      end
    end
  end
  return moved
end

-- Runs every task that is ready now (new ones may become ready meanwhile),
-- or, for a task waiting in place, until that task is woken.  With `only`,
-- just the tasks `only` started (the rest stay queued, in order).
local function run_ready(waiter, only)
  local r = scheduler.ready
  if only then
    local progressed = true
    while progressed and not waiter.woken do
      progressed = false
      start_pending(only)
      for i = r.head, r.tail, 2 do
        local task = r[i]
        if task and descends(task, only) then
          r[i] = false -- taken; skipped when the queue reaches it
          resume(task, r[i + 1])
          progressed = true
          if waiter.woken then break end
        end
      end
    end
    return
  end
  local fresh = 0 -- tasks just started, at the front of the queue
  while not (waiter and waiter.woken) do
    fresh = fresh + start_pending() -- (spawned meanwhile: they go first)
    if r.head > r.tail then break end
    local head = r.head
    local task, value = r[head], r[head + 1]
    r[head], r[head + 1] = nil, nil
    r.head = head + 2
    if task then resume(task, value) end
    if fresh > 0 then
      fresh = fresh - 1
      -- the new tasks have submitted their requests: on the wire with
      -- them now, not after the rest of the queue has run
      if fresh == 0 and r.head <= r.tail then step_engines(0) end
    end
  end
end

-- Wakes sleepers whose time has come, and keeps the earliest wake time
-- of the others in scheduler.soonest.
local function wake_sleepers()
  if scheduler.sleepers[1] == nil then return end -- (none: no clock, no table)
  local now, soonest = core.now(), math.huge
  local still = {}
  for _, task in ipairs(scheduler.sleepers) do
    if task.wake <= now then make_ready(task, nil) else
      still[#still + 1] = task
      if task.wake < soonest then soonest = task.wake end
    end
  end
  scheduler.sleepers, scheduler.soonest = still, soonest
end

-- Seconds until the earliest sleeper is due (0 if it is), or math.huge.
-- Read when the round is about to wait: a task the round ran may have
-- gone to sleep after wake_sleepers looked.
local function next_wake()
  local soonest = scheduler.soonest
  if soonest == math.huge then return soonest end -- (no sleeper: no clock)
  return math.max(0, soonest - core.now())
end

-- One round of the scheduler: ready tasks, sleepers, engines, without
-- waiting longer than `timeout`.  `waiter` is a task waiting in place: the
-- round ends early once it is woken; `only` limits the tasks it runs.
function advance(timeout, waiter, only)
  -- (a nested loop past MAX_NESTED may have left a waiting task asleep)
  if scheduler.calls[1] ~= nil then admit() end
  run_ready(waiter, only)
  wake_sleepers()
  run_ready(waiter, only)
  -- a woken waiter goes on at once, but what its tasks submitted still
  -- goes out now (the engines step without waiting)
  local wait = (waiter and waiter.woken) and 0 or math.min(timeout, next_wake())
  local moved = step_engines(wait)
  local r = scheduler.ready
  local idle = only or r.head > r.tail -- (what `only` leaves queued cannot run now)
  if not moved and scheduler.in_flight == 0 and idle and wait > 0 and wait < math.huge
     and scheduler.count > 0 then -- (no task left: nothing to wait for)
    core.engine():wait(wait) -- only sleepers: pause without spinning
  end
  wake_sleepers()
  run_ready(waiter, only)
end

--- Marks `waiter` (a table) woken, for tasks.step_until.
function tasks.wake(waiter)
  waiter.woken = true
end

--- Outside tasks: runs the scheduler until a task calls
-- tasks.wake(waiter), and no further: the caller goes on at once, before
-- the other tasks that are ready then (they run at its next step), and
-- what the tasks submitted meanwhile is sent.  Raises the first error a
-- task raised.
function tasks.step_until(waiter)
  while not waiter.woken do
    advance(1, waiter)
    local failure = scheduler.failure
    if failure then
      scheduler.failure = nil
      error(failure, 0)
    end
  end
  waiter.woken = nil
end

--- Advances every task as far as it can without waiting longer than
-- `timeout` seconds (0, the default, never blocks).  Returns the number
-- of live tasks.  Raises the first error a task raised.
function tasks.step(timeout)
  timeout = timeout or 0
  local why = params.number(timeout, "seconds0")
  if why then usage("lmskit.step(timeout): timeout " .. why) end
  advance(timeout)
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
  local previous, previous_limit = scheduler.slots, scheduler.limit
  scheduler.slots = tasks.semaphore(opts.concurrency or 16)
  scheduler.limit = opts.concurrency or 16
  local ok, err = pcall(function()
    tasks.spawn(fn, bounded_spawn)
    while scheduler.count > 0 do tasks.step(1) end
  end)
  scheduler.slots, scheduler.limit = previous, previous_limit
  if not ok then
    -- abandon what is left: their requests are collected with them, and
    -- the units they held go back (a client's outlive the run)
    while scheduler.calls[1] do unqueue_call(1) end
    for _, task in pairs(scheduler.waiting) do give_back(task) end
    scheduler.ready, scheduler.sleepers, scheduler.waiting = { head = 1, tail = 0 }, {}, {}
    scheduler.soonest = math.huge
    scheduler.pending, scheduler.idle, scheduler.spawn_gate = { head = 1, tail = 0 }, {}, nil
    scheduler.count, scheduler.in_flight, scheduler.active = 0, 0, 0
    error(tasks.nomem(err), 0)
  end
end

return tasks
