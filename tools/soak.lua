--- A bulk enroll of N rows against the sandbox under 10% mixed faults
-- (500, 502, 503, 429, drops before and after the server did the work,
-- on fresh and reused keep-alive connections) and random latency, judged
-- from the simulator's state and from the report:
--
--   sandbox/with lua5.4 tools/soak.lua VENDOR [ROWS] [--http1] [--rate R]
--   (any runtime: it loads build/<runtime>/, or $LMSKIT_CPATH) [--action A]
--
-- Prints one line: rows, done (by how: created, exists, ...), failed (by
-- what can help: input, credentials, retry), unknown, rows misreported
-- (reported done but absent, or reported failed but present: judged from
-- the results file, which must agree with the report), duplicates at the
-- server, faults injected, wall time.  Each vendor's part (rows, setup,
-- how to read the state) is tools/soak/<vendor>.lua; --action picks
-- another of its workflows (default enroll) when the part has them.
package.path = "lua/?.lua;lua/?/init.lua;spec/?.lua;tools/?.lua;" .. package.path
package.cpath = require("support.runtime").cpath .. "/?.so;" .. package.cpath
local lmskit = require "lmskit"
local core = require "lmskit.core"
local sandbox = require "sandbox"
local once = require "support.exactly_once"

local vendor = assert(arg[1], "usage: tools/soak.lua VENDOR [ROWS] [--http1] [--rate R] [--action A]")
local n, http1, rate, action = 10000, false, 0.1, nil
local i = 2
while arg[i] do
  if arg[i] == "--http1" then http1 = true
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
sandbox.clear_log()
local results = os.tmpname() .. ".jsonl"
once.storm(part.prefix, rate)
local started = core.now()
local report = lmskit.workflow(vendor, action, client,
  { rows = rows, concurrency = 16, progress = false, results = results })
local wall = core.now() - started
local faults, applied = once.applied()
once.calm()
-- each row's outcome from the results file (the report's failures must agree)
local outcome, how, fix, lines = {}, {}, {}, 0
for line in io.lines(results) do
  local r = json.decode(line)
  lines = lines + 1
  outcome[r.row] = r.outcome == "skipped" and "done" or r.outcome
  how[r.row], fix[r.row] = r.how, r.fix
end
os.remove(results)
assert(lines == #rows, ("the results file has %d rows of %d"):format(lines, #rows))
for _, f in ipairs(report.failures) do
  assert(outcome[f.row] == f.outcome, ("row %d: the report says %s, the results file %s"):format(
    f.row, f.outcome, tostring(outcome[f.row])))
end
-- present[i]: how many times row i's effect is at the server (for a
-- removal, part.inverse[action]: 1 while what it removes is still there)
local present = part.state(client, rows, action)
local inverse = part.inverse and part.inverse[action]
local duplicates, misreported = 0, 0
local by = { done = {}, failed = {} }
for r = 1, #rows do
  local count = present[r] or 0
  if count > 1 then duplicates = duplicates + count - 1 end
  local reported = outcome[r]
  local done_there = (count > 0) ~= (inverse == true)
  if (reported == "done" and not done_there) or (reported == "failed" and done_there) then
    misreported = misreported + 1
  end
  local detail = reported == "done" and (how[r] or "?") or reported == "failed" and (fix[r] or "none") or nil
  if detail then by[reported][detail] = (by[reported][detail] or 0) + 1 end
end
local function breakdown(t)
  local keys, parts = {}, {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do parts[#parts + 1] = k .. " " .. t[k] end
  return #parts > 0 and " (" .. table.concat(parts, ", ") .. ")" or ""
end
print(("%s %s %s: %d rows, %d done%s, %d failed%s, %d unknown, %d misreported, %d duplicates at the server, " ..
       "%d faults (%s), %.1f s"):format(
  vendor, action, http1 and "HTTP/1.1" or "HTTP/2", #rows, report.ok + report.skipped, breakdown(by.done),
  report.failed, breakdown(by.failed), report.unknown, misreported, duplicates, faults, json.encode(applied), wall))
for k = 1, math.min(5, #report.failures) do
  local f = report.failures[k]
  print(("  row %s %s: %s %s %s"):format(f.row, f.outcome, f.kind, f.status or "", f.message))
end
os.exit((duplicates == 0 and misreported == 0) and 0 or 1)
