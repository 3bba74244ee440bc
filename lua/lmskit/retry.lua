--- How long to wait before trying again: one backoff for every layer
-- (client attempts, look-ups after an unknown outcome, bulk rows).
-- @module lmskit.retry
local core = require "lmskit.core"

local retry = {}

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
