--- Shared by the bulk and command-line specs: temporary files, a Catalog
-- enrollment CSV, and the simulator's count of enrollments.
local sandbox = require "sandbox"
local json = require "lmskit.json"
local files = require "support.files"

local M = {}

--- A path for a new temporary file (not created), ending in suffix.
M.tmp = files.fresh_path

--- Writes text to a new temporary file (".csv" unless suffix); its path.
function M.write(text, suffix)
  return files.with(text, suffix or ".csv")
end

--- A file's bytes.
M.read = files.read

--- A Catalog enrollment CSV: listing 1, canvas users first..last.
function M.enroll_csv(first, last)
  local lines = { "listing_id,canvas_user_id" }
  for i = first, last do lines[#lines + 1] = "1," .. i end
  return M.write(table.concat(lines, "\r\n") .. "\r\n")
end

--- canvas_user_id -> enrollments in listing 1, and their total (the
-- simulator's word).
function M.enrollments()
  local counts, total = {}, 0
  for e in sandbox.catalog().enrollments:list { listing_id = 1, per_page = 100 } do
    counts[e.user.id] = (counts[e.user.id] or 0) + 1
    total = total + 1
  end
  return counts, total
end

--- A JSON-lines results file as an array of tables.
function M.results(path)
  local out = {}
  for line in io.lines(path) do out[#out + 1] = assert(json.decode(line), line) end
  return out
end

return M
