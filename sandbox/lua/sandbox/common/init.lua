-- sandbox.common: helpers shared by every vendor simulator, and reset.
-- Each part adds its functions to the one table C (sandbox.common.json makes
-- it): JSON encoding (ordered objects, explicit arrays, null), values, request
-- parsing (raw path segments, nested query/form args, JSON bodies), replies
-- and errors, paging with RFC 8288 Link headers, fault injection, the request
-- log and latency.  All state lives in module-level tables: nginx runs with
-- worker_processes 1, so one Lua VM holds the whole sandbox state.

local J = require "sandbox.common.json"
local Faults = require "sandbox.common.faults"
require "sandbox.common.values" -- adds its functions to C
require "sandbox.common.request" -- adds its functions to C
require "sandbox.common.paging" -- adds its functions to C
require "sandbox.common.log" -- adds its functions to C
require "sandbox.common.latency" -- adds its functions to C

local ngx = ngx
local floor = math.floor
local C = J.C
local applied = Faults.applied

---------------------------------------------------------------------------
-- Reset
---------------------------------------------------------------------------

-- Random faults and latency differ from run to run (a fault spec's `seed`
-- makes a run repeatable).
math.randomseed(floor(ngx.now() * 1000) % 2147483647 + ngx.worker.pid())

-- Clears everything sandbox.common owns (faults, latency and the request log).
function C.reset()
  C.clear_faults()
  C.refill(applied, {})
  C.clear_latency()
  C.clear_log()
end

return C
