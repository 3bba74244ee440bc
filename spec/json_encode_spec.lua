-- Writing JSON: lua-cjson writes a body as it is unless a walk finds
-- something it would write wrongly (a big integer, an empty json.array)
-- or that json.lua's prepare must read (another metatable, nesting past
-- 200).  The walk is in C (core.json_needs_prepare); its Lua original is
-- kept here as the oracle, and random bodies must get the same answer
-- from both and come back from a round trip as they went.
local core = require "lmskit.core"
local json = require "lmskit.json"

local math_type = math.type or function() return nil end
local EXACT_LIMIT = 1e14

-- json.lua's is_big_integer and needs_prepare as they were in Lua.
local function is_big_integer(v)
  if math_type(v) == "integer" then return v >= EXACT_LIMIT or v <= -EXACT_LIMIT end
  return v == math.floor(v) and math.abs(v) >= EXACT_LIMIT and math.abs(v) < 2 ^ 63
end

local function oracle(t, depth)
  if depth > 200 then return true end
  local mt = getmetatable(t)
  if mt ~= nil and (mt ~= json.array_mt or next(t) == nil) then return true end
  for _, x in pairs(t) do
    local tx = type(x)
    if tx == "number" then
      if (x >= EXACT_LIMIT or x <= -EXACT_LIMIT) and is_big_integer(x) then return true end
    elseif tx == "table" and oracle(x, depth + 1) then
      return true
    end
  end
  return false
end

-- Numbers around every limit the walk knows.
local NUMBERS = { 0, 1, -1, 0.5, 1e14 - 1, 1e14, -1e14, 1e14 + 0.5, 2 ^ 53, -(2 ^ 53), 2 ^ 63, 2 ^ 62,
                  1e300, -1e300, 123456789012345 }
if math_type(1) == "integer" then
  for _, i in ipairs { 99999999999999, 100000000000000, -100000000000000, 9007199254740993,
                       math.maxinteger, math.mininteger } do
    NUMBERS[#NUMBERS + 1] = i
  end
end

-- A random value of at most `depth` more levels; `plain` leaves out what
-- a round trip cannot bring back (other metatables, floats that are not
-- integral, empty arrays, which decode as plain empty tables).
local function random_value(depth, plain)
  local r = math.random(10)
  if r <= 3 or depth == 0 then
    local n = NUMBERS[math.random(#NUMBERS)]
    if plain and (n ~= math.floor(n) or math.abs(n) >= 2 ^ 53 and math_type(n) ~= "integer") then n = 7 end
    return n
  elseif r == 4 then return "s" .. math.random(100)
  elseif r == 5 then return math.random(2) == 1
  elseif r == 6 then return json.null
  end
  local t = {}
  local n = math.random(0, 4)
  if math.random(2) == 1 then
    for i = 1, n do t[i] = random_value(depth - 1, plain) end
    if not plain or n > 0 then
      if math.random(3) == 1 then json.array(t) end
    end
  else
    for i = 1, n do t["k" .. i] = random_value(depth - 1, plain) end
  end
  if not plain and math.random(12) == 1 then setmetatable(t, { other = true }) end
  if plain and next(t) == nil then return "empty" end
  return t
end

-- A table nested `levels` deep, `leaf` innermost.
local function nested(levels, leaf)
  local t = leaf
  for _ = 1, levels do t = { t } end
  return t
end

-- Deep equality of decoded values (numbers by value).
local function same(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

describe("lmskit.json encode", function()
  it("the C walk answers as the Lua original for 3,000 random bodies", function()
    math.randomseed(1402)
    local both = { [true] = 0, [false] = 0 }
    for i = 1, 3000 do
      local v = random_value(math.random(0, 5))
      if type(v) ~= "table" then v = { v } end
      local want = oracle(v, 0)
      assert.equal(want, core.json_needs_prepare(v, json.array_mt), "body " .. i)
      both[want] = both[want] + 1
    end
    assert.is_true(both[true] > 300 and both[false] > 300) -- both answers were exercised
  end)

  it("the C walk counts nesting as the Lua original: 201 nested tables pass, 202 do not", function()
    for _, levels in ipairs { 199, 200, 201, 202 } do
      local t = nested(levels, 1)
      assert.equal(oracle(t, 0), core.json_needs_prepare(t, json.array_mt), levels .. " levels")
    end
    assert.is_false(core.json_needs_prepare(nested(201, 1), json.array_mt)) -- depths 0 to 200
    assert.is_true(core.json_needs_prepare(nested(202, 1), json.array_mt))
    assert.has_error(function() json.encode(nested(260, 1)) end, "JSON nested too deep")
  end)

  it("the C walk refuses what is not a table", function()
    assert.has_error(function() core.json_needs_prepare("x", json.array_mt) end)
    assert.has_error(function() core.json_needs_prepare({}, nil) end)
  end)

  it("a random body comes back from a round trip as it went, big integers exact", function()
    math.randomseed(1403)
    for i = 1, 2000 do
      local v = random_value(math.random(1, 5), true)
      if type(v) ~= "table" then v = { v } end
      local text = json.encode(v)
      assert.is_true(same(v, json.decode(text)), ("body %d: %s"):format(i, text))
    end
  end)

  it("writes an empty json.array inside a body as [] and a big integer by its digits", function()
    local text = json.encode { a = { b = json.array() }, n = 123456789012345 }
    assert.truthy(text:find('"b":[]', 1, true), text)
    assert.truthy(text:find('"n":123456789012345', 1, true), text)
  end)
end)
