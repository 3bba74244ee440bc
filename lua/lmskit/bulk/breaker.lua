--- The circuit breaker of a bulk job: when the job cannot succeed (the
-- credentials are refused, the host cannot be reached), it stops instead
-- of trying every row.
--
-- Every attempt of a row tells the breaker how it went.  `limit`
-- attempts in a row refused with 401/403 (kind auth or forbidden), or
-- `limit` in a row failing to reach the same host (transport, tls,
-- timeout), trip it; any other outcome (a success, a validation error:
-- the host answered and took the credentials) starts the count again.
-- Once tripped, the job takes no new row; rows not started stay
-- untouched (not journaled), so a rerun with the same journal does them.
--
-- A call that could not connect at all (err.sent == false: refused, no
-- route, a connect timeout) always counts: the host is unreachable now.
-- A write that went out and that its look-up found not done
-- (err.looked_up) is sent = false too, but the host answered the look-up:
-- it counts as a dropped call.
-- A call dropped after it went out is counted in cause order: one that
-- was already in flight when the last counted failure came back failed
-- in the same outage (a server restart, a load balancer failing over, an
-- HTTP/2 connection reset drop every call in flight at once) and is not
-- counted again; only a call started after it, failing too, says the
-- host is still failing.
-- @module lmskit.bulk.breaker
local now = require("lmskit.core").now

local breaker = {}

--- Failures in a row that stop a job, unless the job says otherwise.
breaker.DEFAULT = 5

local AUTH = { auth = true, forbidden = true }
local TRANSPORT = { transport = true, tls = true, timeout = true }

-- The host (and port) of an error's URL.
local function host_of(err)
  local url = type(err) == "table" and err.url
  return type(url) == "string" and url:match("^%a[%w+.-]*://([^/?#]+)") or "the server"
end

--- A breaker tripping after `limit` failures in a row (0 or false: never).
-- Returns an object: b.success(), b.failure(err, started) (`started`: when
-- the failed attempt began, core.now()), and b.reason (nil until it trips:
-- then why the job stopped).
function breaker.new(limit)
  if limit == nil then limit = breaker.DEFAULT end
  local b = {}
  local auth, hosts = 0, {}
  local counted_at = {} -- host -> when its last counted failure came back
  function b.success()
    auth, hosts = 0, {}
  end
  function b.failure(err, started)
    if b.reason or not limit or limit <= 0 then return end
    if type(err) ~= "table" then return b.success() end -- a bug in the row's code, not the host
    local kind = err.kind
    local what = ("%s%s: %s"):format(tostring(kind), err.status and (" " .. tostring(err.status)) or "",
                                     tostring(err.message))
    if AUTH[kind] then
      auth = auth + 1
      if auth >= limit then
        b.reason = ("%d calls in a row were refused (%s): check the credentials, then run the " ..
                    "same job again (with the same journal) to do the rest"):format(auth, what)
      end
    elseif TRANSPORT[kind] then
      local host = host_of(err)
      local dropped = err.sent ~= false or err.looked_up == true
      if dropped and started and counted_at[host] and started < counted_at[host] then
        return -- dropped in the same outage as the last counted failure
      end
      counted_at[host] = now()
      hosts[host] = (hosts[host] or 0) + 1
      if hosts[host] >= limit then
        b.reason = ("%d calls in a row could not reach %s (%s): check the host and the network, then " ..
                    "run the same job again (with the same journal) to do the rest"):format(
                    hosts[host], host, what)
      end
    else
      b.success() -- the host answered and took the credentials
    end
  end
  return b
end

return breaker
