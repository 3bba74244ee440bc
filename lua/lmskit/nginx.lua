--- lmskit inside nginx (OpenResty, or nginx with ngx_lua), without
-- blocking the worker.
--
-- An nginx worker serves every request from one thread; a call that
-- waits on the network there (libcurl's, which lmskit uses) holds all of
-- them.  So here lmskit runs on nginx's own thread pool
-- (`ngx.run_worker_thread`, ngx_lua 0.10.21 or later, nginx built with
-- threads): the handler's coroutine yields to the worker's event loop
-- while a pool thread, in a Lua VM of its own, makes the calls with the
-- whole of lmskit (declarations, paging, retries, JWT, rate limits,
-- redaction, bulk jobs) unchanged, TLS verified as everywhere.
--
-- In nginx.conf (see examples/openresty/):
--
--     thread_pool lmskit threads=16 max_queue=1024;   # main context
--     http {
--         lua_package_path ...; lua_package_cpath ...;
--         lua_worker_thread_vm_pool_size 16;            # = threads
--         init_worker_by_lua_block { require("lmskit.nginx").warm() }
--     }
--
-- In a content, access or timer handler:
--
--     local lms = require "lmskit.nginx"
--     local opts = { base_url = "https://catalog.example.edu", token = os.getenv "CATALOG_TOKEN" }
--     local course = lms.call("catalog", opts, "courses.get", 42)
--     local all = lms.call("catalog", opts, "courses.all", { per_page = 100 })
--     local report = lms.run("myapp.jobs", "enroll_all", rows)  -- your function, in a pool thread
--
-- A call raises its `lmskit.Error` as it would anywhere (`pcall` it to
-- look at `err.kind`).  Values cross between the VMs as data: options
-- must be plain (no `log` function: give `log = true` to get the call's
-- events back in a list, see `call`), and results are plain tables
-- (JSON null stays `ngx.null`, which is lmskit.json's null).  Each pool
-- thread keeps its clients (one per vendor and options) and their
-- connections between calls.
-- @module lmskit.nginx
local nginx = {}

local unpack = table.unpack or unpack -- luacheck: ignore 113 (LuaJIT and 5.1)

-- Values from first to n, nil holes kept (select's count).
local function pack(...) return { n = select("#", ...), ... } end

--- The thread pool's name in nginx.conf (`thread_pool lmskit ...`).
nginx.pool = "lmskit"

--- How many Lua VMs warm() makes: the pool's thread count.  Keep it
-- equal to `threads=` of `thread_pool lmskit` and to
-- `lua_worker_thread_vm_pool_size` in nginx.conf.  ngx_lua gives each
-- call handed to the pool a Lua VM of its own, and makes a missing one in
-- the worker's own thread (loading lua-resty-core into it holds that
-- thread for tens of milliseconds: 100 made at once held it for seconds).
-- With the VM pool that size, a call beyond it waits here for a free VM,
-- without blocking the worker, instead of making one more.
nginx.threads = 16

--- Seconds a call waits for a free pool VM before it fails (kind
-- `timeout`).
nginx.queue_timeout = 60

-- Seconds between two VMs made by warm(): each is made while the worker
-- is otherwise idle, not in one burst.
local WARM_STAGGER = 0.02

-- In the worker: whether warm() has finished.
local warmed

--- The nice value of pool threads while they run lmskit (Linux, 0 to 19;
-- false leaves it): their CPU work (TLS handshakes, decoding) yields to
-- the worker's event loop, a thread of the same process serving every
-- other request.  nginx's pool threads run nothing else.
nginx.thread_nice = 10

-- In a pool thread: lowers this thread's priority to nginx.thread_nice
-- (Linux's setpriority with who = 0 sets the calling thread's; through
-- LuaJIT's FFI, which ngx_lua's VMs have).
local lower_priority
local function yield_cpu_to_worker()
  if not nginx.thread_nice then return end
  if lower_priority == nil then
    lower_priority = false
    local ok, ffi = pcall(require, "ffi")
    if ok and ffi.os == "Linux" then
      pcall(ffi.cdef, "int setpriority(int which, unsigned int who, int prio);")
      lower_priority = function(n) ffi.C.setpriority(0, 0, n) end
    end
  end
  if lower_priority then lower_priority(nginx.thread_nice) end
end

--- How many clients one pool thread keeps (one per vendor and options:
-- an app with a credential per tenant makes many); past it, the oldest is
-- closed, with its connections.
nginx.MAX_CLIENTS = 32

-- In a pool thread: the clients made there, by vendor and options, and
-- their keys in the order they were made.
local clients, made = {}, {}

-- A stable text key of plain options (sorted keys, nested tables).
local function key_of(v)
  if type(v) ~= "table" then return type(v) .. ":" .. tostring(v) end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  local out = {}
  for i, k in ipairs(keys) do
    local value = v[k]
    if value == nil then value = v[tonumber(k)] end
    out[i] = k .. "=" .. key_of(value)
  end
  return "{" .. table.concat(out, ",") .. "}"
end

-- The fields of an lmskit.Error, as plain data.
local ERROR_FIELDS = { "kind", "status", "message", "method", "url", "sent", "code", "retry_after", "stale",
                       "idempotent", "looked_up" }

-- An error as plain data that can leave the pool thread.
local function plain_error(err)
  local core = require "lmskit.core"
  if not core.is_error(err) then
    return { kind = "usage", message = tostring(err) }
  end
  local out = {}
  for _, f in ipairs(ERROR_FIELDS) do out[f] = err[f] end
  return out
end

-- Collects what an iterator yields (a list call) into an array.
local function collect(iter)
  local items = {}
  for item in iter do items[#items + 1] = item end
  return items
end

-- The client of this pool thread for vendor and options (made once),
-- with `sink`: with `log = true` in the options, the events of the call
-- in progress are appended to sink.list.
local function client_for(vendor, options)
  local k = vendor .. key_of(options)
  local c = clients[k]
  if not c then
    local opts, sink = {}, {}
    for name, v in pairs(options or {}) do opts[name] = v end
    if opts.log == true then
      opts.log = function(e) if sink.list then sink.list[#sink.list + 1] = e end end
    end
    c = { api = require("lmskit")[vendor](opts), sink = sink }
    if #made >= nginx.MAX_CLIENTS then
      local oldest = table.remove(made, 1)
      clients[oldest].api:close()
      clients[oldest] = nil
    end
    clients[k] = c
    made[#made + 1] = k
  end
  return c
end

--- In a pool thread: how many clients it keeps now.
function nginx.thread_clients()
  return #made
end

-- The function a dotted method path names on a client, and its self:
-- "courses.get" -> client.courses.get, client.courses; "get_users" ->
-- client.get_users, client.
local function method_of(api, path)
  local owner, fn = api, nil
  local parts = {}
  for part in path:gmatch("[^.]+") do parts[#parts + 1] = part end
  for i, part in ipairs(parts) do
    local v = owner[part]
    if v == nil then error(("lmskit.nginx: no method %q"):format(path), 0) end
    if i < #parts then owner = v else fn = v end
  end
  if type(fn) ~= "function" then error(("lmskit.nginx: %q is not a method"):format(path), 0) end
  return fn, owner
end

--- In a pool thread (ngx.run_worker_thread calls it): makes one call on
-- this thread's client for vendor and options.  Returns true and the
-- result (a list call's items collected) and the events when
-- `options.log == true`; or false and the error as plain data.
function nginx.thread_call(vendor, options, path, ...)
  yield_cpu_to_worker()
  local ok, c = pcall(client_for, vendor, options)
  if not ok then return false, plain_error(c) end
  local args = pack(...)
  c.sink.list = options and options.log == true and {} or nil
  local done, result = pcall(function()
    local fn, self = method_of(c.api, path)
    local value = fn(self, unpack(args, 1, args.n))
    if type(value) == "function" then value = collect(value) end
    return value
  end)
  local events = c.sink.list
  c.sink.list = nil
  if not done then return false, plain_error(result), events end
  return true, result, events
end

--- In a pool thread: runs `require(module)[fn](...)`, the caller's own
-- code, with all of lmskit at hand; returns true and its results, or
-- false and the error as plain data.
function nginx.thread_run(module, fn, ...)
  yield_cpu_to_worker()
  local res = pack(pcall(require(module)[fn], ...))
  if not res[1] then return false, plain_error(res[2]) end
  return unpack(res, 1, res.n)
end

-- Raises what came back from a pool thread as an lmskit.Error.
local function raise(err)
  error(require("lmskit.core").error(err), 0)
end

-- The worker's ngx, or a usage error outside nginx.
local function worker_ngx()
  local ngx = rawget(_G, "ngx")
  if not (ngx and ngx.run_worker_thread) then
    raise { kind = "usage", message = "lmskit.nginx: not inside nginx with ngx_lua 0.10.21 or later" }
  end
  return ngx
end

-- ngx_lua's answer when every VM of the pool is in use.
local NO_VM = "no available Lua vm"

-- Hands a function of this module to the pool (the handler yields to
-- nginx meanwhile); returns everything it returned, packed.  While every
-- pool VM is in use it waits (1 ms, doubling to 16 ms, nginx.queue_timeout
-- in all).  Raises when nginx could not run it (no such pool, its queue
-- full, a phase that cannot yield such as init_by_lua or
-- header_filter_by_lua).
local function in_pool(fname, ...)
  local ngx = worker_ngx()
  local pause, waited = 0.001, 0
  while true do
    local res = pack(pcall(ngx.run_worker_thread, nginx.pool, "lmskit.nginx", fname, ...))
    if res[1] and res[2] then return pack(unpack(res, 3, res.n)) end
    local why = tostring(res[1] and res[3] or res[2])
    if why ~= NO_VM then
      raise { kind = "usage", message = "lmskit.nginx: the thread pool '" .. nginx.pool ..
              "' could not run the call: " .. why }
    end
    if waited >= nginx.queue_timeout then
      raise { kind = "timeout", message = ("lmskit.nginx: every pool VM stayed in use for %g s")
              :format(nginx.queue_timeout) }
    end
    ngx.sleep(pause)
    waited = waited + pause
    pause = math.min(pause * 2, 0.016)
  end
end

--- In a pool thread (warm() hands it there): loads lmskit into this
-- thread's Lua VM, then keeps the VM busy for `seconds`, so that the next
-- warm-up call gets a VM of its own.
function nginx.thread_hold(seconds)
  yield_cpu_to_worker()
  local core = require "lmskit.core"
  require "lmskit"
  local until_ = core.now() + seconds
  local engine = core.new_engine()
  while core.now() < until_ do engine:wait(until_ - core.now()) end
  engine:close()
  return true
end

-- In a timer: makes the pool's nginx.threads Lua VMs, one every
-- WARM_STAGGER seconds, each held until the last is made.
local function warm_all(premature)
  if premature then return end
  local ngx = worker_ngx()
  local n = nginx.threads
  local release = ngx.now() + n * WARM_STAGGER + 0.2
  local holders = {}
  for i = 1, n do
    local hold = release - ngx.now()
    holders[i] = ngx.thread.spawn(function() return pcall(in_pool, "thread_hold", hold) end)
    ngx.sleep(WARM_STAGGER)
  end
  for i = 1, n do ngx.thread.wait(holders[i]) end
  warmed = true
end

--- Makes the pool's Lua VMs before any call needs one: call it from
-- `init_worker_by_lua*`.  Each of the nginx.threads VMs is made apart from
-- the others and loads lmskit in its pool thread, so the first burst of
-- calls finds them ready instead of making them in the worker's thread
-- (100 at once held it for seconds).  Calls made meanwhile wait for it.
function nginx.warm()
  local ok, err = worker_ngx().timer.at(0, warm_all)
  if not ok then raise { kind = "usage", message = "lmskit.nginx: warm: " .. tostring(err) } end
end

--- True once warm() has made every VM (false before, or without warm()).
function nginx.ready()
  return warmed == true
end

--- Makes one call with a client of `vendor` ("catalog", "cerego", ...)
-- made from `options` (plain data) in a pool thread: `path` names the
-- method ("courses.get", "enrollments.create", "courses.all",
-- RPC functions such as "get_users"), the rest are its arguments.
-- Returns its result (a list's items as an array); raises its
-- `lmskit.Error`.  With `options.log == true` a second value lists the
-- call's events (what `log` would have been given).
function nginx.call(vendor, options, path, ...)
  local res = in_pool("thread_call", vendor, options, path, ...)
  if not res[1] then raise(res[2]) end
  return res[2], res[3]
end

--- Runs `require(module)[fn](...)` in a pool thread: code of the caller's
-- (a bulk job, several calls under lmskit.run) with all of lmskit; returns
-- its results (plain data), raises its error as an `lmskit.Error`.
function nginx.run(module, fn, ...)
  local res = in_pool("thread_run", module, fn, ...)
  if not res[1] then raise(res[2]) end
  return unpack(res, 2, res.n)
end

return nginx
