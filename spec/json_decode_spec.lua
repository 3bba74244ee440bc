-- Specs for lmskit.json.decode (core.json_decode: yajl's parser driven
-- from C, one pass): values and their number types on every runtime,
-- objects and arrays of every size (members wait on the Lua stack and go
-- into their table in chunks), deep nesting, and broken text.
local json = require "lmskit.json"
local runtime = require "support.runtime"

local has_integers = math.type ~= nil

-- The JSON text of a Lua value built by the property checks below
-- (arrays are sequences, objects have string keys; keys sorted).
local function text_of(v)
  if type(v) == "table" then
    if v[1] ~= nil or next(v) == nil then
      local parts = {}
      for i = 1, #v do parts[i] = text_of(v[i]) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local keys, parts = {}, {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys)
    for i, k in ipairs(keys) do parts[i] = ("%q:%s"):format(k, text_of(v[k])) end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif type(v) == "string" then
    return ("%q"):format(v)
  end
  return tostring(v)
end

describe("lmskit.json.decode", function()
  it("makes integral numbers integers while reading, and keeps the rest floats", function()
    local t = assert(json.decode('{"id": 4, "fee": 49.99, "neg": -42, "exp": 1e2, "frac": 1E-2, "zero": -0,'
                                 .. ' "wire": 9107199261.0, "big": 170000000000123}'))
    for _, k in ipairs { "id", "neg", "exp", "zero", "wire", "big" } do
      assert.is_true(runtime.is_integer(t[k]), k)
    end
    assert.equal(4, t.id)
    assert.equal("4", tostring(t.id))
    assert.equal(-42, t.neg)
    assert.equal(100, t.exp)
    assert.equal(9107199261, t.wire)
    assert.equal(170000000000123, t.big)
    assert.equal(49.99, t.fee)
    assert.equal(0.01, t.frac)
    if has_integers then
      assert.equal("float", math.type(t.fee))
      assert.equal("100", tostring(t.exp))
    end
  end)

  it("keeps every digit of a 64-bit integer on 5.3+, and makes larger ones floats", function()
    local max = json.decode("9223372036854775807")
    local over = json.decode("9223372036854775808")
    if has_integers then
      assert.equal("integer", math.type(max))
      assert.equal("9223372036854775807", tostring(max))
      assert.equal("9007199254740993", tostring(json.decode("9007199254740993")))
      assert.equal("float", math.type(over))
    end
    assert.equal(2 ^ 63, over)
    assert.equal(1 / 0, json.decode("1e400"))
  end)

  it("decodes bare values, null, booleans, strings with escapes and NULs", function()
    assert.equal(json.null, json.decode("null"))
    assert.equal(true, json.decode("true"))
    assert.equal(false, json.decode(" false "))
    assert.equal("a\0b\n\"é€", json.decode('"a\\u0000b\\n\\"\\u00e9\\u20ac"'))
    assert.equal("\255\254", json.decode('"\255\254"')) -- bytes as they came, as lua-cjson
    local t = json.decode('{"n": null, "a": [null, 1]}')
    assert.equal(json.null, t.n)
    assert.equal(json.null, t.a[1])
    assert.equal(1, t.a[2])
  end)

  it("keeps the last value of a repeated key", function()
    assert.same({ a = 3, b = 2 }, json.decode('{"a":1,"b":2,"a":3}'))
  end)

  it("decodes arrays and objects of every size across the chunk boundaries", function()
    for _, n in ipairs { 0, 1, 2, 63, 64, 65, 127, 128, 129, 1000, 70000 } do
      local items, members = {}, {}
      for i = 1, n do
        items[i] = tostring(i)
        members[i] = ('"k%d":%d'):format(i, i)
      end
      local a = assert(json.decode("[" .. table.concat(items, ",") .. "]"))
      assert.equal(n, #a)
      for i = 1, n do if a[i] ~= i then error(("array of %d: [%d] is %s"):format(n, i, tostring(a[i]))) end end
      local o = assert(json.decode("{" .. table.concat(members, ",") .. "}"))
      local count = 0
      for k, v in pairs(o) do
        count = count + 1
        if k ~= "k" .. v then error(("object of %d: %s = %s"):format(n, k, tostring(v))) end
      end
      assert.equal(n, count)
    end
  end)

  it("reads nested values built at random back as they were (property)", function()
    math.randomseed(14)
    local function build(depth)
      local r = math.random(1, depth > 3 and 4 or 7)
      if r == 1 then return math.random(-1000000, 1000000) end
      if r == 2 then return "s" .. math.random(1, 1000) end
      if r == 3 then return math.random(1, 2) == 1 end
      if r == 4 then return math.random(1, 1000) + 0.5 end
      -- big containers (past a chunk of 64) at the top only: at most
      -- 130 * 5 * 5 * 5 values
      local n = depth == 0 and ({ 0, 1, 3, 64, 65, 130 })[math.random(1, 6)] or math.random(0, 5)
      local t = {}
      if r == 5 then
        for i = 1, n do t[i] = build(depth + 1) end
      else
        for i = 1, n do t["k" .. i] = build(depth + 1) end
      end
      return t
    end
    for round = 1, 60 do
      local v = build(0)
      local back = json.decode(text_of(v))
      assert.same(v, back, "round " .. round)
    end
  end)

  it("tells apart the keys it remembers in long texts, colliding ones too (property)", function()
    -- keys of one length sharing first, middle and last bytes land in one
    -- remembered slot; long, empty and escaped keys are made each time
    local pool = { "id", "aXbYc", "aZbWc", "aQbQc", "", ("k"):rep(40), ("k"):rep(41),
                   "name", "nAme", "type", "types", "created_at", "updated_at" }
    for i = 1, 40 do pool[#pool + 1] = "f" .. i end
    math.randomseed(15)
    for round = 1, 40 do
      local list = {}
      for i = 1, math.random(1, 60) do
        local item = {}
        for _ = 1, math.random(0, 12) do
          item[pool[math.random(1, #pool)]] = math.random(1, 3) == 1 and { id = i } or i
        end
        list[i] = next(item) and item or { id = i }
      end
      local text = text_of(list)
      local back = assert(json.decode(text))
      assert.same(list, back, ("round %d (%d bytes)"):format(round, #text))
    end
    -- escapes decoded into a key are the key's bytes, whatever came before
    local escaped = json.decode('[{"a\\u0062c":1,"abc":2},' .. ('{"abc":3},'):rep(200) .. '{"a\\nc":4,"a\\tc":5}]')
    assert.same({ abc = 2 }, escaped[1])
    assert.same({ ["a\nc"] = 4, ["a\tc"] = 5 }, escaped[202])
  end)

  it("reads 1000 levels of nesting, with waiting members at every level, and refuses 1001", function()
    local open, close = {}, {}
    -- 499 objects, each holding an array whose 71st element is the next
    -- object: 998 levels, and a last object the 999th
    for i = 1, 499 do
      open[i] = '{"a":1,"list":[' .. string.rep("7,", 70)
      close[i] = '],"z":true}'
    end
    local text = table.concat(open) .. '{"end":0}' .. table.concat(close)
    local t = assert(json.decode(text))
    local depth = 0
    while type(t) == "table" and t.list do
      assert.equal(1, t.a)
      assert.equal(true, t.z)
      assert.equal(71, #t.list)
      assert.equal(7, t.list[70])
      t = t.list[71]
      depth = depth + 1
    end
    assert.equal(499, depth)
    assert.same({ ["end"] = 0 }, t)

    assert.is_table(json.decode(string.rep("[", 1000) .. string.rep("]", 1000)))
    local v, err = json.decode(string.rep("[", 1001) .. string.rep("]", 1001))
    assert.is_nil(v)
    assert.matches("nested too deep", err, 1, true)
  end)

  it("reports broken text as nil and a message with the byte where reading stopped", function()
    local cases = {
      { "", "premature EOF at byte 0 of 0" },
      { '{"courses": [{"id": 1,', "premature EOF at byte 22 of 22" },
      { "[1,]", "at byte 4 of 4" },
      { '{"a":1}x', "trailing garbage" },
      { "NaN", "invalid char" },
      { "[1 2]", "" },
      { "{'a':1}", "" },
      { '{"a":1,}', "" },
      { "[1] [2]", "trailing garbage" },
    }
    for _, c in ipairs(cases) do
      local v, err = json.decode(c[1])
      assert.is_nil(v, c[1])
      assert.is_string(err, c[1])
      assert.matches(c[2], err, 1, true)
    end
    local v, err = json.decode(nil)
    assert.is_nil(v)
    assert.matches("must be a string", err, 1, true)
  end)

  it("decodes in a locale whose decimal point is a comma", function()
    local set = os.setlocale(nil, "numeric")
    local ok = os.setlocale("de_DE.UTF-8", "numeric") or os.setlocale("fr_FR.UTF-8", "numeric")
    if not ok then
      -- no such locale on this machine: the "C" locale path is all there is
      assert.equal(49.99, json.decode("49.99"))
      return
    end
    local a, b = json.decode("49.99"), json.decode('{"x": -1.5e1}')
    os.setlocale(set, "numeric")
    assert.equal(49.99, a)
    assert.equal(-15, b.x)
  end)
end)
