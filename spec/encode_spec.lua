-- Unit specs for the C core's encoders: query/form building, route
-- expansion, number text.
local core = require "lmskit.core"

describe("query encoder", function()
  it("writes scalars, sorted by key", function()
    assert.equal("a=1&b=two&c=true&d=false", core.encode_query { d = false, c = true, b = "two", a = 1 })
  end)

  it("writes arrays as x[]= and tables as x[k]=", function()
    assert.equal("ids[]=3&ids[]=1&ids[]=2", core.encode_query { ids = { 3, 1, 2 } })
    assert.equal("report[from]=2018-01-01&report[to]=2019", core.encode_query {
      report = { to = "2019", from = "2018-01-01" } })
  end)

  it("nests arrays of tables and tables of arrays", function()
    assert.equal("grades[][grade]=B%2B&grades[][user_id]=1&grades[][grade]=15%25&grades[][user_id]=2",
      core.encode_query { grades = { { user_id = 1, grade = "B+" }, { user_id = 2, grade = "15%" } } })
    assert.equal("o[tags][]=a&o[tags][]=b", core.encode_query { o = { tags = { "a", "b" } } })
  end)

  it("percent-encodes everything outside RFC 3986 unreserved", function()
    assert.equal("q=a%20b%26c%3Dd%2Fe%3F%23%0D%0A%C3%A9~._-",
      core.encode_query { q = "a b&c=d/e?#\r\né~._-" })
    assert.equal("we%26ird%3Dkey=1", core.encode_query { ["we&ird=key"] = 1 })
  end)

  it("writes integral numbers as integers, never 3.0 or 1.7e+10", function()
    assert.equal("a=3&b=17431949894&c=0.1&d=-2&e=49.99",
      core.encode_query { a = 3.0, b = 17431949894.0, c = 0.1, d = -2.0, e = 49.99 })
    if math.type then
      -- 5.3+ only: a 64-bit integer past 2^53 (no double holds it) keeps every digit
      assert.equal("9007199254740993", core.number_text(9007199254740993))
    else
      -- 5.1, 5.2 and LuaJIT have doubles only; the largest of their exact integers
      assert.equal("9007199254740992", core.number_text(2 ^ 53))
    end
    -- an integral value no 64-bit integer holds has no exact text: refused
    -- (spec/binding_input_spec.lua), never written as 1e+300
    assert.has_error(function() core.number_text(1e300) end)
  end)

  it("writes cjson.null as an empty value and skips empty tables", function()
    assert.equal("a=&c=1", core.encode_query { a = require("cjson").null, b = {}, c = 1 })
  end)

  it("refuses values it cannot encode and bare arrays", function()
    assert.has_error(function() core.encode_query { f = print } end)
    assert.has_error(function() core.encode_query { 1, 2 } end)
    local deep = {}
    local t = deep
    for _ = 1, 40 do t.x = {}; t = t.x end
    t.x = 1
    assert.has_error(function() core.encode_query(deep) end)
  end)
end)

describe("route expansion", function()
  it("fills :params with encoded values", function()
    assert.equal("/courses/4", core.expand("/courses/:id", { id = 4 }))
    assert.equal("/courses/4/members/17431949894",
      core.expand("/courses/:id/members/:member", { id = 4.0, member = 17431949894.0 }))
  end)

  it("keeps a '/' or '..' inside one segment", function()
    assert.equal("/courses/..%2Fcatalogs", core.expand("/courses/:id", { id = "../catalogs" }))
    assert.equal("/courses/1%2F..%2F..%2Fcatalogs", core.expand("/courses/:id", { id = "1/../../catalogs" }))
  end)

  it("cannot inject a header or a query", function()
    assert.equal("/courses/1%0D%0AX-Evil%3A%201%3Fa%3Db",
      core.expand("/courses/:id", { id = "1\r\nX-Evil: 1?a=b" }))
  end)

  it("refuses missing, empty and dot-segment values", function()
    for _, v in ipairs { "", ".", ".." } do
      local ok, err = pcall(core.expand, "/courses/:id", { id = v })
      assert.is_false(ok)
      assert.equal("usage", err.kind)
    end
    local ok, err = pcall(core.expand, "/courses/:id", {})
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.is_false((pcall(core.expand, "/courses/:id", { id = {} })))
  end)
end)
