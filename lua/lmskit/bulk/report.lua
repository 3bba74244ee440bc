--- The report of a bulk job, kept as its rows end: the counts (ok,
-- failed, unknown, skipped, untouched, how the done rows were done, what
-- a rerun did) and the failures.  Each row's result (lmskit.bulk.results)
-- is counted, written to the results file and shown by the progress
-- display (lmskit.bulk.progress).
-- @module lmskit.bulk.report
local report = {}

-- The counts a rerun reports, all 0 on a first run.
local function rerun_counts()
  return { skipped_done = 0, redone_changed = 0, retried_failed = 0, retried_unknown = 0,
           verified_done = 0, kept_unknown = 0, changed_kept = 0 }
end

--- The report of a job over `total` rows (`torn`: 1 when its journal's
-- torn last line was cut off), writing each result to `file` (an open
-- results file, or nil) and showing the counts on `progress`.  Returns r:
-- r.stats (the table bulk.run returns), r.rerun(name) (counts what a
-- rerun did), r.done(n, key, value), r.skipped(result), r.failed(result)
-- (failed or unknown: listed in the failures), r.untouched(result) (the
-- job stopped before the row's calls went out), r.left(result) (a row
-- the job never took), r.close() and r.complete().
function report.new(total, torn, file, progress)
  local stats = { done = 0, ok = 0, failed = 0, unknown = 0, skipped = 0, untouched = 0, total = total,
                  torn = torn, rerun = rerun_counts(), failures = {}, how = {} }
  local r = { stats = stats }

  -- A row ended: counted, its result written, the progress shown.
  local function finish(result)
    stats.done = stats.done + 1
    if file then file.write(result) end
    progress.update(stats)
  end

  function r.rerun(name)
    stats.rerun[name] = stats.rerun[name] + 1
  end

  -- A done row: counted by how it was done (what `run` returned: created,
  -- exists, updated, ...; "verified" when a look-up found it done).
  function r.done(n, key, value)
    stats.ok = stats.ok + 1
    local how = type(value) == "string" and value or nil
    if how then stats.how[how] = (stats.how[how] or 0) + 1 end
    return finish { row = n, key = key, outcome = "done", how = how }
  end

  -- A row counted under `name` (skipped, untouched) and finished.
  local function counted(name)
    return function(result)
      stats[name] = stats[name] + 1
      return finish(result)
    end
  end

  r.skipped = counted("skipped")

  function r.failed(result)
    stats[result.outcome] = stats[result.outcome] + 1
    stats.failures[#stats.failures + 1] = result
    return finish(result)
  end

  r.untouched = counted("untouched")

  -- (not counted as done: the progress shows the rows taken)
  function r.left(result)
    stats.untouched = stats.untouched + 1
    if file then file.write(result) end
  end

  function r.close()
    if file then file.close() end
    progress.finish(stats)
  end

  -- True when every row is done with its current content: then and only
  -- then may a caller report success.
  function r.complete()
    return not stats.stopped and stats.failed == 0 and stats.unknown == 0 and stats.untouched == 0
           and stats.rerun.changed_kept == 0 and stats.ok + stats.skipped == stats.total
  end

  return r
end

return report
