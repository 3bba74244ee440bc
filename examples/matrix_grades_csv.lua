-- MATRIX: grades from a CSV file into an assignment, 100 rows a call.
--
--   sandbox/with lua5.4 examples/matrix_grades_csv.lua [examples/data/grades.csv] [assignment id]
--
-- Grades are sent exactly as written: letter grades (B+), numbers (3.1),
-- percentages (15%), blanks (clears the grade) and X/M/I/AB.  Against a
-- real site set MATRIX_URL and MATRIX_API_KEY.
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

local path, assignment = arg[1] or "examples/data/grades.csv", tonumber(arg[2] or "1")
local batch, sent = {}, 0
local function flush()
  if #batch == 0 then return end
  matrix.grades:set_grades_for_assignment(assignment, batch)
  sent = sent + #batch
  batch = {}
end
for row in lmskit.csv.rows(path) do
  batch[#batch + 1] = { user_id = row.user_id, grade = row.grade }
  if #batch == 100 then flush() end
end
flush()
print(("%d grades set on assignment %d"):format(sent, assignment))
