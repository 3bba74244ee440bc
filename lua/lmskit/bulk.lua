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
--
-- This file checks the options, opens the job and hands its rows to its
-- workers; lmskit.bulk.row does one row (its retries:
-- lmskit.bulk.attempts), lmskit.bulk.key names it, lmskit.bulk.report
-- counts its result, lmskit.bulk.results writes it to the results file
-- and lmskit.bulk.progress shows the counts.
-- @module lmskit.bulk
local core = require "lmskit.core"
local params = require "lmskit.params"
local tasks = require "lmskit.tasks"
local input = require "lmskit.bulk.input"
local keys = require "lmskit.bulk.key"
local journals = require "lmskit.bulk.journal"
local breakers = require "lmskit.bulk.breaker"
local results = require "lmskit.bulk.results"
local progress = require "lmskit.bulk.progress"
local report = require "lmskit.bulk.report"
local row = require "lmskit.bulk.row"

local bulk = {}

local usage = require("lmskit.usage").raise

-- Refuses options of the wrong type or out of range (the input, the key,
-- the journal and the results file are checked as they are opened).
local function check_options(opts)
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
end

-- The job: its rows read and checked (nothing is sent when they are
-- bad), its journal (lmskit.bulk.journal; none when opts.journal is not
-- given), its report over the results file and the progress display,
-- its breaker.  The table lmskit.bulk.row works on.
local function open_job(opts)
  local key_of = keys.of_option(opts.key)
  local data = input.load(opts, key_of) -- raises, listing every problem, before anything is sent
  local j = opts.journal and journals.open(opts.journal,
    { vendor = opts.vendor, workflow = opts.workflow, csv = data.path, columns = data.columns },
    { mismatch = opts.journal_mismatch, read_only = opts.dry_run, sync_every = opts.sync_every })
    or journals.none()
  local ok_results, file = pcall(results.open, opts.results)
  if not ok_results then
    j.close()
    error(file, 0)
  end
  return {
    opts = opts, rows = data.rows, keys = data.keys, lines = data.lines, journal = j,
    report = report.new(#data.rows, j.torn, file, progress.new(opts.progress, #data.rows)),
    retries = opts.retries or 3,
    breaker = breakers.new(opts.breaker),
    hold = opts.notifies and not opts.resend, -- never send a notifying row twice
  }
end

-- Rows run at once: opts.workers (a batching workflow's rows wait for
-- their batch holding no call slot), else the concurrency.
local function worker_count(opts)
  return math.max(1, opts.workers or opts.concurrency or 16)
end

-- Why the job takes no new row: the breaker tripped, or Ctrl-C (when the
-- program caught it: core.catch_interrupts); nil while it goes on.
local function stop_reason(brk)
  if brk.reason then return brk.reason end
  if core.interrupted() > 0 then
    return "interrupted (Ctrl-C): the calls in flight were finished and journaled; run the same job " ..
           "again (with the same journal) to do the rest"
  end
end

-- Runs the job's rows on its workers, each taking the next row until
-- none is left or the job stops.  Returns how many rows were taken, and
-- whether the run ended without an error (and the error).
local function run_rows(job)
  local opts, taken = job.opts, 0
  local function stop() return stop_reason(job.breaker) end
  -- the workers are a fixed number, each taking rows: started all at once
  -- (tasks.spawn), not held back by lmskit.run's bound on queued tasks
  local run_ok, run_err = pcall(tasks.run, { concurrency = opts.concurrency or 16 }, function()
    for _ = 1, worker_count(opts) do
      tasks.spawn(function()
        if opts.dry_run then tasks.current().dry_run = opts.dry_run end
        tasks.current().stop = stop -- no call goes out once the job stops
        while not stop() and taken < #job.rows do -- stopping: no new row
          taken = taken + 1
          row.take(job, taken)
        end
      end)
    end
  end)
  return taken, run_ok, run_err
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
  check_options(opts)
  local job = open_job(opts)
  local stats = job.report.stats
  local started = core.now()
  local taken, run_ok, run_err = run_rows(job)
  stats.stopped = stop_reason(job.breaker)
  stats.interrupted = core.interrupted() > 0 or nil
  for i = taken + 1, #job.rows do -- left for a rerun: not journaled
    job.report.left { row = job.rows[i][0] or job.lines[i], key = job.keys[i], outcome = "untouched",
                      message = "not run: the job stopped: " .. tostring(stats.stopped or run_err) }
  end
  job.journal.close()
  job.report.close()
  if not run_ok then error(run_err, 0) end
  stats.seconds = core.now() - started
  stats.results = opts.results
  stats.complete = job.report.complete()
  return stats
end

return bulk
