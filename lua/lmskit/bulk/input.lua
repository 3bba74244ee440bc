--- The input of a bulk job, read whole and checked before the first
-- write: a job whose input is bad sends nothing.
--
-- Checked: the CSV itself (malformed quotes, a quoted field never closed,
-- more fields than the header names: each with its line), text that is
-- not UTF-8 (or, with `encoding = "latin1"`, every field converted from
-- Latin-1), the columns the job declares (`required = { "listing_id" }`:
-- each present in the header and given on every row; `one_of =
-- { { "canvas_user_id", "email" } }`: at least one of each group), every
-- row's key, and keys given twice.  Problems are listed with their lines,
-- up to 20, in one usage error.
-- @module lmskit.bulk.input
local core = require "lmskit.core"
local csv = require "lmskit.csv"
local secret_column = require("lmskit.secret_names").is_secret

local input = {}

--- Problems listed in the error; the rest are counted.
input.MAX_LISTED = 20

local ENCODINGS = { ["utf-8"] = "utf8", utf8 = "utf8", latin1 = "latin1", ["latin-1"] = "latin1",
                    ["iso-8859-1"] = "latin1" }

local usage = require("lmskit.usage").raise

-- Latin-1 text as UTF-8 (every byte is the code point of its value).
local function from_latin1(s)
  return (s:gsub("[\128-\255]", function(c)
    local b = c:byte()
    return string.char(0xC0 + math.floor(b / 64), 0x80 + b % 64)
  end))
end

