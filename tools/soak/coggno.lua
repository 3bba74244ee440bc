--- Coggno's part of tools/soak.lua (--action, default enroll):
--   enroll    the workflow creates N users into a new group; one row in ten
--             names a user registered already (the create is refused with
--             422 and the workflow adds the user instead)
--   unenroll  N seeded users removed from a group (nine in ten were in it),
--             half by user id, half by login
--
-- Coggno itself refuses a second registration of a login and a group
-- holds a user once, so a duplicate write never shows as a second user;
-- it shows in the simulator's count of handled writes per login
-- (GET /_sandbox/coggno-test/writes): a new user's create handled twice,
-- or a registered user added twice, counts as a duplicate.
local lmskit = require "lmskit"
local sandbox = require "sandbox"

local M = { prefix = "/coggno-test/api/v1/", inverse = { unenroll = true } }

M.client = sandbox.coggno

local function login_of(row) return (row.login or row.email):lower() end

local function unenroll_rows(client, n)
  local seeded = sandbox.control("POST", "coggno-test/seed", { users = n })
  local group = client.groups:create { name = "Soak leavers " .. n }
  M.group = group.id
  local rows = {}
  lmskit.run({ concurrency = 16 }, function(spawn)
    for id = seeded.first_id, seeded.last_id do
      local k = id - seeded.first_id + 1
      if k % 10 ~= 0 then spawn(function() client.group_users:add(group.id, { id = id }) end) end
      rows[k] = k % 2 == 0 and { group_id = tostring(group.id), user_id = tostring(id) }
                           or { group_id = tostring(group.id), login = "seeduser" .. id }
      rows[k].id = id -- for the judge; workflows ignore other columns
    end
  end)
  return rows
end

function M.rows(client, n, action)
  if action == "unenroll" then return unenroll_rows(client, n) end
  assert(action == nil or action == "enroll", "coggno soak: action enroll or unenroll")
  local registered = math.floor(n / 10)
  local seeded = registered > 0 and sandbox.control("POST", "coggno-test/seed", { users = registered })
  local group = client.groups:create { name = "Soak " .. n }
  M.group = group.id
  M.new = {}
  local rows = {}
  for i = 1, n - registered do
    rows[i] = { group_id = tostring(group.id), email = ("soak%d@example.edu"):format(i),
                login = i % 2 == 0 and ("Soak%d"):format(i) or nil, -- the email is the login when none
                first_name = "Soak", last_name = tostring(i), password = "secret1" }
    M.new[i] = true
  end
  for id = seeded and seeded.first_id or 1, seeded and seeded.last_id or 0 do
    rows[#rows + 1] = { group_id = tostring(group.id), email = ("seeduser%d@example.com"):format(id),
                        login = "seeduser" .. id, first_name = "Seed", last_name = "User",
                        password = "secret1" }
  end
  return rows
end

-- How many times each row's effect is at the server (read without faults):
-- 1 when the user is in the group, plus every write handled once too often.
function M.state(client, rows, action)
  local in_group = {}
  for _, u in ipairs(client.group_users:list(M.group)) do
    local login = u.login:lower()
    in_group[login] = (in_group[login] or 0) + 1
  end
  if action == "unenroll" then -- 1 while the row's user is still in the group
    local present = {}
    for i, row in ipairs(rows) do present[i] = in_group["seeduser" .. row.id] or 0 end
    return present
  end
  local writes = sandbox.control("GET", "coggno-test/writes")
  local creates = writes.users or {}
  local adds = (writes.group_users or {})[tostring(M.group)] or {}
  local present = {}
  for i, row in ipairs(rows) do
    local login = login_of(row)
    local extra
    if M.new[i] then -- created once, never added
      extra = math.max(0, (creates[login] or 0) - 1) + (adds[login] or 0)
    else -- its create had no effect (422) and may be sent again; added once
      extra = math.max(0, (adds[login] or 0) - 1)
    end
    present[i] = (in_group[login] or 0) + extra
  end
  return present
end

return M
