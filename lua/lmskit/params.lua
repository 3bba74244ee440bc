--- Checks and converts call arguments against a vendor's declared types.
-- Declarations write a field as `name = "type"`, with a trailing `!` when
-- the field is required: `title = "string!"`.  Types: string, integer,
-- decimal, boolean, datetime, array, object, and unions such as
-- "integer|array".  Values from a CSV (strings) are converted where the
-- meaning is plain ("42" for an integer, "true" for a boolean).
-- @module lmskit.params
local json = require "lmskit.json"
local NULL = json.null

local params = {}

local tointeger = math.tointeger or function(n)
  if n == math.floor(n) then return n end
end

local truthy = { ["true"] = true, ["1"] = true, yes = true }
local falsy = { ["false"] = false, ["0"] = false, no = false }

-- Each converter returns the converted value, or nil when it does not fit.
local convert = {
  string = function(v)
    if type(v) == "string" then return v end
    if type(v) == "number" then return require("lmskit.core").number_text(v) end
  end,
  integer = function(v)
    if type(v) == "string" and v:match("^%s*%-?%d+%s*$") then v = tonumber(v) end
    if type(v) == "number" then return tointeger(v) end
  end,
  decimal = function(v)
    if type(v) == "string" then v = tonumber(v) end
    if type(v) == "number" and v == v then return v end
  end,
  boolean = function(v)
    if type(v) == "boolean" then return v end
    if type(v) == "string" then
      local s = v:lower()
      if truthy[s] ~= nil then return true end
      if falsy[s] ~= nil then return false end
    end
  end,
  datetime = function(v)
    if type(v) == "string" then return v end
  end,
  array = function(v)
    if type(v) == "table" and (getmetatable(v) == nil or getmetatable(v) == json.array_mt) then
      local n = 0
      for _ in pairs(v) do n = n + 1 end
      if n == #v then return json.array(v) end
    end
  end,
  object = function(v)
    if type(v) == "table" then return v end
  end,
}

-- Parses "integer|array!" into { "integer", "array" }, required.
local spec_cache = setmetatable({}, { __mode = "k" })
local function parse_spec(spec)
  local parsed = spec_cache[spec]
  if parsed then return parsed end
  local required = spec:sub(-1) == "!"
  local types = {}
  for t in spec:gsub("!$", ""):gmatch("[^|]+") do
    assert(convert[t], "unknown parameter type '" .. t .. "'")
    types[#types + 1] = t
  end
  parsed = { types = types, required = required }
  spec_cache[spec] = parsed
  return parsed
end

--- Why a declared spec ("integer|array!") is not one, or nil when it is
-- (lmskit.schema checks every field of a declaration with it).
function params.spec_error(spec)
  if type(spec) ~= "string" then return "must be a type such as \"string!\", not " .. type(spec) end
  for t in (spec:gsub("!$", "") .. "|"):gmatch("([^|]*)|") do
    if not convert[t] then
      local names = {}
      for name in pairs(convert) do names[#names + 1] = name end
      table.sort(names)
      return ("names no type: '%s' (types: %s; unions such as integer|array; a trailing ! for "
        .. "required)"):format(t, table.concat(names, ", "))
    end
  end
end

--- Converts one value to a declared spec; nil and a message if it cannot.
function params.coerce(spec, value)
  if value == json.null then return value end
  local parsed = parse_spec(spec)
  for _, t in ipairs(parsed.types) do
    local v = convert[t](value)
    if v ~= nil then return v end
  end
  return nil, ("expected %s, got %s %q"):format(table.concat(parsed.types, " or "),
    type(value), tostring(value))
end

-- A declared shape compiled once (per declaration table): each field's
-- first type's converter and its parsed spec, and the required names.
local compiled_cache = setmetatable({}, { __mode = "k" })
local function compiled(declared)
  local c = compiled_cache[declared]
  if c then return c end
  c = { first = {}, spec = {}, required = {} }
  for name, spec in pairs(declared) do
    local parsed = parse_spec(spec)
    c.first[name], c.spec[name] = convert[parsed.types[1]], spec
    if parsed.required then c.required[#c.required + 1] = name end
  end
  compiled_cache[declared] = c
  return c
end

--- Checks every field of args against declared fields.
-- Returns a new table of converted values, or nil and a message naming
-- the first unknown, missing or ill-typed field.  The declared shape is
-- compiled once; a value its first type takes as it is costs one call.
-- @param declared map field -> spec
-- @param args the caller's table (not modified)
-- @param what a name for messages ("courses:create")
-- @param partial when true, required fields may be absent (updates)
function params.check(declared, args, what, partial)
  local c = compiled(declared)
  local first = c.first
  local out = {}
  for name, value in pairs(args) do
    local fits = first[name]
    if not fits then
      return nil, ("%s: unknown parameter '%s'"):format(what, tostring(name))
    end
    local v = value ~= NULL and fits(value) or nil
    if v == nil then
      local why
      v, why = params.coerce(c.spec[name], value)
      if v == nil then
        return nil, ("%s: parameter '%s': %s"):format(what, name, why)
      end
    end
    out[name] = v
  end
  if partial then return out end
  local missing
  for _, name in ipairs(c.required) do
    if out[name] == nil then
      missing = missing or {}
      missing[#missing + 1] = name
    end
  end
  if missing then
    table.sort(missing)
    return nil, ("%s: missing required parameter(s): %s"):format(what, table.concat(missing, ", "))
  end
  return out
end

-- What each rule of params.number asks for.
local NUMBER_RULES = {
  count = "a whole number of at least 1",
  count0 = "a whole number of at least 0",
  seconds = "a finite number of seconds above 0",
  seconds0 = "a finite number of seconds of at least 0",
}

--- Checks a numeric option (concurrency, retries, timeouts...) against a
-- rule: "count" (an integer >= 1), "count0" (an integer >= 0), "seconds"
-- (finite, > 0) or "seconds0" (finite, >= 0).  NaN and infinities never
-- fit.  Returns nil when value fits, else why not.
function params.number(value, rule)
  local ok = type(value) == "number" and value == value and value > -math.huge and value < math.huge
  if ok and (rule == "count" or rule == "count0") then ok = value == math.floor(value) end
  if ok then
    if rule == "count" then ok = value >= 1
    elseif rule == "seconds" then ok = value > 0
    else ok = value >= 0 end
  end
  if ok then return nil end
  return ("must be %s, not %s"):format(NUMBER_RULES[rule], tostring(value))
end

return params