-- The rows as an array and where each starts (a CSV line, or the index in
-- a table or iterator), plus the CSV's columns.  Problems found reading
-- go to `problem(line, text)`; a malformed CSV stops the reading there.
local function read_rows(rows, problem)
  local out, lines = {}, {}
  if type(rows) == "string" then
    local ok, err = pcall(function()
      local header, next_row = csv.open(rows, problem)
      out.columns = header
      for row, line in next_row do
        out[#out + 1] = row
        lines[#out] = line
      end
    end)
    if not ok then
      if not (core.is_error(err) and err.kind == "decode") then error(err, 0) end
      local line, text = err.message:match(":%s*line (%d+): (.*)$")
      if line then problem(tonumber(line), text) else problem(0, err.message) end
    end
    return out, lines
  end
  local next_row
  if type(rows) == "table" then
    local i = 0
    next_row = function() i = i + 1; return rows[i] end
  elseif type(rows) == "function" then
    next_row = rows
  else
    usage("bulk: rows must be a CSV path, an array of tables or an iterator")
  end
  while true do
    local row = next_row()
    if row == nil then break end
    if type(row) ~= "table" then usage("bulk: rows[" .. (#out + 1) .. "] is not a table") end
    out[#out + 1] = row
    lines[#out] = row[0] or #out
  end
  return out, lines
end

-- Checks (or converts) the text of every field and column name.
local function check_text(data, lines, encoding, problem)
  if encoding == "latin1" then
    for i, name in ipairs(data.columns or {}) do data.columns[i] = from_latin1(name) end
    for _, row in ipairs(data) do
      local converted = {}
      for k, v in pairs(row) do
        if type(v) == "string" then converted[k] = from_latin1(v) end
      end
      for k, v in pairs(converted) do row[k] = v end
    end
    return
  end
  local hint = " (save it as UTF-8, or pass encoding = \"latin1\" / --encoding latin1 if it is Latin-1)"
  for _, name in ipairs(data.columns or {}) do
    if core.utf8_invalid(name) then problem(1, ("column name %q is not UTF-8%s"):format(name, hint)) end
  end
  for i, row in ipairs(data) do
    local bad = {}
    for k, v in pairs(row) do
      if type(v) == "string" and type(k) == "string" and core.utf8_invalid(v) then bad[#bad + 1] = k end
    end
    table.sort(bad)
    for _, k in ipairs(bad) do
      local shown = secret_column(k) and "" or (": \"" .. row[k]:gsub("[\128-\255]", function(c)
        return ("\\x%02X"):format(c:byte())
      end) .. "\"")
      problem(lines[i], ("column '%s' is not UTF-8%s%s"):format(k, shown, hint))
    end
  end
end

local function given(v) return v ~= nil and v ~= "" end

local function quoted(names)
  local q = {}
  for i, n in ipairs(names) do q[i] = "'" .. n .. "'" end
  return table.concat(q, ", ")
end

-- Checks the declared columns: in the CSV's header, then on every row.
-- Returns a set of rows (by index) that have problems.
local function check_schema(data, lines, required, one_of, problem)
  local bad_rows = {}
  local columns
  if data.columns then
    columns = {}
    for _, name in ipairs(data.columns) do columns[name] = true end
  end
  local missing = false
  for _, name in ipairs(required) do
    if columns and not columns[name] then
      problem(1, ("column '%s' is required and the header has no such column (it has: %s)"):format(
        name, quoted(data.columns)))
      missing = true
    end
  end
  for _, group in ipairs(one_of) do
    local any = not columns
    for _, name in ipairs(group) do any = any or columns[name] end
    if not any then
      problem(1, ("one of the columns %s is required and the header has none of them (it has: %s)"):format(
        quoted(group), quoted(data.columns)))
      missing = true
    end
  end
  if missing then return bad_rows, true end -- every row would say the same
  for i, row in ipairs(data) do
    for _, name in ipairs(required) do
      if not given(row[name]) then
        problem(lines[i], ("column '%s' is empty"):format(name))
        bad_rows[i] = true
      end
    end
    for _, group in ipairs(one_of) do
      local any = false
      for _, name in ipairs(group) do any = any or given(row[name]) end
      if not any then
        problem(lines[i], ("one of %s must be given"):format(quoted(group)))
        bad_rows[i] = true
      end
    end
  end
  return bad_rows, false
end

-- Computes every row's key; lists rows without one and keys given twice
-- (`unit`: "line" or "row", how the rows are numbered).  When no row has
-- a key, that is one problem, naming the key's columns (when the key is
-- columns) and the columns the CSV has.
local function check_keys(data, lines, key_of, bad_rows, unit, problem, key_option)
  local keys, first, keyless = {}, {}, {}
  local names = type(key_option) == "string" and { key_option } or type(key_option) == "table" and key_option or nil
  local has = (names and (" (the key: " .. quoted(names) .. ")") or "") ..
              (data.columns and (" (the CSV's columns: " .. quoted(data.columns) .. ")") or "")
  for i, row in ipairs(data) do
    if not bad_rows[i] then
      local key, why = key_of(row)
      if key == nil then
        keyless[#keyless + 1] = { lines[i], why or "the row has no key: its key columns are empty or missing" .. has }
      elseif first[key] then
        problem(lines[i], ("the same key as %s %s: each row must be a different one"):format(
          unit, tostring(lines[first[key]])))
      else
        first[key] = i
      end
      keys[i] = key
    end
  end
  if #keyless > 1 and #keyless == #data then
    problem(1, "no row has a key: its key columns are missing or empty" .. has)
  else
    for _, k in ipairs(keyless) do problem(k[1], k[2]) end
  end
  return keys
end

--- Reads and checks the job's rows.  Returns { rows, lines, keys,
-- columns, path }; raises one usage error listing the problems (up to
-- input.MAX_LISTED) when there is any.
-- @param opts rows, encoding, required, one_of
-- @param key_of function(row) -> key or nil, why
function input.load(opts, key_of)
  local encoding = ENCODINGS[(opts.encoding or "utf8"):lower()]
  if not encoding then
    usage(("bulk: encoding %q: use \"utf8\" or \"latin1\""):format(tostring(opts.encoding)))
  end
  local problems = {}
  local function problem(line, text)
    problems[#problems + 1] = { line = line, text = text, n = #problems + 1 }
  end
  local data, lines = read_rows(opts.rows, problem)
  check_text(data, lines, encoding, problem)
  local bad_rows, header_bad = check_schema(data, lines, opts.required or {}, opts.one_of or {}, problem)
  local unit = type(opts.rows) == "string" and "line" or "row"
  local keys = {}
  if not header_bad then keys = check_keys(data, lines, key_of, bad_rows, unit, problem, opts.key) end
  if #problems > 0 then
    table.sort(problems, function(a, b)
      if a.line ~= b.line then return a.line < b.line end
      return a.n < b.n
    end)
    local where = type(opts.rows) == "string" and opts.rows or "the rows"
    local text = { ("bulk: %d problem%s in %s; nothing was sent:"):format(
      #problems, #problems == 1 and "" or "s", where) }
    for i = 1, math.min(#problems, input.MAX_LISTED) do
      local p = problems[i]
      text[#text + 1] = ("  %s %d: %s"):format(unit, p.line, p.text)
    end
    if #problems > input.MAX_LISTED then
      text[#text + 1] = ("  ... and %d more"):format(#problems - input.MAX_LISTED)
    end
    usage(table.concat(text, "\n"))
  end
  local rows = {}
  for i, row in ipairs(data) do rows[i] = row end
  return { rows = rows, lines = lines, keys = keys, columns = data.columns,
           path = type(opts.rows) == "string" and opts.rows or nil }
end

return input
