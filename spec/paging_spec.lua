-- Lists never lose or repeat an item: the defects reported against each
-- paging strategy, one spec each (spec/paging_property_spec.lua walks
-- every strategy with random sizes, page sizes and prefetch windows).
local sandbox = require "sandbox"
local walk = require "support.walk"

local ids_of, range = walk.ids, walk.range

-- Fails with a short message unless got is exactly expected.
local function assert_exact(expected, got, what)
  local why = walk.diff(expected, got)
  assert.is_true(why == nil, (what or "list") .. ": " .. tostring(why))
end

describe("paging ahead (rel=last, total-pages)", function()
  before_each(function() sandbox.reset() end)

  for _, latency in ipairs { false, true } do
    local how = latency and "with pages completing out of order" or "with pages completing in order"

    it("Catalog: 100 courses by 5, prefetch 5, each once and in order, " .. how, function()
      sandbox.seed_courses(98) -- plus the two seeded listings
      if latency then sandbox.latency { min_ms = 0, max_ms = 30, rate = 0.5, path = "/catalog" } end
      sandbox.clear_log()
      assert_exact(range(1, 100), ids_of(sandbox.catalog { prefetch = 5 }.courses:list { per_page = 5 }))
      local pages = walk.logged("/catalog/api/v1/courses", "page", 1) -- page 1 is asked without page=
      table.sort(pages)
      assert.same(range(1, 20), pages) -- each page once
    end)

    it("Cerego: 100 courses by 5, prefetch 5, each once and in order, " .. how, function()
      sandbox.control("POST", "cerego/seed", { courses = 94 }) -- plus six seeded courses
      local all = ids_of(sandbox.cerego().courses:list { page = { size = 100 } })
      assert.equal(100, #all)
      if latency then sandbox.latency { min_ms = 0, max_ms = 30, rate = 0.5, path = "/cerego" } end
      sandbox.clear_log()
      assert_exact(all, ids_of(sandbox.cerego { prefetch = 5 }.courses:list { page = { size = 5 } }))
      local pages = walk.logged("/cerego/api/v3/courses", "page[number]")
      table.sort(pages)
      assert.same(range(1, 20), pages)
    end)
  end
end)

describe("paging ahead keeps the window full", function()
  before_each(function() sandbox.reset() end)

  -- Reads a list and returns the pages asked (logged at path, by param)
  -- when the caller holds the first item of page 2 and lets the engine
  -- run a while, as a caller doing its own work with each item would.
  local function asked_at_page_2(list, per_page, path, param, first)
    local n, asked = 0, nil
    for _ in list do
      n = n + 1
      if n == per_page + 1 then
        for _ = 1, 10 do require("lmskit").step(0.05) end
        asked = walk.logged(path, param, first)
        table.sort(asked)
      end
    end
    return asked, n
  end

  it("Catalog (rel=last): taking page 2 asks page 2 + prefetch at once, before the caller reads on", function()
    sandbox.seed_courses(98) -- plus the two seeded listings
    sandbox.clear_log()
    local list = sandbox.catalog { prefetch = 3 }.courses:list { per_page = 5 }
    local asked, n = asked_at_page_2(list, 5, "/catalog/api/v1/courses", "page", 1)
    assert.equal(100, n)
    assert.same(range(1, 5), asked) -- page 1, the window 2..4, and 5 for page 2's slot
  end)

  it("Cerego (total-pages): taking page 2 asks page 2 + prefetch at once, before the caller reads on", function()
    sandbox.control("POST", "cerego/seed", { courses = 94 }) -- plus six seeded courses
    sandbox.clear_log()
    local list = sandbox.cerego { prefetch = 4 }.courses:list { page = { size = 5 } }
    local asked, n = asked_at_page_2(list, 5, "/cerego/api/v3/courses", "page[number]")
    assert.equal(100, n)
    assert.same(range(1, 6), asked)
  end)

  it("a caller that stops reading early: the pages in flight end on their own, and the client goes on", function()
    sandbox.seed_courses(98)
    local catalog = sandbox.catalog { prefetch = 4 }
    local n = 0
    for _ in catalog.courses:list { per_page = 5 } do
      n = n + 1
      if n == 6 then break end -- page 2 taken: pages 3..6 are in flight
    end
    local again = ids_of(catalog.courses:list { per_page = 50 })
    assert.same(range(1, 100), again)
    local lmskit = require "lmskit"
    lmskit.run(function()
      local m = 0
      for _ in catalog.courses:list { per_page = 5 } do
        m = m + 1
        if m == 11 then break end
      end
    end)
    assert.same(range(1, 100), ids_of(catalog.courses:list { per_page = 100 }))
    catalog:close()
  end)
end)

describe("Coursepath offset paging", function()
  local cp
  before_each(function()
    sandbox.reset()
    cp = sandbox.coursepath()
  end)

  it("a limit above the endpoint's cap is clamped to it, and no list stops at the cap", function()
    local seeded = sandbox.control("POST", "coursepath/seed", { members = 300, courses = 600, groups = 700 })
    sandbox.clear_log()
    assert_exact(range(1, seeded.last_id), ids_of(cp.members:list { limit = 1000 }), "members")
    assert_exact(range(1, seeded.courses.last_id), ids_of(cp.courses:list { limit = 1000 }), "courses")
    assert_exact(range(1, seeded.groups.last_id), ids_of(cp.groups:list { limit = 1000 }), "groups")
    for path, cap in pairs { ["/coursepath/api/v1/members"] = 100, ["/coursepath/api/v1/courses"] = 250,
                             ["/coursepath/api/v1/groups"] = 500 } do
      for _, limit in ipairs(walk.logged(path, "limit")) do
        assert.is_true(limit <= cap, ("%s asked limit=%d above its cap %d"):format(path, limit, cap))
      end
    end
  end)

  it("a short page of a possible cap's length (100, 250, 500) is not taken as the last", function()
    sandbox.control("POST", "coursepath/seed", { courses = 97 }) -- plus three seeded courses
    sandbox.clear_log()
    assert_exact(range(1, 100), ids_of(cp.courses:list()))
    assert.same({ 0, 100 }, walk.logged("/coursepath/api/v1/courses", "offset")) -- the second page is empty
  end)
end)

describe("MATRIX page paging", function()
  local matrix
  before_each(function()
    sandbox.reset()
    matrix = sandbox.matrix()
  end)

  it("get_resources yields the resources of its {resources=[...], count=N} pages", function()
    local seeded = sandbox.control("POST", "matrix/seed", { resources = 250 }).resources
    assert_exact(range(1, seeded.last_id), ids_of(matrix.resources:get_resources {}, 1000), "section method")
    assert_exact(range(1, seeded.last_id), ids_of(matrix:call("get_resources", { constraints = {} }), 1000),
                 "call by name")
  end)

  it("get_resources from an offset walks on from it and ends", function()
    local seeded = sandbox.control("POST", "matrix/seed", { resources = 250 }).resources
    assert_exact(range(41, seeded.last_id), ids_of(matrix.resources:get_resources({}, 40), 1000))
  end)
end)
