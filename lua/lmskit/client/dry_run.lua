--- Dry runs: a call made in a task whose job is a dry run (bulk's
-- `dry_run`) is printed, or handed to the job's sink, instead of sent.
-- @module lmskit.client.dry_run
local core = require "lmskit.core"
local json = require "lmskit.json"
local secret_names = require "lmskit.secret_names"
local tasks = require "lmskit.tasks"

local dry_run = {}

-- Values of secret-named fields (lmskit.secret_names) never appear in a
-- dry run's printed calls: bodies and queries are printed masked.
local masked = secret_names.masked
local MASK = "lmskitMASKEDvalue" -- survives URL encoding (no magic characters), then reads [REDACTED]

-- What a call returns in a dry run: any field reads as 0, so a job's
-- next call (which needs an id) can still be checked and printed.
local DRY_RESULT = setmetatable({}, { __index = function() return 0 end })

--- The dry-run sink of the running task (bulk's dry_run), if any.
function dry_run.sink()
  local task = tasks.current()
  return task and task.dry_run
end

--- Prints (or hands to the sink) the call instead of sending it; returns
-- what `send` returns in a dry run.  `path` is the request path (the
-- call's URL and the client's redaction).
function dry_run.print(path, sink, method, spec)
  local shown = spec
  if spec.query ~= nil then
    shown = {}
    for k, v in pairs(spec) do shown[k] = v end
    shown.query = masked(spec.query, MASK)
  end
  local line = method .. " " .. path:url_of(shown)
  if spec.json ~= nil then
    line = line .. " " .. json.encode(masked(spec.json))
  elseif spec.form ~= nil then
    line = line .. " " .. core.encode_query(masked(spec.form, MASK))
  end
  line = path.core:redact((line:gsub(MASK, "[REDACTED]")))
  if type(sink) == "function" then sink(line) else io.stdout:write(line, "\n") end
  return DRY_RESULT, {}, 0
end

return dry_run
