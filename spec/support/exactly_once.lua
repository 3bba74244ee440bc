--- Shared by the exactly-once specs of every vendor: the faults real
-- networks have, set on the sandbox, and counting helpers.
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

--- Counts requests of method whose path starts with prefix.
function M.count(method, prefix)
  local n = 0
  for _, r in ipairs(sandbox.requests()) do
    if r.method == method and r.path:sub(1, #prefix) == prefix then n = n + 1 end
  end
  return n
end

return M
