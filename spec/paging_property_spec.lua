-- Property: for every paging strategy and every `prefetch` from 1 to 16,
-- a list yields every item exactly once and in order, whatever order its
-- pages complete in, and fetches no page twice.
--
-- The sandbox delays half the vendor requests by 0-30 ms at random, so
-- pages fetched ahead complete out of order.  Cases, per strategy:
--   edges   sizes 0, 1, page-1, page, page+1 for page size 1 and for one
--           random page size, each walked with prefetch 1..16;
--   windows where pages are fetched ahead: the first page and then exactly
--           one window of `prefetch` pages, and one item more, for each
--           prefetch 1..16 (a random page size up to 10);
--   random  RANDOM_CASES random (size, page size, prefetch), up to 30 pages
--           (10 where pages are fetched one after another);
--   big     200 to 300 pages (MATRIX: 200 to 210 of get_all_users), with
--           BIG_PREFETCHES random prefetch values (one for the strategies
--           that do not fetch ahead: the end of their list is not known).
-- Each walk also reads the request log: every page the strategy needs is
-- fetched, none twice, and none past the end beyond the one empty page
-- that ends an offset or page-until-empty list.
-- Choices come from a seeded generator (the same on every runtime):
-- LMSKIT_PAGING_SEED=<n> replays a run; failure messages name the seed.
local sandbox = require "sandbox"
local walk = require "support.walk"

local SEED = tonumber(os.getenv("LMSKIT_PAGING_SEED")) or (os.time() % 2147483646 + 1)
local RANDOM_CASES = 6
local BIG_PREFETCHES = 2
local LATENCY = { min_ms = 0, max_ms = 30, rate = 0.5 }

-- Park-Miller minimal standard generator: exact in doubles (5.1, LuaJIT)
-- and in integers (5.3+), so a seed means the same cases everywhere.
local state = SEED
local function random(lo, hi)
  state = state * 16807 % 2147483647
  return lo + math.floor(state / 2147483647 * (hi - lo + 1))
end

