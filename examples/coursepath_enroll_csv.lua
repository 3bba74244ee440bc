-- Coursepath: create members from a CSV file and enroll them into a course.
--
--   sandbox/with lua5.4 examples/coursepath_enroll_csv.lua [examples/data/learners.csv] [course id]
--
-- Against a real academy set COURSEPATH_ACADEMY_URL, COURSEPATH_SECRET and
-- COURSEPATH_EMAIL (an admin); otherwise it talks to the sandbox.
local clients = dofile "examples/clients.lua" -- this checkout's lmskit, each vendor's client
local lmskit = clients.lmskit

local cp = clients.coursepath()

local path = arg[1] or "examples/data/learners.csv"
local course = tonumber(arg[2] or "1")
local done, failed = 0, 0
for row in lmskit.csv.rows(path) do
  local fields = { email = row.email, department = row.department, country = row.country }
  if row.name ~= "" then fields.name = row.name end
  -- creates the member (or finds her by email) and adds her to the course as learner
  local ok, member = pcall(cp.courses.add_member, cp.courses, course, fields)
  if ok then
    done = done + 1
    print(("enrolled %-28s as member %s"):format(member.email, tostring(member.id)))
  else
    failed = failed + 1
    print(("row %d (%s): %s"):format(row[0], row.email, tostring(member)))
  end
end
local total = 0
for _ in cp.courses:members(course) do total = total + 1 end
print(("%d enrolled, %d failed; course %d now has %d members"):format(done, failed, course, total))
os.exit(failed == 0 and 0 or 1, true) -- a number: Lua 5.1 takes no boolean
