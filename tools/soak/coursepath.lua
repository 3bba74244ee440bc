--- Coursepath's part of tools/soak.lua, one workflow at a time
-- (--action, default enroll):
--   enroll    N rows into course 3: half new members by email (created by
--             POST /courses/3/members), half seeded members by member id
--   invite    N seeded members invited: a third to course 3, a third to
--             program 2 (found by email), a third to the academy
--   unenroll  N seeded members enrolled in course 3 removed: half by
--             member id, half by email
-- The state is read from the simulator without faults; for invitations
-- from its mail log (GET /_sandbox/coursepath/invites).
local lmskit = require "lmskit"
local sandbox = require "sandbox"

local M = { prefix = "/coursepath/api/v1/" }

M.client = sandbox.coursepath

local seed = sandbox.seed_members

-- Runs fn(i) for i = 1..n, 16 at a time (setup, before the faults).
local function each(n, fn)
  lmskit.run({ concurrency = 16 }, function(spawn)
    for i = 1, n do spawn(function() fn(i) end) end
  end)
end

local email = function(i) return ("seed%d@sandbox.example"):format(i) end

function M.rows(client, n, action)
  local rows = {}
  action = action or "enroll"
  if action == "enroll" then
    local ids = seed(math.floor(n / 2))
    for i = 1, n do
      rows[i] = i % 2 == 0 and { course_id = "3", member_id = tostring(ids[math.floor(i / 2)]) }
                or { course_id = "3", email = ("soak%d@school.example"):format(i), name = "Soak " .. i }
    end
  elseif action == "invite" then
    local ids = seed(n)
    each(n, function(i)
      if i % 3 == 1 then client.courses:enroll(3, ids[i])
      elseif i % 3 == 2 then client.programs:enroll(2, ids[i]) end
    end)
    for i = 1, n do
      rows[i] = i % 3 == 1 and { course_id = "3", member_id = tostring(ids[i]), mail_subject = "Welcome" }
                or i % 3 == 2 and { program_id = "2", email = email(i) }
                or { member_id = tostring(ids[i]) }
      rows[i].id = ids[i] -- for the judge; workflows ignore other columns
    end
  elseif action == "unenroll" then
    local ids = seed(n)
    each(n, function(i) client.courses:enroll(3, ids[i]) end)
    for i = 1, n do
      rows[i] = i % 2 == 0 and { course_id = "3", member_id = tostring(ids[i]) }
                or { course_id = "3", email = email(i) }
      rows[i].id = ids[i]
    end
  else
    error("coursepath soak: no action " .. tostring(action))
  end
  return rows
end

-- Members of course 3 by id, and member ids by email, with duplicates.
local function course_state(client)
  local in_course, id_of, extra = {}, {}, {}
  for m in client.courses:members(3) do in_course[m.id] = (in_course[m.id] or 0) + 1 end
  for m in client.members:list() do
    local e = m.email:lower()
    if id_of[e] then extra[e] = (extra[e] or 0) + 1 end
    id_of[e] = m.id
  end
  return in_course, id_of, extra
end

--- present[i]: how many times row i's effect is at the server (for
-- unenroll: 1 when the member is still enrolled, so "done" means 0).
function M.state(client, rows, action)
  local present = {}
  action = action or "enroll"
  if action == "invite" then
    local count = {}
    for _, inv in ipairs(sandbox.control("GET", "coursepath/invites").invites) do
      local k = inv.type .. ":" .. inv.memberId
      count[k] = (count[k] or 0) + 1
    end
    for i, row in ipairs(rows) do
      local kind = row.course_id and "course" or row.program_id and "program" or "member"
      present[i] = count[kind .. ":" .. row.id] or 0
    end
    return present
  end
  local in_course, id_of, extra = course_state(client)
  for i, row in ipairs(rows) do
    local id = row.id or tonumber(row.member_id) or id_of[row.email]
    present[i] = (id and in_course[id] or 0) + (row.email and extra[row.email] or 0)
  end
  return present
end

-- For unenroll the effect is an absence: done rows must be gone.
M.inverse = { unenroll = true }

return M
