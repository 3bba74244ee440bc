-- MATRIX: run a report, wait for it, download the CSV.
--
--   sandbox/with lua5.4 examples/matrix_report.lua
local clients = dofile "examples/clients.lua" -- this checkout's lmskit, each vendor's client
local core = require "lmskit.core"

local matrix = clients.matrix()

local run = matrix.reports:run_report({ id = 47, class_id = { -1 }, output = "CSV" }, { run = "immediately" })
local deadline = core.now() + 60
local status
repeat
  status = matrix.reports:get_report_status(run.run_report_id)
  if status.status ~= "Completed" then core.engine():wait(1) end
until status.status == "Completed" or core.now() > deadline
print(("report %d: %s"):format(run.run_report_id, status.status))
io.write(matrix.reports:download_report(run.run_report_id))
