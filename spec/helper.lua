-- Loaded by busted before the specs (see .busted): points package.cpath at
-- the build under test (build/<runtime>/, or $LMSKIT_CPATH) and gives
-- specs a handle on the running sandbox.
local runtime = require "support.runtime"
package.cpath = runtime.cpath .. "/?.so;" .. package.cpath
