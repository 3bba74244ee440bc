-- Random jobs of mixed tasks on the sandbox, run as their own process so
-- a spec can bound a hang with a timeout:
--   lua5.1 spec/support/mixed_job.lua SEED JOBS
-- Each task does one to four of: an echo POST (faults on 10% of them)
-- under pcall, the same under tasks.pcall, a Catalog list walked in a
-- generic for, the same under pcall, a sleep under pcall, a plain sleep,
-- a call on a client paced to 20 calls in 0.25 s under pcall, one on a
-- client of concurrency 2 under tasks.pcall or pcall.  On Lua 5.1 the
-- ones under pcall or in a for wait in place, running the others nested.
-- A job goes wrong when a task does not finish, an answer is another
-- call's, a list is short or long, the sandbox saw more than 20 paced
-- calls in 0.25 s, or more calls were in flight than the job's
-- concurrency (or 2 on the narrow client).
-- Prints a line per job: "job N: ok" or what went wrong; then "done".
package.path = "lua/?.lua;lua/?/init.lua;spec/?.lua;" .. package.path
package.cpath = require("support.runtime").cpath .. "/?.so;" .. package.cpath
io.stdout:setvbuf("no")
local lmskit = require "lmskit"
local tasks = require "lmskit.tasks"
local sandbox = require "sandbox"
local once = require "support.exactly_once"
local in_flight = require "support.in_flight"

local state = assert(tonumber(arg[1]), "SEED")
local function random(lo, hi)
  state = state * 16807 % 2147483647
  return lo + state % (hi - lo + 1)
end

sandbox.reset()
sandbox.seed_courses(57)
local catalog = sandbox.catalog()
local courses = 0
for _ in catalog.courses:list { per_page = 100 } do courses = courses + 1 end
local cerego = sandbox.cerego()
local paced = sandbox.catalog { rate = { calls = 20, per = 0.25, margin = 0.02 } }
local narrow = sandbox.cerego { concurrency = 2 }
local seen = in_flight.watch(narrow)

-- Walks the Catalog's courses, `per_page` a page; returns how many.
local function walk(per_page)
  local n = 0
  for _ in catalog.courses:list { per_page = per_page } do n = n + 1 end
  return n
end

-- One task's steps; appends what went wrong to `bad`.
local function steps(ops, tag, bad)
  for k, op in ipairs(ops) do
    if op <= 2 then
      local echo = tag .. "-" .. k
      local post = function() return cerego:request { method = "POST", path = "/echo", json = { echo = echo } } end
      local ok, res
      if op == 1 then ok, res = pcall(post) else ok, res = tasks.pcall(post) end
      if ok and res.echo ~= echo then bad[#bad + 1] = echo .. " answered " .. tostring(res.echo) end
    elseif op == 3 then
      local n = walk(random(5, 30))
      if n ~= courses then bad[#bad + 1] = "a list gave " .. n end
    elseif op == 4 then
      local ok, n = pcall(walk, 20)
      if not ok or n ~= courses then bad[#bad + 1] = "a list in pcall: " .. tostring(n) end
    elseif op == 5 then
      pcall(tasks.sleep, random(0, 5) / 1000)
    elseif op == 6 then
      tasks.sleep(random(0, 5) / 1000)
    elseif op == 7 then
      local ok, course = pcall(paced.courses.get, paced.courses, 1)
      if not ok or course.id ~= 1 then bad[#bad + 1] = "a paced call: " .. tostring(course) end
    else
      local echo = tag .. "-" .. k
      local guard = random(0, 1) == 0 and tasks.pcall or pcall
      local ok, res = guard(narrow.request, narrow, { method = "POST", path = "/echo", json = { echo = echo } })
      if ok and res.echo ~= echo then bad[#bad + 1] = echo .. " answered " .. tostring(res.echo) end
    end
  end
end

for job = 1, assert(tonumber(arg[2]), "JOBS") do
  local concurrency, n = random(1, 16), random(10, 120)
  local bad, finished = {}, 0
  sandbox.clear_log()
  seen.most, seen.most_client = 0, 0
  once.storm("/cerego/api/echo", 0.1)
  sandbox.latency { path = "/catalog", min_ms = 0, max_ms = 15, rate = 0.5 }
  local ok, err = pcall(lmskit.run, { concurrency = concurrency }, function(spawn)
    for i = 1, n do
      local ops = {}
      for k = 1, random(1, 4) do ops[k] = random(1, 8) end
      spawn(function()
        steps(ops, ("j%d-%d"):format(job, i), bad)
        finished = finished + 1
      end)
    end
  end)
  once.calm()
  local paced_log = {}
  for _, r in ipairs(sandbox.requests()) do
    if r.path:find("/courses/1", 1, true) then paced_log[#paced_log + 1] = r end
  end
  local busiest = sandbox.busiest_window(paced_log, 0.25)
  if busiest > 20 then bad[#bad + 1] = busiest .. " paced calls in 0.25 s" end
  if seen.most > concurrency then bad[#bad + 1] = seen.most .. " calls in flight" end
  if seen.most_client > 2 then bad[#bad + 1] = seen.most_client .. " calls in flight on the narrow client" end
  if not ok then bad[#bad + 1] = "run: " .. tostring(err) end
  if finished ~= n then bad[#bad + 1] = ("%d of %d tasks finished"):format(finished, n) end
  print(("job %d (concurrency %d, %d tasks): %s"):format(job, concurrency, n,
        #bad == 0 and "ok" or table.concat(bad, "; ", 1, math.min(#bad, 3))))
end
print("done")
