-- bench/lmskit_runner.lua JOB COUNT [CONCURRENCY]: one bench job through
-- lmskit's public API.
-- Run from the repo root with lua5.4 (bench/run sets LUA_PATH/LUA_CPATH to
-- lua/ and build/5.4/).  Reads BENCH_URL, BENCH_BIG_URL, BENCH_CA; prints one
-- JSON result line: {"peer":"lmskit","job":...,"items":...,"seconds":...}.
--   pages, pages_slow, memory   COUNT = items the collection must yield
--   enroll, enroll_slow, cpu    COUNT = POSTs, 16 in flight
--   memory_enroll               COUNT = POSTs, CONCURRENCY (default 16) in
--                               flight; bench/run reads its peak RSS
--   pages_cpu                   COUNT = items taken from the big collection
--                               (then the walk stops); run under callgrind
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/" .. (rawget(_G, "jit") and "luajit" or _VERSION:sub(5)) .. "/?.so;" .. package.cpath

local lmskit = require "lmskit"
local now = require("lmskit.core").now -- a monotonic clock, for timing only

local job, count = arg[1], tonumber(arg[2])
local concurrency = tonumber(arg[3] or "16")
assert(job and count and concurrency, "usage: lmskit_runner.lua JOB COUNT [CONCURRENCY]")
local url = assert(os.getenv "BENCH_URL", "BENCH_URL is not set")
local ca = assert(os.getenv "BENCH_CA", "BENCH_CA is not set")
local PREFETCH = tonumber(os.getenv "BENCH_PREFETCH") or 8

local base = ({
  pages = url, enroll = url, cpu = url, memory_enroll = url,
  pages_slow = url .. "/slow", enroll_slow = url .. "/slow",
  memory = os.getenv "BENCH_BIG_URL", pages_cpu = os.getenv "BENCH_BIG_URL",
})[job]
assert(base, "unknown job " .. tostring(job))

local catalog = lmskit.catalog {
  base_url = base, token = "bench-token", ca_file = ca, retries = 0, prefetch = PREFETCH,
  http2 = os.getenv "BENCH_H1" == nil, -- BENCH_H1=1: HTTP/1.1 (for comparisons by hand)
}

local items
local t0 = now()
if job == "pages" or job == "pages_slow" or job == "memory" then
  local n, last_id = 0, 0
  for c in catalog.courses:list { per_page = 100 } do
    n = n + 1
    last_id = c.id
  end
  assert(n == count and last_id == count,
         ("walked %d items (last id %s), expected %d"):format(n, tostring(last_id), count))
  items = n
elseif job == "pages_cpu" then
  local n = 0
  for c in catalog.courses:list { per_page = 100 } do
    n = n + 1
    assert(c.id == n, "items out of order")
    if n == count then break end
  end
  assert(n == count, ("walked %d items, expected %d"):format(n, count))
  -- the pages already asked for finish (and are decoded) before the run
  -- ends, so the work done is the same from run to run
  local rounds = 0
  while lmskit.step(0.05) > 0 do
    rounds = rounds + 1
    assert(rounds < 2000, "pages in flight did not finish")
  end
  items = n
else
  local ok = 0
  lmskit.run({ concurrency = concurrency }, function(spawn)
    for i = 1, count do
      spawn(function()
        local e = catalog.enrollments:create { listing_id = 1, canvas_user_id = i }
        assert(type(e) == "table" and e.user.id == i and e.status == "active", "bad enrollment reply")
        ok = ok + 1
      end)
    end
  end)
  assert(ok == count, ("%d of %d enrollments succeeded"):format(ok, count))
  items = ok
end
local seconds = now() - t0

print(lmskit.json.encode {
  peer = "lmskit", job = job, items = items, seconds = seconds, concurrency = concurrency,
  notes = ("HTTP/2, prefetch=%d, concurrency %d"):format(PREFETCH, concurrency),
})
