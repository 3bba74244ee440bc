--- A vendor client: one origin, its credentials, and the resources its
-- declaration names.  Sends every call through the C core, decodes each
-- body once, turns HTTP failures into `lmskit.Error` with the vendor's own
-- message, and retries what is safe to retry.
-- @module lmskit.client
local core = require "lmskit.core"
local json = require "lmskit.json"
local jsonapi = require "lmskit.jsonapi"
local jwt = require "lmskit.jwt"
local params = require "lmskit.params"
local options = require "lmskit.options"
local secret_names = require "lmskit.secret_names"
local usages = require "lmskit.usage"
local reconcile = require "lmskit.reconcile"
local retry = require "lmskit.retry"
local backoff = retry.backoff
local resource = require "lmskit.resource"
local rpc = require "lmskit.rpc"
local tasks = require "lmskit.tasks"

local client = {}

local Client = {}
Client.__index = Client
Client.__name = "lmskit.VendorClient"

-- Options every vendor client accepts and the rule each numeric one must
-- fit (lmskit.options); a declaration adds its own in `options`.
local common_options = options.types
local number_rules = options.rules
local defaults = options.defaults

-- Statuses after which a write may or may not have taken effect: the
-- server (or a gateway before it) failed while or after handling it.
local unknown_status = { [500] = true, [502] = true, [503] = true, [504] = true }

-- Raises a usage error before anything is sent (lmskit.usage).
local usage = usages.raise
--- Raises an `lmskit.Error` of kind `usage` with the message (nothing has
-- been sent); the one usage helper is lmskit.usage.
-- @function usage
-- @string message what is wrong
client.usage = usage

-- Raises the usage error of a missing option (err.option names it).
local function required(decl, name)
  usages.required(decl.name, name)
end

