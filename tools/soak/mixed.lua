--- Several bulk jobs in ONE process, HTTP/1.1 and HTTP/2 clients taking
-- turns, each under faults, each judged by soak.judge.  Shared by
-- tools/soak_mixed.lua and spec/exactly_once_mixed_spec.lua.
local lmskit = require "lmskit"
local sandbox = require "sandbox"
local once = require "support.exactly_once"
local judge = require "soak.judge"

-- Runs `rounds` rounds of an HTTP/1.1 job then an HTTP/2 job of n rows
-- each on vendor's enroll workflow; calls report(line) per job and
-- returns a list of { http2, report, duplicates, misreported, faults }.
return function(vendor, rounds, n, rate, report)
  local part = require("soak." .. vendor)
  local jobs = {}
  for round = 1, rounds do
    for _, http2 in ipairs { false, true } do
      sandbox.reset()
      local client = part.client { http2 = http2, retries = 5 }
      local rows = part.rows(client, n)
      once.storm(part.prefix, rate)
      local result = lmskit.workflow(vendor, part.action or "enroll", client,
        { rows = rows, concurrency = 16, progress = false })
      local faults = once.applied()
      once.calm()
      local dup, mis = judge(result, part.state(client, rows), #rows)
      client:close()
      jobs[#jobs + 1] = { http2 = http2, report = result, duplicates = dup, misreported = mis, faults = faults }
      if report then
        report(("round %d %s: ok=%d failed=%d unknown=%d dup=%d misreported=%d faults=%d"):format(
          round, http2 and "HTTP/2" or "HTTP/1.1", result.ok, result.failed, result.unknown, dup, mis, faults))
      end
    end
  end
  return jobs
end
