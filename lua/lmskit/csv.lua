--- CSV rows through libcsv (in the C core): quoted fields, embedded
-- commas, quotes and newlines, CRLF, a UTF-8 byte order mark.
--
--     for row in lmskit.csv.rows("learners.csv") do print(row.email) end
--
-- The first record names the columns; each row is a table keyed by those
-- names (surrounding spaces trimmed), with `row[0]` holding its record
-- number in the file (the header is record 1).  Errors name the line a
-- record starts on (a quoted field may span lines): a stray quote, a
-- quoted field never closed, more fields than the header names.
-- @module lmskit.csv
local core = require "lmskit.core"

local csv = {}

local function fail(message)
  error(core.error { kind = "decode", message = message }, 0)
end

--- Opens a CSV file: returns its column names (trimmed, checked: none
-- empty, none twice) and an iterator over its rows.  The iterator
-- returns each row and the line it starts on; a record with more fields
-- than the header names raises a decode error, or, when `on_problem` is
-- given, is reported as on_problem(line, message) and left out.
-- Malformed quotes raise a decode error naming their line.
function csv.open(path, on_problem)
  local reader = core.csv_open(path)
  local header = reader:next()
  if not header then
    reader:close()
    return {}, function() return nil end
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
  local function next_row()
    if finished then return nil end -- several workers may ask after the end
    local ok, record = pcall(reader.next, reader)
    if not ok then
      finished = true
      reader:close()
      if core.is_error(record) then record.message = path .. ": " .. record.message end
      error(record, 0)
    end
    if not record then
      finished = true
      reader:close()
      return nil
    end
    local line = reader:line()
    if #record > #header then
      local message = ("line %d: %d fields, the header names %d"):format(line, #record, #header)
      if not on_problem then fail(path .. ": " .. message) end
      on_problem(line, message)
      return next_row()
    end
    local row = { [0] = reader:number() }
    for i, name in ipairs(header) do row[name] = record[i] end
    return row, line
  end
  return header, next_row
end

--- Iterates the rows of a CSV file as tables keyed by the header.
function csv.rows(path)
  local _, rows = csv.open(path)
  return rows
end

--- Reads every row into an array.
function csv.read(path)
  local rows = {}
  for row in csv.rows(path) do rows[#rows + 1] = row end
  return rows
end

return csv
