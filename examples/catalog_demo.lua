-- A real Catalog job against the sandbox (run by `make demo`):
-- create courses, register learners, enroll them, then list everything
-- back through paging and check nothing was lost or doubled.
--
--   sandbox/with lua5.4 examples/catalog_demo.lua
local clients = dofile "examples/clients.lua" -- this checkout's lmskit, each vendor's client
local core = require "lmskit.core"

local catalog = clients.catalog()

local COURSES, LEARNERS = 5, 300
local started = core.now()

local course_ids = {}
for i = 1, COURSES do
  local c = catalog.courses:create {
    title = ("Safety training %d"):format(i), description = "Mandatory yearly training",
    path = ("safety-%d-%d"):format(i, os.time()), teaser = "Stay safe", canvas_course_id = 5000 + i,
  }
  course_ids[#course_ids + 1] = c.id
end
print(("created %d courses: %s"):format(#course_ids, table.concat(course_ids, ", ")))

local enrolled, failed = 0, 0
for i = 1, LEARNERS do
  local user = catalog.user_registrations:create {
    name = ("Learner %d"):format(i), email = ("learner%d.%d@school.example"):format(i, os.time()),
  }
  local course = course_ids[(i - 1) % COURSES + 1]
  local ok, err = pcall(catalog.enrollments.create, catalog.enrollments,
    { listing_id = course, canvas_user_id = user.canvas_user_id })
  if ok then enrolled = enrolled + 1 else failed = failed + 1; print("  failed: " .. tostring(err)) end
end
print(("registered and enrolled %d learners (%d failed)"):format(enrolled, failed))

-- Read everything back, 50 a page, and count per course.
local per_course, pages_seen = {}, 0
for _, id in ipairs(course_ids) do
  local n = 0
  for _ in catalog.enrollments:list { listing_id = id, per_page = 50 } do n = n + 1 end
  per_course[#per_course + 1] = ("course %d: %d"):format(id, n)
  pages_seen = pages_seen + math.ceil(n / 50)
end
print("enrollments listed back: " .. table.concat(per_course, ", "))

-- A mistake a user makes, reported as a value with a kind and the vendor's message.
catalog.enrollments:create { listing_id = course_ids[1], canvas_user_id = 1 }
local _, err = pcall(catalog.enrollments.create, catalog.enrollments,
  { listing_id = course_ids[1], canvas_user_id = 1 })
print("a duplicate enrollment is refused: " .. tostring(err))

local seconds = core.now() - started
local calls = COURSES + 2 * LEARNERS + pages_seen + 2
print(("summary: %d courses, %d enrollments, %d failures, ~%d calls in %.2f s (%.0f calls/s)")
  :format(#course_ids, enrolled, failed, calls, seconds, calls / seconds))
os.exit((failed == 0 and enrolled == LEARNERS) and 0 or 1, true) -- a number: Lua 5.1 takes no boolean
