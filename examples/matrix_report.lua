-- MATRIX: run a report, wait for it, download the CSV.
--
--   sandbox/with lua5.4 examples/matrix_report.lua
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/" .. (rawget(_G, "jit") and "luajit" or _VERSION:sub(5)) .. "/?.so;" .. package.cpath
local lmskit = require "lmskit"
local CRED = require "lmskit.sandbox_credentials" -- the sandbox's test credentials
local core = require "lmskit.core"

local real = os.getenv "MATRIX_URL"
assert(real or os.getenv "LMSKIT_SANDBOX_URL", "set MATRIX_URL and MATRIX_API_KEY, or run through sandbox/with")
local matrix = lmskit.matrix {
  base_url = real or (os.getenv "LMSKIT_SANDBOX_URL" .. "/matrix"),
  api_key = os.getenv "MATRIX_API_KEY" or CRED.matrix.api_key,
  ca_file = not real and os.getenv "LMSKIT_SANDBOX_CA" or nil,
}

local run = matrix.reports:run_report({ id = 47, class_id = { -1 }, output = "CSV" }, { run = "immediately" })
local deadline = core.now() + 60
local status
repeat
  status = matrix.reports:get_report_status(run.run_report_id)
  if status.status ~= "Completed" then core.engine():wait(1) end
until status.status == "Completed" or core.now() > deadline
print(("report %d: %s"):format(run.run_report_id, status.status))
io.write(matrix.reports:download_report(run.run_report_id))
