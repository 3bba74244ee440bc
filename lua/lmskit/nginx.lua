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
--     http { lua_package_path ...; lua_package_cpath ...; }
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
  local res = pack(pcall(require(module)[fn], ...))
  if not res[1] then return false, plain_error(res[2]) end
  return unpack(res, 1, res.n)
end

-- Raises what came back from a pool thread as an lmskit.Error.
local function raise(err)
  error(require("lmskit.core").error(err), 0)
end

-- Hands a function of this module to the pool (the handler yields to
-- nginx meanwhile); returns everything it returned, packed.  Raises when
-- nginx could not run it (no such pool, its queue full, a phase that
-- cannot yield such as init_by_lua or header_filter_by_lua).
local function in_pool(fname, ...)
  local ngx = rawget(_G, "ngx")
  if not (ngx and ngx.run_worker_thread) then
    raise { kind = "usage", message = "lmskit.nginx: not inside nginx with ngx_lua 0.10.21 or later" }
  end
  local res = pack(pcall(ngx.run_worker_thread, nginx.pool, "lmskit.nginx", fname, ...))
  if res[1] and res[2] then return pack(unpack(res, 3, res.n)) end
  raise { kind = "usage", message = "lmskit.nginx: the thread pool '" .. nginx.pool ..
          "' could not run the call: " .. tostring(res[1] and res[3] or res[2]) }
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
