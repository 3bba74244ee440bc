--- A bulk enroll of N rows against the sandbox under 10% mixed faults
-- (500, 502, 503, 429, drops before and after the server did the work,
-- on fresh and reused keep-alive connections) and random latency, judged
-- from the simulator's state and from the report:
--
--   sandbox/with lua5.4 tools/soak.lua VENDOR [ROWS] [--http1] [--rate R]
--   (any runtime: it loads build/<runtime>/, or $LMSKIT_CPATH) [--action A]
--   [--rerun]
--
-- Prints one line: rows, done/failed/unknown, rows misreported (reported
-- done but absent, or reported failed but present), duplicates at the
-- server, faults injected, wall time.  Each vendor's part (rows, setup,
-- how to read the state) is tools/soak/<vendor>.lua; --action picks
-- another of its workflows (default enroll) when the part has them.
--
-- --rerun: what an administrator lives through, with one journal: the job
-- first runs with wrong credentials (the breaker must stop it early), then
-- with the right ones under the faults (judged as above), then once more
-- without faults (judged again: it must complete every row).  Exit 0 only
-- when that last run is complete, with nothing misreported and no
-- duplicate.
package.path = "lua/?.lua;lua/?/init.lua;spec/?.lua;tools/?.lua;" .. package.path
package.cpath = require("support.runtime").cpath .. "/?.so;" .. package.cpath
local lmskit = require "lmskit"
local core = require "lmskit.core"
local sandbox = require "sandbox"
local once = require "support.exactly_once"

local vendor = assert(arg[1], "usage: tools/soak.lua VENDOR [ROWS] [--http1] [--rate R] [--action A] [--rerun]")
local n, http1, rate, action, rerun = 10000, false, 0.1, nil, false
local i = 2
while arg[i] do
  if arg[i] == "--http1" then http1 = true
  elseif arg[i] == "--rerun" then rerun = true
  elseif arg[i] == "--rate" then i = i + 1; rate = tonumber(arg[i])
  elseif arg[i] == "--action" then i = i + 1; action = arg[i]
  else n = assert(tonumber(arg[i]), "ROWS must be a number") end
  i = i + 1
end

local part = require("soak." .. vendor)
sandbox.reset()
local client = part.client { http2 = not http1, retries = 3 }
action = action or part.action or "enroll"
local rows = part.rows(client, n, action)
local journal
if rerun then
  journal = os.tmpname()
  os.remove(journal)
end

-- Judges a report against the server (soak.judge, shared with
-- tools/soak/mixed.lua and spec/exactly_once_mixed_spec.lua): rows
-- misreported (reported done but absent, or reported failed but present),
-- duplicates at the server.
local judge_report = require "soak.judge"
local function judge(report)
  -- present[i]: how many times row i's effect is at the server (for a
  -- removal, part.inverse[action]: 1 while what it removes is still there)
  local present = part.state(client, rows, action)
  local duplicates, misreported = judge_report(report, present, #rows, part.inverse and part.inverse[action])
  return misreported, duplicates
end

local function show_failures(report)
  for k = 1, math.min(5, #report.failures) do
    local f = report.failures[k]
    print(("  row %s %s: %s %s %s"):format(f.row, f.outcome, f.kind, f.status or "", f.message))
  end
end

local json = require "lmskit.json"
local protocol = http1 and "HTTP/1.1" or "HTTP/2"

-- Wrong credentials of each vendor (the sandbox refuses them with 401).
local WRONG = { catalog = { token = "wrong-token" }, cerego = { token = "wrong-token" },
                coursepath = { secret = "wrong-secret-0123456789abcdef0123456789" },
                coggno = { api_key = "test_wrong_key" }, matrix = { api_key = "wrong-key" } }

sandbox.clear_log()
if rerun then
  local started = core.now()
  local wrong = { http2 = not http1, retries = 3 }
  for k, v in pairs(WRONG[vendor]) do wrong[k] = v end
  local report = lmskit.workflow(vendor, action, part.client(wrong),
    { rows = rows, journal = journal, concurrency = 16, progress = false })
  print(("%s %s %s, wrong credentials: %d rows tried, %d untouched, %d requests, %.1f s; stopped: %s"):format(
    vendor, action, protocol, report.failed + report.unknown, report.untouched, #sandbox.requests(),
    core.now() - started, tostring(report.stopped)))
end
once.storm(part.prefix, rate)
local started = core.now()
local report = lmskit.workflow(vendor, action, client,
  { rows = rows, journal = journal, concurrency = 16, progress = false })
local wall = core.now() - started
local faults, applied = once.applied()
once.calm()
local misreported, duplicates = judge(report)
print(("%s %s %s: %d rows, %d done, %d failed, %d unknown, %d misreported, %d duplicates at the server, " ..
       "%d faults (%s), %.1f s"):format(
  vendor, action, protocol, #rows, report.ok + report.skipped, report.failed,
  report.unknown, misreported, duplicates, faults, json.encode(applied), wall))
show_failures(report)
if not rerun then os.exit((duplicates == 0 and misreported == 0) and 0 or 1) end

started = core.now() -- a rerun is a new process: a new client, nothing cached
report = lmskit.workflow(vendor, action, part.client { http2 = not http1, retries = 3 },
  { rows = rows, journal = journal, concurrency = 16, progress = false })
wall = core.now() - started
local again_misreported, again_duplicates = judge(report)
local r = report.rerun
print(("%s %s %s, rerun without faults: complete %s; %d done (%d skipped done, %d retried failed, " ..
       "%d retried unknown of which %d verified done, %d kept unknown), %d failed, %d unknown, %d misreported, " ..
       "%d duplicates at the server, %.1f s"):format(
  vendor, action, protocol, tostring(report.complete), report.ok + report.skipped, r.skipped_done,
  r.retried_failed, r.retried_unknown, r.verified_done, r.kept_unknown, report.failed, report.unknown,
  again_misreported, again_duplicates, wall))
show_failures(report)
os.remove(journal)
os.exit((report.complete and duplicates + misreported + again_duplicates + again_misreported == 0) and 0 or 1)
