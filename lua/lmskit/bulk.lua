--- Bulk jobs: a function run over many rows, concurrently, journaled and
-- resumable, with per-row results and progress.
--
--     local report = lmskit.bulk {
--       rows = "learners.csv", key = "email", journal = "enroll.journal",
--       concurrency = 16, results = "enroll-results.csv",
--       run = function(row) cp.courses:add_member(row.course_id, { email = row.email }) end,
--     }
--     print(report.ok, report.failed, report.skipped)
--
-- The journal gets one line per finished row, written through to the
-- kernel as the row completes (and fsynced in batches), keyed by the
-- row's identity.  Run the same job again with the same journal and rows
-- already done are skipped, rows that failed with a retryable error
-- (transport, timeout, rate limit, server) are tried again, and rows with
-- no line -- never started, or in flight when the process died -- are
-- run again.  A row's `run` must therefore be safe to repeat: the
-- ready-made workflows treat "already exists" as success, and a custom
-- `run` can look up before it creates.  Rows whose key appears twice in
-- one input run once.  A job whose rows mail people (`notifies = true`:
-- invitations) journals each row as started before it runs, and a rerun
-- never runs again a row that started and never finished: its mail may
-- have gone out.
-- @module lmskit.bulk
local core = require "lmskit.core"
local csv = require "lmskit.csv"
local json = require "lmskit.json"
local reconcile = require "lmskit.reconcile"
local backoff = require("lmskit.retry").backoff
local tasks = require "lmskit.tasks"

local bulk = {}

local RETRYABLE = { transport = true, timeout = true, rate_limited = true, server = true }

local function usage(message)
  error(core.error { kind = "usage", message = message }, 3)
end

-- The rows as an iterator, whatever was given.
local function row_source(rows)
  if type(rows) == "string" then return csv.rows(rows) end
  if type(rows) == "table" then
    local i = 0
    return function()
      i = i + 1
      local row = rows[i]
      if row ~= nil and type(row) ~= "table" then usage("bulk: rows[" .. i .. "] is not a table") end
      return row
    end
  end
  if type(rows) == "function" then return rows end
  usage("bulk: rows must be a CSV path, an array of tables or an iterator")
end

