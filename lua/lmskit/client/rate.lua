--- Rate limiting and lock-out of one client: a limiter that lets a call
-- start only when the vendor's rate allows it, and holds every call of
-- the client when the vendor locks its key out; and the vendor's rate
-- signal (a status other than 429 that says "too many calls").
-- @module lmskit.client.rate
local core = require "lmskit.core"
local json = require "lmskit.json"
local usage = require "lmskit.usage"
local errors = require "lmskit.client.errors"

local rate = {}

local Rate = {}
Rate.__index = Rate

--- The rate of a client (the declaration's `rate`, the user's `rate`
-- option over it: the user's numbers, the vendor's lock-out and signal),
-- or nil when neither sets one.
function rate.new(decl, given)
  local r = decl.rate or given.rate
  if decl.rate and given.rate then
    r = {}
    for k, v in pairs(decl.rate) do r[k] = v end
    for k, v in pairs(given.rate) do r[k] = v end
  end
  if not r then return nil end
  if type(r.calls) ~= "number" or type(r.per) ~= "number" then
    usage.raise(decl.name .. ": rate must be { calls = n, per = seconds }")
  end
  return setmetatable({
    limiter = core.limiter(r.calls, r.per + (r.margin or 0.5)),
    lockout = r.lockout or 0,
  }, Rate)
end

--- Waits until the limiter lets one more call start (and counts it); a
-- wait that would end past the call's deadline fails the call instead.
-- `path` is the request path (its emit, pause and deadline).
function Rate:take(path, deadline, method, spec)
  local wait = self.limiter:take()
  while wait > 0 do
    if deadline and core.now() + wait > deadline then
      errors.deadline(path, method, spec, ("the rate limit asks to wait %.1f s"):format(wait), false)
    end
    path:emit { event = "throttle", wait = wait }
    path:pause(wait)
    wait = self.limiter:take()
  end
end

--- The seconds the vendor locks a key out after a refusal, when it does.
function Rate:lockout_wait()
  if self.lockout > 0 then return self.lockout end
end

--- Holds every call of this client for `seconds` (a refusal came).
function Rate:block(seconds)
  self.limiter:block(seconds)
end

--- True when a vendor reports its rate limit with another status (MATRIX
-- answers 400 with a message): the declaration's rate.signal names it.
function rate.is_signal(decl, status, body)
  local r = decl.rate
  if not (r and r.signal) or status ~= 400 then return false end
  local message = errors.vendor_message(json.decode(body), body, status)
  return message:lower():find(r.signal, 1, true) ~= nil
end

return rate
