-- Unit specs for the RFC 8288 Link header parser.
local core = require "lmskit.core"

describe("Link header parser", function()
  it("reads the Catalog doc's folded header", function()
    -- verbatim from canvas-catalog-v1.txt, including the trailing spaces and line breaks
    local header = '<https://www.my-catalog.edu/api/v1/courses?page=4>; rel="next",  \n' ..
      '      <https://www.my-catalog.edu/api/v1/courses?page=15>; rel="last",\n' ..
      '      <https://www.my-catalog.edu/api/v1/courses?page=1>; rel="first",\n' ..
      '      <https://www.my-catalog.edu/api/v1/courses?page=2>; rel="prev"'
    assert.same({
      next = "https://www.my-catalog.edu/api/v1/courses?page=4",
      last = "https://www.my-catalog.edu/api/v1/courses?page=15",
      first = "https://www.my-catalog.edu/api/v1/courses?page=1",
      prev = "https://www.my-catalog.edu/api/v1/courses?page=2",
    }, core.links(header))
  end)

  it("handles bare tokens, other params, several rels and commas in quotes", function()
    local links = core.links('<https://h/a?x=1,2>; title="a, b; c"; rel=next, ' ..
      '<https://h/b>;rel="last  first";anchor="#x"')
    assert.equal("https://h/a?x=1,2", links.next)
    assert.equal("https://h/b", links.last)
    assert.equal("https://h/b", links.first)
  end)

  it("is case-insensitive for rel and keeps the first of duplicates", function()
    local links = core.links('<https://h/1>; REL="Next", <https://h/2>; rel="next"')
    assert.equal("https://h/1", links.next)
    assert.is_nil(links.Next)
  end)

  it("unescapes quoted-pairs in values", function()
    assert.equal("https://h/1", core.links('<https://h/1>; rel="ne\\xt"').next)
  end)

  it("returns an empty table for an empty header", function()
    assert.same({}, core.links(""))
    assert.same({}, core.links("  ,  "))
  end)

  it("rejects what is not a link list", function()
    for _, bad in ipairs { "https://h/1; rel=next", "<https://h/1", '<https://h/1>; rel="next',
                           "<https://h/1> garbage" } do
      local links, err = core.links(bad)
      assert.is_nil(links, bad)
      assert.matches("malformed", err)
    end
  end)
end)
