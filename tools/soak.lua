--- A bulk enroll of N rows against the sandbox under 10% mixed faults
-- (500, 502, 503, 429, drops before and after the server did the work,
-- on fresh and reused keep-alive connections) and random latency, judged
-- from the simulator's state and from the report:
--
--   sandbox/with lua5.4 tools/soak.lua VENDOR [ROWS] [--http1] [--rate R]
--   (any runtime: it loads build/<runtime>/, or $LMSKIT_CPATH) [--action A]
--   [--rerun]
--
-- Prints one line: rows, done (by how: created, exists, ...), failed (by
-- what can help: input, credentials, retry), unknown, rows misreported
-- (reported done but absent, or reported failed but present: judged from
-- the results file, which must agree with the report), duplicates at the
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
local judge = require "soak.judge"

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
local json = require "lmskit.json"
sandbox.reset()
local client = part.client { http2 = not http1, retries = 3 }
action = action or part.action or "enroll"
local rows = part.rows(client, n, action)
local protocol = http1 and "HTTP/1.1" or "HTTP/2"
local journal
if rerun then
  journal = os.tmpname()
  os.remove(journal)
end

-- Runs the workflow with `with` (the journal, a results file of JSON
-- lines); returns its report, its wall time and the results file.
local function run(with)
  local results = os.tmpname() .. ".jsonl"
  local started = core.now()
  local report = lmskit.workflow(vendor, action, with,
    { rows = rows, journal = journal, concurrency = 16, progress = false, results = results })
  return report, core.now() - started, results
end

-- "(created 9000, exists 1000)": counts by name, sorted.
local function breakdown(t)
  local keys, parts = {}, {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do parts[#parts + 1] = k .. " " .. t[k] end
  return #parts > 0 and " (" .. table.concat(parts, ", ") .. ")" or ""
end

-- Judges a run against the server, each row's outcome from the results
-- file (the report's failures must agree; soak.judge): returns rows
-- misreported (reported done but absent, or failed but present),
-- duplicates at the server, and "N done (by how), N failed (by fix)".
local function judged(report, results)
  local outcome, how, fix = judge.results(results, report, #rows)
  os.remove(results)
  -- present[i]: how many times row i's effect is at the server (for a
  -- removal, part.inverse[action]: 1 while what it removes is still there)
  local present = part.state(client, rows, action)
  local duplicates, misreported, by = judge.count(outcome, present, #rows,
    part.inverse and part.inverse[action], how, fix)
  return misreported, duplicates, ("%d done%s, %d failed%s"):format(report.ok + report.skipped,
    breakdown(by.done), report.failed, breakdown(by.failed))
end

local function show_failures(report)
  for k = 1, math.min(5, #report.failures) do
    local f = report.failures[k]
    print(("  row %s %s: %s %s %s"):format(f.row, f.outcome, f.kind, f.status or "", f.message))
  end
end

-- Wrong credentials of each vendor (the sandbox refuses them with 401).
local WRONG = { catalog = { token = "wrong-token" }, cerego = { token = "wrong-token" },
                coursepath = { secret = "wrong-secret-0123456789abcdef0123456789" },
                coggno = { api_key = "test_wrong_key" }, matrix = { api_key = "wrong-key" } }

sandbox.clear_log()
if rerun then
  local wrong = { http2 = not http1, retries = 3 }
  for k, v in pairs(WRONG[vendor]) do wrong[k] = v end
  local report, wall, results = run(part.client(wrong))
  os.remove(results)
  print(("%s %s %s, wrong credentials: %d rows tried, %d untouched, %d requests, %.1f s; stopped: %s"):format(
    vendor, action, protocol, report.failed + report.unknown, report.untouched, #sandbox.requests(),
    wall, tostring(report.stopped)))
end
once.storm(part.prefix, rate)
local report, wall, results = run(client)
local faults, applied = once.applied()
once.calm()
local misreported, duplicates, counts = judged(report, results)
print(("%s %s %s: %d rows, %s, %d unknown, %d misreported, %d duplicates at the server, " ..
       "%d faults (%s), %.1f s"):format(
  vendor, action, protocol, #rows, counts, report.unknown, misreported, duplicates, faults,
  json.encode(applied), wall))
show_failures(report)
if not rerun then os.exit((duplicates == 0 and misreported == 0) and 0 or 1) end

-- a rerun is a new process: a new client, nothing cached
report, wall, results = run(part.client { http2 = not http1, retries = 3 })
local again_misreported, again_duplicates, again_counts = judged(report, results)
local r = report.rerun
print(("%s %s %s, rerun without faults: complete %s; %s, %d unknown, %d misreported, " ..
       "%d duplicates at the server, %.1f s; rerun: %d skipped done, %d retried failed, " ..
       "%d retried unknown of which %d verified done, %d kept unknown"):format(
  vendor, action, protocol, tostring(report.complete), again_counts, report.unknown,
  again_misreported, again_duplicates, wall, r.skipped_done, r.retried_failed, r.retried_unknown,
  r.verified_done, r.kept_unknown))
show_failures(report)
os.remove(journal)
os.exit((report.complete and duplicates + misreported + again_duplicates + again_misreported == 0) and 0 or 1)
