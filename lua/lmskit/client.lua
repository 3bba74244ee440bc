--- A vendor client: one origin, its credentials, and the resources its
-- declaration names.  Sends every call through the C core, decodes each
-- body once, turns HTTP failures into `lmskit.Error` with the vendor's own
-- message, and retries what is safe to retry.
-- @module lmskit.client
local core = require "lmskit.core"
local json = require "lmskit.json"
local resource = require "lmskit.resource"

local client = {}

local Client = {}
Client.__index = Client
Client.__name = "lmskit.VendorClient"

-- Options every vendor client accepts (DESIGN.md "Common client options").
local common_options = {
  base_url = "string", timeout = "number", connect_timeout = "number",
  retries = "number", ca_file = "string", http2 = "boolean",
  user_agent = "string", log = "function", allow_http_loopback = "boolean",
  engine = "userdata", max_retry_wait = "number", concurrency = "number",
  rate = "table", proxy = "string",
}

-- Methods whose repetition changes nothing (RFC 9110 section 9.2.2).
local idempotent = { GET = true, HEAD = true, PUT = true, DELETE = true }
-- Statuses that say "try again later" rather than "this is wrong".
local retry_status = { [429] = true, [502] = true, [503] = true, [504] = true }

-- Raises a usage error before anything is sent.
local function usage(message)
  error(core.error { kind = "usage", message = message }, 2)
end
client.usage = usage

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

--- The vendor's own message from an error body (decoded or raw).
function client.vendor_message(decoded, raw, status)
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
  if raw ~= "" then return #raw > 300 and raw:sub(1, 300) .. "..." or raw end
  return "HTTP " .. tostring(status)
end

--- Creates a vendor client from a declaration and the user's options.
-- @param decl the vendor declaration (lua/lmskit/vendor/*.lua)
-- @param opts user options: the vendor's credentials plus common options
function client.new(decl, opts)
  if type(opts) ~= "table" then usage(decl.name .. ": options table expected") end
  for k, v in pairs(opts) do
    local want = common_options[k] or decl.options[k]
    if not want then usage(("%s: unknown option '%s'"):format(decl.name, tostring(k))) end
    if type(v) ~= want then
      usage(("%s: option '%s' must be a %s"):format(decl.name, k, want))
    end
  end
  local base_url = opts.base_url or (decl.default_base_url and decl.default_base_url(opts))
  if not base_url then usage(decl.name .. ": base_url is required") end
  local auth = decl.auth
  local secret = opts[auth.secret]
  if auth.strategy ~= "none" and (secret == nil or secret == "") then
    usage(("%s: option '%s' is required"):format(decl.name, auth.secret))
  end
  local c = core.client {
    base_url = base_url .. (decl.base_path or ""),
    auth = auth.strategy, secret = secret, param = auth.param,
    user = auth.user and opts[auth.user],
    ca_file = opts.ca_file, user_agent = opts.user_agent,
    timeout = opts.timeout, connect_timeout = opts.connect_timeout,
    http2 = opts.http2, allow_http_loopback = opts.allow_http_loopback,
    engine = opts.engine,
  }
  local self = setmetatable({
    _decl = decl,
    _core = c,
    _base = c:base_url(),
    _retries = opts.retries or 2,
    _max_retry_wait = opts.max_retry_wait or 60,
    _log = opts.log,
  }, Client)
  for name, rdecl in pairs(decl.resources) do
    self[name] = resource.new(self, name, rdecl)
  end
  return self
end

-- Emits a redacted event to the user's log function, if any.
function Client:_emit(event)
  if self._log then self._log(event) end
end

-- Pauses for the given seconds while the engine keeps other calls moving.
function Client:_pause(seconds)
  local engine = self._core:engine()
  local deadline = core.now() + seconds
  repeat
    engine:wait(math.max(0, deadline - core.now()))
  until core.now() >= deadline
end

-- How long to wait before attempt n+1: Retry-After when given, otherwise
-- exponential backoff with full jitter (0.25 s, 0.5 s, 1 s ... capped).
local function backoff(attempt, headers)
  local after = headers and headers["retry-after"] and core.retry_after(headers["retry-after"])
  if after then return after end
  return math.random() * math.min(10, 0.25 * 2 ^ attempt)
end

-- The full URL of a spec, for messages (redacted by the core later).
function Client:_url_of(spec)
  if spec.url then return spec.url end
  local path = core.expand(spec.path, spec.params or {})
  if spec.query then
    local q = core.encode_query(spec.query)
    if q ~= "" then path = path .. "?" .. q end
  end
  return self._base .. path
end

--- Sends one call and returns the decoded body (true for an empty 2xx),
-- the response headers and the status.  Raises lmskit.Error otherwise.
-- @param spec { method=, path=, params=, url=, query=, json=, form=, headers= }
function Client:send(spec)
  local method = spec.method or "GET"
  local wire = {
    method = method, path = spec.path, params = spec.params, url = spec.url,
    query = spec.query, form = spec.form, headers = spec.headers,
  }
  if spec.json ~= nil then
    wire.body = json.encode(spec.json)
    wire.content_type = "application/json"
  end
  local attempt = 0
  while true do
    local started = core.now()
    local ok, status, body, headers = pcall(self._core.request, self._core, wire)
    if not ok then
      local err = status
      local safe = idempotent[method] or (core.is_error(err) and err.sent == false)
      if not (core.is_error(err) and safe and attempt < self._retries
              and (err.kind == "transport" or err.kind == "timeout")) then
        error(err, 0)
      end
      self:_emit { event = "retry", method = method, url = err.url, kind = err.kind,
                   attempt = attempt + 1 }
    else
      self:_emit { event = "response", method = method, status = status,
                   url = self._core:redact(self:_url_of(spec)),
                   seconds = core.now() - started, attempt = attempt + 1 }
      if status < 300 then return self:_decode(method, spec, status, body, headers) end
      local wait = backoff(attempt, headers)
      if not (retry_status[status] and (idempotent[method] or status == 429)
              and attempt < self._retries and wait <= self._max_retry_wait) then
        self:_fail(method, spec, status, body)
      end
      self:_emit { event = "retry", method = method, status = status, attempt = attempt + 1,
                   wait = wait }
      self:_pause(wait)
    end
    attempt = attempt + 1
  end
end

-- Decodes a 2xx body once; an empty body (204) is `true`.
function Client:_decode(method, spec, status, body, headers)
  if body == "" or status == 204 then return true, headers, status end
  local value, why = json.decode(body)
  if value == nil then
    self._core:fail { kind = "decode", status = status, method = method,
                      url = self:_url_of(spec),
                      message = "response is not valid JSON: " .. tostring(why) }
  end
  return value, headers, status
end

-- Raises the lmskit.Error for an HTTP failure with the vendor's message.
function Client:_fail(method, spec, status, body)
  local decoded = json.decode(body)
  self._core:fail { status = status, method = method, url = self:_url_of(spec),
                    message = client.vendor_message(decoded, body, status) }
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
