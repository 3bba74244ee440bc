--- The attempts of a bulk job's row: its `run`, tried again after a
-- retryable failure (up to `retries` more times, waiting the one backoff
-- of lmskit.retry), each attempt told to the job's circuit breaker.
-- @module lmskit.bulk.attempts
local core = require "lmskit.core"
local reconcile = require "lmskit.reconcile"
local secret_names = require "lmskit.secret_names"
local retry = require "lmskit.retry"
local tasks = require "lmskit.tasks"
local hide_error = require("lmskit.bulk.results").hide_error

-- Runs a row with row-level retries for retryable failures; every attempt
-- tells the breaker how it went (secrets hidden: its reason goes to the
-- report), and a tripped breaker ends the retries.
local function attempts(run, row, retries, brk)
  local attempt, ok, value = 0
  while true do
    local started = core.now()
    ok, value = tasks.pcall(run, row) -- run yields: tasks.pcall allows it on Lua 5.1 too
    -- Lua out of memory is no row's fault: the job stops (journal kept)
    if not ok and value == "not enough memory" then error(tasks.nomem(value), 0) end
    if not ok and type(value) == "table" and value.stopped then break end -- the job stopped first
    if ok then brk.success() else brk.failure(hide_error(value, secret_names.values_of(row)), started) end
    -- a write that may have happened was already looked up by the client
    -- (lmskit.reconcile): running the row again would send it blindly,
    -- unless sending it again is harmless (err.idempotent: MATRIX grades)
    local safe = not reconcile.unknown(value) or (core.is_error(value) and value.idempotent == true)
    if ok or brk.reason or not retry.should_retry { kind = core.is_error(value) and value.kind or nil,
                                                    safe = safe,
                                                    attempt = attempt, retries = retries } then break end
    attempt = attempt + 1
    tasks.sleep(retry.backoff(attempt))
  end
  return ok, value
end

return attempts
