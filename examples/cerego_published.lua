-- Cerego: list the published courses with their images.
--
--   sandbox/with lua5.4 examples/cerego_published.lua
--
-- Against Cerego set CEREGO_TOKEN (and CEREGO_ENV = production | stable |
-- testing); otherwise it talks to the sandbox.
local clients = dofile "examples/clients.lua" -- this checkout's lmskit, each vendor's client

local cerego = clients.cerego()

local n = 0
for course in cerego.courses:list { filter = { state = "published" }, sort = "name" } do
  n = n + 1
  print(("%-8s %-60s %s"):format(course.id, course.name:sub(1, 60), course.image and course.image.url or "(no image)"))
end
print(n .. " published courses")
