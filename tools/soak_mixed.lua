--- Several bulk jobs in ONE process, alternating HTTP/1.1 and HTTP/2
-- clients, each under 10% mixed faults, each judged like tools/soak.lua:
--
--   sandbox/with lua5.4 tools/soak_mixed.lua VENDOR [ROUNDS] [ROWS]
--
-- Before the engine pooled each HTTP version apart, a later HTTP/2 job
-- now and then misreported rows or sent writes twice (issue 9); exits 1
-- when any job does.
package.path = "lua/?.lua;lua/?/init.lua;spec/?.lua;tools/?.lua;" .. package.path
package.cpath = require("support.runtime").cpath .. "/?.so;" .. package.cpath
local jobs = require("soak.mixed")(arg[1] or "coggno", tonumber(arg[2] or 2), tonumber(arg[3] or 1000), 0.1, print)
for _, job in ipairs(jobs) do
  if job.duplicates > 0 or job.misreported > 0 then os.exit(1) end
end
