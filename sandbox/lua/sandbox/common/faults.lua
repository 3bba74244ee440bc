-- sandbox.common.faults: fault injection.

local J = require "sandbox.common.json"
require "sandbox.common.replies" -- C.reply, C.reply_raw
local Hostile = require "sandbox.hostile"

local ngx = ngx
local type, pairs, ipairs, tostring, tonumber = type, pairs, ipairs, tostring, tonumber
local concat, sort = table.concat, table.sort
local format = string.format
local C = J.C

---------------------------------------------------------------------------
-- Fault injection
---------------------------------------------------------------------------

local STATUS_TEXT = {
  [429] = "Too Many Requests",
  [500] = "Internal Server Error",
  [502] = "Bad Gateway",
  [503] = "Service Unavailable",
  [504] = "Gateway Timeout",
}
C.STATUS_TEXT = STATUS_TEXT

local FAULT_KINDS = {
  ["500"] = true, ["502"] = true, ["503"] = true, ["504"] = true, ["429"] = true,
  broken_json = true, drop = true, delay = true,
  foreign_link = true, -- paging links point at another origin (https://evil.example)
  next_only = true,    -- paging links name rel="next" (and first/prev) but never rel="last"
  drop_after = true,   -- the request is handled, then the connection closes with no answer
  -- drop_after, but only on a reused keep-alive connection (or an HTTP/2
  -- stream): the case where libcurl would silently send the request again
  drop_after_reused = true,
  random = true,       -- with probability `rate`, one of `kinds` (per matching request)
  -- a hostile server: answers `status` with the request itself (its
  -- credential first, then the request line, every header and the body)
  -- in the error body, as `format` json, text, jsonraw or broken
  echo = true,
  link_loop = true,    -- paging Link rel="next" from page 2 on leads back to page 1, no rel="last"
  cerego_next_forever = true, -- Cerego lists: no meta, links.next always, past the end the last page again
}

local ECHO_FORMATS = { json = true, text = true, jsonraw = true, broken = true }

local faults = {}
local fault_seq = 0
local applied = {} -- kind -> requests it took effect on, since reset

local function fault_json(f)
  return C.ordered({ "id", "path", "method", "kind", "count", "retry_after", "delay_ms",
                     "status", "format", "pad", "content_type", "gzip" }, {
    id = f.id, path = f.path, method = f.method, kind = f.kind, count = f.count,
    retry_after = f.retry_after, delay_ms = f.delay_ms,
    status = f.status, format = f.format, pad = f.pad, content_type = f.content_type, gzip = f.gzip,
  })
end

-- The optional number spec[name] read by read (C.to_int, C.to_decimal):
-- default when absent or null; "must be <what>" added to errs when it is
-- not such a number of at least lo.
local function optional_number(errs, spec, name, read, lo, default, what)
  if C.is_null(spec[name]) then return default end
  local n = read(spec[name])
  if not n or n < lo then errs.add(name, "must be " .. what) end
  return n
end

-- Validates and queues a fault spec.  Returns the fault or nil, errors.
function C.add_fault(spec)
  local errs = C.new_errors()
  if type(spec) ~= "table" then spec = {} end
  local path = spec.path
  if type(path) ~= "string" or path == "" or path:sub(1, 1) ~= "/" then
    errs.add("path", "must be a string starting with /")
  end
  local method = spec.method
  if C.is_null(method) or method == "" then
    method = nil
  elseif type(method) ~= "string" then
    errs.add("method", "is invalid")
  else
    method = method:upper()
  end
  local kind = spec.kind
  if type(kind) == "number" then kind = format("%d", kind) end
  if type(kind) ~= "string" or not FAULT_KINDS[kind] then
    errs.add("kind", "is not included in the list")
  end
  local count = optional_number(errs, spec, "count", C.to_int, 1, 1, "a positive integer")
  local retry_after = optional_number(errs, spec, "retry_after", C.to_int, 0, nil, "a non-negative integer")
  local rate, kinds
  if kind == "random" then
    rate = C.to_decimal(spec.rate)
    if not rate or rate < 0 or rate > 1 then errs.add("rate", "must be a number from 0 to 1") end
    kinds = spec.kinds
    if type(kinds) ~= "table" or #kinds == 0 then
      errs.add("kinds", "must be a non-empty array")
    else
      for _, k in ipairs(kinds) do
        if type(k) == "number" then k = format("%d", k) end
        if not FAULT_KINDS[k] or k == "random" then errs.add("kinds", "has an unknown kind") end
      end
    end
  end
  local delay_ms = optional_number(errs, spec, "delay_ms", C.to_decimal, 0, 100, "a non-negative number")
  local status, echo_format, pad, content_type, gzip
  if kind == "echo" then
    status = C.is_null(spec.status) and 400 or C.to_int(spec.status)
    if not status or status < 200 or status > 599 then errs.add("status", "must be an integer from 200 to 599") end
    echo_format = C.is_null(spec.format) and "json" or spec.format
    if not ECHO_FORMATS[echo_format] then errs.add("format", "is not included in the list") end
    pad = C.is_null(spec.pad) and 0 or C.to_int(spec.pad)
    if not pad or pad < 0 or pad > 100000 then errs.add("pad", "must be an integer from 0 to 100000") end
    content_type = not C.is_null(spec.content_type) and spec.content_type or nil
    local one_line = type(content_type) == "string" and content_type ~= "" and not content_type:find("[\r\n]")
    if content_type ~= nil and not one_line then
      errs.add("content_type", "must be a non-empty string of one line")
    end
    gzip = not C.is_null(spec.gzip) and spec.gzip or nil
    if gzip ~= nil and gzip ~= true then errs.add("gzip", "must be true or absent") end
  end
  if errs.any() then return nil, errs end
  if not C.is_null(spec.seed) and C.to_int(spec.seed) then math.randomseed(C.to_int(spec.seed)) end
  fault_seq = fault_seq + 1
  local f = {
    id = fault_seq, path = path, method = method, kind = kind, count = count,
    retry_after = retry_after, delay_ms = delay_ms, rate = rate, kinds = kinds,
    status = status, format = echo_format, pad = pad, content_type = content_type, gzip = gzip,
    rolls = 0, struck = 0, bag = {}, -- a random fault's course (strikes, draw_kind)
  }
  faults[#faults + 1] = f
  return f
end

function C.list_faults()
  return C.map_array(faults, fault_json)
end

function C.clear_faults()
  faults = {}
end

-- How many requests each kind took effect on since the last reset.
function C.faults_applied()
  local keys = {}
  for k in pairs(applied) do keys[#keys + 1] = k end
  table.sort(keys)
  return C.ordered(keys, applied)
end

-- Takes (consumes one use of) the first queued fault matching the request.
function C.take_fault(req)
  for i, f in ipairs(faults) do
    if req.raw_path:sub(1, #f.path) == f.path
        and (f.method == nil or f.method == req.method) then
      f.count = f.count - 1
      if f.count <= 0 then table.remove(faults, i) end
      return f
    end
  end
  return nil
end

-- The request as an echoing server shows it: `pad` bytes of "x", the
-- credential (the Authorization header, or else the request URI, which
-- carries a query credential), then the request line, every header
-- (sorted, as received) and the body.
local function echo_text(req, pad)
  local headers = ngx.req.get_headers(0)
  local names = {}
  for name in pairs(headers) do names[#names + 1] = name end
  sort(names)
  local auth = headers["authorization"]
  if type(auth) == "table" then auth = concat(auth, ", ") end
  local out = { string.rep("x", pad), auth or req.uri, "\n", req.method, " ", req.uri, "\n" }
  for _, name in ipairs(names) do
    local v = headers[name]
    if type(v) == "table" then v = concat(v, ", ") end
    out[#out + 1] = name .. ": " .. tostring(v) .. "\n"
  end
  out[#out + 1] = "\n"
  out[#out + 1] = C.raw_body(req) or ""
  return concat(out), auth or req.uri
end

-- Answers a request with itself (the `echo` fault): format json is
-- {"error": <echo>, "code": <credential>}; text is text/plain; jsonraw is
-- {"request": <echo>} (no message field: a client shows the raw JSON
-- text, secrets JSON-escaped); broken is a JSON content type with a body
-- cut inside a string.  With `gzip` the body is sent compressed
-- (Content-Encoding: gzip), whatever the request's Accept-Encoding says.
local function echo(f, req)
  local text, credential = echo_text(req, f.pad or 0)
  local headers = {}
  if f.retry_after then headers["Retry-After"] = tostring(f.retry_after) end
  if f.content_type then headers["Content-Type"] = f.content_type end
  local s
  if f.format == "text" then
    s = text
    headers["Content-Type"] = f.content_type or "text/plain; charset=utf-8"
  elseif f.format == "jsonraw" then
    s = C.encode(C.ordered({ "request" }, { request = text }))
  elseif f.format == "broken" then
    s = C.encode({ error = text }):sub(1, -3)
  else
    s = C.encode(C.ordered({ "error", "code" }, { error = text, code = credential }))
  end
  if f.gzip then
    s = Hostile.gzip(s)
    headers["Content-Encoding"] = "gzip"
  end
  return C.reply_raw(f.status or 400, s, headers)
end

-- How far a random fault's strikes may stray from rolls × rate.
local SLACK = 2

-- Whether a random fault f strikes the request it was taken for: a roll
-- against f.rate, overruled when the strikes so far would stray more than
-- SLACK from what the rolls so far are owed, so after n requests they are
-- within SLACK + 1 of n × rate.  A run of luck can then neither spare a
-- stormed job nor pile on it, and a spec counting the faults its job met
-- cannot fail by chance; where the faults fall stays random.
local function strikes(f)
  f.rolls = f.rolls + 1
  local owed = f.rolls * f.rate
  local hit
  if f.struck < owed - SLACK then
    hit = true
  elseif f.struck + 1 > owed + SLACK then
    hit = false
  else
    hit = math.random() < f.rate
  end
  if hit then f.struck = f.struck + 1 end
  return hit
end

-- The kind a random fault f strikes with: drawn from a bag holding each of
-- f.kinds once, refilled when empty, so every kind comes once in each
-- round of #f.kinds strikes, in random order.
local function draw_kind(f)
  local bag = f.bag
  if #bag == 0 then
    for i, k in ipairs(f.kinds) do bag[i] = k end
  end
  local i = math.random(#bag)
  local pick = bag[i]
  bag[i] = bag[#bag]
  bag[#bag] = nil
  if type(pick) == "number" then pick = format("%d", pick) end
  return pick
end

-- Applies a fault.  Returns true when the fault produced the response
-- (or dropped the connection); false when normal handling must go on.
-- The kind that took effect is left in req.fault_applied (nil when a
-- random roll or a fresh connection spared the request) and counted.

function C.apply_fault(f, req)
  local kind = f.kind
  if kind ~= "random" and not (kind == "drop_after_reused" and not C.connection_reused()) then
    req.fault_applied = kind
    applied[kind] = (applied[kind] or 0) + 1
    -- logged now: a drop ends the handler (ngx.exit) before the router goes on
    if req.log_entry then req.log_entry.fault = kind end
  end
  if kind == "delay" then
    if f.delay_ms > 0 then ngx.sleep(f.delay_ms / 1000) end
    return false
  elseif kind == "random" then
    if not strikes(f) then return false end
    return C.apply_fault({ kind = draw_kind(f), retry_after = f.retry_after, delay_ms = f.delay_ms }, req)
  elseif kind == "drop_after" then
    ngx.ctx.drop_after = true
    return false
  elseif kind == "drop_after_reused" then
    if C.connection_reused() then ngx.ctx.drop_after = true end
    return false
  elseif kind == "foreign_link" then
    req.base_url = req.scheme .. "://evil.example"
    return false
  elseif kind == "next_only" then
    req.next_only = true
    return false
  elseif kind == "link_loop" then
    req.link_loop = true
    return false
  elseif kind == "cerego_next_forever" then
    req.next_forever = true
    return false
  elseif kind == "echo" then
    echo(f, req)
    return true
  elseif kind == "drop" then
    ngx.exit(444)
    return true
  elseif kind == "broken_json" then
    local root = "data"
    for i = #req.segments, 1, -1 do
      local s = req.segments[i]
      if s ~= "" and not s:match("^%d+$") then root = s break end
    end
    C.reply_raw(200, '{"' .. root:gsub('[^%w_]', '') .. '": [{"id": 1,')
    return true
  else
    local status = tonumber(kind)
    local headers
    if status == 429 then
      headers = { ["Retry-After"] = tostring(f.retry_after or 1) }
    elseif status == 503 and f.retry_after then
      headers = { ["Retry-After"] = tostring(f.retry_after) }
    end
    C.error(status, STATUS_TEXT[status], headers)
    return true
  end
end

return {
  applied = applied,
}
