-- MATRIX: an SIS sync -- begin, send learners, commit, check the status.
--
--   sandbox/with lua5.4 examples/matrix_sis_sync.lua
local clients = dofile "examples/clients.lua" -- this checkout's lmskit, each vendor's client

local matrix = clients.matrix()

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
