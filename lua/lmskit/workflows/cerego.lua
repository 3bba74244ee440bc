--- Cerego's workflow (see lmskit.workflows): courses.  A course's
-- natural key is its slug when the row gives one, else its name in its
-- partner; a course already there counts as done (`exists`).
-- @module lmskit.workflows.cerego
local tasks = require "lmskit.tasks"
local wf = require "lmskit.workflows.engine"

local M = {}

-- A partner id as the integer's digits ("021" and 21 are one partner).
local function partner_of(v)
  local n = tonumber(v)
  return n and n == math.floor(n) and ("%d"):format(n) or tostring(v)
end

-- The lower-cased names of a partner's courses -> how many, read once per
-- job and partner before the job's first create there (the API has no
-- look-up by name).  Tasks of the same partner wait for the one reading.
-- Only courses there before the job are read: a row's own create is
-- settled through the create's declared look-up, never through this.
local function names_of(client, job, partner)
  job.cerego_names = job.cerego_names or {}
  local cache = job.cerego_names
  local entry = cache[partner]
  if entry then
    while entry.loading do tasks.sleep(0.01) end
    if entry.names then return entry.names end
  end
  entry = { loading = true }
  cache[partner] = entry
  local ok, err = tasks.pcall(function()
    local names = {}
    for c in client.courses:list { filter = { partner_id = partner }, page = { size = 100 } } do
      local name = tostring(c.name):lower()
      names[name] = (names[name] or 0) + 1
    end
    entry.names = names
  end)
  entry.loading = false
  if not ok then
    cache[partner] = nil
    error(err, 0)
  end
  return entry.names
end

local function create(row)
  local fields = { name = row.name, partner_id = wf.int(row.partner_id) }
  if wf.present(row.description) then fields.description = row.description end
  if wf.present(row.slug) then fields.slug = row.slug end
  return { resource = "courses", action = "create", fields = fields }
end

M.courses = {
  summary = "create courses: name, partner_id (+description, slug); a course already there " ..
            "(same slug, or without one the same name in the partner) counts as done",
  required = { "name", "partner_id" },
  key = function(row)
    if wf.present(row.slug) then return "slug\31" .. row.slug end
    return row.name and row.partner_id and
      ("name\31" .. tostring(row.name):lower() .. "\31" .. partner_of(row.partner_id))
  end,
  run = function(client, row, job)
    local name = wf.need(row, "name")
    local partner = partner_of(wf.need(row, "partner_id"))
    -- with a slug, Cerego refuses a second course: the refusal is settled
    -- through the look-up by slug (same name and partner: exists)
    if not wf.present(row.slug) and names_of(client, job, partner)[name:lower()] then return "exists" end
    return (wf.write(client, create(row)))
  end,
  verify = function(client, row) return wf.check(client, create(row)) end,
}

return M
