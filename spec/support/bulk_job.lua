-- A bulk Catalog enrollment job run as its own process, so a spec can
-- kill it with SIGKILL midway:  lua5.4 spec/support/bulk_job.lua ROWS.csv JOURNAL
-- (any runtime: it loads build/<runtime>/ or $LMSKIT_CPATH)
package.path = "lua/?.lua;lua/?/init.lua;spec/?.lua;" .. package.path
package.cpath = require("support.runtime").cpath .. "/?.so;" .. package.cpath
local lmskit = require "lmskit"
local sandbox = require "sandbox"
local catalog = sandbox.catalog { retries = 2 }
local report = lmskit.workflow("catalog", "enroll", catalog,
  { rows = arg[1], journal = arg[2], concurrency = 8, progress = false })
io.stdout:write(("ok=%d failed=%d skipped=%d\n"):format(report.ok, report.failed, report.skipped))
