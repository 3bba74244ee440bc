--- Cerego's part of tools/soak.lua: create N courses with the `courses`
-- workflow.  Nine rows in ten carry a slug (the natural key, read back by
-- GET /courses/<slug>); every tenth has none, so it is keyed by its name
-- in its partner (read back from the partner's list), spread over four
-- partners.
local M = { prefix = "/cerego/api/v3/", action = "courses" }

M.client = require("sandbox").cerego

function M.rows(_, n)
  local rows = {}
  for i = 1, n do
    if i % 10 == 0 then
      rows[i] = { name = "Soak course " .. i, partner_id = ("%d"):format(100 + math.floor(i / 10) % 4) }
    else
      rows[i] = { name = "Soak " .. i, partner_id = "21", slug = "soak-" .. i, description = "row " .. i }
    end
  end
  return rows
end

-- How many courses carry each row's name in its partner (read without
-- faults): a second course of a row, slug or not, counts as a duplicate.
function M.state(client, rows)
  local count = {}
  for c in client.courses:list { page = { size = 100 } } do
    local key = c.name:lower() .. "\31" .. tostring(c.partner.id)
    count[key] = (count[key] or 0) + 1
  end
  local present = {}
  for i, row in ipairs(rows) do present[i] = count[row.name:lower() .. "\31" .. row.partner_id] or 0 end
  return present
end

return M