-- Distinct random values in lo..hi, `n` of them at most.
local function some_of(lo, hi, n)
  local out, seen = {}, {}
  while #out < math.min(n, hi - lo + 1) do
    local v = random(lo, hi)
    if not seen[v] then seen[v] = true; out[#out + 1] = v end
  end
  return out
end

local function ceil_div(a, b) return math.floor((a + b - 1) / b) end

-- Page keys (page numbers or offsets) in the log, sorted; and those seen twice.
local function logged_pages(path, key, default)
  local pages = walk.logged(path, key, default)
  table.sort(pages)
  local twice = {}
  for i = 2, #pages do
    if pages[i] == pages[i - 1] then twice[#twice + 1] = pages[i] end
  end
  return pages, twice
end

-- Catalog courses 1..n: the two seeded listings, then seeded ones.
local function catalog_courses(n)
  if n >= 2 then
    sandbox.seed_courses(n - 2) -- ids 3..n after the two seeded listings
  else
    local catalog = sandbox.catalog()
    for id = 2, n + 1, -1 do catalog.courses:delete(id) end
  end
  return walk.range(1, n)
end

-- Each strategy: how to make a list of n items, walk it with page size p,
-- and which page keys a walk must fetch (each once).
--   sizes        page sizes the vendor allows (lo, hi)
--   prepare(n)   seeds the sandbox (after a reset); returns the ids expected
--   list(o, p)   the iterator, for a client made with options o
--   pages()      the page keys in the request log, sorted
--   expected(n, p) the page keys a walk fetches, sorted
--   ahead        true when the strategy fetches pages ahead (prefetch applies)
local strategies = {
  {
    name = "Catalog Link rel=next/rel=last", path = "/catalog", sizes = { 1, 100 }, ahead = true,
    prepare = function(n)
      return catalog_courses(n)
    end,
    list = function(o, p) return sandbox.catalog(o).courses:list { per_page = p } end,
    pages = function() return logged_pages("/catalog/api/v1/courses", "page", 1) end,
    expected = function(n, p) return walk.range(1, math.max(1, ceil_div(n, p))) end,
  },
  {
    -- a server that names only rel="next": followed one page at a time
    name = "Catalog Link rel=next only", path = "/catalog", sizes = { 1, 100 },
    prepare = function(n)
      local ids = catalog_courses(n)
      sandbox.fault { path = "/catalog/api/v1/courses", method = "GET", kind = "next_only", count = 1000000 }
      return ids
    end,
    list = function(o, p) return sandbox.catalog(o).courses:list { per_page = p } end,
    pages = function() return logged_pages("/catalog/api/v1/courses", "page", 1) end,
    expected = function(n, p) return walk.range(1, math.max(1, ceil_div(n, p))) end,
  },
  {
    name = "Cerego page[number] to meta total-pages", path = "/cerego", sizes = { 1, 100 }, ahead = true,
    prepare = function(n)
      local seeded = sandbox.control("POST", "cerego/seed", { courses = n, partner_id = 99 })
      local ids = {}
      if n > 0 then
        for id = tonumber(seeded.first_id), tonumber(seeded.last_id) do ids[#ids + 1] = tostring(id) end
      end
      return ids
    end,
    list = function(o, p)
      return sandbox.cerego(o).courses:list { filter = { partner_id = 99 }, page = { size = p } }
    end,
    pages = function() return logged_pages("/cerego/api/v3/courses", "page[number]") end,
    expected = function(n, p) return walk.range(1, math.max(1, ceil_div(n, p))) end,
  },
  {
    name = "Coursepath offset/limit", path = "/coursepath", sizes = { 1, 100 },
    prepare = function(n)
      local seeded = sandbox.control("POST", "coursepath/seed", { members = n })
      return n > 0 and walk.range(seeded.first_id, seeded.last_id) or {}
    end,
    list = function(o, p) return sandbox.coursepath(o).members:list { company = "Seed Company", limit = p } end,
    pages = function() return logged_pages("/coursepath/api/v1/members", "offset") end,
    expected = function(n, p) -- offsets 0, p, ... up to the short (or empty) page
      local out = {}
      for k = 0, math.floor(n / p) do out[#out + 1] = k * p end
      return out
    end,
  },
  {
    -- several hundred pages of get_all_users stand for this strategy's big case
    name = "MATRIX page until empty (get_resources)", path = "/matrix", sizes = { 100, 100 }, big = false,
    prepare = function(n)
      sandbox.control("POST", "matrix/config", { limit = 1000000, window = 1 })
      local seeded = sandbox.control("POST", "matrix/seed", { resources = n }).resources
      return seeded and walk.range(seeded.first_id, seeded.last_id) or {}
    end,
    list = function(o)
      o.rate = { calls = 1000000, per = 1 }
      return sandbox.matrix(o).resources:get_resources { type = "Page", libraries = "School" }
    end,
    pages = function() return logged_pages("/matrix/api/get_resources", "page") end,
    expected = function(n) return walk.range(1, ceil_div(n, 100) + 1) end, -- the last one is empty
  },
  {
    name = "MATRIX page until empty (get_all_users)", path = "/matrix", sizes = { 100, 100 }, min_size = 6,
    prepare = function(n)
      sandbox.control("POST", "matrix/config", { limit = 1000000, window = 1 })
      sandbox.control("POST", "matrix/seed", { users = n - 6 }) -- after the six seeded users
      return walk.range(1, n)
    end,
    list = function(o)
      o.rate = { calls = 1000000, per = 1 }
      return sandbox.matrix(o).users:get_all_users()
    end,
    pages = function() return logged_pages("/matrix/api/get_all_users", "page") end,
    expected = function(n) return walk.range(1, ceil_div(n, 100) + 1) end,
  },
}

-- Walks strategy s over n items by pages of p, once per prefetch value;
-- appends what went wrong to `failures`.
local function check(s, n, p, prefetches, failures)
  sandbox.reset()
  local expected = s.prepare(n)
  local latency = {}
  for k, v in pairs(LATENCY) do latency[k] = v end
  latency.path = s.path
  sandbox.latency(latency)
  for _, prefetch in ipairs(prefetches) do
    sandbox.clear_log()
    local where = ("LMSKIT_PAGING_SEED=%d %s: %d items by %d, prefetch %d"):format(SEED, s.name, n, p, prefetch)
    local ok, got = pcall(walk.ids, s.list({ prefetch = prefetch }, p), n + 2 * p + 10)
    local why = not ok and ("raised " .. tostring(got)) or walk.diff(expected, got)
    if not why then
      local pages, twice = s.pages()
      if #twice > 0 then
        why = ("fetched page(s) %s twice"):format(table.concat(twice, ","))
      elseif walk.diff(s.expected(n, p), pages) then
        why = ("fetched pages %s, expected %s"):format(table.concat(pages, ","),
                                                        table.concat(s.expected(n, p), ","))
      end
    end
    if why then failures[#failures + 1] = where .. ": " .. why end
  end
end

local function assert_none(failures)
  local shown = {}
  for i = 1, math.min(#failures, 5) do shown[i] = failures[i] end
  assert.is_true(#failures == 0, ("%d failing walks (seed %d):\n%s"):format(#failures, SEED,
    table.concat(shown, "\n")))
end

local ALL_PREFETCH = walk.range(1, 16)

describe(("paging property (LMSKIT_PAGING_SEED=%d)"):format(SEED), function()
  for _, s in ipairs(strategies) do
    local lo, hi = s.sizes[1], s.sizes[2]
    local min_size = s.min_size or 0

    -- the choices are drawn when the file loads, in order: a seed replays them
    local edge_pages = lo == hi and { lo } or { lo, random(lo + 1, hi) }
    local cases = {}
    for _ = 1, RANDOM_CASES do
      local p = random(lo, hi)
      cases[#cases + 1] = { n = random(min_size, (s.ahead and 30 or 10) * p), p = p, prefetch = random(1, 16) }
    end
    local big_p = lo == hi and lo or random(lo, math.min(hi, 3))
    local big_n = random(200, lo == hi and 210 or 300) * big_p - random(0, big_p - 1)
    local big_prefetch = s.ahead and some_of(1, 16, BIG_PREFETCHES) or { random(1, 16) }
    local window_p = s.ahead and random(lo, math.min(hi, 10))

    it(s.name .. ": sizes 0, 1, page-1, page, page+1, prefetch 1..16", function()
      local failures = {}
      for _, p in ipairs(edge_pages) do
        local done = {}
        for _, n in ipairs { 0, 1, p - 1, p, p + 1 } do
          if n >= min_size and not done[n] then
            done[n] = true
            check(s, n, p, ALL_PREFETCH, failures)
          end
        end
        if min_size > 0 then check(s, min_size, p, ALL_PREFETCH, failures) end
      end
      assert_none(failures)
    end)

    if s.ahead then
      local p = window_p
      it(s.name .. (": window boundaries by %d: 1 + prefetch pages, and one item more"):format(p), function()
        local failures = {}
        for prefetch = 1, 16 do
          check(s, (1 + prefetch) * p, p, { prefetch }, failures)
          check(s, (1 + prefetch) * p + 1, p, { prefetch }, failures)
        end
        assert_none(failures)
      end)
    end

    it(s.name .. ": random sizes, page sizes and prefetch", function()
      local failures = {}
      for _, c in ipairs(cases) do check(s, c.n, c.p, { c.prefetch }, failures) end
      assert_none(failures)
    end)

    if s.big ~= false then
      it(s.name .. (": several hundred pages (%d items by %d)"):format(big_n, big_p), function()
        local failures = {}
        check(s, big_n, big_p, big_prefetch, failures)
        assert_none(failures)
      end)
    end
  end
end)
