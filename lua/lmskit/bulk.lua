--- Bulk jobs: a function run over many rows, concurrently, journaled and
-- resumable, with per-row results and progress.  Its report is the truth.
--
--     local report = lmskit.bulk {
--       rows = "learners.csv", key = "email", journal = "enroll.journal",
--       concurrency = 16, results = "enroll-results.csv",
--       run = function(row) cp.courses:add_member(row.course_id, { email = row.email }) end,
--     }
--     print(report.ok, report.failed, report.unknown, report.skipped, report.complete)
--
-- Before the first write the whole input is read and checked
-- (lmskit.bulk.input): a malformed CSV, text that is not UTF-8, a
-- `required` or `one_of` column missing or empty, a row without a key,
-- a key given twice -- each listed with its line, and nothing is sent.
--
-- Every row ends in one outcome: "done", with `how` (what `run`
-- returned: "created", "exists", "absent", ...; "verified" when a
-- look-up found it done), "skipped" (an earlier run did it), "failed"
-- (with the vendor's reason and `fix`, what can help: "input",
-- "credentials" or "retry"), "unknown" (a write went out and its effect
-- could not be established) or "untouched" (the job stopped before it).
--
-- The journal (lmskit.bulk.journal) is locked by one job at a time and
-- tied to its job (vendor, workflow, CSV).  Each row is journaled as
-- started before its first call, then with its outcome and a hash of its
-- content.  A rerun with the same journal:
--   * skips a row done with the same content ("skipped done");
--   * redoes a row done whose content changed since ("redone changed");
--   * runs again every failed row ("retried failed");
--   * settles every unknown row -- unknown, or started and never
--     finished -- before running it ("retried unknown"): when the job
--     gives `verify(row)` -> "done" | "absent" | nil, a row found done is
--     journaled done without being sent ("verified done") and one found
--     absent runs; without an answer, a row whose write notifies people
--     (`notifies = true`: invitations) is never sent again ("kept
--     unknown", its outcome stays unknown) unless `resend = true`, and
--     any other row runs again (a row's `run` must be safe to repeat: the
--     ready-made workflows treat "already exists" as success).
--
-- A circuit breaker (lmskit.bulk.breaker) stops the job after `breaker`
-- (default 5; 0: never) attempts in a row refused with 401/403 or unable
-- to reach the same host; the rows not started are left untouched, for a
-- rerun, and `report.stopped` says why.  So does Ctrl-C in a program that
-- asked to catch it (core.catch_interrupts(): the `lmskit` command): no new
-- row starts, the calls in flight finish and are journaled.
-- @module lmskit.bulk
local core = require "lmskit.core"
local json = require "lmskit.json"
local params = require "lmskit.params"
local reconcile = require "lmskit.reconcile"
local secret_names = require "lmskit.secret_names"
local retry = require "lmskit.retry"
local tasks = require "lmskit.tasks"
local input = require "lmskit.bulk.input"
local journals = require "lmskit.bulk.journal"
local breakers = require "lmskit.bulk.breaker"

local bulk = {}

local function usage(message)
  error(core.error { kind = "usage", message = message }, 3)
end

-- Every column of a row as "name=value" parts joined, sorted by name,
-- leaving out the columns `skip` says no to.
local function all_columns(row, skip)
  local names = {}
  for k in pairs(row) do
    if type(k) == "string" and not (skip and skip(k)) then names[#names + 1] = k end
  end
  table.sort(names)
  local parts = {}
  for i, k in ipairs(names) do parts[i] = k .. "=" .. tostring(row[k]) end
  return table.concat(parts, "\31")
end

-- The key earlier versions gave a row when the job named none (every
-- column, secrets included): looked up in a journal written by them, so
-- a rerun after an upgrade still skips what they did (an invitation is
-- never sent twice).  Never written anywhere.
local function legacy_key(row)
  return all_columns(row)
end

-- A function computing a row's identity from the `key` option: a column
-- name, several, or a function.  Default: every column but the secret
-- ones (lmskit.secret_names), sorted by name.  A key naming a secret
-- column is refused: the key goes to the journal and the results.
local function key_function(key)
  if type(key) == "function" then return key end
  if type(key) == "string" then key = { key } end
  if type(key) == "table" then
    for _, column in ipairs(key) do
      if secret_names.is_secret(column) then
        usage(("bulk: key column '%s' holds a secret; it would be written to the journal and the results")
          :format(tostring(column)))
      end
    end
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
  if key ~= nil then usage("bulk: key must be a column name, a list of them or a function") end
  return function(row) return all_columns(row, secret_names.is_secret) end
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

-- A value as a results file shows it: printable text only.  The parts of
-- a key made of several columns (kept apart by the byte 0x1F inside) are
-- joined by "|"; any other control byte (a newline in a vendor's message)
-- is written as \n, \r, \t or \xHH.
local ESCAPES = { ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t", ["\31"] = "|" }
local function printable(v)
  if type(v) ~= "string" then return v end
  return (v:gsub("%c", function(c) return ESCAPES[c] or ("\\x%02X"):format(c:byte()) end))
end

-- The results file is made anew, readable by its owner only (0600): the
-- old file is removed, created through the core (open(2) with mode 0600,
-- which io.open cannot ask), then opened for writing; a file that still
-- lets others read it (it could not be removed) is refused.
local function open_results(path)
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
  local jsonl = path:match("%.jsonl?$") ~= nil
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

-- What a rerun does with a row, from its last journal record: "run"
-- (never journaled), "skip" (done, same content), "redo" (done, content
-- changed), "retry" (failed), "settle" (unknown, or started and never
-- finished: its write may have happened).
local function plan(previous, hash)
  if not previous then return "run" end
  if previous.s == "ok" then
    if previous.h == nil or previous.h == hash then return "skip" end
    return "redo"
  end
  if previous.s == "failed" then return "retry" end
  if previous.s == "untouched" then return "run" end -- stopped before it sent anything
  return "settle"
end

-- Asks the job's verify(row) whether an unknown row's effect is there:
-- "done", "absent" or nil (cannot tell); or nil and the error raised.
local function verify(fn, row)
  local ok, answer = tasks.pcall(fn, row) -- verify reads: tasks.pcall lets it yield on Lua 5.1 too
  if not ok and answer == "not enough memory" then error(tasks.nomem(answer), 0) end
  if not ok then return nil, answer end
  if answer == "done" or answer == "absent" then return answer end
  return nil
end

-- An error as a row may report it: its message and code with the values
-- of the row's secret columns (`hidden`, secret_names.values_of) masked
-- (a server, or a run function, may repeat the row's password).
local function hide_error(err, hidden)
  if type(err) ~= "table" then return err end
  return { kind = err.kind, status = err.status, url = err.url, sent = err.sent,
           code = secret_names.hide(err.code, hidden), message = secret_names.hide(err.message, hidden) }
end

-- Runs a row with row-level retries for retryable failures; every attempt
-- tells the breaker how it went (secrets hidden: its reason goes to the
-- report), and a tripped breaker ends the retries.
local function attempts(run, row, retries, brk)
  local attempt, ok, value = 0
  while true do
    local started = core.now()
    ok, value = tasks.pcall(run, row) -- run yields: tasks.pcall allows it on Lua 5.1 too
    -- Lua out of memory is no row's fault: the job stops (journal kept)
    if not ok and value == "not enough memory" then error(tasks.nomem(value), 0) end
    if not ok and type(value) == "table" and value.stopped then break end -- the job stopped first
    if ok then brk.success() else brk.failure(hide_error(value, secret_names.values_of(row)), started) end
    -- a write that may have happened was already looked up by the client
    -- (lmskit.reconcile): running the row again would send it blindly
    if ok or brk.reason or not retry.should_retry { kind = core.is_error(value) and value.kind or nil,
                                                    safe = not reconcile.unknown(value),
                                                    attempt = attempt, retries = retries } then break end
    attempt = attempt + 1
    tasks.sleep(retry.backoff(attempt))
  end
  return ok, value
end

-- The counts a rerun reports, all 0 on a first run.
local function rerun_counts()
  return { skipped_done = 0, redone_changed = 0, retried_failed = 0, retried_unknown = 0,
           verified_done = 0, kept_unknown = 0, changed_kept = 0 }
end

--- Runs a bulk job; returns its report:
-- { total, ok, failed, unknown, skipped, untouched, complete, stopped,
--   interrupted (true after a caught Ctrl-C), torn, rerun = { skipped_done, redone_changed, retried_failed,
--   retried_unknown, verified_done, kept_unknown, changed_kept }, seconds,
--   results = path, failures = { ... }, how = { created = n, exists = n, ... } }
-- (ok counts the rows done in this run, how the done rows by what `run`
-- returned -- "verified" for those a look-up found done; failures lists
-- the failed and the unknown rows, a failed one with `fix`: "input",
-- "credentials" or "retry", what can help).  `complete` is true when
-- every row is done with its current content: then and only then may a
-- caller report success.
-- @param opts rows (CSV path, array of tables or iterator), run, key,
--   journal, results, concurrency (16), retries per row (3), dry_run,
--   progress (nil: on for a terminal), sync_every (100), workers (rows at
--   once; default the concurrency: a batching workflow runs more);
--   required, one_of, encoding ("utf8"; "latin1" converts): the input's
--   checks; verify(row) -> "done" | "absent" | nil: looks an unknown row
--   up before a rerun runs it; notifies (rows mail people: never sent
--   twice), resend (send unknown and changed notifying rows anyway);
--   breaker (5; 0 disables); vendor, workflow (recorded in the journal's
--   header), journal_mismatch ("ignore": use a journal made for another job)
function bulk.run(opts)
  if type(opts) ~= "table" then usage("bulk: options table expected") end
  if type(opts.run) ~= "function" then usage("bulk: run = function(row) ... end is required") end
  if opts.verify ~= nil and type(opts.verify) ~= "function" then
    usage("bulk: verify must be a function(row) returning \"done\", \"absent\" or nil")
  end
  if opts.breaker ~= nil and type(opts.breaker) ~= "number" and opts.breaker ~= false then
    usage("bulk: breaker must be a number of failures in a row (0: never stop)")
  end
  if opts.concurrency ~= nil then tasks.check_concurrency("bulk", opts.concurrency) end
  for name, rule in pairs { retries = "count0", sync_every = "count", workers = "count" } do
    local why = opts[name] ~= nil and params.number(opts[name], rule)
    if why then usage("bulk: " .. name .. " " .. why) end
  end
  local key_of = key_function(opts.key)
  local data = input.load(opts, key_of) -- raises, listing every problem, before anything is sent
  local rows, keys = data.rows, data.keys
  local j = opts.journal and journals.open(opts.journal,
    { vendor = opts.vendor, workflow = opts.workflow, csv = data.path, columns = data.columns },
    { mismatch = opts.journal_mismatch, read_only = opts.dry_run, sync_every = opts.sync_every })
  local ok_results, results = pcall(open_results, opts.results)
  if not ok_results then
    if j then j.close() end
    error(results, 0)
  end
  local progress = progress_reporter(opts.progress, #rows)
  local retries = opts.retries or 3
  local brk = breakers.new(opts.breaker)
  local hold = opts.notifies and not opts.resend -- never send a notifying row twice
  -- a journal with records may have been written before keys left
  -- secrets out: a row is looked up by that legacy key too
  local check_legacy = j and next(j.records) ~= nil
  local stats = { done = 0, ok = 0, failed = 0, unknown = 0, skipped = 0, untouched = 0, total = #rows,
                  torn = j and j.torn or 0, rerun = rerun_counts(), failures = {}, how = {} }
  local rerun = stats.rerun
  local started = core.now()
  local record = j and j.append or function() end

  local function finish(result)
    stats.done = stats.done + 1
    if results then results.write(result) end
    progress.update(stats)
  end

  local function fail(result)
    stats[result.outcome] = stats[result.outcome] + 1
    stats.failures[#stats.failures + 1] = result
    return finish(result)
  end

  -- Runs row i (journaled as started first) and journals its outcome;
  -- `hash`: its content hash.  A row the job stopped before any of its
  -- calls went out (or, when it notifies no one, before all of them did:
  -- a rerun runs it again, its writes settled as usual) is untouched.
  local function run_row(i, n, hash)
    local row, key = rows[i], keys[i]
    record { k = key, s = "started", h = hash }
    local task = tasks.current()
    task.sent_calls = 0
    local ok, value = attempts(opts.run, row, retries, brk)
    if not ok and type(value) == "table" and value.stopped and not (opts.notifies and task.sent_calls > 0) then
      record { k = key, s = "untouched", h = hash }
      stats.untouched = stats.untouched + 1
      stats.done = stats.done + 1
      if results then results.write { row = n, key = key, outcome = "untouched", message = value.message } end
      return progress.update(stats)
    end
    if ok then
      stats.ok = stats.ok + 1
      record { k = key, s = "ok", h = hash }
      return finish(done_result(stats, n, key, value))
    end
    local err = core.is_error(value) and value or { kind = "error", message = tostring(value) }
    -- unknown: the row's write went out and its effect could not be
    -- established; a rerun settles it before running it again
    local outcome = reconcile.unknown(err) and "unknown" or "failed"
    -- the values of its secret columns never reach the journal or a report
    local shown = hide_error(err, secret_names.values_of(row))
    record { k = key, s = outcome, h = hash, e = err.kind, m = shown.message }
    return fail { row = n, key = key, outcome = outcome, kind = err.kind, status = err.status,
                  code = shown.code, message = shown.message, fix = outcome == "failed" and fix_of(err) or nil }
  end

  -- Settles a row whose earlier outcome is unknown: verified done, run
  -- again, or (notifying, nothing to tell) kept unknown.
  local function settle_row(i, n, hash, previous)
    local row, key = rows[i], keys[i]
    local answer, err
    local asked = core.now()
    if opts.verify and not opts.dry_run then answer, err = verify(opts.verify, row) end
    if err then
      local e = hide_error(core.is_error(err) and err or { kind = "error", message = tostring(err) },
                           secret_names.values_of(row))
      brk.failure(e, asked)
      return fail { row = n, key = key, outcome = "unknown", kind = e.kind, status = e.status, code = e.code,
                    message = "unknown since an earlier run, and looking it up failed: " .. tostring(e.message) }
    end
    if answer == "done" then
      brk.success()
      rerun.retried_unknown, rerun.verified_done = rerun.retried_unknown + 1, rerun.verified_done + 1
      stats.ok = stats.ok + 1
      record { k = key, s = "ok", h = hash }
      return finish(done_result(stats, n, key, "verified"))
    end
    -- an earlier version journaled "started" only for rows that notify
    if answer == nil and (hold or (previous.legacy and previous.s == "started" and not opts.resend)) then
      rerun.kept_unknown = rerun.kept_unknown + 1
      return fail { row = n, key = key, outcome = "unknown", kind = previous.e,
                    message = "unknown since an earlier run (" .. tostring(previous.m or "it stopped before " ..
                      "the row finished") .. "); it notifies people and nothing can verify it, so it is " ..
                      "not sent again: check by hand, or pass resend = true (--resend) to send it" }
    end
    rerun.retried_unknown = rerun.retried_unknown + 1
    return run_row(i, n, hash)
  end

  -- Does row i as its last journal record says.
  local function do_row(i)
    local row, key = rows[i], keys[i]
    local n = row[0] or data.lines[i]
    local previous = j and (j.records[key] or (check_legacy and j.records[legacy_key(row)]))
    local hash = journals.content_hash(row)
    local action = plan(previous, hash)
    if action == "skip" then
      rerun.skipped_done = rerun.skipped_done + 1
      stats.skipped = stats.skipped + 1
      return finish { row = n, key = key, outcome = "skipped" }
    elseif action == "redo" and hold then
      rerun.changed_kept = rerun.changed_kept + 1
      stats.skipped = stats.skipped + 1
      return finish { row = n, key = key, outcome = "skipped",
                      message = "changed since it was done; it notifies people, so it is not done again " ..
                                "(resend = true, --resend, to do it)" }
    elseif action == "settle" then
      return settle_row(i, n, hash, previous)
    end
    if action == "redo" then rerun.redone_changed = rerun.redone_changed + 1
    elseif action == "retry" then rerun.retried_failed = rerun.retried_failed + 1 end
    return run_row(i, n, hash)
  end

  -- Why the job takes no new row: the breaker tripped, or Ctrl-C (when the
  -- program caught it: core.catch_interrupts); nil while it goes on.
  local function stop_reason()
    if brk.reason then return brk.reason end
    if core.interrupted() > 0 then
      return "interrupted (Ctrl-C): the calls in flight were finished and journaled; run the same job " ..
             "again (with the same journal) to do the rest"
    end
  end

  local taken = 0
  local run_ok, run_err = pcall(tasks.run, { concurrency = opts.concurrency or 16 }, function(spawn)
    local workers = worker_count(opts)
    for _ = 1, workers do
      spawn(function()
        if opts.dry_run then tasks.current().dry_run = opts.dry_run end
        tasks.current().stop = stop_reason -- no call goes out once the job stops
        while not stop_reason() and taken < #rows do -- stopping: no new row
          taken = taken + 1
          do_row(taken)
        end
      end)
    end
  end)
  stats.stopped = stop_reason()
  stats.interrupted = core.interrupted() > 0 or nil
  for i = taken + 1, #rows do -- left for a rerun: not journaled
    stats.untouched = stats.untouched + 1
    if results then
      results.write { row = rows[i][0] or data.lines[i], key = keys[i], outcome = "untouched",
                      message = "not run: the job stopped: " .. tostring(stats.stopped or run_err) }
    end
  end
  if j then j.close() end
  if results then results.close() end
  progress.finish(stats)
  if not run_ok then error(run_err, 0) end
  stats.seconds = core.now() - started
  stats.results = opts.results
  stats.complete = not stats.stopped and stats.failed == 0 and stats.unknown == 0 and stats.untouched == 0
                   and rerun.changed_kept == 0 and stats.ok + stats.skipped == stats.total
  return stats
end

return bulk
