--- The results of a bulk job, one row each: a row's result as the
-- report's failures list it and the results file holds it (the `results`
-- option: CSV, or JSON lines for a path ending in .jsonl or .json), in the
-- columns row, key, outcome, how, fix, kind, status, code, message.
--
-- A row's error is shown with the values of its secret columns masked
-- (lmskit.secret_names), and a failed row says what can help (`fix`).
-- The file is readable by its owner only.
-- @module lmskit.bulk.results
local core = require "lmskit.core"
local json = require "lmskit.json"
local secret_names = require "lmskit.secret_names"
local journals = require "lmskit.bulk.journal"

local results = {}

local usage = require("lmskit.usage").raise

-- The columns of a results file, in order.
local RESULT_COLUMNS = { "row", "key", "outcome", "how", "fix", "kind", "status", "code", "message" }

-- What can help a failed row, by the kind of its error (an error may say
-- it itself: err.fix): fixing the input, the credentials, or trying again.
local FIX = {
  validation = "input", not_found = "input", usage = "input",
  auth = "credentials", forbidden = "credentials",
  transport = "retry", timeout = "retry", server = "retry", rate_limited = "retry",
}

local function fix_of(err)
  return err.fix or FIX[err.kind]
end

--- An error as a row may report it: its message and code with the values
-- of the row's secret columns (`hidden`, secret_names.values_of) masked
-- (a server, or a run function, may repeat the row's password).
function results.hide_error(err, hidden)
  if type(err) ~= "table" then return err end
  return { kind = err.kind, status = err.status, url = err.url, sent = err.sent, looked_up = err.looked_up,
           code = secret_names.hide(err.code, hidden), message = secret_names.hide(err.message, hidden) }
end

--- What a row raised, as an error: a Lua error (a bug in `run`, a string)
-- becomes one of kind "error"; and the same with the row's secrets hidden.
function results.error_of(value, row)
  local err = core.is_error(value) and value or { kind = "error", message = tostring(value) }
  return err, results.hide_error(err, secret_names.values_of(row))
end

--- The result of row `n` (key `key`) that ended "failed" or "unknown"
-- with `err` (`shown`: the same, secrets hidden; results.error_of); a
-- failed one says what can help (`fix`).
function results.failure(n, key, outcome, err, shown)
  return { row = n, key = key, outcome = outcome, kind = err.kind, status = err.status,
           code = shown.code, message = shown.message, fix = outcome == "failed" and fix_of(err) or nil }
end

-- A value as a results file shows it: printable text only.  The parts of
-- a key made of several columns (kept apart by the byte 0x1F inside) are
-- joined by "|"; any other control byte (a newline in a vendor's message)
-- is written as \n, \r, \t or \xHH.
local ESCAPES = { ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t", ["\31"] = "|" }
local function printable(v)
  if type(v) ~= "string" then return v end
  return (v:gsub("%c", function(c) return ESCAPES[c] or ("\\x%02X"):format(c:byte()) end))
end

-- A writer of results to the open file `f`: JSON lines, or CSV (through
-- libcsv's quoting) after its header.
local function writer(f, jsonl)
  if not jsonl then
    local head = {}
    for i, c in ipairs(RESULT_COLUMNS) do head[i] = core.csv_quote(c) end
    f:write(table.concat(head, ","), "\r\n")
  end
  return {
    write = function(result)
      local shown = {}
      for k, v in pairs(result) do shown[k] = printable(v) end
      if jsonl then
        f:write(json.encode(shown), "\n")
      else
        local fields = {}
        for i, c in ipairs(RESULT_COLUMNS) do
          local v = shown[c]
          fields[i] = core.csv_quote(v == nil and "" or tostring(v))
        end
        f:write(table.concat(fields, ","), "\r\n")
      end
    end,
    close = function() f:close() end,
  }
end

--- Opens the results file at `path` (nil: none, returns nil).  It is made
-- anew, readable by its owner only (0600): the old file is removed,
-- created through the core (open(2) with mode 0600, which io.open cannot
-- ask), then opened for writing; a file that still lets others read it
-- (it could not be removed) is refused.  Returns an object:
-- r.write(result), r.close().
function results.open(path)
  if not path then return nil end
  if type(path) ~= "string" then usage("bulk: results must be a file path") end
  os.remove(path)
  local created = pcall(function() core.journal_open(path):close() end)
  local f, err = io.open(path, "wb")
  if not f then usage("bulk: results file: " .. tostring(err)) end
  if not created or journals.shared_mode(path) then
    f:close()
    usage(("bulk: results file %s is readable by other users; remove it or run: chmod 600 %s")
      :format(path, path))
  end
  return writer(f, path:match("%.jsonl?$") ~= nil)
end

return results
