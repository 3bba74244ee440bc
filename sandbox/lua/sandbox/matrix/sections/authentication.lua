-- sandbox.matrix.sections.authentication: the doc's "Authentication" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def


def("Authentication", "is_authenticated", { "userid", "password" }, function(ctx)
  local userid = lib.arg_str(ctx, "userid", true)
  local password = lib.arg_str(ctx, "password", true)
  local u = S.by_userid[lib.trim(userid):lower()]
  return u ~= nil and u.password ~= nil and u.password == password
end, K.STATEFUL)

return true
