-- Cerego: list the published courses with their images.
--
--   sandbox/with lua5.4 examples/cerego_published.lua
--
-- Against Cerego set CEREGO_TOKEN (and CEREGO_ENV = production | stable |
-- testing); otherwise it talks to the sandbox.
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/" .. (rawget(_G, "jit") and "luajit" or _VERSION:sub(5)) .. "/?.so;" .. package.cpath
local lmskit = require "lmskit"
local CRED = require "lmskit.sandbox_credentials" -- the sandbox's test credentials
assert(os.getenv "LMSKIT_SANDBOX_URL" or os.getenv "COURSEPATH_ACADEMY_URL" or os.getenv "COGGNO_API_KEY"
  or os.getenv "CEREGO_TOKEN",
  "set the vendor variables named above, or run through sandbox/with")

local token = os.getenv "CEREGO_TOKEN"
local cerego = lmskit.cerego {
  token = token or CRED.cerego.token,
  env = os.getenv "CEREGO_ENV",
  base_url = not token and (os.getenv "LMSKIT_SANDBOX_URL" .. "/cerego") or nil,
  ca_file = not token and os.getenv "LMSKIT_SANDBOX_CA" or nil,
}

local n = 0
for course in cerego.courses:list { filter = { state = "published" }, sort = "name" } do
  n = n + 1
  print(("%-8s %-60s %s"):format(course.id, course.name:sub(1, 60), course.image and course.image.url or "(no image)"))
end
print(n .. " published courses")
