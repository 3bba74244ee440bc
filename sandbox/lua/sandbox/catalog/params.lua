-- sandbox.catalog.params: reading a request: its body and root object,
-- query filters, and the checks every create shares (a required string, the
-- listing it names, an optional boolean), each adding the doc's message to
-- the request's errors.
-- Decisions where the doc is silent: sandbox/lua/sandbox/catalog/DECISIONS.md.

local C = require "sandbox.common"
local S = require("sandbox.catalog.state").S

local type, ipairs = type, ipairs

-- The root-key object of a request body ({"course": {...}}), or {}.
local function root_params(body, root)
  local p = body[root]
  if type(p) ~= "table" then return {} end
  return p
end

-- Reads the body; replies 400 on invalid JSON.  Returns body or nil.
local read_body = C.body_or_reply


-- A write's JSON body and its root object (root_params); nil after a 400
-- when the body is not JSON.
local function body_params(req, root)
  local body = read_body(req)
  if not body then return nil end
  return body, root_params(body, root)
end

-- Optional integer filter from the query: nil when absent, false when
-- present but not an integer (matches nothing).
local function int_filter(args, name)
  local v = args[name]
  if v == nil then return nil end
  local n = C.to_int(C.scalar_arg(v) or "")
  if n == nil then return false end
  return n
end

-- from/to date filters; replies 400 and returns nil on a bad value.
local function date_filters(req)
  local out = {}
  for _, name in ipairs({ "from", "to" }) do
    local v = C.scalar_arg(req.args[name])
    if v ~= nil and v ~= "" then
      local ts = C.parse_time(v)
      if not ts then
        C.error(400, "Invalid date/time for " .. name .. " (use YYYY-MM-DDTHH:MM:SSZ)")
        return nil
      end
      out[name] = ts
    end
  end
  return out
end

local function in_range(ts, range)
  if range.from and (ts == nil or ts < range.from) then return false end
  if range.to and (ts == nil or ts > range.to) then return false end
  return true
end

local function str_value(v)
  if type(v) == "string" then return v end
  if type(v) == "number" then return C.fmt_decimal(v):gsub("%.0$", "") end
  return nil
end

-- The string value of the required field p[name], adding "can't be blank"
-- (absent, null, empty) or "is invalid" (not a string or number) to errs.
local function required_string(errs, p, name)
  local value = str_value(p[name])
  if C.is_blank(p[name]) then
    errs.add(name, "can't be blank")
  elseif not value then
    errs.add(name, "is invalid")
  end
  return value
end

-- The id of the listing p.listing_id names, adding "can't be blank" or
-- "does not exist" to errs.
local function listing_id(errs, p)
  if C.is_blank(p.listing_id) then
    errs.add("listing_id", "can't be blank")
    return nil
  end
  local id = C.to_int(p.listing_id)
  if not id or not S.listings[id] then errs.add("listing_id", "does not exist") end
  return id
end

-- An optional boolean: default when absent, null or "", else its value,
-- adding "is invalid" to errs (and giving nil) when it is no boolean.
local function optional_bool(errs, value, name, default)
  if C.is_null(value) or value == "" then return default end
  local b = C.to_bool(value)
  if b == nil then errs.add(name, "is invalid") end
  return b
end

return {
  body_params = body_params,
  date_filters = date_filters,
  in_range = in_range,
  int_filter = int_filter,
  listing_id = listing_id,
  optional_bool = optional_bool,
  read_body = read_body,
  required_string = required_string,
  root_params = root_params,
  str_value = str_value,
}
