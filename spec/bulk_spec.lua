-- Bulk jobs: journal, resume after SIGKILL, failures, dry runs, results.
local lmskit = require "lmskit"
local json = require "lmskit.json"
local core = require "lmskit.core"
local sandbox = require "sandbox"
local runtime = require "support.runtime"
local job_files = require "support.catalog_job"
local enroll_csv, enrollments_by_user = job_files.enroll_csv, job_files.enrollments

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do lines[#lines + 1] = (line:gsub("\r$", "")) end
  return lines
end

describe("lmskit.bulk", function()
  before_each(function() sandbox.reset() end)

  it("enrolls 2,000 rows through 10% failures, each exactly once", function()
    local rows, journal = enroll_csv(1, 2000), os.tmpname()
    os.remove(journal)
    sandbox.fault { path = "/catalog/api/v1/enrollments", kind = "random", rate = 0.1, count = 100000,
                    kinds = { "500", "502", "503", "429", "drop", "drop_after" }, retry_after = 1 }
    local catalog = sandbox.catalog { retries = 5 }
    local report = lmskit.workflow("catalog", "enroll", catalog,
      { rows = rows, journal = journal, concurrency = 16, progress = false })
    local runs = 1
    while report.failed > 0 and runs < 3 do -- what a user does: run the same job again
      report = lmskit.workflow("catalog", "enroll", catalog,
        { rows = rows, journal = journal, concurrency = 16, progress = false })
      runs = runs + 1
    end
    sandbox.clear_faults()
    assert.equal(0, report.failed)
    local counts, total = enrollments_by_user()
    assert.equal(2000, total)
    for i = 1, 2000 do assert.equal(1, counts[i], "user " .. i) end
    local faulted = 0
    for _, r in ipairs(sandbox.requests()) do if r.fault then faulted = faulted + 1 end end
    assert.is_true(faulted >= 100, "only " .. faulted .. " faults were injected")
    os.remove(rows)
    os.remove(journal)
  end)

  it("finishes a job killed with SIGKILL midway: nothing lost, nothing done twice", function()
    local rows, journal = enroll_csv(1, 600), os.tmpname()
    os.remove(journal)
    sandbox.fault { path = "/catalog/api/v1/enrollments", kind = "delay", delay_ms = 25, count = 100000 }
    local pipe = io.popen("exec " .. runtime.lua .. " spec/support/bulk_job.lua " .. rows .. " " .. journal ..
                          " >/dev/null 2>&1 & echo $!")
    local pid = pipe:read("*l")
    pipe:close()
    local deadline = core.now() + 20
    local function done_records() -- a row's "started" record, then its outcome's
      local n = 0
      for _, line in ipairs(io.open(journal) and read_lines(journal) or {}) do
        if line:find('"s":"ok"', 1, true) then n = n + 1 end
      end
      return n
    end
    repeat core.engine():wait(0.1) until done_records() >= 150 or core.now() > deadline
    os.execute("kill -9 " .. pid)
    os.execute("sleep 0.2")
    local first_run = {} -- the rows the first run journaled as done
    for _, line in ipairs(read_lines(journal)) do
      local r = json.decode(line)
      if r and r.s == "ok" then first_run[r.k] = true end
    end
    local journaled = 0
    for _ in pairs(first_run) do journaled = journaled + 1 end
    assert.is_true(journaled >= 150 and journaled < 600, journaled .. " rows journaled before the kill")
    sandbox.clear_faults()
    sandbox.clear_log()
    local report = lmskit.workflow("catalog", "enroll", sandbox.catalog(),
      { rows = rows, journal = journal, concurrency = 16, progress = false })
    assert.equal(0, report.failed)
    assert.is_true(report.skipped >= journaled)
    -- the rerun never sent a row the first run had journaled as done
    for _, r in ipairs(sandbox.requests()) do
      if r.method == "POST" then
        local body = json.decode(r.body)
        assert.is_nil(first_run["1\31" .. body.enrollment.canvas_user_id])
      end
    end
    local counts, total = enrollments_by_user()
    assert.equal(600, total)
    for i = 1, 600 do assert.equal(1, counts[i]) end
    os.remove(rows)
    os.remove(journal)
  end)

  it("skips done rows and runs every failed row again, on a rerun", function()
    local journal = os.tmpname()
    os.remove(journal)
    local calls = {}
    local function job(fail_with)
      return lmskit.bulk { rows = { { id = "a" }, { id = "b" }, { id = "c" } }, key = "id",
                           journal = journal, progress = false, retries = 0,
                           run = function(row)
                             calls[#calls + 1] = row.id
                             local kind = fail_with[row.id]
                             if kind then error(core.error { kind = kind, message = row.id .. " failed" }, 0) end
                           end }
    end
    local first = job { b = "server", c = "validation" }
    assert.same({ ok = 1, failed = 2, skipped = 0, complete = false },
                { ok = first.ok, failed = first.failed, skipped = first.skipped, complete = first.complete })
    calls = {}
    local second = job {}
    table.sort(calls)
    assert.same({ "b", "c" }, calls) -- a: done; b and c failed: tried again, whatever the kind
    assert.same({ ok = 2, skipped = 1, complete = true },
                { ok = second.ok, skipped = second.skipped, complete = second.complete })
    assert.same({ skipped_done = 1, retried_failed = 2 },
                { skipped_done = second.rerun.skipped_done, retried_failed = second.rerun.retried_failed })
    os.remove(journal)
  end)

  it("refuses rows whose key appears twice, naming both, and runs none", function()
    local ran = 0
    local ok, err = pcall(lmskit.bulk, { rows = { { id = "a" }, { id = "b" }, { id = "a" } }, key = "id",
                                         progress = false, run = function() ran = ran + 1 end })
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.matches("row 3: the same key as row 1", err.message, 1, true)
    assert.equal(0, ran)
  end)

  it("refuses input where no row has a key, naming the key's columns, and runs none", function()
    local ran = 0
    local ok, err = pcall(lmskit.bulk, { rows = { { name = "a" }, { name = "b" } }, key = { "listing_id", "user" },
                                         progress = false, run = function() ran = ran + 1 end })
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.matches("no row has a key", err.message, 1, true)
    assert.matches("'listing_id'", err.message, 1, true)
    assert.equal(0, ran)
  end)

  it("writes results a person can read: a key of several columns joined by |, control bytes escaped", function()
    local out = os.tmpname() .. ".csv"
    local report = lmskit.bulk { rows = { { a = "1", b = "2" } }, key = { "a", "b" }, progress = false,
                                 results = out, run = function() error("line one\nline two\1") end }
    assert.equal(1, report.failed)
    local f = io.open(out, "rb")
    local text = f:read("*a")
    f:close()
    os.remove(out)
    assert.matches("1|2", text, 1, true)
    assert.matches("line one\\nline two\\x01", text, 1, true)
    -- nothing but printable text and the CSV's own line ends
    assert.is_nil(text:gsub("\r\n", ""):find("%c"))
  end)

  it("prints every call in a dry run and sends nothing", function()
    local rows = enroll_csv(1, 5)
    sandbox.clear_log()
    local printed = {}
    local report = lmskit.workflow("catalog", "enroll", sandbox.catalog(),
      { rows = rows, dry_run = function(line) printed[#printed + 1] = line end, progress = false })
    assert.equal(5, report.ok)
    assert.equal(5, #printed)
    assert.matches('^POST https://127%.0%.0%.1:%d+/catalog/api/v1/enrollments {"enrollment":', printed[1])
    assert.equal(0, #sandbox.requests())
    os.remove(rows)
  end)

  it("masks secrets in a dry run's printed bodies", function()
    local printed = {}
    lmskit.workflow("coggno", "enroll", sandbox.coggno(), {
      rows = { { group_id = "1", email = "x@y.z", first_name = "X", last_name = "Y", password = "hunter22" } },
      dry_run = function(line) printed[#printed + 1] = line end, progress = false })
    assert.not_matches("hunter22", printed[1])
    assert.matches("password=%[REDACTED%]", printed[1])
  end)

  it("writes per-row results as CSV or JSON lines, with the vendor's message", function()
    sandbox.catalog().enrollments:create { listing_id = 1, canvas_user_id = 2 }
    local rows = { { listing_id = "1", canvas_user_id = "1" }, { listing_id = "1", canvas_user_id = "2" },
                   { listing_id = "999", canvas_user_id = "3" } }
    local out = os.tmpname() .. ".csv"
    local report = lmskit.workflow("catalog", "enroll", sandbox.catalog(),
      { rows = rows, results = out, progress = false })
    assert.equal(2, report.ok)
    assert.equal(1, report.failed)
    local lines = read_lines(out)
    assert.equal('"row","key","outcome","how","fix","kind","status","code","message"', lines[1])
    local all = table.concat(lines, "\n")
    assert.matches('"done","exists"', all)
    assert.matches('"failed","","input","validation","422","","listing_id does not exist"', all)
    os.remove(out)
    local jsonl = os.tmpname() .. ".jsonl"
    lmskit.workflow("catalog", "enroll", sandbox.catalog(), { rows = rows, results = jsonl, progress = false })
    local last -- results come in the order rows finish
    for _, line in ipairs(read_lines(jsonl)) do
      local r = json.decode(line)
      if r.row == 3 then last = r end
    end
    assert.equal("failed", last.outcome)
    assert.equal(422, last.status)
    os.remove(jsonl)
  end)
end)
