-- sandbox.matrix.sections.authentication: the doc's "Authentication" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local B = require "sandbox.matrix.base"
local ST = require "sandbox.matrix.state"
local R = require "sandbox.matrix.registry"

local arg_str, trim = B.arg_str, B.trim
local K, S = ST.K, ST.S
local def = R.def

def("Authentication", "is_authenticated", { "userid", "password" }, function(ctx)
  local userid = arg_str(ctx, "userid", true)
  local password = arg_str(ctx, "password", true)
  local u = S.by_userid[trim(userid):lower()]
  return u ~= nil and u.password ~= nil and u.password == password
end, K.STATEFUL)

return true
