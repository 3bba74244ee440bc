-- MATRIX: an SIS sync -- begin, send learners, commit, check the status.
--
--   sandbox/with lua5.4 examples/matrix_sis_sync.lua
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/" .. (rawget(_G, "jit") and "luajit" or _VERSION:sub(5)) .. "/?.so;" .. package.cpath
local lmskit = require "lmskit"
local CRED = require "lmskit.sandbox_credentials" -- the sandbox's test credentials

local real = os.getenv "MATRIX_URL"
assert(real or os.getenv "LMSKIT_SANDBOX_URL", "set MATRIX_URL and MATRIX_API_KEY, or run through sandbox/with")
local matrix = lmskit.matrix {
  base_url = real or (os.getenv "LMSKIT_SANDBOX_URL" .. "/matrix"),
  api_key = os.getenv "MATRIX_API_KEY" or CRED.matrix.api_key,
  ca_file = not real and os.getenv "LMSKIT_SANDBOX_CA" or nil,
}

local sync = matrix.sis_sync:begin_sync()
print(("sync %d: %s"):format(sync.sync_id, sync.status))
local operations = {}
for i = 1, 3 do
  operations[#operations + 1] = { action = "add", data = {
    id = "SIS-" .. (500 + i), email = ("learner%d@district.example"):format(i),
    name = { first = "Learner", last = tostring(i) },
    credentials = { district_username = "learner" .. (500 + i) },
  } }
end
matrix.sis_sync:sync_students(sync.sync_id, operations)
matrix.sis_sync:commit_sync(sync.sync_id, false)
local status = matrix.sis_sync:sync_status(sync.sync_id)
print(("sync %d: %s %s"):format(status.sync_id, status.status, status.error or ""))
