--- Several bulk jobs in ONE process, alternating HTTP/1.1 and HTTP/2 clients,
-- each under 10% mixed faults, each judged like tools/soak.lua:
--
--   sandbox/with lua5.4 tools/soak_mixed.lua catalog|coggno|cerego|...
--
-- It reproduces the defect left open in issue 9: after earlier jobs in the
-- same process, a later job now and then misreports a row or a write lands
-- twice (catalog and coggno, round 2, HTTP/2), although every job alone is
-- clean (tools/soak.lua).
package.path = "lua/?.lua;lua/?/init.lua;spec/?.lua;tools/?.lua;" .. package.path
package.cpath = require("support.runtime").cpath .. "/?.so;" .. package.cpath
local lmskit = require "lmskit"
local sandbox = require "sandbox"
local once = require "support.exactly_once"
local vendor = arg[1] or "cerego"
local part = require("soak." .. vendor)
for round = 1, tonumber(arg[2] or 2) do
  for _, http2 in ipairs { false, true } do
    sandbox.reset()
    local client = part.client { http2 = http2, retries = 5 }
    local rows = part.rows(client, 1000)
    once.storm(part.prefix, 0.1)
    local report = lmskit.workflow(vendor, part.action or "enroll", client,
      { rows = rows, concurrency = 16, progress = false })
    once.calm()
    local outcome = {}
    for _, f in ipairs(report.failures) do outcome[f.row] = f.outcome end
    local present = part.state(client, rows)
    local dup, mis = 0, 0
    for r = 1, #rows do
      local c = present[r] or 0
      if c > 1 then dup = dup + c - 1 end
      local rep = outcome[r] or "done"
      if (rep == "done" and c == 0) or (rep == "failed" and c > 0) then mis = mis + 1 end
    end
    print(("round %d http2=%s: ok=%d failed=%d unknown=%d dup=%d misreported=%d"):format(
      round, tostring(http2), report.ok, report.failed, report.unknown, dup, mis))
  end
end