-- Flattens the shapes vendors use for error text into one line:
-- {"message": ...}, {"error": ...}, {"errors": "..." | [...] | {field: [...]}},
-- JSON:API {"errors": [{"title", "detail"}]}.
local function flatten_errors(errors)
  if type(errors) == "string" then return errors end
  if type(errors) ~= "table" then return nil end
  local parts = {}
  if #errors > 0 then
    for _, e in ipairs(errors) do
      if type(e) == "string" then
        parts[#parts + 1] = e
      elseif type(e) == "table" then
        parts[#parts + 1] = e.detail or e.message or e.title
      end
    end
  else
    local fields = {}
    for field in pairs(errors) do fields[#fields + 1] = tostring(field) end
    table.sort(fields)
    for _, field in ipairs(fields) do
      local msgs = errors[field]
      if type(msgs) == "table" then
        for _, m in ipairs(msgs) do parts[#parts + 1] = field .. " " .. tostring(m) end
      else
        parts[#parts + 1] = field .. " " .. tostring(msgs)
      end
    end
  end
  if #parts > 0 then return table.concat(parts, "; ") end
end

-- Longest raw (non-JSON) error body shown in a message, in bytes.
local RAW_MESSAGE_MAX = 300

--- The vendor's own message from an error body (decoded or raw).  A raw
-- body is cut to 300 bytes, after `redact` (a function of the text, the
-- client's redaction) has masked its secrets: cut first, a secret
-- straddling the cut would show in part.
function client.vendor_message(decoded, raw, status, redact)
  if type(decoded) == "table" then
    local m = decoded.message
    if type(m) == "string" then return m end
    local e = decoded.error
    if type(e) == "string" then return e end
    if type(e) == "table" and type(e.message) == "string" then return e.message end
    m = flatten_errors(decoded.errors)
    if m then return m end
  end
  raw = raw and raw:gsub("^%s+", ""):gsub("%s+$", "") or ""
  if redact and raw ~= "" then raw = redact(raw) end
  if raw ~= "" then return #raw > RAW_MESSAGE_MAX and raw:sub(1, RAW_MESSAGE_MAX) .. "..." or raw end
  return "HTTP " .. tostring(status)
end

-- Picks the base URL: base_url wins; otherwise the vendor's named option
-- (Coursepath's academy_url) or its host table keyed by an option
-- (Cerego's env, Coggno's mode).
local function base_url_of(decl, opts)
  if opts.base_url then return opts.base_url end
  if decl.base_url_option and opts[decl.base_url_option] then return opts[decl.base_url_option] end
  local hosts = decl.hosts
  if hosts then
    local which = opts[hosts.option] or hosts.default
    local url = which and hosts[which]
    if not url then
      usage(("%s: option '%s' must be one of: %s"):format(decl.name, hosts.option, hosts.names))
    end
    return url
  end
  required(decl, decl.base_url_option or "base_url")
end

-- The host (a name in decl.hosts) a base_url goes to: the first of
-- `hosts.recognise` ({ { name, pattern }, ... }) whose pattern its path
-- matches (no trailing slash), else the default host.
local function host_of_url(hosts, url)
  local path = (url:match("^%a[%w+.-]*://[^/?#]*([^?#]*)") or ""):gsub("/+$", "")
  for _, rule in ipairs(hosts.recognise) do
    if path:find(rule[2]) then return rule[1] end
  end
  return hosts.default
end

-- Refuses a key meant for another host before any call (Coggno: test_
-- keys on the test host, live_ keys on the live host), whatever picked
-- the host: base_url (recognised by hosts.recognise), the host option,
-- or else the key's prefix.
local function check_key_prefix(decl, opts, secret)
  local prefixes = decl.auth.prefix_by_host
  if not prefixes then return end
  local option = decl.hosts.option
  local which = opts[option]
  if opts.base_url and decl.hosts.recognise then
    local by_url = host_of_url(decl.hosts, opts.base_url)
    if which and which ~= by_url then
      usage(("%s: %s is '%s' but base_url is a %s host"):format(decl.name, option, which, by_url))
    end
    which = by_url
  end
  if not which then
    for host, prefix in pairs(prefixes) do
      if secret:sub(1, #prefix) == prefix then which = host end
    end
  end
  opts[option] = which
  local prefix = prefixes[which or decl.hosts.default]
  if not prefix or secret:sub(1, #prefix) ~= prefix then
    usage(("%s: a %s key must start with '%s'; this one would be sent to the wrong host")
      :format(decl.name, which or decl.hosts.default, prefix or "?"))
  end
end

-- Core auth settings for a vendor's strategy.  "jwt" is minted per
-- attempt in Lua (see Client:_auth_headers), so the core sends no
-- credential of its own but still redacts the secret.
local function core_auth(decl, secret)
  local auth = decl.auth
  if auth.strategy == "jwt" then return { auth = "none", secrets = { secret } } end
  if auth.strategy == "basic_key" then
    return { auth = "basic", user = secret, secret = "", secrets = { secret } }
  end
  return { auth = auth.strategy, secret = secret, param = auth.param }
end

-- The text of a connected account id (Coggno's `lms`, per client or per
-- call) for its header: a whole number, written without ".0"; anything
-- else is a usage error before any call.
local function account_text(header, account)
  if type(account) ~= "number" or account ~= account or account == math.huge or account == -math.huge
     or account ~= math.floor(account) or math.abs(account) >= 2 ^ 53 then
    usage(("%s: %s must be a whole number, not %s"):format(header.name, header.option, tostring(account)))
  end
  return ("%d"):format(account)
end

--- Creates a vendor client from a declaration and the user's options.
-- @param decl the vendor declaration (lua/lmskit/vendor/*.lua)
-- @param opts user options: the vendor's credentials plus common options
function client.new(decl, opts)
  if type(opts) ~= "table" then usage(decl.name .. ": options table expected") end
  local given = {}
  for k, v in pairs(opts) do
    local want = common_options[k] or decl.options[k]
    if not want then usage(("%s: unknown option '%s'"):format(decl.name, tostring(k))) end
    if type(v) ~= want then
      usage(("%s: option '%s' must be a %s"):format(decl.name, k, want))
    end
    local why = number_rules[k] and params.number(v, number_rules[k])
    if why then usage(("%s: option '%s' %s"):format(decl.name, k, why)) end
    given[k] = v
  end
  if given.engine ~= nil and getmetatable(given.engine) ~= getmetatable(core.engine()) then
    usage(decl.name .. ": option 'engine' must be an engine from require('lmskit.core').new_engine()")
  end
  local auth = decl.auth
  local secret = given[auth.secret]
  if auth.strategy ~= "none" and (secret == nil or secret == "") then
    required(decl, auth.secret)
  end
  for _, name in ipairs(auth.required or {}) do
    if given[name] == nil then required(decl, name) end
  end
  check_key_prefix(decl, given, secret)
  if decl.account_header and given[decl.account_header.option] ~= nil then
    account_text(decl.account_header, given[decl.account_header.option])
  end
  local base_url = base_url_of(decl, given)
  local settings = core_auth(decl, secret)
  local rate = decl.rate or given.rate
  if decl.rate and given.rate then -- the user's numbers, the vendor's lock-out and signal
    rate = {}
    for k, v in pairs(decl.rate) do rate[k] = v end
    for k, v in pairs(given.rate) do rate[k] = v end
  end
  if rate and (type(rate.calls) ~= "number" or type(rate.per) ~= "number") then
    usage(decl.name .. ": rate must be { calls = n, per = seconds }")
  end
  local c = core.client {
    base_url = base_url .. (decl.base_path or ""),
    auth = settings.auth, secret = settings.secret, param = settings.param,
    user = settings.user, secrets = settings.secrets,
    ca_file = given.ca_file, user_agent = given.user_agent, proxy = given.proxy,
    proxy_from_env = given.proxy_from_env, max_response_size = given.max_response_size,
    timeout = given.timeout, connect_timeout = given.connect_timeout,
    http2 = given.http2, allow_http_loopback = given.allow_http_loopback,
    engine = given.engine,
  }
  local self = setmetatable({
    _decl = decl,
    _core = c,
    _base = c:base_url(),
    _opts = given,
    _secret = auth.strategy == "jwt" and secret or nil,
    _limiter = rate and core.limiter(rate.calls, rate.per + (rate.margin or 0.5)),
    _lockout = rate and (rate.lockout or 0),
    _slots = given.concurrency and tasks.semaphore(given.concurrency),
    _prefetch = math.max(1, given.prefetch or defaults.prefetch),
    _max_pages = given.max_pages,
    _deadline = given.deadline,
    _retries = given.retries or defaults.retries,
    _max_retry_wait = given.max_retry_wait or defaults.max_retry_wait,
    _log = given.log,
  }, Client)
  for name, rdecl in pairs(decl.resources) do
    self[name] = resource.new(self, name, rdecl)
  end
  if decl.sections then
    self._functions = rpc.index(decl)
    for name, functions in pairs(decl.sections) do
      self[name] = rpc.section(self, name, functions)
    end
  end
  return self
end

--- RPC vendors (MATRIX): calls any function by name with named arguments;
-- declared functions are checked against the doc's parameters.
function Client:call(name, args)
  if not self._decl.sections then usage(self._decl.name .. ": call() is for RPC vendors") end
  if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
    usage(self._decl.name .. ":call: a function name expected")
  end
  if args ~= nil and type(args) ~= "table" then usage(name .. ": arguments must be a table") end
  return rpc.invoke(self, name, self._functions[name], args or {})
end

-- Headers that carry per-call or per-attempt credentials and context:
-- a JWT minted fresh for this attempt (Coursepath accepts each jti once
-- and only recent iat), and vendor headers such as Coggno-LMS.
function Client:_auth_headers(spec)
  local headers = {}
  for _, h in ipairs(spec.headers or {}) do headers[#headers + 1] = h end
  local auth = self._decl.auth
  if auth.strategy == "jwt" then
    local claims = {}
    for k, v in pairs(self._opts.claims or {}) do claims[k] = v end
    claims.jti = jwt.id()
    claims.iat = os.time()
    claims[auth.subject_claim] = spec.as or self._opts[auth.subject]
    local token = jwt.sign(claims, self._secret, auth.alg)
    -- a server that echoes the request must not show it: the core masks
    -- it from every message from now on (it keeps a bounded set of them)
    self._core:add_secret(token)
    headers[#headers + 1] = "Authorization: Bearer " .. token
  end
  local header = self._decl.account_header
  if header then
    local account = spec.account or self._opts[header.option]
    if account ~= nil then headers[#headers + 1] = header.name .. ": " .. account_text(header, account) end
  end
  return headers
end

-- Emits a redacted event to the user's log function, if any.
function Client:_emit(event)
  if self._log then self._log(event) end
end

-- Pauses for the given seconds while other calls keep moving: inside a
-- task it yields to the scheduler; outside, it waits on the engine.
function Client:_pause(seconds)
  if tasks.current() then return tasks.sleep(seconds) end
  local engine = self._core:engine()
  local deadline = core.now() + seconds
  repeat
    engine:wait(math.max(0, deadline - core.now()))
  until core.now() >= deadline
end

-- The full URL of a spec, for messages (redacted by the core later); a
-- query credential shows as name=[REDACTED], where the core puts it.
function Client:_url_of(spec)
  if spec.url then return spec.url end
  local url = self._base .. core.expand(spec.path, spec.params or {})
  local q = spec.query and core.encode_query(spec.query) or ""
  local auth = self._decl.auth
  if auth.strategy == "query" then
    q = q .. (q ~= "" and "&" or "") .. auth.param .. "=[REDACTED]"
  end
  return q ~= "" and url .. "?" .. q or url
end

-- Runs one attempt: inside a task the request is submitted and the task
-- yields until it finishes; outside, the call blocks on the engine.
function Client:_perform(wire)
  if tasks.current() then
    return tasks.await(self._core, wire, self._slots):result()
  end
  return self._core:request(wire)
end

-- Raises the timeout error of a call whose deadline has passed, or would
-- pass during the wait it is about to start; `last` says what the last
-- attempt met, `sent` is the error's sent field (a write that may have
-- taken effect is "unknown").
function Client:_past_deadline(method, spec, last, sent)
  local message = ("deadline of %g s exceeded"):format(self._deadline)
  if last then message = message .. " (" .. last .. ")" end
  error(core.error { kind = "timeout", method = method, message = self._core:redact(message),
                     url = self._core:redact(self:_url_of(spec)), sent = sent }, 0)
end

-- Waits until the rate limiter lets one more call start (and counts it);
-- a wait that would end past the call's deadline fails the call instead.
function Client:_take_rate(deadline, method, spec)
  local limiter = self._limiter
  if not limiter then return end
  local wait = limiter:take()
  while wait > 0 do
    if deadline and core.now() + wait > deadline then
      self:_past_deadline(method, spec, ("the rate limit asks to wait %.1f s"):format(wait), false)
    end
    self:_emit { event = "throttle", wait = wait }
    self:_pause(wait)
    wait = limiter:take()
  end
end

-- Values of secret-named fields (lmskit.secret_names) never appear in a
-- dry run's printed calls: bodies and queries are printed masked.
local masked = secret_names.masked
local MASK = "lmskitMASKEDvalue" -- survives URL encoding (no magic characters), then reads [REDACTED]

-- What a call returns in a dry run: any field reads as 0, so a job's
-- next call (which needs an id) can still be checked and printed.
local DRY_RESULT = setmetatable({}, { __index = function() return 0 end })

-- The dry-run sink of the running task (bulk's dry_run), if any.
function Client._dry()
  local task = tasks.current()
  return task and task.dry_run
end

-- Prints (or hands to the sink) the call instead of sending it.
function Client:_print_call(sink, method, spec)
  local shown = spec
  if spec.query ~= nil then
    shown = {}
    for k, v in pairs(spec) do shown[k] = v end
    shown.query = masked(spec.query, MASK)
  end
  local line = method .. " " .. self:_url_of(shown)
  if spec.json ~= nil then
    line = line .. " " .. json.encode(masked(spec.json))
  elseif spec.form ~= nil then
    line = line .. " " .. core.encode_query(masked(spec.form, MASK))
  end
  line = self._core:redact((line:gsub(MASK, "[REDACTED]")))
  if type(sink) == "function" then sink(line) else io.stdout:write(line, "\n") end
  return DRY_RESULT, {}, 0
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
-- @param spec { method=, path=, params=, url=, query=, json=, form=, headers=, idempotent= }
function Client:send(spec)
  local method = spec.method or "GET"
  local idempotent = spec.idempotent
  if idempotent == nil then idempotent = reconcile.idempotent(method) end
  local sink = self:_dry()
  if sink then return self:_print_call(sink, method, spec) end
  -- a credential minted per attempt (Coursepath's JWT: its jti is accepted
  -- once) must not go out twice: libcurl may not re-send even a read on
  -- its own, the next attempt gets a fresh token
  local wire = {
    method = method, path = spec.path, params = spec.params, url = spec.url,
    query = spec.query, form = spec.form, once = self._decl.auth.strategy == "jwt" or nil,
  }
  if spec.json ~= nil then
    wire.body = json.encode(spec.json)
    wire.content_type = "application/json"
  end
  local attempt = 0
  local maybe_done = false -- an earlier attempt of this write may have taken effect
  local reconnected = false -- sent again after a kept-alive connection closed
  local read = method == "GET" or method == "HEAD"
  local deadline = self._deadline and core.now() + self._deadline
  while true do
    local free = false -- this attempt's failure does not count against retries
    self:_take_rate(deadline, method, spec)
    if deadline then -- this attempt gets what is left of the call's time
      local left = deadline - core.now()
      if left <= 0 then self:_past_deadline(method, spec, nil, maybe_done and "unknown" or nil) end
      wire.timeout = left
    end
    wire.headers = self:_auth_headers(spec)
    local started = core.now()
    local ok, status, body, headers = tasks.pcall(self._perform, self, wire)
    if not ok then
      local err = status
      if deadline and core.is_error(err) and err.kind == "timeout" and core.now() >= deadline - 0.05 then
        err.message = ("deadline of %g s exceeded: %s"):format(self._deadline, tostring(err.message))
        if maybe_done and err.sent ~= "unknown" then err.sent = "unknown" end
        error(err, 0)
      end
      local is_error = core.is_error(err)
      local safe = idempotent or (is_error and err.sent == false)
      if read and not reconnected and retry.reconnects(err) then
        -- a kept-alive connection closed as it was reused: a read once more
        -- at once (a write only after its look-up: lmskit.reconcile)
        reconnected = true
        self:_emit { event = "retry", method = method, url = err.url, kind = err.kind,
                     attempt = attempt + 1, wait = 0, reconnect = true }
        free = true -- not one of the caller's retries
      elseif not (is_error and retry.should_retry { kind = err.kind, safe = safe, attempt = attempt,
                                                    retries = self._retries }) then
        -- an earlier attempt of this write may have taken effect
        if maybe_done and core.is_error(err) and err.sent == false then err.sent = "unknown" end
        error(err, 0)
      else
        maybe_done = maybe_done or err.sent == "unknown"
        local wait = math.min(backoff(attempt), self._max_retry_wait)
        if deadline and core.now() + wait >= deadline then
          self:_past_deadline(method, spec, "last attempt: " .. err.kind .. ": " .. tostring(err.message),
                              maybe_done and "unknown" or err.sent)
        end
        self:_emit { event = "retry", method = method, url = err.url, kind = err.kind,
                     attempt = attempt + 1, wait = wait }
        self:_pause(wait)
      end
    else
      if self._log then -- the URL is built only for a listener (hot path)
        self:_emit { event = "response", method = method, status = status,
                     url = self._core:redact(self:_url_of(spec)),
                     seconds = core.now() - started, attempt = attempt + 1 }
      end
      if status < 300 then return self:_decode(method, spec, status, body, headers) end
      if status == 404 and method == "DELETE" and maybe_done then return true, headers, status end
      local limited = status == 429 or self:_is_rate_signal(status, body)
      local max_wait = self._max_retry_wait
      -- the wait the server asks: its Retry-After, else the vendor's lock-out
      local asked = headers and headers["retry-after"] and core.retry_after(headers["retry-after"])
      if not asked and limited and self._lockout and self._lockout > 0 then asked = self._lockout end
      local wait = asked or math.min(backoff(attempt), max_wait)
      if limited and self._lockout then
        -- the vendor locks the key out: hold every call of this client,
        -- but never longer than max_retry_wait (a far Retry-After would
        -- hold it forever: this call fails instead, later calls try again)
        self._limiter:block(math.min(wait, max_wait))
      end
      local kind, safe = retry.answer_kind(status, limited), limited or idempotent
      local wanted = kind ~= nil and safe
      local too_far = wait > max_wait
      if not retry.should_retry { kind = kind, safe = safe, attempt = attempt, retries = self._retries,
                                  too_far = too_far } then
        -- a write (idempotent or not) failing after an attempt that may
        -- have taken effect, or with a 5xx now, has an unknown outcome
        local write = method ~= "GET" and method ~= "HEAD"
        self:_fail(method, spec, status, body, limited or (wanted and too_far) or false,
                   write and (unknown_status[status] or maybe_done), asked, too_far)
      end
      maybe_done = maybe_done or unknown_status[status] or false
      if deadline and core.now() + wait >= deadline then
        local core_client = self._core
        self:_past_deadline(method, spec, ("last answer: HTTP %d %s"):format(status,
          client.vendor_message(json.decode(body), body, status,
                                function(text) return core_client:redact(text) end)),
          maybe_done and "unknown" or nil)
      end
      self:_emit { event = "retry", method = method, status = status, attempt = attempt + 1,
                   wait = wait }
      self:_pause(wait)
    end
    if not free then attempt = attempt + 1 end
  end
end

-- Decodes a 2xx body once; an empty body (204) is `true`, and a body that
-- is not JSON by its content type (a CSV report) is returned as text.
function Client:_decode(method, spec, status, body, headers)
  if body == "" or status == 204 then return true, headers, status end
  local ctype = headers and headers["content-type"]
  if ctype and not ctype:lower():find("json", 1, true) then return body, headers, status end
  local value, why = json.decode(body)
  if value == nil then
    self._core:fail { kind = "decode", status = status, method = method,
                      url = self:_url_of(spec),
                      message = "response is not valid JSON: " .. tostring(why) }
  end
  return value, headers, status
end

-- A machine-readable error code when the vendor gives one
-- ({"error": {"code": ...}} or {"code": ...}).
local function vendor_code(decoded)
  if type(decoded) ~= "table" then return nil end
  local e = decoded.error
  if type(e) == "table" and type(e.code) == "string" then return e.code end
  if type(decoded.code) == "string" then return decoded.code end
end

-- True when a vendor reports its rate limit with another status (MATRIX
-- answers 400 with a message): the declaration's rate.signal names it.
function Client:_is_rate_signal(status, body)
  local rate = self._decl.rate
  if not (rate and rate.signal) or status ~= 400 then return false end
  local message = client.vendor_message(json.decode(body), body, status)
  return message:lower():find(rate.signal, 1, true) ~= nil
end

-- Raises the lmskit.Error for an HTTP failure with the vendor's message;
-- `unknown` marks a write the server may have done (sent = "unknown").
-- `asked`: the seconds the server asked to wait (Retry-After or the
-- vendor's lock-out), kept as err.retry_after; `too_far` when that is
-- beyond max_retry_wait, which the message says.
function Client:_fail(method, spec, status, body, limited, unknown, asked, too_far)
  local decoded = json.decode(body)
  local core_client = self._core
  local message = client.vendor_message(decoded, body, status,
                                        function(text) return core_client:redact(text) end)
  if too_far and asked then
    message = ("%s (the server asks to wait %.0f s, more than max_retry_wait %g s)")
      :format(message, asked, self._max_retry_wait)
  end
  local _, err = pcall(core_client.fail, core_client, {
    status = status, method = method, url = self:_url_of(spec),
    kind = limited and "rate_limited" or nil, message = message,
    code = vendor_code(decoded), sent = unknown and "unknown" or nil })
  if core.is_error(err) then err.retry_after = asked end
  error(err, 0)
end

-- Unwraps a vendor's response envelope (JSON:API `data`); returns the
-- value, and for lists the document's meta and links.
function Client:_unwrap(body)
  if self._decl.format == "jsonapi" then return (jsonapi.data(body)) end
  return body
end

function Client:_unwrap_list(body)
  if self._decl.format == "jsonapi" then return jsonapi.data(body) end
  return body
end

-- Sends several specs concurrently (as tasks) and returns, in order,
-- { true, body, headers } or { false, error } for each.  Inside a task
-- it yields until all are in; outside, it drives the scheduler itself.
function Client:_send_all(specs)
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

--- Sends any call by path: `catalog:request{ method="GET", path="/courses/:id",
-- params={id=4} }`; returns what `send` returns.
function Client:request(spec)
  if type(spec) ~= "table" or not (spec.path or spec.url) then
    usage(self._decl.name .. ":request: a table with path or url expected")
  end
  return self:send(spec)
end

--- True when url is on this client's own origin (where credentials may go).
function Client:same_origin(url)
  return self._core:same_origin(url)
end

--- Closes the client's connection settings (idempotent).
function Client:close()
  self._core:close()
end

function Client:__tostring()
  return ("lmskit.%s (%s)"):format(self._decl.name, self._base)
end

return client
