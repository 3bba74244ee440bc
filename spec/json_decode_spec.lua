-- Specs for lmskit.json.decode (core.json_decode, one pass in C:
-- simdjson's DOM walked into Lua values, and yajl's event parser for every
-- text simdjson refuses): values and their number types on every runtime,
-- objects and arrays of every size (members wait on the Lua stack and go
-- into their table in chunks), deep nesting, broken text, and the two
-- paths giving the same answer for every text.
local json = require "lmskit.json"
local core = require "lmskit.core"
local runtime = require "support.runtime"

local has_integers = math.type ~= nil

-- Whether a and b are the same Lua value, number subtypes included (an
-- integer 1 is not the float 1.0); where not, a path to the difference.
local function same_value(a, b, path)
  path = path or "value"
  if type(a) ~= type(b) then return false, path .. ": " .. type(a) .. " against " .. type(b) end
  if type(a) == "number" and has_integers and math.type(a) ~= math.type(b) then
    return false, path .. ": " .. math.type(a) .. " against " .. math.type(b)
  end
  if type(a) ~= "table" then
    if a == b or (a ~= a and b ~= b) then return true end
    return false, path .. ": " .. tostring(a) .. " against " .. tostring(b)
  end
  for k, v in pairs(a) do
    local ok, where = same_value(v, b[k], path .. "[" .. tostring(k) .. "]")
    if not ok then return false, where end
  end
  for k in pairs(b) do
    if a[k] == nil then return false, path .. "[" .. tostring(k) .. "]: only in the second" end
  end
  return true
end

-- Decodes text on both paths and fails unless they agree (the value, or
-- nil and the same message).
local function both_paths(text, label)
  local v, err = core.json_decode(text)
  local w, werr = core.json_decode_yajl(text)
  assert.equal(werr, err, label)
  local ok, where = same_value(w, v)
  assert(ok, ("%s: %s"):format(label, tostring(where)))
  return v, err
