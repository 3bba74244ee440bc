-- The most calls in flight a job had, run as its own process so that a
-- spec can bound a hang with a timeout:
--   lua5.1 spec/support/inflight_job.lua MODE RUN CLIENT TASKS
-- lmskit.run at concurrency RUN starts TASKS tasks; each makes three echo
-- POSTs on a Cerego client of concurrency CLIENT, or (MODE list) walks a
-- Catalog list of 32 courses 5 a page on a client of that concurrency.
-- MODE says where the calls are made: plain, pcall (each task's calls
-- under pcall), spawnpcall (the spawner under pcall) or list.  On Lua 5.1
-- the last three wait in place.  Prints "max M client C done D": the
-- most requests in flight on the engine and on the client, each read
-- whenever a request is submitted, and the tasks that finished.
package.path = "lua/?.lua;lua/?/init.lua;spec/?.lua;" .. package.path
package.cpath = require("support.runtime").cpath .. "/?.so;" .. package.cpath
io.stdout:setvbuf("no")
local lmskit = require "lmskit"
local sandbox = require "sandbox"
local in_flight = require "support.in_flight"

local mode, run_c, client_c, n = arg[1], tonumber(arg[2]), tonumber(arg[3]), tonumber(arg[4])
assert(mode and run_c and client_c and n, "usage: inflight_job.lua MODE RUN CLIENT TASKS")
sandbox.reset()
sandbox.seed_courses(30) -- 32 courses
local client = sandbox.cerego { concurrency = client_c }
local catalog = sandbox.catalog { concurrency = client_c }

local seen = in_flight.watch(mode == "list" and catalog or client)

sandbox.latency { min_ms = 2, max_ms = 8 }
local function posts(i)
  for k = 1, 3 do
    local echo = i .. "-" .. k
    assert(client:request { method = "POST", path = "/echo", json = { echo = echo } }.echo == echo)
  end
end
local done = 0
local ok, err = pcall(lmskit.run, { concurrency = run_c }, function(spawn)
  local function body()
    for i = 1, n do
      spawn(function()
        if mode == "pcall" then assert(pcall(posts, i))
        elseif mode == "list" then
          local items = 0
          for _ in catalog.courses:list { per_page = 5 } do items = items + 1 end
          assert(items == 32, items)
        else posts(i) end
        done = done + 1
      end)
    end
  end
  if mode == "spawnpcall" then assert(pcall(body)) else body() end
end)
if not ok then print("run: " .. tostring(err)) end
print(("max %d client %d done %d"):format(seen.most, seen.most_client, done))