-- A function computing a row's identity from the `key` option: a column
-- name, several, or a function.  Default: every column, sorted by name.
local function key_function(key)
  if type(key) == "function" then return key end
  if type(key) == "string" then key = { key } end
  if type(key) == "table" then
    return function(row)
      local parts = {}
      for i, column in ipairs(key) do
        local v = row[column]
        if v == nil or v == "" then return nil, "column '" .. column .. "' is empty" end
        parts[i] = tostring(v)
      end
      return table.concat(parts, "\31")
    end
  end
  return function(row)
    local names = {}
    for k in pairs(row) do if type(k) == "string" then names[#names + 1] = k end end
    table.sort(names)
    local parts = {}
    for i, k in ipairs(names) do parts[i] = k .. "=" .. tostring(row[k]) end
    return table.concat(parts, "\31")
  end
end

-- Reads a journal: key -> the last record for it.  A torn last line (the
-- process died while writing it) is ignored: that row simply runs again.
local function read_journal(path)
  local done = {}
  local f = io.open(path, "rb")
  if not f then return done end
  for line in f:lines() do
    local record = json.decode(line)
    if type(record) == "table" and type(record.k) == "string" then done[record.k] = record end
  end
  f:close()
  return done
end

-- Result file writers: CSV (through libcsv's quoting) or JSON lines.
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

-- A done row: counted by how it was done (what `run` returned: created,
-- exists, updated, ...), and its result.
local function done_result(stats, n, key, value)
  local how = type(value) == "string" and value or nil
  if how then stats.how[how] = (stats.how[how] or 0) + 1 end
  return { row = n, key = key, outcome = "done", how = how }
end

-- Rows run at once: opts.workers (a batching workflow's rows wait for
-- their batch holding no call slot), else the concurrency.
local function worker_count(opts)
  return math.max(1, opts.workers or opts.concurrency or 16)
end

local function open_results(path)
  if not path then return nil end
  local f, err = io.open(path, "wb")
  if not f then usage("bulk: results file: " .. tostring(err)) end
  local jsonl = path:match("%.jsonl?$") ~= nil
  if not jsonl then
    local head = {}
    for i, c in ipairs(RESULT_COLUMNS) do head[i] = core.csv_quote(c) end
    f:write(table.concat(head, ","), "\r\n")
  end
  return {
    write = function(result)
      if jsonl then
        f:write(json.encode(result), "\n")
      else
        local fields = {}
        for i, c in ipairs(RESULT_COLUMNS) do
          local v = result[c]
          fields[i] = core.csv_quote(v == nil and "" or tostring(v))
        end
        f:write(table.concat(fields, ","), "\r\n")
      end
    end,
    close = function() f:close() end,
  }
end

-- Progress on stderr: a bar redrawn in place on a terminal, otherwise a
-- plain line every few seconds.
local function progress_reporter(enabled, total)
  if enabled == false then return { update = function() end, finish = function() end } end
  local tty = core.isatty(2)
  local started, last = core.now(), 0
  local function line(s)
    local elapsed = core.now() - started
    local rate = s.done / math.max(elapsed, 1e-3)
    local eta = ""
    if total and rate > 0 and s.done < total then
      local left = (total - s.done) / rate
      eta = (" ETA %d:%02d"):format(math.floor(left / 60), math.floor(left % 60))
    end
    local count = total and ("%d/%d"):format(s.done, total) or tostring(s.done)
    local bar = ""
    if tty and total and total > 0 then
      local width = 30
      local filled = math.floor(width * s.done / total)
      bar = "[" .. string.rep("=", filled) .. string.rep(" ", width - filled) .. "] "
    end
    local unknown = s.unknown > 0 and (" %d unknown"):format(s.unknown) or ""
    return ("%s%s rows  %.0f rows/s  %d failed%s%s"):format(bar, count, rate, s.failed, unknown, eta)
  end
  return {
    update = function(s)
      local now = core.now()
      if tty then
        if now - last >= 0.1 then
          io.stderr:write("\r", line(s), "\27[K")
          last = now
        end
      elseif now - last >= 2 then
        io.stderr:write(line(s), "\n")
        last = now
      end
    end,
    finish = function(s)
      io.stderr:write(tty and "\r" or "", line(s), tty and "\27[K\n" or "\n")
    end,
  }
end

-- Counts the data rows of a CSV file (for progress and ETA).
local function count_rows(rows)
  if type(rows) == "table" then return #rows end
  if type(rows) ~= "string" then return nil end
  local n = 0
  for _ in csv.rows(rows) do n = n + 1 end
  return n
end

--- Runs a bulk job; returns its report:
-- { total, ok, failed, unknown, skipped, seconds, results = path, failures = { ... },
--   how = { created = n, exists = n, ... } }
-- (ok counts the rows done, how the done rows by what `run` returned;
-- failures lists the failed and the unknown rows, a failed one with `fix`:
-- "input", "credentials" or "retry", what can help).
-- @param opts rows, run, key, journal, results, concurrency (16), retries
--   per row (3), dry_run, progress (nil: on for a terminal), sync_every (100),
--   notifies (rows mail people: journaled as started first), workers (rows
--   at once; default the concurrency: a batching workflow runs more)
function bulk.run(opts)
  if type(opts) ~= "table" then usage("bulk: options table expected") end
  if type(opts.run) ~= "function" then usage("bulk: run = function(row) ... end is required") end
  local key_of = key_function(opts.key)
  local done = opts.journal and read_journal(opts.journal) or {}
  local journal = opts.journal and not opts.dry_run and core.journal_open(opts.journal)
  local results = open_results(opts.results)
  local total = (opts.progress ~= false) and count_rows(opts.rows) or nil
  local progress = progress_reporter(opts.progress, total)
  local next_row = row_source(opts.rows)
  local retries = opts.retries or 3
  local sync_every = opts.sync_every or 100
  local seen = {}
  local stats = { done = 0, ok = 0, failed = 0, unknown = 0, skipped = 0, total = 0, failures = {}, how = {} }
  local unsynced, last_sync = 0, core.now()
  local number = 0
  local started = core.now()

  local function record(entry)
    if not journal then return end
    journal:append(json.encode(entry))
    unsynced = unsynced + 1
    if unsynced >= sync_every or core.now() - last_sync >= 1 then
      journal:sync()
      unsynced, last_sync = 0, core.now()
    end
  end

  local function finish(result)
    stats.done = stats.done + 1
    if results then results.write(result) end
    progress.update(stats)
  end

  -- Runs one row with row-level retries for retryable failures.
  local function run_row(row, n)
    local key, why = key_of(row)
    if not key then
      stats.failed = stats.failed + 1
      local failure = { row = n, outcome = "failed", kind = "usage", message = why or "the row has no key",
                        fix = "input" }
      stats.failures[#stats.failures + 1] = failure
      return finish(failure)
    end
    local previous = done[key]
    if seen[key] or (previous and (previous.s == "ok" or not previous.r)) then
      stats.skipped = stats.skipped + 1
      return finish { row = n, key = key, outcome = seen[key] and "duplicate" or "skipped",
                      message = previous and previous.s ~= "ok" and previous.m or nil }
    end
    seen[key] = true
    if opts.notifies then -- the outcome of a row that started and never finished is unknown
      record { k = key, s = "started", m = "started in a run that stopped before it finished; " ..
                                               "it may have been sent, so it is not sent again" }
    end
    local attempt, ok, value = 0
    while true do
      ok, value = tasks.pcall(opts.run, row) -- run yields: tasks.pcall allows it on Lua 5.1 too
      -- a write that may have happened was already looked up by the client
      -- (lmskit.reconcile): running the row again would send it blindly
      if ok or not (core.is_error(value) and RETRYABLE[value.kind]) or reconcile.unknown(value)
         or attempt >= retries then break end
      attempt = attempt + 1
      tasks.sleep(backoff(attempt))
    end
    if ok then
      stats.ok = stats.ok + 1
      record { k = key, s = "ok" }
      return finish(done_result(stats, n, key, value))
    end
    local err = core.is_error(value) and value or { kind = "error", message = tostring(value) }
    -- unknown: the row's write went out and its effect could not be
    -- established; never redone blindly (not even on a rerun)
    local outcome = reconcile.unknown(err) and "unknown" or "failed"
    stats[outcome] = stats[outcome] + 1
    record { k = key, s = outcome, r = outcome == "failed" and RETRYABLE[err.kind] or false,
             e = err.kind, m = err.message }
    local failure = { row = n, key = key, outcome = outcome, kind = err.kind, status = err.status,
                      code = err.code, message = err.message, fix = outcome == "failed" and fix_of(err) or nil }
    stats.failures[#stats.failures + 1] = failure
    return finish(failure)
  end

  local run_ok, run_err = pcall(tasks.run, { concurrency = opts.concurrency or 16 }, function(spawn)
    local workers = worker_count(opts)
    for _ = 1, workers do
      spawn(function()
        if opts.dry_run then tasks.current().dry_run = opts.dry_run end
        while true do
          local row = next_row()
          if row == nil then return end
          number = number + 1
          stats.total = stats.total + 1
          run_row(row, row[0] or number)
        end
      end)
    end
  end)
  if journal then journal:close() end
  if results then results.close() end
  progress.finish(stats)
  if not run_ok then error(run_err, 0) end
  stats.seconds = core.now() - started
  stats.results = opts.results
  return stats
end

return bulk
