--- CSV rows through libcsv (in the C core): quoted fields, embedded
-- commas, quotes and newlines, CRLF, a UTF-8 byte order mark.
--
--     for row in lmskit.csv.rows("learners.csv") do print(row.email) end
--
-- The first record names the columns; each row is a table keyed by those
-- names (surrounding spaces trimmed), with `row[0]` holding its record
-- number in the file (the header is record 1).
-- @module lmskit.csv
local core = require "lmskit.core"

local csv = {}

local function fail(message)
  error(core.error { kind = "decode", message = message }, 0)
end

--- Iterates the rows of a CSV file as tables keyed by the header.
function csv.rows(path)
  local reader = core.csv_open(path)
  local header = reader:next()
  if not header then
    reader:close()
    return function() return nil end
  end
  local seen = {}
  for i, name in ipairs(header) do
    name = name:match("^%s*(.-)%s*$")
    if name == "" then fail(("%s: column %d has no name"):format(path, i)) end
    if seen[name] then fail(("%s: column %q appears twice"):format(path, name)) end
    seen[name] = true
    header[i] = name
  end
  local finished = false
  return function()
    if finished then return nil end -- several workers may ask after the end
    local record = reader:next()
    if not record then
      finished = true
      reader:close()
      return nil
    end
    if #record > #header then
      fail(("%s: record %d has %d fields, the header names %d"):format(path, reader:number(), #record, #header))
    end
    local row = { [0] = reader:number() }
    for i, name in ipairs(header) do row[name] = record[i] end
    return row
  end
end

--- Reads every row into an array.
function csv.read(path)
  local rows = {}
  for row in csv.rows(path) do rows[#rows + 1] = row end
  return rows
end

return csv
