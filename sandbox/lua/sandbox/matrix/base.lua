-- sandbox.matrix.base: errors and replies, argument readers, small helpers, and the module table M.

local C = require "sandbox.common"
local CRED = require "lmskit.sandbox_credentials"

local ngx = ngx
local type, pairs, ipairs, tostring, tonumber = type, pairs, ipairs, tostring, tonumber
local setmetatable, next = setmetatable, next
local floor, min = math.floor, math.min
local format = string.format
local concat, sort = table.concat, table.sort
local error = error

local M = {}

M.name = "matrix"
M.API_KEY = CRED.matrix.api_key
M.PAGE_SIZE = 100
M.MAX_SEED = 100000
M.DEFAULTS = { limit = 120, window = 60, lockout = 60, sync_threshold = 25, report_delay = 0 }
M.LIMIT_MESSAGE = "API call limit exceeded"

---------------------------------------------------------------------------
-- Errors and replies
---------------------------------------------------------------------------

local API_ERROR = {}
local RAW = {}

-- Aborts the current function with a {"message": ...} error (400 unless told).
local function fail(message, status)
  error(setmetatable({ status = status or 400, message = message }, API_ERROR), 0)
end

local function message_body(msg)
  return C.ordered({ "message" }, { message = msg })
end

local function raw_reply(content_type, body, headers)
  return setmetatable({ content_type = content_type, body = body, headers = headers }, RAW)
end

local function send_raw(r)
  ngx.status = 200
  if r.headers then
    for k, v in pairs(r.headers) do ngx.header[k] = v end
  end
  ngx.header["Content-Type"] = r.content_type
  ngx.header["Content-Length"] = #r.body
  ngx.print(r.body)
  return ngx.eof()
end

---------------------------------------------------------------------------
-- Small helpers
---------------------------------------------------------------------------

local function num_str(n)
  if n == floor(n) and n > -2 ^ 53 and n < 2 ^ 53 then return format("%d", n) end
  return format("%.14g", n)
end

local function round2(x)
  if x == nil then return nil end
  return floor(x * 100 + 0.5) / 100
end

local function is_blank(s)
  return s == nil or (type(s) == "string" and s:match("^%s*$") ~= nil)
end

local function trim(s)
  return (s:match("^%s*(.-)%s*$"))
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = tostring(k) end
  sort(keys)
  return keys
end

