-- MATRIX: grades from a CSV file into an assignment, 100 rows a call.
--
--   sandbox/with lua5.4 examples/matrix_grades_csv.lua [examples/data/grades.csv] [assignment id]
--
-- Grades are sent exactly as written: letter grades (B+), numbers (3.1),
-- percentages (15%), blanks (clears the grade) and X/M/I/AB.  Against a
-- real site set MATRIX_URL and MATRIX_API_KEY.
local clients = dofile "examples/clients.lua" -- this checkout's lmskit, each vendor's client
local lmskit = clients.lmskit

local matrix = clients.matrix()

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
