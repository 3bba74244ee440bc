-- sandbox.common.latency: a random delay per vendor request.

local J = require "sandbox.common.json"

local ngx = ngx
local type = type
local C = J.C

---------------------------------------------------------------------------
-- Latency: a random delay per vendor request, applied before any fault, so
-- responses complete out of order (paging ahead, concurrent jobs).
---------------------------------------------------------------------------

local latency -- { path =, min_ms =, max_ms =, rate = } or nil

-- Validates and sets the latency spec; nil, errors when it is invalid.
function C.set_latency(spec)
  local errs = C.new_errors()
  if type(spec) ~= "table" then spec = {} end
  local path = C.is_null(spec.path) and "/" or spec.path
  if type(path) ~= "string" or path:sub(1, 1) ~= "/" then
    errs.add("path", "must be a string starting with /")
  end
  local min_ms = C.is_null(spec.min_ms) and 0 or C.to_decimal(spec.min_ms)
  local max_ms = C.to_decimal(spec.max_ms)
  local rate = C.is_null(spec.rate) and 1 or C.to_decimal(spec.rate)
  if not min_ms or min_ms < 0 then errs.add("min_ms", "must be a non-negative number") end
  if not max_ms or max_ms < (min_ms or 0) or max_ms > 10000 then
    errs.add("max_ms", "must be a number from min_ms to 10000")
  end
  if not rate or rate < 0 or rate > 1 then errs.add("rate", "must be a number from 0 to 1") end
  if errs.any() then return nil, errs end
  latency = { path = path, min_ms = min_ms, max_ms = max_ms, rate = rate }
  return latency
end

function C.get_latency()
  if not latency then return C.null end
  return C.ordered({ "path", "min_ms", "max_ms", "rate" }, latency)
end

function C.clear_latency()
  latency = nil
end

-- Sleeps the random delay that the latency spec gives this request.
function C.apply_latency(req)
  local l = latency
  if not l or req.raw_path:sub(1, #l.path) ~= l.path or math.random() >= l.rate then return end
  local ms = l.min_ms + math.random() * (l.max_ms - l.min_ms)
  if ms > 0 then ngx.sleep(ms / 1000) end
end

return true