end

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
    -- remembered set of two (three here: each push moves or evicts one);
    -- long, empty and escaped keys are made each time
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

  -- The texts below are written in long brackets, so a backslash is
  -- JSON's; <xx> stands for the raw byte with that hex value.
  local function raw(text)
    return (text:gsub("<(%x%x)>", function(h) return string.char(tonumber(h, 16)) end))
  end

  it("gives exactly what yajl's path gives for every text, simdjson's refusals included", function()
    local cases = {
      -- numbers at every edge of both readers
      "0", "-0", "0.0", "-0.0", "1E2", "1e-2", "1.5", "-1.5e300", "1e400", "-1e400", "1e-400", "-1e-400",
      "9007199254740991", "9007199254740992", "9007199254740993", "9007199254740993.0",
      "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
      "18446744073709551615", "18446744073709551616", "123456789012345678901234567890",
      "1.7976931348623157e308", "4.9e-324", "2.2250738585072014e-308", "9107199261.0",
      "[01]", "[1.]", "[.5]", "[-]", "[+1]", "[1e]", "[0x10]",
      -- strings: escapes, surrogates (paired, lone, reversed), NULs, bytes that are not UTF-8
      [["a\u0062c\n\t\"\\\/"]], [["\u0000x"]], [["\ud83d\ude00"]], [["\ud83d"]], [["\ud83dx"]],
      [["\ude00"]], [["\ude00\ud83d"]], [["\ud83d\u0041"]], [["\uD83D\uDE00"]], [["\u00e9\u20ac"]],
      [["caf<c3><a9>"]], [["<e9>t<e9>"]], [["<ff><fe>"]], [["<c3><28>"]], [["<ed><a0><80>"]],
      [["<f4><90><80><80>"]], [["a<00>b"]], [["tab<09>here"]], [["<7f>"]], [["\u12"]], [["\q"]],
      -- literals, containers, keys
      "true", "false", "null", "[]", "{}", "[[]]", [[{"":1}]], [[{"a":1,"a":2}]], [[{"a":{"a":{"a":null}}}]],
      [=[[true,false,null,1,"x",[],{}]]=], " [1] ", [[<0a>{"a" : [ 1 , 2 ] }<09>]], [[{"<ff>":1}]],
      -- broken text: every message must be yajl's
      "", " ", "[", "]", "[1,]", [[{"a":1,}]], [[{"a"}]], [[{"a":}]], "[1 2]", "[1] [2]", [[{"a":1}x]],
      "NaN", "Infinity", "'a'", "{'a':1}", "[1]<00>", "<00>", "tru", "nul", [["abc]], [=[["a<01>"]]=],
      "//x<0a>1", "/*x*/1",
    }
    for i, c in ipairs(cases) do both_paths(raw(c), "case " .. i .. " " .. c) end
    -- a list long enough for remembered keys, with an item for each case
    local items = {}
    for i, c in ipairs(cases) do items[i] = ('{"id":%d,"v":%s}'):format(i, c) end
    both_paths(raw("[" .. table.concat(items, ",") .. "]"), "all cases in one list")
    assert.is_table((both_paths(string.rep("[", 1000) .. string.rep("]", 1000), "1000 levels")))
    assert.is_nil((both_paths(string.rep("[", 1001) .. string.rep("]", 1001), "1001 levels")))
    assert.is_nil((both_paths(string.rep('{"a":', 1001) .. "1" .. string.rep("}", 1001), "1001 objects")))
  end)

  it("agrees with yajl's path on random texts and random damage to them (property)", function()
    math.randomseed(16)
    local atoms = { "0", "-0", "7", "-12", "1.25", "3e2", "1e400", "9223372036854775808", "true", "false",
                    "null", [[""]], [["x"]], [["\u00e9"]], [["\ud83d\ude00"]], [["\ud800"]], [["<ff>"]] }
    local function build(depth)
      local r = math.random(1, depth > 4 and 1 or 3)
      if r == 1 then return atoms[math.random(1, #atoms)] end
      local parts = {}
      for i = 1, math.random(0, depth == 0 and 80 or 6) do
        parts[i] = r == 2 and build(depth + 1) or ('"k%d":%s'):format(math.random(1, 9), build(depth + 1))
      end
      return (r == 2 and "[%s]" or "{%s}"):format(table.concat(parts, ","))
    end
    local damage = { "", " ", ",", ":", "[", "]", "{", "}", '"', "\\", "<00>", "<ff>", "1", "e", "-", "." }
    local parsed = 0
    for round = 1, 300 do
      local text = raw(build(0))
      both_paths(text, "round " .. round)
      for _ = 1, 3 do -- one span replaced by a byte that breaks or changes the text
        local at = math.random(1, #text)
        local damaged = text:sub(1, at - 1) .. raw(damage[math.random(1, #damage)]) .. text:sub(at + math.random(0, 2))
        if both_paths(damaged, ("round %d damaged at %d: %q"):format(round, at, damaged)) ~= nil then
          parsed = parsed + 1
        end
      end
    end
    assert.is_true(parsed > 0) -- some damaged texts still parse: both paths read them alike
  end)

  it("decodes from a finalizer that runs while a decode builds its tables, of a short text or a long one", function()
    -- 3,000 items (118 kB): the state's parser is kept after the decode;
    -- 8,000 (313 kB): past 256 kB it gives its memory back, which a decode
    -- from a finalizer must not do while the outer one still reads it
    local inner = {}
    local function drop_finalized()
      local on_gc = function() inner[#inner + 1] = core.json_decode('{"in":[1,{"gc":true}]}') end
      if rawget(_G, "newproxy") then -- 5.1 and LuaJIT: only userdata have finalizers
        local p = rawget(_G, "newproxy")(true)
        getmetatable(p).__gc = on_gc
      else
        setmetatable({}, { __gc = on_gc })
      end
    end
    local pause = collectgarbage("setpause", 100)
    local stepmul = collectgarbage("setstepmul", 400)
    local got = {}
    for _, count in ipairs { 3000, 8000 } do
      local text = "[" .. ('{"id":1,"name":"n","tags":["a","b"]},'):rep(count) .. '{"id":2}]'
      for _ = 1, 6 do
        for _ = 1, 50 do drop_finalized() end
        got[count] = assert(core.json_decode(text))
      end
    end
    collectgarbage("collect")
    collectgarbage("setpause", pause)
    collectgarbage("setstepmul", stepmul)
    for _, count in ipairs { 3000, 8000 } do
      local v = got[count]
      assert.equal(count + 1, #v)
      assert.same({ id = 1, name = "n", tags = { "a", "b" } }, v[count])
      assert.same({ id = 2 }, v[count + 1])
    end
    assert.equal(600, #inner)
    for _, x in ipairs(inner) do assert.same({ ["in"] = { 1, { gc = true } } }, x) end
  end)

  it("decodes a text of several megabytes, then small ones, with the same parser", function()
    local big = "[" .. ('{"id":12345,"title":"' .. ("t"):rep(200) .. '"},'):rep(20000) .. '{"id":0}]'
    assert.is_true(#big > 4 * 1024 * 1024)
    for _ = 1, 2 do
      local v = assert(json.decode(big))
      assert.equal(20001, #v)
      assert.equal(12345, v[20000].id)
      assert.same({ id = 1 }, json.decode('{"id":1}'))
    end
  end)
end)
