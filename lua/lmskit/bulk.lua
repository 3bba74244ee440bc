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
local params = require "lmskit.params"
local reconcile = require "lmskit.reconcile"
local secret_names = require "lmskit.secret_names"
local backoff = require("lmskit.retry").backoff
local tasks = require "lmskit.tasks"
local input = require "lmskit.bulk.input"
local journals = require "lmskit.bulk.journal"
local breakers = require "lmskit.bulk.breaker"
local row_key = require "lmskit.bulk.key"
local results_file = require "lmskit.bulk.results"
local progress_display = require "lmskit.bulk.progress"

local hide_error = results_file.hide_error

local bulk = {}

local RETRYABLE = { transport = true, timeout = true, rate_limited = true, server = true }

local function usage(message)
  error(core.error { kind = "usage", message = message }, 3)
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

-- Asks the job's verify(row) whether an unknown row's effect is there:
-- "done", "absent" or nil (cannot tell); or nil and the error raised.
local function verify(fn, row)
  local ok, answer = tasks.pcall(fn, row) -- verify reads: tasks.pcall lets it yield on Lua 5.1 too
  if not ok and answer == "not enough memory" then error(tasks.nomem(answer), 0) end
  if not ok then return nil, answer end
  if answer == "done" or answer == "absent" then return answer end
  return nil
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
    if ok or brk.reason or not (core.is_error(value) and RETRYABLE[value.kind]) or reconcile.unknown(value)
       or attempt >= retries then break end
    attempt = attempt + 1
    tasks.sleep(backoff(attempt))
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
  local key_of = row_key.of_option(opts.key)
  local data = input.load(opts, key_of) -- raises, listing every problem, before anything is sent
  local rows, keys = data.rows, data.keys
  local j = opts.journal and journals.open(opts.journal,
    { vendor = opts.vendor, workflow = opts.workflow, csv = data.path, columns = data.columns },
    { mismatch = opts.journal_mismatch, read_only = opts.dry_run, sync_every = opts.sync_every })
    or journals.none()
  local ok_results, results = pcall(results_file.open, opts.results)
  if not ok_results then
    j.close()
    error(results, 0)
  end
  local progress = progress_display.new(opts.progress, #rows)
  local retries = opts.retries or 3
  local brk = breakers.new(opts.breaker)
  local hold = opts.notifies and not opts.resend -- never send a notifying row twice
  local stats = { done = 0, ok = 0, failed = 0, unknown = 0, skipped = 0, untouched = 0, total = #rows,
                  torn = j.torn, rerun = rerun_counts(), failures = {}, how = {} }
  local rerun = stats.rerun
  local started = core.now()

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
    j.started(key, hash)
    local task = tasks.current()
    task.sent_calls = 0
    local ok, value = attempts(opts.run, row, retries, brk)
    if not ok and type(value) == "table" and value.stopped and not (opts.notifies and task.sent_calls > 0) then
      j.untouched(key, hash)
      stats.untouched = stats.untouched + 1
      stats.done = stats.done + 1
      if results then results.write { row = n, key = key, outcome = "untouched", message = value.message } end
      return progress.update(stats)
    end
    if ok then
      stats.ok = stats.ok + 1
      j.done(key, hash)
      return finish(done_result(stats, n, key, value))
    end
    local err = core.is_error(value) and value or { kind = "error", message = tostring(value) }
    -- unknown: the row's write went out and its effect could not be
    -- established; a rerun settles it before running it again
    local outcome = reconcile.unknown(err) and "unknown" or "failed"
    -- the values of its secret columns never reach the journal or a report
    local shown = hide_error(err, secret_names.values_of(row))
    j.ended(key, outcome, hash, err.kind, shown.message)
    return fail(results_file.failure(n, key, outcome, err, shown))
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
      j.done(key, hash)
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
    local previous = j.last(key, row)
    local hash = journals.content_hash(row)
    local action = journals.plan(previous, hash)
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
  j.close()
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
