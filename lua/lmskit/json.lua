--- JSON with exact numbers: written by lua-cjson, read by yajl.
-- lua-cjson writes at most 14 significant digits; lmskit needs ids such
-- as 170000000000123 to survive a round trip and to print as integers.
-- Large integers are written through a placeholder that is swapped for
-- their digits after encoding.  Decoding is yajl's parser driven from C
-- (`core.json_decode`), which makes integers as it reads.  An empty table
-- marked with `json.array` is written as `[]`.
-- @module lmskit.json
local cjson = require "cjson"
local core = require "lmskit.core"

local json = {}

local codec = cjson.new()
codec.encode_sparse_array(true)

--- The JSON null (lua-cjson's): decoded nulls are this value, and a
-- field set to it is sent as null.
json.null = cjson.null

--- Metatable marking a table as a JSON array (so `{}` is written `[]`).
json.array_mt = { __name = "lmskit.json.array" }

--- Marks t (or a new table) as a JSON array.
function json.array(t)
  return setmetatable(t or {}, json.array_mt)
end

local math_type = math.type or function() return nil end
local floor, abs, format = math.floor, math.abs, string.format
local needs_prepare = core.json_needs_prepare

-- Integers this large lose digits in cjson's "%.14g".
local EXACT_LIMIT = 1e14

local nonce = format("lmskit-%x-", math.random(0, 0x7fffffff))
local placeholder_pattern = '"' .. nonce:gsub("%-", "%%-") .. '(%d+)"'

-- True when cjson would write number v wrongly.  The C walk
-- (core.json_needs_prepare, l_json.c's big_integer) applies the same rule
-- to tables; spec/json_encode_spec.lua holds both to it.
local function is_big_integer(v)
  if math_type(v) == "integer" then return v >= EXACT_LIMIT or v <= -EXACT_LIMIT end
  return v == floor(v) and abs(v) >= EXACT_LIMIT and abs(v) < 2 ^ 63
end

-- Copies v, replacing what cjson would write wrongly by placeholders.
local function prepare(v, subst, depth)
  local tv = type(v)
  if tv == "number" then
    if is_big_integer(v) then
      subst[#subst + 1] = format("%d", v)
      return nonce .. #subst
    end
    return v
  elseif tv == "table" then
    if depth > 200 then error("JSON nested too deep", 0) end
    if getmetatable(v) == json.array_mt and next(v) == nil then
      subst[#subst + 1] = "[]"
      return nonce .. #subst
    end
    local copy = {}
    for k, x in pairs(v) do copy[k] = prepare(x, subst, depth + 1) end
    return copy
  end
  return v
end

--- Encodes a Lua value as JSON text (the value itself when cjson writes
-- it right; a copy with placeholders when not).
function json.encode(value)
  local tv = type(value)
  if tv == "table" then
    -- (a walk in C: a big integer, an empty json.array, another metatable
    -- or nesting past 200 needs prepare; most bodies go to cjson as they are)
    if not needs_prepare(value, json.array_mt) then return codec.encode(value) end
  elseif tv ~= "number" or not is_big_integer(value) then
    return codec.encode(value)
  end
  local subst = {}
  local text = codec.encode(prepare(value, subst, 0))
  if #subst > 0 then
    text = text:gsub(placeholder_pattern, function(i) return subst[tonumber(i)] end)
  end
  return text
end

--- Decodes JSON text; returns nil and a message when it is not JSON.
-- One pass in C over yajl's parser (`core.json_decode`): on 5.3+ an
-- integer literal within 64 bits comes back as a Lua integer, and so does
-- any integral value below 2^53, in tables and as a bare top-level value
-- alike (MATRIX answers add_class with a bare id, which may arrive as
-- `9107199261` or `9107199261.0`).  Nulls are `json.null`.
function json.decode(text)
  if type(text) ~= "string" then return nil, "JSON text must be a string, not " .. type(text) end
  return core.json_decode(text)
end

return json
