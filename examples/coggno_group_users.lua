-- Coggno: create a group and create users into it.
--
--   sandbox/with lua5.4 examples/coggno_group_users.lua
--
-- Against Coggno set COGGNO_API_KEY (test_... or live_...); otherwise it
-- talks to the sandbox's test host.
local clients = dofile "examples/clients.lua" -- this checkout's lmskit, each vendor's client
local lmskit = clients.lmskit

local coggno = clients.coggno()

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
