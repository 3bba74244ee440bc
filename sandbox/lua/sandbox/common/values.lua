-- sandbox.common.values: value helpers (id order, numbers, times, refill).

local J = require "sandbox.common.json"

local type, pairs, ipairs, tonumber, assert, require = type, pairs, ipairs, tonumber, assert, require
local floor, huge = math.floor, math.huge
local format = string.format
local C = J.C

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

-- A JSON array of view(x) for each of items, in order; an item whose view
-- is nil is left out.
function C.map_array(items, view)
  local out = C.array()
  for _, x in ipairs(items) do
    local v = view(x)
    if v ~= nil then out[#out + 1] = v end
  end
  return out
end

-- A new list of the items of list for which keep(x) is true, in order.
function C.kept(list, keep)
  local out = {}
  for _, x in ipairs(list) do
    if keep(x) then out[#out + 1] = x end
  end
  return out
end

-- Takes the next id of a sequence kept in a simulator's state (state[counter]:
-- next_user, next_group, ...): returns it and moves the sequence on.
function C.take_id(state, counter)
  local id = state[counter]
  state[counter] = id + 1
  return id
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

-- One table of the exports of the modules prefix.<part>, for each part in
-- order; a name exported twice is an error.  A simulator's lib.lua: the one
-- require its other files make.
function C.merged(prefix, parts)
  local out = {}
  for _, part in ipairs(parts) do
    for k, v in pairs(require(prefix .. "." .. part)) do
      assert(out[k] == nil, k)
      out[k] = v
    end
  end
  return out
end

-- Epoch seconds (may carry milliseconds) -> "2017-12-14T00:25:58.000Z"
-- (nil stays nil): the millisecond timestamps of Cerego and MATRIX.
function C.iso_ms(t)
  if t == nil then return nil end
  local s = floor(t)
  local ms = floor((t - s) * 1000 + 0.5)
  if ms > 999 then ms = 999 end
  return os.date("!%Y-%m-%dT%H:%M:%S", s) .. format(".%03dZ", ms)
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

return true
