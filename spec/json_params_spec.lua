-- Unit specs for lmskit.json (exact numbers) and lmskit.params (checks).
local json = require "lmskit.json"
local params = require "lmskit.params"
local runtime = require "support.runtime"

describe("lmskit.json", function()
  it("decodes integral numbers as integers", function()
    local t = json.decode('{"id": 4, "fee": 49.99, "big": 170000000000123, "nested": [{"id": 7}]}')
    assert.is_true(runtime.is_integer(t.id))
    assert.equal("4", tostring(t.id))
    assert.equal(49.99, t.fee)
    assert.equal(170000000000123, t.big)
    assert.is_true(runtime.is_integer(t.nested[1].id))
  end)

  it("writes large integers exactly (cjson alone writes 14 digits)", function()
    local text = json.encode { id = 170000000000123, f = 170000000000123.0, small = 3.0 }
    assert.matches('"id":170000000000123', text, 1, true)
    assert.matches('"f":170000000000123', text, 1, true)
    assert.matches('"small":3', text, 1, true)
  end)

  it("writes marked empty arrays as []", function()
    assert.equal('{"ids":[]}', json.encode { ids = json.array {} })
    assert.equal('{"ids":{}}', json.encode { ids = {} })
  end)

  it("reports broken JSON as nil and a message", function()
    local v, err = json.decode('{"courses": [{"id": 1,')
    assert.is_nil(v)
    assert.is_string(err)
  end)
end)

describe("lmskit.params", function()
  local declared = { title = "string!", cap = "integer", fee = "decimal", open = "boolean",
                     ids = "array", who = "integer|array" }

  it("converts CSV strings to declared types", function()
    local out = assert(params.check(declared, { title = "T", cap = "150", fee = "49.99", open = "true",
                                                ids = { 1, 2 }, who = "3" }, "x"))
    assert.equal(150, out.cap)
    assert.is_true(runtime.is_integer(out.cap))
    assert.equal(49.99, out.fee)
    assert.is_true(out.open)
    assert.same({ 1, 2 }, out.ids)
    assert.equal(3, out.who)
  end)

  it("names unknown, missing and ill-typed fields", function()
    local _, why = params.check(declared, { titel = "T" }, "courses:create")
    assert.equal("courses:create: unknown parameter 'titel'", why)
    _, why = params.check(declared, { cap = 1 }, "courses:create")
    assert.equal("courses:create: missing required parameter(s): title", why)
    _, why = params.check(declared, { title = "T", cap = "many" }, "courses:create")
    assert.matches("parameter 'cap': expected integer", why)
    _, why = params.check(declared, { title = "T", cap = 1.5 }, "courses:create")
    assert.matches("parameter 'cap'", why)
  end)

  it("lets partial updates omit required fields", function()
    assert.same({ cap = 2 }, params.check(declared, { cap = 2 }, "x", true))
  end)
end)
