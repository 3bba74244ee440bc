-- sandbox.common.json: the table C every part fills, and JSON (ordered objects, explicit arrays, null).

local cjson = require "cjson.safe"
local dkjson = require "dkjson"

local type, pairs, ipairs = type, pairs, ipairs
local setmetatable, getmetatable = setmetatable, getmetatable

local C = {}

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

return {
  C = C,
}
