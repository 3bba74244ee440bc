-- Coggno: create a group and create users into it.
--
--   sandbox/with lua5.4 examples/coggno_group_users.lua
--
-- Against Coggno set COGGNO_API_KEY (test_... or live_...); otherwise it
-- talks to the sandbox's test host.
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/" .. (rawget(_G, "jit") and "luajit" or _VERSION:sub(5)) .. "/?.so;" .. package.cpath
local lmskit = require "lmskit"
local CRED = require "lmskit.sandbox_credentials" -- the sandbox's test credentials
assert(os.getenv "LMSKIT_SANDBOX_URL" or os.getenv "COURSEPATH_ACADEMY_URL" or os.getenv "COGGNO_API_KEY"
  or os.getenv "CEREGO_TOKEN",
  "set the vendor variables named above, or run through sandbox/with")

local key = os.getenv "COGGNO_API_KEY"
local coggno = lmskit.coggno {
  api_key = key or CRED.coggno.api_key,
  base_url = not key and (os.getenv "LMSKIT_SANDBOX_URL" .. "/coggno-test") or nil,
  ca_file = not key and os.getenv "LMSKIT_SANDBOX_CA" or nil,
}

local group = coggno.groups:create { name = "New hires " .. os.date("!%Y-%m-%d"), description = "Onboarding" }
print(("group %d: %s"):format(group.id, group.name))
for i = 1, 5 do
  local ok, user = pcall(coggno.users.create, coggno.users, {
    email = ("hire%d@company.example"):format(i), first_name = "Hire", last_name = tostring(i),
    password = "welcome-" .. i, group_id = group.id,
  })
  if ok then
    print(("  created %s (id %d)"):format(user.login, user.id))
  elseif lmskit.is_error(user) and user.status == 422 and pcall(coggno.users.get, coggno.users,
                                                               ("hire%d@company.example"):format(i)) then
    -- the doc: an already registered user "returns a validation error 422"
    print("  already registered: hire" .. i) -- treated as done
  else
    error(user, 0)
  end
end
print(("group %d has %d users"):format(group.id, #coggno.group_users:list(group.id)))
