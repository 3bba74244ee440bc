--- What a bulk job does with one row, as its last journal record says
-- (lmskit.bulk.journal): skip it, run it with its attempts
-- (lmskit.bulk.attempts), or settle an unknown outcome first; the row's
-- outcome is journaled and reported (lmskit.bulk.report).
--
-- The job (`job`) these functions are given is the table bulk.run makes:
-- opts (the job's options), rows, keys, lines (where each row starts),
-- journal, report, breaker, retries, hold (never send a notifying row
-- twice).
-- @module lmskit.bulk.row
local core = require "lmskit.core"
local reconcile = require "lmskit.reconcile"
local tasks = require "lmskit.tasks"
local attempts = require "lmskit.bulk.attempts"
local journals = require "lmskit.bulk.journal"
local results = require "lmskit.bulk.results"

local row = {}

-- Asks the job's verify(row) whether an unknown row's effect is there:
-- "done", "absent" or nil (cannot tell); or nil and the error raised.
local function verify(fn, r)
  local ok, answer = tasks.pcall(fn, r) -- verify reads: tasks.pcall lets it yield on Lua 5.1 too
  if not ok and answer == "not enough memory" then error(tasks.nomem(answer), 0) end
  if not ok then return nil, answer end
  if answer == "done" or answer == "absent" then return answer end
  return nil
end

-- Runs row i (journaled as started first) and journals its outcome; `n`:
-- where it starts, `hash`: its content hash.  A row the job stopped
-- before any of its calls went out (or, when it notifies no one, before
-- all of them did: a rerun runs it again, its writes settled as usual)
-- is untouched.
local function run_row(job, i, n, hash)
  local r, key, opts, j = job.rows[i], job.keys[i], job.opts, job.journal
  j.started(key, hash)
  local task = tasks.current()
  task.sent_calls = 0
  local ok, value = attempts(opts.run, r, job.retries, job.breaker)
  if not ok and type(value) == "table" and value.stopped and not (opts.notifies and task.sent_calls > 0) then
    j.untouched(key, hash)
    return job.report.untouched { row = n, key = key, outcome = "untouched", message = value.message }
  end
  if ok then
    j.done(key, hash)
    return job.report.done(n, key, value)
  end
  -- the values of its secret columns never reach the journal or a report
  local err, shown = results.error_of(value, r)
  -- unknown: the row's write went out and its effect could not be
  -- established; a rerun settles it before running it again
  local outcome = reconcile.unknown(err) and "unknown" or "failed"
  j.ended(key, outcome, hash, err.kind, shown.message)
  return job.report.failed(results.failure(n, key, outcome, err, shown))
end

-- Settles a row whose earlier outcome (`previous`, its last record) is
-- unknown: verified done, run again, or (notifying, nothing to tell)
-- kept unknown.
local function settle_row(job, i, n, hash, previous)
  local r, key, opts, report = job.rows[i], job.keys[i], job.opts, job.report
  local answer, err
  local asked = core.now()
  if opts.verify and not opts.dry_run then answer, err = verify(opts.verify, r) end
  if err then
    local _, e = results.error_of(err, r)
    job.breaker.failure(e, asked)
    return report.failed { row = n, key = key, outcome = "unknown", kind = e.kind, status = e.status,
                           code = e.code, message = "unknown since an earlier run, and looking it up failed: " ..
                                                    tostring(e.message) }
  end
  if answer == "done" then
    job.breaker.success()
    report.rerun("retried_unknown")
    report.rerun("verified_done")
    job.journal.done(key, hash)
    return report.done(n, key, "verified")
  end
  -- an earlier version journaled "started" only for rows that notify
  if answer == nil and (job.hold or (previous.legacy and previous.s == "started" and not opts.resend)) then
    report.rerun("kept_unknown")
    return report.failed { row = n, key = key, outcome = "unknown", kind = previous.e,
                           message = "unknown since an earlier run (" .. tostring(previous.m or "it stopped " ..
                             "before the row finished") .. "); it notifies people and nothing can verify it, " ..
                             "so it is not sent again: check by hand, or pass resend = true (--resend) to send it" }
  end
  report.rerun("retried_unknown")
  return run_row(job, i, n, hash)
end

--- Does row i of a job as its last journal record says: skips it (done
-- with the same content, or changed but notifying and not to be sent
-- again), settles it (unknown), or runs it (new, changed, failed).
function row.take(job, i)
  local r, key, report = job.rows[i], job.keys[i], job.report
  local n = r[0] or job.lines[i]
  local previous = job.journal.last(key, r)
  local hash = journals.content_hash(r)
  local action = journals.plan(previous, hash)
  if action == "skip" then
    report.rerun("skipped_done")
    return report.skipped { row = n, key = key, outcome = "skipped" }
  elseif action == "redo" and job.hold then
    report.rerun("changed_kept")
    return report.skipped { row = n, key = key, outcome = "skipped",
                            message = "changed since it was done; it notifies people, so it is not done " ..
                                      "again (resend = true, --resend, to do it)" }
  elseif action == "settle" then
    return settle_row(job, i, n, hash, previous)
  end
  if action == "redo" then report.rerun("redone_changed")
  elseif action == "retry" then report.rerun("retried_failed") end
  return run_row(job, i, n, hash)
end

return row
