-- Loaded by busted before the specs (see .busted): points package.cpath at
-- the build under test and gives specs a handle on the running sandbox.
local cpath = os.getenv("LMSKIT_CPATH") or "build"
package.cpath = cpath .. "/?.so;" .. package.cpath
