--- Judges a bulk job from both sides: the report it gave and the
-- simulator's state read afterwards without faults.  Shared by
-- tools/soak.lua, tools/soak_mixed.lua and spec/exactly_once_mixed_spec.lua.
--
-- present[r] is how many times row r's effect is at the server; for a
-- removal (`inverse`), 1 means what it removes is still there.  Returns the
-- writes that landed more than once and the rows whose reported outcome
-- the server contradicts (done but absent, failed but present).
return function(report, present, nrows, inverse)
  local outcome = {}
  for _, f in ipairs(report.failures) do outcome[f.row] = f.outcome end
  local duplicates, misreported = 0, 0
  for r = 1, nrows do
    local count = present[r] or 0
    if count > 1 then duplicates = duplicates + count - 1 end
    local reported = outcome[r] or "done"
    local done_there = (count > 0) ~= (inverse == true)
    if (reported == "done" and not done_there) or (reported == "failed" and done_there) then
      misreported = misreported + 1
    end
  end
  return duplicates, misreported
end
