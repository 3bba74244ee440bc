--- The retry policy of every layer (client attempts, look-ups after an
-- unknown outcome, bulk rows): whether to try again (`should_retry`) and
-- how long to wait first (`backoff`).
-- @module lmskit.retry
local core = require "lmskit.core"

local retry = {}

-- Kinds of failure that say "try again later" rather than "this is
-- wrong": no answer (transport, timeout), or an answer refusing the call
-- for now (rate_limited) or failing on the server's side (server).
local RETRYABLE = { transport = true, timeout = true, rate_limited = true, server = true }

-- Statuses that say "try again later" (a 500 too: an idempotent call may
-- always be tried again); their kind, as the client maps them.
local RETRY_STATUS = { [429] = "rate_limited", [500] = "server", [502] = "server", [503] = "server",
                       [504] = "server" }

--- The kind of retryable failure an HTTP answer is (for `should_retry`):
-- "rate_limited" when the server refused the call for now (`limited`:
-- a 429, or the vendor's rate signal), "server" for 500, 502, 503 and
-- 504, nil for any other status (not worth trying again).
function retry.answer_kind(status, limited)
  if limited then return "rate_limited" end
  return RETRY_STATUS[status] == "server" and "server" or nil
end

--- True when a failed attempt is tried again: the one retry decision.
-- `f.kind` is what the attempt met (an lmskit.Error's kind, or
-- retry.answer_kind of an answer); `f.safe` says sending again can do no
-- harm (the call is idempotent, or never left, or was refused by the
-- server; for a bulk row, its outcome is not unknown); `f.attempt` counts
-- the retries made so far (from 0) against `f.retries`; `f.too_far` is
-- set when the wait the server asks is beyond max_retry_wait.
function retry.should_retry(f)
  return f.attempt < f.retries and f.safe and RETRYABLE[f.kind] == true and not f.too_far
end

--- Seconds to wait before attempt n+1 (n from 0): the server's
-- Retry-After when given, otherwise exponential backoff with full jitter
-- (up to 0.25 s, 0.5 s, 1 s ... capped at 10 s).
function retry.backoff(attempt, headers)
  local after = headers and headers["retry-after"] and core.retry_after(headers["retry-after"])
  if after then return after end
  return math.random() * math.min(10, 0.25 * 2 ^ attempt)
end

--- True when a failed attempt may be sent once more on a new connection
-- at no cost to the caller's `retries`: it went out on a kept-alive
-- connection that closed before any answer (a server closing an idle
-- connection just as it is reused), the one failure every HTTP client
-- repeats (RFC 9112 section 9.3.1).  The caller decides whether that is
-- safe: a read, or a write its look-up found not done; never a write
-- that notifies people.  Once per call.
function retry.reconnects(err)
  return core.is_error(err) and err.stale == true
end

return retry
