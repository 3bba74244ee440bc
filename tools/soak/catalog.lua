--- Canvas Catalog's part of tools/soak.lua: register and enroll N learners
-- by email into listing 1.
local sandbox = require "sandbox"

local M = { prefix = "/catalog/api/v1/" }

M.client = sandbox.catalog

function M.rows(_, n)
  local rows = {}
  for i = 1, n do
    rows[i] = { listing_id = "1", email = ("soak%d@example.edu"):format(i), name = "Soak " .. i }
  end
  return rows
end

-- Enrollments of each row's user in listing 1 (read without faults).
function M.state(client, rows)
  local user_of, regs = {}, {}
  for reg in client.user_registrations:list { per_page = 100 } do
    local email = reg.email:lower()
    regs[email] = (regs[email] or 0) + 1
    user_of[email] = reg.canvas_user_id
  end
  local count = {}
  for e in client.enrollments:list { listing_id = 1, per_page = 100 } do
    count[e.user.id] = (count[e.user.id] or 0) + 1
  end
  local present = {}
  for i, row in ipairs(rows) do
    local user = user_of[row.email]
    -- a second registration of the same email counts as a duplicate too
    present[i] = (user and count[user] or 0) + math.max(0, (regs[row.email] or 0) - 1)
  end
  return present
end

return M
