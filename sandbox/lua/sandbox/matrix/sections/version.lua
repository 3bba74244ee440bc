-- sandbox.matrix.sections.version: the doc's "Version" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local def = lib.def


---------------------------------------------------------------------------
-- Version, Authentication
---------------------------------------------------------------------------

def("Version", "get_version", {}, function()
  return C.ordered({ "version" }, { version = 1 })
end)

return true
