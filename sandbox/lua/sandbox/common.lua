-- sandbox.common: helpers shared by every vendor simulator.
--
-- JSON encoding (ordered objects, explicit arrays, null), request parsing
-- (raw path segments, nested query/form args, JSON bodies), replies and
-- errors, paging with RFC 8288 Link headers, fault injection and the
-- request log.  All state lives in module-level tables: nginx runs with
-- worker_processes 1, so one Lua VM holds the whole sandbox state.

local cjson = require "cjson.safe"
local dkjson = require "dkjson"

local ngx = ngx
local type, pairs, ipairs, tostring, tonumber = type, pairs, ipairs, tostring, tonumber
local setmetatable, getmetatable = setmetatable, getmetatable
local concat, sort = table.concat, table.sort
local floor, huge = math.floor, math.huge
local format = string.format

local C = {}

-- Random faults and latency differ from run to run (a fault spec's `seed`
-- makes a run repeatable).
math.randomseed(floor(ngx.now() * 1000) % 2147483647 + ngx.worker.pid())

C.null = cjson.null

---------------------------------------------------------------------------
-- JSON
---------------------------------------------------------------------------

-- Encoding goes through dkjson (Debian's lua-dkjson): it honours the
-- metatable fields __jsontype = "array" (so an empty array is []) and
-- __jsonorder (keys in the doc's order), which lua-cjson 2.1.0 cannot.
-- Decoding stays with lua-cjson (fast).
local ARRAY_MT = { __jsontype = "array" }

-- Marks t (default: new table) as a JSON array, so an empty one encodes as [].
function C.array(t)
  return setmetatable(t or {}, ARRAY_MT)
end

-- An object whose keys are emitted in the order of `keys`; a key whose
-- value is nil is emitted as null.  Keys not in `keys` follow.
function C.ordered(keys, values)
  return setmetatable(values or {}, { __jsonorder = keys })
end

-- Copies v for dkjson: cjson.null becomes dkjson.null, and keys an
-- ordered object names but lacks become null.
local function for_dkjson(v, depth)
  if v == C.null then return dkjson.null end
  if type(v) ~= "table" then return v end
  if depth > 64 then error("JSON nesting too deep") end
  local mt = getmetatable(v)
  local copy = {}
  for k, x in pairs(v) do copy[k] = for_dkjson(x, depth + 1) end
  if mt and mt.__jsonorder then
    for _, k in ipairs(mt.__jsonorder) do
      if copy[k] == nil then copy[k] = dkjson.null end
    end
  end
  return setmetatable(copy, mt)
end

function C.encode(v)
  return dkjson.encode(for_dkjson(v, 0))
end

function C.decode(s)
  return cjson.decode(s)
end

---------------------------------------------------------------------------
-- Value helpers
---------------------------------------------------------------------------

-- Empties t and fills it from fresh (shallow): a simulator's state table
-- keeps its identity across resets, so every file of the simulator that
-- holds it sees the new contents.
function C.refill(t, fresh)
  for k in pairs(t) do t[k] = nil end
  for k, v in pairs(fresh) do t[k] = v end
  return t
end

-- Values of tbl[1 .. next_id-1] that exist (and satisfy pred, if given),
-- in ascending id order: how every simulator lists a collection.
function C.in_id_order(tbl, next_id, pred)
  local out = {}
  for id = 1, next_id - 1 do
    local v = tbl[id]
    if v ~= nil and (pred == nil or pred(v)) then out[#out + 1] = v end
  end
  return out
end

-- A query argument as one string: the last value when repeated, nil when
-- it is not a string.
function C.scalar_arg(v)
  if type(v) == "table" then v = v[#v] end
  if type(v) == "string" then return v end
  return nil
end

function C.is_null(v)
  return v == nil or v == C.null
end

-- Rails' blank?: nil/null, "", whitespace-only strings, false, empty tables.
function C.is_blank(v)
  if v == nil or v == C.null or v == false then return true end
  if type(v) == "string" then return v:match("^%s*$") ~= nil end
  if type(v) == "table" then return next(v) == nil end
  return false
end

-- Integer from a JSON number or a decimal string; nil if not an integer.
function C.to_int(v)
  if type(v) == "number" then
    if v == floor(v) and v > -2^53 and v < 2^53 then return v end
    return nil
  end
  if type(v) == "string" then
    local s = v:match("^%s*([+-]?%d+)%s*$")
    if s and #s < 16 then return tonumber(s) end
  end
  return nil
end

-- Decimal number from a JSON number or numeric string; nil otherwise.
function C.to_decimal(v)
  if type(v) == "number" then
    if v ~= v or v == huge or v == -huge then return nil end
    return v
  end
  if type(v) == "string" and v:match("^%s*[+-]?%d*%.?%d+%s*$") then
    return tonumber(v)
  end
  return nil
end

local TRUE_STRINGS = { ["true"] = true, ["1"] = true, t = true, yes = true, on = true }
local FALSE_STRINGS = { ["false"] = true, ["0"] = true, f = true, no = true, off = true }

-- Boolean from JSON true/false, 1/0 or the usual strings; nil if unrecognised.
function C.to_bool(v)
  if type(v) == "boolean" then return v end
  if type(v) == "number" then
    if v == 1 then return true elseif v == 0 then return false end
    return nil
  end
  if type(v) == "string" then
    local s = v:lower():match("^%s*(.-)%s*$")
    if TRUE_STRINGS[s] then return true end
    if FALSE_STRINGS[s] then return false end
  end
  return nil
end

-- Rails BigDecimal#to_s style: 49.99 -> "49.99", 4 -> "4.0", nil -> nil.
function C.fmt_decimal(n)
  if n == nil or n == C.null then return nil end
  if n == 0 then return "0.0" end
  if n == floor(n) and n > -1e15 and n < 1e15 then
    return format("%d.0", n)
  end
  local s = format("%.15g", n)
  if not s:find("[%.eEn]") then s = s .. ".0" end
  return s
end

-- Timestamps are epoch seconds (UTC); output as "2016/03/10 20:28:50 +0000".
function C.fmt_time(t)
  if t == nil or t == C.null then return nil end
  return os.date("!%Y/%m/%d %H:%M:%S +0000", t)
end

local function days_from_civil(y, m, d)
  y = (m <= 2) and (y - 1) or y
  local era = floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

function C.utc(y, mo, d, h, mi, s)
  return days_from_civil(y, mo, d) * 86400 + (h or 0) * 3600 + (mi or 0) * 60 + (s or 0)
end

-- Parses ISO 8601 ("2018-01-01", "2018-01-01T00:00:00Z", "...+02:00",
-- fractional seconds) and the API's own "2016/03/10 20:28:50 +0000" form.
-- Returns epoch seconds or nil.
function C.parse_time(s)
  if type(s) ~= "string" then return nil end
  s = s:match("^%s*(.-)%s*$")
  local y, mo, d, rest = s:match("^(%d%d%d%d)[-/](%d%d)[-/](%d%d)(.*)$")
  if not y then return nil end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if mo < 1 or mo > 12 or d < 1 or d > 31 then return nil end
  local h, mi, sec = 0, 0, 0
  if rest ~= "" then
    local hh, mm, r2 = rest:match("^[Tt ](%d%d):(%d%d)(.*)$")
    if not hh then return nil end
    h, mi, rest = tonumber(hh), tonumber(mm), r2
    local ss, r3 = rest:match("^:(%d%d)(.*)$")
    if ss then sec, rest = tonumber(ss), r3 end
    rest = rest:gsub("^%.%d+", "")
    if h > 23 or mi > 59 or sec > 60 then return nil end
  end
  local offset
  rest = rest:gsub("^%s+", "")
  if rest == "" or rest == "Z" or rest == "z" or rest == "UTC" then
    offset = 0
  else
    local sign, oh, om = rest:match("^([+-])(%d%d):?(%d%d)$")
    if not sign then
      -- an unencoded "+" in a query string arrives as a space
      oh, om = rest:match("^(%d%d):?(%d%d)$")
      if not oh then return nil end
      sign = "+"
    end
    offset = (tonumber(oh) * 3600 + tonumber(om) * 60) * (sign == "-" and -1 or 1)
  end
  return C.utc(y, mo, d, h, mi, sec) - offset
end

---------------------------------------------------------------------------
-- Args: query strings and form bodies, nested the Rack way
---------------------------------------------------------------------------

local function unescape(s)
  return ngx.unescape_uri((s:gsub("%+", " ")))
end
C.unescape = unescape

local function split_key(k)
  local base, rest = k:match("^([^%[]+)(.*)$")
  if not base then return { k } end
  local parts = { base }
  while rest ~= "" do
    local inner, after = rest:match("^%[([^%]]*)%](.*)$")
    if not inner then
      parts[#parts] = parts[#parts] .. rest
      break
    end
    parts[#parts + 1] = inner
    rest = after
  end
  return parts
end

local function add_nested(root, key, value)
  if value == true then value = "" end -- "?flag" without "="
  local parts = split_key(key)
  local node = root
  for i = 1, #parts - 1 do
    local p = parts[i]
    local nxt = parts[i + 1]
    if p == "" then
      -- "a[][b]=": arrays of hashes are not needed by any vendor; append.
      local t = {}
      node[#node + 1] = t
      node = t
    else
      if type(node[p]) ~= "table" then
        node[p] = (nxt == "") and C.array() or {}
      end
      node = node[p]
    end
  end
  local last = parts[#parts]
  if last == "" then
    if type(value) == "table" then
      for _, v in ipairs(value) do node[#node + 1] = (v == true) and "" or v end
    else
      node[#node + 1] = value
    end
  elseif type(value) == "table" then
    -- a plain key repeated ("x=1&x=2"): keep all values, in order
    local arr = C.array()
    for _, v in ipairs(value) do arr[#arr + 1] = (v == true) and "" or v end
    node[last] = arr
  else
    node[last] = value
  end
end

-- flat: { key = value | {values...} } as returned by ngx.req.get_uri_args.
function C.nest(flat)
  local root = {}
  local keys = {}
  for k in pairs(flat) do keys[#keys + 1] = k end
  sort(keys)
  for _, k in ipairs(keys) do add_nested(root, k, flat[k]) end
  return root
end

---------------------------------------------------------------------------
-- Request
---------------------------------------------------------------------------

-- Builds the request object from the RAW request line: the path is split
-- on "/" before percent-decoding, so "..%2Fcatalogs" stays one segment.
function C.request()
  local uri = ngx.var.request_uri or "/"
  local raw_path, raw_query = uri, nil
  local q = uri:find("?", 1, true)
  if q then
    raw_path, raw_query = uri:sub(1, q - 1), uri:sub(q + 1)
  end
  local segments = {}
  local parts = {}
  for seg in (raw_path .. "/"):gmatch("([^/]*)/") do parts[#parts + 1] = seg end
  -- parts[1] is the empty string before the leading "/"
  for i = 2, #parts do segments[#segments + 1] = parts[i] end
  if #segments > 0 and segments[#segments] == "" then
    segments[#segments] = nil -- tolerate one trailing slash
  end
  for i = 1, #segments do segments[i] = ngx.unescape_uri(segments[i]) end

  local flat = ngx.req.get_uri_args(0)
  local host = ngx.var.http_host
  if not host or host == "" then
    host = ngx.var.server_addr .. ":" .. ngx.var.server_port
  end
  local method = ngx.req.get_method()
  return {
    method = method,
    uri = uri,
    raw_path = raw_path,
    raw_query = raw_query,
    segments = segments,
    args = C.nest(flat),
    scheme = ngx.var.scheme,
    host = host,
    base_url = ngx.var.scheme .. "://" .. host,
  }
end

-- Raw request body as a string (nil when there is none).
function C.raw_body(req)
  if req and req._raw_body_read then return req._raw_body end
  ngx.req.read_body()
  local data = ngx.req.get_body_data()
  if not data then
    local file = ngx.req.get_body_file()
    if file then
      local f = io.open(file, "rb")
      if f then data = f:read("*a") f:close() end
    end
  end
  if req then req._raw_body_read, req._raw_body = true, data end
  return data
end

-- Parsed body: JSON (object expected) or form-encoded, nested the Rails way.
-- Returns table, or nil + "invalid_json".  An empty body yields {}.
-- (Callers should check for invalid JSON before anything else.)
function C.body(req)
  if req and req._body then return req._body end
  local raw = C.raw_body(req)
  local result
  if raw == nil or raw:match("^%s*$") then
    result = {}
  else
    -- The Content-Type decides; without one (or with an unknown one) the
    -- body is sniffed: JSON if it starts like JSON, else form-encoded.
    local ctype = (ngx.var.content_type or ""):lower()
    local as_json
    if ctype:find("json", 1, true) then
      as_json = true
    elseif ctype:find("application/x-www-form-urlencoded", 1, true) then
      as_json = false
    else
      as_json = raw:match("^%s*[%[{\"]") ~= nil
    end
    if as_json then
      local v = C.decode(raw)
      if v == nil then return nil, "invalid_json" end
      -- valid JSON that is not an object: no params at all
      if type(v) ~= "table" or v[1] ~= nil then v = {} end
      result = v
    else
      result = C.nest(ngx.decode_args(raw, 0))
    end
  end
  if req then req._body = result end
  return result
end

---------------------------------------------------------------------------
-- Replies
---------------------------------------------------------------------------

local JSON_TYPE = "application/json; charset=utf-8"

local function set_headers(headers)
  if not headers then return end
  for k, v in pairs(headers) do ngx.header[k] = v end
end

-- Sends a JSON reply; body nil sends no body at all (204 and friends).
function C.reply(status, body, headers)
  if ngx.ctx.drop_after then return ngx.exit(444) end -- handled, but the answer is lost
  ngx.status = status
  set_headers(headers)
  if body == nil then
    ngx.header["Content-Type"] = nil
    ngx.header["Content-Length"] = nil
    ngx.send_headers()
    return ngx.eof()
  end
  local s = C.encode(body)
  ngx.header["Content-Type"] = JSON_TYPE
  ngx.header["Content-Length"] = #s
  ngx.print(s)
  return ngx.eof()
end

-- Sends an arbitrary (already encoded) body with a JSON content type.
function C.reply_raw(status, s, headers)
  if ngx.ctx.drop_after then return ngx.exit(444) end
  ngx.status = status
  set_headers(headers)
  ngx.header["Content-Type"] = JSON_TYPE
  ngx.header["Content-Length"] = #s
  ngx.print(s)
  return ngx.eof()
end

function C.no_content(headers)
  return C.reply(204, nil, headers)
end

-- {"error": msg}
function C.error(status, msg, headers)
  return C.reply(status, C.ordered({ "error" }, { error = msg }), headers)
end

function C.not_found()
  return C.error(404, "Not found")
end

function C.method_not_allowed(allowed)
  local h
  if allowed and #allowed > 0 then h = { Allow = concat(allowed, ", ") } end
  return C.error(405, "Method not allowed", h)
end

function C.invalid_json()
  return C.error(400, "Invalid JSON")
end

-- Rails-style validation errors: keeps field order of first insertion.
function C.new_errors()
  local keys, map = {}, {}
  local e = {}
  function e.add(field, msg)
    if not map[field] then
      keys[#keys + 1] = field
      map[field] = C.array()
    end
    local list = map[field]
    for _, m in ipairs(list) do if m == msg then return end end
    list[#list + 1] = msg
  end
  function e.any() return #keys > 0 end
  function e.body()
    return C.ordered({ "errors" }, { errors = C.ordered(keys, map) })
  end
  return e
end

function C.unprocessable(errs)
  return C.reply(422, errs.body())
end

---------------------------------------------------------------------------
-- Paging (page / per_page, Total, Per-Page, RFC 8288 Link)
---------------------------------------------------------------------------

C.DEFAULT_PER_PAGE = 20
C.MAX_PER_PAGE = 100

local function last_scalar(v)
  if type(v) == "table" then v = v[#v] end
  if type(v) == "string" then return v end
  return nil
end

local function positive_int(v)
  local s = last_scalar(v)
  if not s then return nil end
  local n = C.to_int(s)
  if n and n > 0 then return n end
  return nil
end

-- URL of page n of the current request: same scheme, host:port and raw
-- path; page=n first, then every other original query arg (raw, in order).
function C.page_url(req, n)
  local kept = {}
  if req.raw_query then
    for piece in req.raw_query:gmatch("[^&]+") do
      local name = piece:match("^([^=]*)")
      if unescape(name) ~= "page" then kept[#kept + 1] = piece end
    end
  end
  local q = "page=" .. format("%d", n)
  if #kept > 0 then q = q .. "&" .. concat(kept, "&") end
  return req.base_url .. req.raw_path .. "?" .. q
end

-- Slices `items` (an array in output order) for the requested page.
-- Returns the page as a JSON array and the headers to send with it.
function C.paginate(req, items)
  local per_page = positive_int(req.args.per_page) or C.DEFAULT_PER_PAGE
  if per_page > C.MAX_PER_PAGE then per_page = C.MAX_PER_PAGE end
  local page = positive_int(req.args.page) or 1
  if page > 1e9 then page = 1e9 end
  local total = #items
  local pages = math.ceil(total / per_page)
  local slice = C.array()
  local first = (page - 1) * per_page + 1
  for i = first, math.min(total, first + per_page - 1) do
    slice[#slice + 1] = items[i]
  end
  local headers = { Total = tostring(total), ["Per-Page"] = tostring(per_page) }
  if pages > 1 then
    local links = {}
    local function add(n, rel)
      links[#links + 1] = "<" .. C.page_url(req, n) .. '>; rel="' .. rel .. '"'
    end
    -- like api-pagination (kaminari): a page past the end gets only
    -- first/prev (prev clamped to the last page), no next/last
    if req.link_loop then -- A -> B -> A: page 2 and after lead back to page 1
      add(page == 1 and 2 or 1, "next")
    elseif page < pages then
      add(page + 1, "next")
      if not req.next_only then add(pages, "last") end
    end
    if page > 1 then
      add(1, "first")
      add(math.min(page - 1, pages), "prev")
    end
    if #links > 0 then headers.Link = concat(links, ", ") end
  end
  return slice, headers
end

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
                     "status", "format", "pad" }, {
    id = f.id, path = f.path, method = f.method, kind = f.kind, count = f.count,
    retry_after = f.retry_after, delay_ms = f.delay_ms,
    status = f.status, format = f.format, pad = f.pad,
  })
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
  local count = 1
  if not C.is_null(spec.count) then
    count = C.to_int(spec.count)
    if not count or count < 1 then errs.add("count", "must be a positive integer") end
  end
  local retry_after
  if not C.is_null(spec.retry_after) then
    retry_after = C.to_int(spec.retry_after)
    if not retry_after or retry_after < 0 then errs.add("retry_after", "must be a non-negative integer") end
  end
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
  local delay_ms = 100
  if not C.is_null(spec.delay_ms) then
    delay_ms = C.to_decimal(spec.delay_ms)
    if not delay_ms or delay_ms < 0 then errs.add("delay_ms", "must be a non-negative number") end
  end
  local status, echo_format, pad
  if kind == "echo" then
    status = C.is_null(spec.status) and 400 or C.to_int(spec.status)
    if not status or status < 200 or status > 599 then errs.add("status", "must be an integer from 200 to 599") end
    echo_format = C.is_null(spec.format) and "json" or spec.format
    if not ECHO_FORMATS[echo_format] then errs.add("format", "is not included in the list") end
    pad = C.is_null(spec.pad) and 0 or C.to_int(spec.pad)
    if not pad or pad < 0 or pad > 100000 then errs.add("pad", "must be an integer from 0 to 100000") end
  end
  if errs.any() then return nil, errs end
  if not C.is_null(spec.seed) and C.to_int(spec.seed) then math.randomseed(C.to_int(spec.seed)) end
  fault_seq = fault_seq + 1
  local f = {
    id = fault_seq, path = path, method = method, kind = kind, count = count,
    retry_after = retry_after, delay_ms = delay_ms, rate = rate, kinds = kinds,
    status = status, format = echo_format, pad = pad,
  }
  faults[#faults + 1] = f
  return f
end

function C.list_faults()
  local out = C.array()
  for _, f in ipairs(faults) do out[#out + 1] = fault_json(f) end
  return out
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
-- cut inside a string.
local function echo(f, req)
  local text, credential = echo_text(req, f.pad or 0)
  local status = f.status or 400
  local headers
  if f.retry_after then headers = { ["Retry-After"] = tostring(f.retry_after) } end
  if f.format == "text" then
    if ngx.ctx.drop_after then return ngx.exit(444) end
    ngx.status = status
    set_headers(headers)
    ngx.header["Content-Type"] = "text/plain; charset=utf-8"
    ngx.header["Content-Length"] = #text
    ngx.print(text)
    return ngx.eof()
  elseif f.format == "jsonraw" then
    return C.reply(status, C.ordered({ "request" }, { request = text }), headers)
  elseif f.format == "broken" then
    return C.reply_raw(status, C.encode({ error = text }):sub(1, -3), headers)
  end
  return C.reply(status, C.ordered({ "error", "code" }, { error = text, code = credential }), headers)
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
    if math.random() >= f.rate then return false end
    local pick = f.kinds[math.random(#f.kinds)]
    if type(pick) == "number" then pick = format("%d", pick) end
    return C.apply_fault({ kind = pick, retry_after = f.retry_after, delay_ms = f.delay_ms }, req)
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

---------------------------------------------------------------------------
-- Request log
---------------------------------------------------------------------------

C.LOG_CAP = 5000
local request_log = {}

local LOG_KEYS = {
  "method", "uri", "path", "query", "headers", "body", "http_version",
  "scheme", "server_port", "time", "fault",
}

-- Records a vendor request; returns the entry (fault is filled in later).
function C.log_request(req)
  local headers = ngx.req.get_headers(0)
  local h = {}
  for k, v in pairs(headers) do
    local name = k:lower()
    if type(v) == "table" then
      local arr = C.array()
      for i, x in ipairs(v) do arr[i] = x end
      v = arr
    end
    h[name] = v
  end
  local entry = C.ordered(LOG_KEYS, {
    method = req.method,
    uri = req.uri,
    path = req.raw_path,
    query = req.raw_query,
    headers = h,
    body = C.raw_body(req),
    http_version = ngx.req.http_version(),
    scheme = req.scheme,
    server_port = tonumber(ngx.var.server_port),
    time = ngx.now(),
  })
  request_log[#request_log + 1] = entry
  while #request_log > C.LOG_CAP do table.remove(request_log, 1) end
  return entry
end

function C.get_log()
  local out = C.array()
  for i, e in ipairs(request_log) do out[i] = e end
  return out
end

function C.clear_log()
  request_log = {}
end

-- True when this request did not open its connection: a keep-alive
-- connection's second or later request, or an HTTP/2 stream.
function C.connection_reused()
  return (tonumber(ngx.var.connection_requests) or 1) > 1 or (ngx.var.http2 or "") ~= ""
end

---------------------------------------------------------------------------
-- Latency: a random delay per vendor request, applied before any fault, so
-- responses complete out of order (paging ahead, concurrent jobs).
---------------------------------------------------------------------------

local latency -- { path =, min_ms =, max_ms =, rate = } or nil

-- Validates and sets the latency spec; nil, errors when it is invalid.
function C.set_latency(spec)
  local errs = C.new_errors()
  if type(spec) ~= "table" then spec = {} end
  local path = C.is_null(spec.path) and "/" or spec.path
  if type(path) ~= "string" or path:sub(1, 1) ~= "/" then
    errs.add("path", "must be a string starting with /")
  end
  local min_ms = C.is_null(spec.min_ms) and 0 or C.to_decimal(spec.min_ms)
  local max_ms = C.to_decimal(spec.max_ms)
  local rate = C.is_null(spec.rate) and 1 or C.to_decimal(spec.rate)
  if not min_ms or min_ms < 0 then errs.add("min_ms", "must be a non-negative number") end
  if not max_ms or max_ms < (min_ms or 0) or max_ms > 10000 then
    errs.add("max_ms", "must be a number from min_ms to 10000")
  end
  if not rate or rate < 0 or rate > 1 then errs.add("rate", "must be a number from 0 to 1") end
  if errs.any() then return nil, errs end
  latency = { path = path, min_ms = min_ms, max_ms = max_ms, rate = rate }
  return latency
end

function C.get_latency()
  if not latency then return C.null end
  return C.ordered({ "path", "min_ms", "max_ms", "rate" }, latency)
end

function C.clear_latency()
  latency = nil
end

-- Sleeps the random delay that the latency spec gives this request.
function C.apply_latency(req)
  local l = latency
  if not l or req.raw_path:sub(1, #l.path) ~= l.path or math.random() >= l.rate then return end
  local ms = l.min_ms + math.random() * (l.max_ms - l.min_ms)
  if ms > 0 then ngx.sleep(ms / 1000) end
end

-- Clears everything common.lua owns (faults, latency and the request log).
function C.reset()
  C.clear_faults()
  applied = {}
  C.clear_latency()
  C.clear_log()
end

return C
