--- Judges a bulk job from both sides: what it reported (the report, or
-- the results file, which must agree with it) and the simulator's state
-- read afterwards without faults.  Shared by tools/soak.lua,
-- tools/soak_mixed.lua and spec/exactly_once_mixed_spec.lua.
--
-- present[r] is how many times row r's effect is at the server; for a
-- removal (`inverse`), 1 means what it removes is still there.
--
--     local duplicates, misreported = judge(report, present, nrows, inverse)
local json = require "lmskit.json"

local judge = {}

--- Each row's outcome, how and fix (by row number) from a results file
-- of JSON lines, checked against the report: one line per row, and each
-- of the report's failures with the outcome the file gives its row.  A
-- row skipped (an earlier run did it) counts as done.
function judge.results(path, report, nrows)
  local outcome, how, fix, lines = {}, {}, {}, 0
  for line in io.lines(path) do
    local r = json.decode(line)
    lines = lines + 1
    outcome[r.row] = r.outcome == "skipped" and "done" or r.outcome
    how[r.row], fix[r.row] = r.how or (r.outcome == "skipped" and "skipped" or nil), r.fix
  end
  assert(lines == nrows, ("the results file has %d rows of %d"):format(lines, nrows))
  for _, f in ipairs(report.failures) do
    assert(outcome[f.row] == f.outcome, ("row %d: the report says %s, the results file %s"):format(
      f.row, f.outcome, tostring(outcome[f.row])))
  end
  return outcome, how, fix
end

--- Counts, for outcomes by row (a row missing is done): the writes that
-- landed more than once and the rows whose outcome the server
-- contradicts (done but absent, failed but present).  Returns
-- duplicates, misreported, and with `how` and `fix` (as judge.results
-- gives them) the done rows by how and the failed rows by fix.
function judge.count(outcome, present, nrows, inverse, how, fix)
  local duplicates, misreported = 0, 0
  local by = { done = {}, failed = {} }
  for r = 1, nrows do
    local count = present[r] or 0
    if count > 1 then duplicates = duplicates + count - 1 end
    local reported = outcome[r] or "done"
    local done_there = (count > 0) ~= (inverse == true)
    if (reported == "done" and not done_there) or (reported == "failed" and done_there) then
      misreported = misreported + 1
    end
    local detail = reported == "done" and ((how or {})[r] or "?")
                   or reported == "failed" and ((fix or {})[r] or "none") or nil
    if detail then by[reported][detail] = (by[reported][detail] or 0) + 1 end
  end
  return duplicates, misreported, by
end

-- judge(report, present, nrows, inverse): judged from the report alone
-- (a row not among its failures is done); returns duplicates, misreported.
return setmetatable(judge, { __call = function(_, report, present, nrows, inverse)
  local outcome = {}
  for _, f in ipairs(report.failures) do outcome[f.row] = f.outcome end
  local duplicates, misreported = judge.count(outcome, present, nrows, inverse)
  return duplicates, misreported
end })
