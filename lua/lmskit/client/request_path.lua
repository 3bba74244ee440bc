--- The request path of one vendor client: every call goes through it,
-- attempt by attempt (rate, auth, send, decode once, retry, errors).  It
-- is the one interface paging, resources, RPC sections, reconcile and
-- workflows use:
--
-- fields: `decl` (the vendor declaration), `options` (the client's
-- options), `functions` (declared RPC functions by name, or nil),
-- `client` (the public client: its resources and `call`), `prefetch`,
-- `max_pages`, `retries`, `max_retry_wait`, `deadline`, `log` (the
-- user's log function; a job may wrap it), `core` (the C core client).
--
-- methods: `send`, `send_all`, `url_of`, `fail`, `resolve`,
-- `same_origin`, `is_dry`, `unwrap`, `unwrap_list`, `emit`, `pause`.
-- @module lmskit.client.request_path
local core = require "lmskit.core"
local json = require "lmskit.json"
local jsonapi = require "lmskit.jsonapi"
local options = require "lmskit.options"
local reconcile = require "lmskit.reconcile"
local retry = require "lmskit.retry"
local tasks = require "lmskit.tasks"
local auth = require "lmskit.client.auth"
local dry_run = require "lmskit.client.dry_run"
local errors = require "lmskit.client.errors"
local rate = require "lmskit.client.rate"

local request_path = {}

local Path = {}
Path.__index = Path

--- Creates the request path of a client over its core client, from the
-- declaration, the user's (checked) options and the client's rate
-- (lmskit.client.rate, nil when none).
function request_path.new(decl, given, core_client, limits)
  local defaults = options.defaults
  return setmetatable({
    decl = decl,
    core = core_client,
    base = core_client:base_url(),
    options = given,
    auth = auth.new(decl, given, core_client),
    rate = limits,
    slots = given.concurrency and tasks.semaphore(given.concurrency),
    prefetch = math.max(1, given.prefetch or defaults.prefetch),
    max_pages = given.max_pages,
    deadline = given.deadline,
    retries = given.retries or defaults.retries,
    max_retry_wait = given.max_retry_wait or defaults.max_retry_wait,
    log = given.log,
  }, Path)
end

--- Emits a redacted event to the user's log function, if any.
function Path:emit(event)
  if self.log then self.log(event) end
end

--- Pauses for the given seconds while other calls keep moving: inside a
-- task it yields to the scheduler; outside, it waits on the engine.
function Path:pause(seconds)
  if tasks.current() then return tasks.sleep(seconds) end
  local engine = self.core:engine()
  local deadline = core.now() + seconds
  repeat
    engine:wait(math.max(0, deadline - core.now()))
  until core.now() >= deadline
end

--- True when calls are printed, not sent (a dry run's task).
function Path.is_dry()
  return dry_run.sink() and true or false
end

--- The URL a request of spec goes to, redacted, as the core makes it for
-- the request itself (a query credential shows as name=[REDACTED]): what
-- messages, logs and dry runs show.
function Path:url_of(spec)
  return self.core:url_of(spec)
end

--- Raises the core's error for a call of `spec` (fields: kind, method,
-- message, ...; the URL is the spec's, redacted by the core).
function Path:fail(spec, fields)
  fields.url = fields.url or self:url_of(spec)
  self.core:fail(fields)
end

--- A reference (a Link target) resolved against a URL, or nil.
function Path:resolve(ref, base)
  return self.core:resolve(ref, base)
end

--- True when url is on this client's own origin (where credentials may go).
function Path:same_origin(url)
  return self.core:same_origin(url)
end

--- Unwraps a vendor's response envelope (JSON:API `data`).
function Path:unwrap(body)
  if self.decl.format == "jsonapi" then return (jsonapi.data(body)) end
  return body
end

--- Unwraps a list: the items, and for JSON:API the document's meta and links.
function Path:unwrap_list(body)
  if self.decl.format == "jsonapi" then return jsonapi.data(body) end
  return body
end

-- Runs one attempt: inside a task the request is submitted and the task
-- yields until it finishes; outside, the call blocks on the engine.
local function perform(path, wire)
  if tasks.current() then
    return tasks.await(path.core, wire, path.slots):result()
  end
  return path.core:request(wire)
end

-- True when a Content-Type names JSON, in any case ("application/json",
-- "application/vnd.api+json", "text/JSON").  The plain search finds the
-- usual lower-case type without Lua's pattern matcher, which tries four
-- character classes at every byte (2.6k instructions a response, 0.3k now).
local function names_json(ctype)
  return ctype:find("json", 1, true) ~= nil or ctype:find("[Jj][Ss][Oo][Nn]") ~= nil
end

-- Decodes a 2xx body once; an empty body (204) is `true`, and a body that
-- is not JSON by its content type (a CSV report) is returned as text.
local function decode(path, method, spec, status, body, headers)
  if body == "" or status == 204 then return true, headers, status end
  local ctype = headers and headers["content-type"]
  if ctype and not names_json(ctype) then return body, headers, status end
  local value, why = json.decode(body)
  if value == nil then
    path:fail(spec, { kind = "decode", status = status, method = method,
                      message = "response is not valid JSON: " .. tostring(why) })
  end
  return value, headers, status
end

-- After an attempt that met no answer (`err`): raises when the call ends
-- here; otherwise waits as the retry policy says and returns true when
-- this attempt does not count against retries (a stale connection).
local function after_failure(path, call, err)
  local deadline = call.deadline
  if deadline and core.is_error(err) and err.kind == "timeout" and core.now() >= deadline - 0.05 then
    err.message = ("deadline of %g s exceeded: %s"):format(path.deadline, tostring(err.message))
    if call.maybe_done and err.sent ~= "unknown" then err.sent = "unknown" end
    error(err, 0)
  end
  if call.read and not call.reconnected and retry.reconnects(err) then
    -- a kept-alive connection closed as it was reused: a read once more
    -- at once (a write only after its look-up: lmskit.reconcile)
    call.reconnected = true
    path:emit { event = "retry", method = call.method, url = err.url, kind = err.kind,
                attempt = call.attempt + 1, wait = 0, reconnect = true }
    return true -- not one of the caller's retries
  end
  local is_error = core.is_error(err)
  local safe = call.idempotent or (is_error and err.sent == false)
  if not (is_error and retry.should_retry { kind = err.kind, safe = safe, attempt = call.attempt,
                                            retries = path.retries }) then
    -- an earlier attempt of this write may have taken effect
    if call.maybe_done and is_error and err.sent == false then err.sent = "unknown" end
    if call.idempotent and is_error then err.idempotent = true end
    error(err, 0)
  end
  call.maybe_done = call.maybe_done or err.sent == "unknown"
  local wait = math.min(retry.backoff(call.attempt), path.max_retry_wait)
  if deadline and core.now() + wait >= deadline then
    errors.deadline(path, call.method, call.spec, "last attempt: " .. err.kind .. ": " .. tostring(err.message),
                    call.maybe_done and "unknown" or err.sent)
  end
  path:emit { event = "retry", method = call.method, url = err.url, kind = err.kind,
              attempt = call.attempt + 1, wait = wait }
  path:pause(wait)
  return false
end

-- The wait an error answer asks: its Retry-After, else the vendor's
-- lock-out when it refused the call (`limited`); nil when none.
local function asked_wait(path, headers, limited)
  local asked = headers and headers["retry-after"] and core.retry_after(headers["retry-after"])
  if not asked and limited and path.rate then asked = path.rate:lockout_wait() end
  return asked
end

-- After an error answer: raises when the call ends here (the vendor's
-- message, or a deadline); otherwise holds the client on a lock-out,
-- waits as the retry policy says, and returns.
local function after_error_answer(path, call, status, body, headers)
  local method, spec = call.method, call.spec
  local limited = status == 429 or rate.is_signal(path.decl, status, body)
  local max_wait = path.max_retry_wait
  local asked = asked_wait(path, headers, limited)
  local wait = asked or math.min(retry.backoff(call.attempt), max_wait)
  if limited and path.rate then
    -- the vendor locks the key out: hold every call of this client,
    -- but never longer than max_retry_wait (a far Retry-After would
    -- hold it forever: this call fails instead, later calls try again)
    path.rate:block(math.min(wait, max_wait))
  end
  local kind, safe = retry.answer_kind(status, limited), limited or call.idempotent
  local too_far = wait > max_wait
  if not retry.should_retry { kind = kind, safe = safe, attempt = call.attempt, retries = path.retries,
                              too_far = too_far } then
    -- a write (idempotent or not) failing after an attempt that may
    -- have taken effect, or with a 5xx now, has an unknown outcome
    local wanted = kind ~= nil and safe
    local write = method ~= "GET" and method ~= "HEAD"
    local _, err = pcall(errors.answer, path, method, spec, status, body, limited or (wanted and too_far) or false,
                         write and (errors.unknown_status(status) or call.maybe_done), asked, too_far)
    if call.idempotent and core.is_error(err) then err.idempotent = true end
    error(err, 0)
  end
  call.maybe_done = call.maybe_done or errors.unknown_status(status) or false
  if call.deadline and core.now() + wait >= call.deadline then
    errors.deadline(path, method, spec, ("last answer: HTTP %d %s"):format(status,
      errors.answer_message(path, status, body)), call.maybe_done and "unknown" or nil)
  end
  path:emit { event = "retry", method = method, status = status, attempt = call.attempt + 1, wait = wait }
  path:pause(wait)
end

-- What goes to the core for a spec (headers and timeout are set per
-- attempt).  A credential minted per attempt (Coursepath's JWT: its jti
-- is accepted once) must not go out twice: libcurl may not re-send even a
-- read on its own, the next attempt gets a fresh token.
local function wire_of(path, method, spec)
  local wire = {
    method = method, path = spec.path, params = spec.params, url = spec.url,
    query = spec.query, form = spec.form, once = path.auth.per_attempt or nil,
  }
  if spec.json ~= nil then
    wire.body = json.encode(spec.json)
    wire.content_type = "application/json"
  end
  return wire
end

-- Runs one attempt of a call: the rate, the time left, fresh auth;
-- returns when it was sent, then what perform returned under tasks.pcall.
local function attempt(path, call)
  if path.rate then path.rate:take(path, call.deadline, call.method, call.spec) end
  local wire = call.wire
  if call.deadline then -- this attempt gets what is left of the call's time
    local left = call.deadline - core.now()
    if left <= 0 then errors.deadline(path, call.method, call.spec, nil, call.maybe_done and "unknown" or nil) end
    wire.timeout = left
  end
  wire.headers = path.auth:headers(call.spec)
  return core.now(), tasks.pcall(perform, path, wire)
end

--- Sends one call and returns the decoded body (true for an empty 2xx),
-- the response headers and the status.  Raises lmskit.Error otherwise;
-- for a write whose outcome is unknown the error has `sent = "unknown"`.
-- A call is repeated only when that is safe: when it is idempotent
-- (`spec.idempotent`, by default GET, HEAD, PUT and DELETE), or when it
-- never left, or when the server refused it with 429 or its rate signal.
-- A DELETE repeated after an unknown outcome (no answer, or a 5xx) that
-- answers 404 is done (after a 429 it is not: the server refused it);
-- another write answering 404 then stays unknown (the first may have
-- moved what it addressed: a PUT that renamed the slug in its path).
-- With the client's `deadline`, the whole call (attempts, Retry-After,
-- backoff and rate waits) ends within it: an attempt in flight is cut
-- when it comes, and a wait that would pass it is not started; the call
-- fails as `timeout`, its message saying "deadline".
function Path:send(spec)
  local method = spec.method or "GET"
  local idempotent = spec.idempotent
  if idempotent == nil then idempotent = reconcile.idempotent(method) end
  local sink = dry_run.sink()
  if sink then return dry_run.print(self, sink, method, spec) end
  local call = { -- the state of this call across its attempts
    method = method, spec = spec, idempotent = idempotent, wire = wire_of(self, method, spec),
    attempt = 0, maybe_done = false, -- an earlier attempt of this write may have taken effect
    reconnected = false, -- sent again after a kept-alive connection closed
    read = method == "GET" or method == "HEAD",
    deadline = self.deadline and core.now() + self.deadline,
  }
  while true do
    local free = false -- this attempt's failure does not count against retries
    local started, ok, status, body, headers = attempt(self, call)
    if not ok then
      free = after_failure(self, call, status)
    else
      if self.log then -- the URL is built only for a listener (hot path)
        self:emit { event = "response", method = method, status = status,
                    url = self:url_of(spec),
                    seconds = core.now() - started, attempt = call.attempt + 1 }
      end
      if status < 300 then return decode(self, method, spec, status, body, headers) end
      if status == 404 and method == "DELETE" and call.maybe_done then return true, headers, status end
      after_error_answer(self, call, status, body, headers)
    end
    if not free then call.attempt = call.attempt + 1 end
  end
end

--- Sends several specs concurrently (as tasks) and returns, in order,
-- { true, body, headers } or { false, error } for each.  Inside a task
-- it yields until all are in; outside, it drives the scheduler itself.
function Path:send_all(specs)
  local results, remaining = {}, #specs
  local parent = tasks.current()
  local joined = parent and tasks.semaphore(0)
  for i, spec in ipairs(specs) do
    tasks.spawn(function()
      results[i] = { tasks.pcall(self.send, self, spec) }
      remaining = remaining - 1
      if joined then tasks.release(joined) end
    end)
  end
  if joined then
    for _ = 1, #specs do tasks.acquire(joined) end
  else
    while remaining > 0 do tasks.step(1) end
  end
  return results
end

return request_path