local function sorted_keys_num(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  sort(keys)
  return keys
end

-- Values of an id-keyed map in id order, optionally filtered.
local function sorted_values(map, pred)
  local ids = {}
  for id, x in pairs(map) do
    if not pred or pred(x) then ids[#ids + 1] = id end
  end
  sort(ids)
  local out = {}
  for i, id in ipairs(ids) do out[i] = map[id] end
  return out
end

-- A JSON array of view(x) for each of items (nil views left out).
local map_array = C.map_array

local function copy_list(t)
  local out = {}
  for i, x in ipairs(t or {}) do out[i] = x end
  return out
end

local function id_array(t)
  local out = C.array()
  for i, x in ipairs(t or {}) do out[i] = x end
  return out
end

local function now()
  return ngx.now()
end

-- Times: the doc's "YYYY-MM-DDThh:mmTZD" (UTC, "Z"); dates "YYYY-MM-DD".
local function iso_time(t)
  if t == nil then return nil end
  return os.date("!%Y-%m-%dT%H:%MZ", floor(t))
end

-- SIS sync timestamps, like the doc's example "2019-08-08T16:05:44.099Z".
local iso_ms = C.iso_ms

local function iso_date(t)
  if t == nil then return nil end
  return os.date("!%Y-%m-%d", floor(t))
end

-- Epoch seconds from ISO 8601 / "YYYY/MM/DD ..." (C.parse_time), "MM/DD/YYYY"
-- or the report example's "YYYY.MM.DD hh:mm:ss".
local function parse_when(s)
  if type(s) ~= "string" then return nil end
  s = trim(s)
  local t = C.parse_time(s)
  if t then return t end
  local mo, d, y = s:match("^(%d%d?)/(%d%d?)/(%d%d%d%d)$")
  if mo then
    mo, d, y = tonumber(mo), tonumber(d), tonumber(y)
    if mo >= 1 and mo <= 12 and d >= 1 and d <= 31 then return C.utc(y, mo, d) end
    return nil
  end
  local y2, mo2, d2, rest = s:match("^(%d%d%d%d)%.(%d%d)%.(%d%d)(.*)$")
  if y2 then
    local h, mi, sec = 0, 0, 0
    if rest ~= "" then
      local hh, mm, ss = rest:match("^%s+(%d%d):(%d%d):?(%d*)$")
      if not hh then return nil end
      h, mi, sec = tonumber(hh), tonumber(mm), tonumber(ss) or 0
    end
    return C.utc(tonumber(y2), tonumber(mo2), tonumber(d2), h, mi, sec)
  end
  return nil
end

-- A date argument as "YYYY-MM-DD" (nil if it is not a date).
local function parse_date(s)
  local t = parse_when(s)
  if not t then return nil end
  return iso_date(t)
end

local function csv_field(v)
  if v == nil or v == C.null then return "" end
  local s
  if type(v) == "number" then s = num_str(v) else s = tostring(v) end
  if s:find('[,"\r\n]') then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

-- RFC 4180 CSV: header plus rows (arrays as long as the header; nil = empty).
local function to_csv(header, rows)
  local lines = {}
  local n = #header
  local function line(r)
    local f = {}
    for j = 1, n do f[j] = csv_field(r[j]) end
    lines[#lines + 1] = concat(f, ",")
  end
  line(header)
  for _, r in ipairs(rows) do line(r) end
  return concat(lines, "\r\n") .. "\r\n"
end

---------------------------------------------------------------------------
-- Arguments (query string merged with a form or JSON body; the body wins)
---------------------------------------------------------------------------

-- One scalar as a string: nil when absent or null; a repeated key gives
-- its last value; a hash is an error.
local function scalar(v, name)
  if type(v) == "table" then
    if #v > 0 then
      v = v[#v]
    elseif next(v) == nil then
      return nil
    else
      fail("Invalid " .. name .. ": expected a single value")
    end
    if type(v) == "table" then fail("Invalid " .. name .. ": expected a single value") end
  end
  if v == nil or v == C.null then return nil end
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then return num_str(v) end
  if t == "boolean" then return v and "true" or "false" end
  fail("Invalid " .. name)
end

local function arg_str(ctx, name, required)
  local s = scalar(ctx.args[name], name)
  if required and is_blank(s) then fail("Missing required argument: " .. name) end
  return s
end

local function to_int_or_fail(s, name)
  local n = C.to_int(s)
  if not n then fail("Invalid " .. name .. ": " .. tostring(s)) end
  return n
end

local function arg_int(ctx, name, required)
  local s = arg_str(ctx, name, required)
  if is_blank(s) then return nil end
  return to_int_or_fail(s, name)
end

local function bool_of(v, name, default)
  local s = scalar(v, name)
  if is_blank(s) then return default end
  local b = C.to_bool(s)
  if b == nil then fail("Invalid " .. name .. ": " .. s) end
  return b
end

local function arg_bool(ctx, name, default)
  return bool_of(ctx.args[name], name, default)
end

-- A list of integer ids: name[]=1&name[]=2, a JSON array, "1,2,3", a single
-- id, or name[0]=1&name[1]=2.  Duplicates are dropped, order is kept.
local function id_list(v, name)
  local out, seen = {}, {}
  local function add(x)
    local s = scalar(x, name)
    if is_blank(s) then return end
    for piece in s:gmatch("[^,]+") do
      if not is_blank(piece) then
        local n = to_int_or_fail(piece, name)
        if not seen[n] then
          seen[n] = true
          out[#out + 1] = n
        end
      end
    end
  end
  if type(v) == "string" and v:match("^%s*%[") then
    local d = C.decode(v)
    if type(d) ~= "table" then fail("Invalid " .. name .. ": " .. v) end
    v = d
  end
  if type(v) == "table" then
    if #v > 0 then
      for _, x in ipairs(v) do add(x) end
    else
      local keys = {}
      for k in pairs(v) do
        if not tonumber(k) then fail("Invalid " .. name .. ": expected a list of ids") end
        keys[#keys + 1] = k
      end
      sort(keys, function(a, b) return tonumber(a) < tonumber(b) end)
      for _, k in ipairs(keys) do add(v[k]) end
    end
  elseif v ~= nil then
    add(v)
  end
  return out
end

local function arg_ids(ctx, name, required)
  local ids = id_list(ctx.args[name], name)
  if required and #ids == 0 then fail("Missing required argument: " .. name) end
  return ids
end

-- A hash argument: name[k]=v pairs, a JSON object, or a JSON string.
local function hash_of(v, name)
  if v == nil or v == C.null then return {} end
  if type(v) == "string" then
    if is_blank(v) then return {} end
    local d = C.decode(v)
    if type(d) ~= "table" or d[1] ~= nil then
      fail("Invalid " .. name .. ": expected " .. name .. "[key]=value pairs or a JSON object")
    end
    return d
  end
  if type(v) ~= "table" or v[1] ~= nil then
    fail("Invalid " .. name .. ": expected " .. name .. "[key]=value pairs or a JSON object")
  end
  return v
end

local function arg_hash(ctx, name)
  return hash_of(ctx.args[name], name)
end

local RESERVED_ARGS = { api_key = true, api_version = true, page = true }

-- attributes / constraints: the doc's "attribute1=value1&attribute2=value2"
-- form (top-level args that are not the function's own parameters), merged
-- with name[k]=v pairs or a JSON object under `name` (those win).
local function arg_attrs(ctx, name)
  local out = {}
  local own = ctx.fdef.param_set
  for k, v in pairs(ctx.args) do
    if not RESERVED_ARGS[k] and not own[k] then out[k] = v end
  end
  for k, v in pairs(arg_hash(ctx, name)) do out[k] = v end
  return out
end

-- An option: options[name] or a top-level name.
local function opt_bool(ctx, opts, name, default)
  local v = opts[name]
  if v == nil then v = ctx.args[name] end
  return bool_of(v, name, default)
end

local function opt_str(ctx, opts, name)
  local v = opts[name]
  if v == nil then v = ctx.args[name] end
  return scalar(v, name)
end

local function page_number(ctx)
  local s = arg_str(ctx, "page")
  if is_blank(s) then return 1 end
  local n = C.to_int(s)
  if not n or n < 1 then fail("Invalid page: " .. s) end
  return n
end

-- One page (100 rows, 1-based) of items; past the end -> [].
local function page_of(ctx, items, view)
  local page = page_number(ctx)
  local out = C.array()
  local first = (page - 1) * M.PAGE_SIZE + 1
  for i = first, min(#items, first + M.PAGE_SIZE - 1) do out[#out + 1] = view(items[i]) end
  return out
end

-- Validates and canonicalises a value against a list (case-insensitive).
local function one_of(s, list, name)
  local l = trim(s):lower()
  for _, x in ipairs(list) do
    if x:lower() == l then return x end
  end
  fail("Invalid " .. name .. ": " .. s)
end

return {
  API_ERROR = API_ERROR,
  M = M,
  RAW = RAW,
  arg_attrs = arg_attrs,
  arg_bool = arg_bool,
  arg_hash = arg_hash,
  arg_ids = arg_ids,
  arg_int = arg_int,
  arg_str = arg_str,
  bool_of = bool_of,
  copy_list = copy_list,
  fail = fail,
  hash_of = hash_of,
  id_array = id_array,
  id_list = id_list,
  is_blank = is_blank,
  iso_date = iso_date,
  iso_ms = iso_ms,
  iso_time = iso_time,
  map_array = map_array,
  message_body = message_body,
  now = now,
  num_str = num_str,
  one_of = one_of,
  opt_bool = opt_bool,
  opt_str = opt_str,
  page_number = page_number,
  page_of = page_of,
  parse_date = parse_date,
  parse_when = parse_when,
  raw_reply = raw_reply,
  round2 = round2,
  scalar = scalar,
  send_raw = send_raw,
  sorted_keys = sorted_keys,
  sorted_keys_num = sorted_keys_num,
  sorted_values = sorted_values,
  to_csv = to_csv,
  to_int_or_fail = to_int_or_fail,
  trim = trim,
}
