--- Shared by the exactly-once specs of every vendor: the faults real
-- networks have, set on the sandbox, and counting helpers.
local lmskit = require "lmskit"
local luassert = require "luassert"
local sandbox = require "sandbox"

local M = {}

-- Every fault a write may meet: statuses, drops before and after the
-- server did the work, on fresh and on reused keep-alive connections.
M.KINDS = { "500", "502", "503", "429", "drop", "drop_after", "drop_after_reused" }

--- Faults on every request under `prefix` with probability `rate`, plus
-- random latency on half the requests (so answers come out of order).
function M.storm(prefix, rate)
  sandbox.latency { path = prefix, min_ms = 0, max_ms = 15, rate = 0.5 }
  sandbox.fault { path = prefix, kind = "random", rate = rate or 0.1, count = 1000000,
                  kinds = M.KINDS, retry_after = 0 }
end

--- Clears faults and latency (the state is then read without them).
function M.calm()
  sandbox.clear_faults()
  sandbox.control("DELETE", "latency")
end

--- How many requests each fault kind took effect on since the reset.
function M.applied()
  local applied = sandbox.control("GET", "faults").applied
  local total = 0
  for _, n in pairs(applied) do total = total + n end
  return total, applied
end

--- Counts log entries by fault kind for method+path prefix.
function M.faults_seen(method, prefix)
  local seen, n = {}, 0
  for _, r in ipairs(sandbox.requests()) do
    -- an entry without a fault has "fault": null (json.null, which is truthy)
    if type(r.fault) == "string" and r.method == method and r.path:sub(1, #prefix) == prefix then
      seen[r.fault] = (seen[r.fault] or 0) + 1
      n = n + 1
    end
  end
  return n, seen
end

--- Runs a ready-made workflow through a storm of faults and calms it:
-- `t.vendor`, `t.workflow`, `t.client`, `t.rows` (16 at a time, no
-- progress; `t.options` adds to those), the storm on `t.storm`, the faults
-- counted on `t.method` requests under `t.seen` (default: t.storm).
-- Returns the report, the faults seen, their kinds, and how many took
-- effect in all (M.applied).
function M.stormed_workflow(t)
  M.storm(t.storm, 0.1)
  local options = { rows = t.rows, concurrency = 16, progress = false }
  for k, v in pairs(t.options or {}) do options[k] = v end
  local report = lmskit.workflow(t.vendor, t.workflow, t.client, options)
  local faulted, kinds = M.faults_seen(t.method, t.seen or t.storm)
  local applied = M.applied()
  M.calm()
  return report, faulted, kinds, applied
end

--- Fails unless some fault hit a write the server did and never answered
-- (drop_after, on a fresh or a reused connection); what: "write done".
function M.assert_unanswered(kinds, what)
  assert((kinds.drop_after or 0) + (kinds.drop_after_reused or 0) >= 1,
         "no " .. (what or "write done") .. " and unanswered")
end

--- Fails unless the report counts all n rows and each is done (none
-- failed, none unknown), naming the first failure.
function M.assert_all_done(report, n)
  luassert.equal(n, report.ok + report.failed + report.unknown + report.skipped)
  luassert.equal(0, report.failed + report.unknown,
    "rows not done: " .. (report.failures[1] and report.failures[1].message or ""))
end

--- Fails unless each write (every action but a GET) of a resource
-- declaration says whether it is idempotent, names its look-up (or is
-- idempotent) and notifies no one, and there are n of them.
function M.assert_writes_declared(decl, n)
  local writes = 0
  for rname, r in pairs(decl.resources) do
    for aname, a in pairs(r.actions) do
      if a[1] ~= "GET" then
        writes = writes + 1
        local what = rname .. ":" .. aname
        luassert.is_boolean(a.idempotent, what .. " declares idempotent")
        luassert.is_true(a.idempotent or a.effect ~= nil,
                         what .. " names its look-up, or effect = false: none exists")
        luassert.is_nil(a.notifies, what .. " notifies (the vendor's doc mails no one)")
      end
    end
  end
  luassert.equal(n, writes)
end

--- Counts requests of method whose path starts with prefix.
function M.count(method, prefix)
  local n = 0
  for _, r in ipairs(sandbox.requests()) do
    if r.method == method and r.path:sub(1, #prefix) == prefix then n = n + 1 end
  end
  return n
end

return M
