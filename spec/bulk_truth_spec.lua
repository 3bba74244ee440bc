-- Bulk jobs whose report is the truth: a rerun finishes the job, the
-- journal cannot be fooled, the input is checked before the first write,
-- and a job stops when it cannot succeed.  Every case is judged from the
-- simulator's state and from the results file together.
local lmskit = require "lmskit"
local json = require "lmskit.json"
local core = require "lmskit.core"
local sandbox = require "sandbox"
local runtime = require "support.runtime"
local job_files = require "support.catalog_job"
local tmp, write, read = job_files.tmp, job_files.write, job_files.read
local enroll_csv, enrollments, results = job_files.enroll_csv, job_files.enrollments, job_files.results

local DONE = { done = true, skipped = true }

-- Judges a results file against the server: a row reported done is
-- present, a row reported failed is absent.  present(result) -> boolean.
-- Returns the outcomes counted, and the done rows by how (created,
-- verified, ...).
local function judge(path, present)
  local seen = {}
  for _, r in ipairs(results(path)) do
    seen[r.outcome] = (seen[r.outcome] or 0) + 1
    if r.outcome == "done" then seen[r.how or "?"] = (seen[r.how or "?"] or 0) + 1 end
    if DONE[r.outcome] then
      assert.is_true(present(r), "row " .. tostring(r.row) .. " reported " .. r.outcome .. " is not at the server")
    elseif r.outcome == "failed" or r.outcome == "untouched" then
      assert.is_false(present(r), "row " .. tostring(r.row) .. " reported " .. r.outcome .. " is at the server")
    end
  end
  return seen
end

-- Enrolled user of a Catalog results line (CSV record r.row: user r.row - 1
-- when the CSV starts at user 1).
local function catalog_present(counts, first)
  return function(r) return (counts[r.row - 2 + (first or 1)] or 0) > 0 end
end

local function posts(prefix)
  local n = 0
  for _, r in ipairs(sandbox.requests()) do
    if r.method == "POST" and r.path:sub(1, #prefix) == prefix then n = n + 1 end
  end
  return n
end

-- True when the shell command exits 0 (5.1 and LuaJIT: os.execute
-- returns the status; 5.2+: true or nil).
local function succeeds(command)
  local r = os.execute(command)
  return r == true or r == 0
end

local function usage_error(fn)
  local err = sandbox.error_of(fn)
  assert.equal("usage", err.kind, tostring(err))
  return err
end

describe("bulk: a rerun finishes the job", function()
  before_each(function() sandbox.reset() end)

  it("wrong token: the breaker stops early; fixed token: the rerun completes every row", function()
    local rows, journal, out = enroll_csv(1, 300), tmp(), tmp(".jsonl")
    local first = lmskit.workflow("catalog", "enroll", sandbox.catalog { token = "wrong-token" },
      { rows = rows, journal = journal, results = out, concurrency = 8, progress = false })
    assert.is_false(first.complete)
    assert.matches("auth", first.stopped)
    assert.is_true(first.failed >= 5 and first.failed <= 5 + 8, first.failed .. " rows tried")
    assert.equal(300, first.failed + first.untouched)
    assert.is_true(#sandbox.requests() <= 5 + 8, #sandbox.requests() .. " requests")
    local counts, total = enrollments()
    assert.equal(0, total)
    local seen = judge(out, catalog_present(counts))
    assert.equal(first.untouched, seen.untouched)
    -- the token fixed, the same command again
    local second = lmskit.workflow("catalog", "enroll", sandbox.catalog(),
      { rows = rows, journal = journal, results = out, concurrency = 8, progress = false })
    assert.is_true(second.complete)
    assert.is_nil(second.stopped)
    assert.equal(300, second.ok)
    assert.equal(first.failed, second.rerun.retried_failed)
    counts, total = enrollments()
    assert.equal(300, total)
    for i = 1, 300 do assert.equal(1, counts[i], "user " .. i) end
    seen = judge(out, catalog_present(counts))
    assert.equal(300, seen.done)
    os.remove(rows); os.remove(journal); os.remove(out)
  end)

  it("an edited grade in the CSV: the rerun applies the change, and skips the rest", function()
    local matrix = sandbox.matrix()
    local users = { 3, 4, 5, 7, 8, 9 } -- class 1's students 3, 4, 5 and three more enrolled below
    local changed = { [4] = true, [7] = true, [9] = true }
    local function grades_csv(grade_of)
      local lines = { "assignment_id,user_id,grade" }
      for _, user in ipairs(users) do lines[#lines + 1] = ("1,%d,%s"):format(user, grade_of(user)) end
      return table.concat(lines, "\n") .. "\n"
    end
    local function wanted(user) return changed[user] and "A-" or "B" end
    local function gradebook()
      local by_user = {}
      for _, row in ipairs(matrix.grades:get_grades_for_class(1)) do
        by_user[row.user_id] = row.grading_periods[1].assignments[1].grade
      end
      return by_user
    end
    sandbox.control("POST", "matrix/seed", { users = 3 }) -- users 7, 8 and 9
    assert.is_true(lmskit.workflow("matrix", "enroll", matrix, { progress = false,
      rows = { { class_id = "1", user_id = "7" }, { class_id = "1", user_id = "8" },
               { class_id = "1", user_id = "9" } } }).complete)
    local rows = write(grades_csv(function() return "B" end))
    local journal, out = tmp(), tmp(".jsonl")
    local first = lmskit.workflow("matrix", "grades", matrix,
      { rows = rows, journal = journal, results = out, progress = false })
    assert.is_true(first.complete)
    assert.equal(6, first.ok)
    local f = assert(io.open(rows, "wb"))
    f:write(grades_csv(wanted))
    f:close()
    local second = lmskit.workflow("matrix", "grades", matrix,
      { rows = rows, journal = journal, results = out, progress = false })
    assert.is_true(second.complete)
    assert.equal(3, second.rerun.redone_changed)
    assert.equal(3, second.rerun.skipped_done)
    assert.equal(3, second.ok)
    assert.equal(3, second.skipped)
    local book = gradebook()
    for _, user in ipairs(users) do assert.equal(wanted(user), book[user], "user " .. user) end
    local seen = judge(out, function(r) -- CSV record r.row holds users[r.row - 1]
      local user = users[r.row - 1]
      return book[user] == wanted(user)
    end)
    assert.equal(3, seen.done)
    assert.equal(3, seen.skipped)
    os.remove(rows); os.remove(journal); os.remove(out)
  end)

  it("retries unknown rows after looking them up: found is done, absent is sent again", function()
    -- rows 1..40; the answers to their POSTs are lost after the server did
    -- the work, and the look-ups fail too: every row ends unknown
    local rows, journal, out = enroll_csv(1, 40), tmp(), tmp(".jsonl")
    sandbox.fault { path = "/catalog/api/v1/enrollments", method = "POST", kind = "drop_after", count = 20 }
    sandbox.fault { path = "/catalog/api/v1/enrollments", method = "POST", kind = "drop", count = 20 }
    sandbox.fault { path = "/catalog/api/v1/enrollments", method = "GET", kind = "500", count = 100000 }
    local catalog = sandbox.catalog()
    local first = lmskit.workflow("catalog", "enroll", catalog,
      { rows = rows, journal = journal, results = out, concurrency = 1, progress = false, breaker = 0 })
    sandbox.clear_faults()
    assert.equal(40, first.unknown)
    assert.is_false(first.complete)
    local counts, total = enrollments()
    assert.equal(20, total)
    judge(out, catalog_present(counts))
    sandbox.clear_log()
    local looked = 0
    local second = lmskit.workflow("catalog", "enroll", catalog, {
      rows = rows, journal = journal, results = out, progress = false,
      verify = function(row)
        looked = looked + 1
        for e in catalog.enrollments:list { listing_id = row.listing_id, per_page = 100 } do
          if tostring(e.user.id) == row.canvas_user_id then return "done" end
        end
        return "absent"
      end })
    assert.is_true(second.complete)
    assert.equal(40, looked)
    assert.equal(40, second.rerun.retried_unknown)
    assert.equal(20, second.rerun.verified_done)
    assert.equal(20, posts("/catalog/api/v1/enrollments")) -- only the absent ones were sent
    counts, total = enrollments()
    assert.equal(40, total)
    for i = 1, 40 do assert.equal(1, counts[i], "user " .. i) end
    local seen = judge(out, catalog_present(counts))
    assert.equal(20, seen.verified)
    assert.equal(20, seen.created)
    os.remove(rows); os.remove(journal); os.remove(out)
  end)

  it("returns at once from a rerun whose rows are all done", function()
    local journal, rows = tmp(), {}
    for i = 1, 2000 do rows[i] = { id = tostring(i) } end
    local function job() return lmskit.bulk { rows = rows, key = "id", journal = journal, progress = false,
                                              run = function() end } end
    assert.is_true(job().complete)
    local started = core.now()
    local again = job()
    local seconds = core.now() - started
    assert.equal(2000, again.rerun.skipped_done)
    assert.is_true(seconds < 0.5 * runtime.slowdown, ("%.2f s"):format(seconds))
    os.remove(journal)
  end)

  it("keeps an unknown invitation unknown when nothing can verify it, and says so", function()
    local cp = sandbox.coursepath()
    local rows = write("email\nlearner@sandbox.example\n")
    local journal, out = tmp(), tmp(".jsonl")
    sandbox.fault { path = "/coursepath/api/v1/", method = "POST", kind = "drop_after", count = 1 }
    local first = lmskit.workflow("coursepath", "invite", cp,
      { rows = rows, journal = journal, results = out, progress = false })
    sandbox.clear_faults()
    assert.equal(1, first.unknown)
    assert.equal(1, #sandbox.control("GET", "coursepath/invites").invites)
    local second = lmskit.workflow("coursepath", "invite", cp,
      { rows = rows, journal = journal, results = out, progress = false })
    assert.equal(1, #sandbox.control("GET", "coursepath/invites").invites) -- never mailed twice
    assert.equal(1, second.unknown)
    assert.equal(0, second.skipped)
    assert.equal(1, second.rerun.kept_unknown)
    assert.is_false(second.complete)
    local r = results(out)[1]
    assert.equal("unknown", r.outcome)
    assert.matches("not sent again", r.message)
    os.remove(rows); os.remove(journal); os.remove(out)
  end)
end)

describe("bulk: the journal cannot be fooled", function()
  before_each(function() sandbox.reset() end)

  it("refuses a second job on a journal in use, naming it and the pid holding it", function()
    local rows, journal = enroll_csv(1, 300), tmp()
    sandbox.fault { path = "/catalog/api/v1/enrollments", kind = "delay", delay_ms = 50, count = 100000 }
    local pipe = io.popen("exec " .. runtime.lua .. " spec/support/bulk_job.lua " .. rows .. " " .. journal ..
                          " >/dev/null 2>&1 & echo $!")
    local pid = pipe:read("*l")
    pipe:close()
    local deadline = core.now() + 20
    repeat core.engine():wait(0.05) until (io.open(journal) and #read(journal) > 200) or core.now() > deadline
    local err = usage_error(function()
      lmskit.workflow("catalog", "enroll", sandbox.catalog(),
        { rows = rows, journal = journal, progress = false })
    end)
    assert.matches(journal, err.message, 1, true)
    assert.matches("pid " .. pid, err.message, 1, true)
    os.execute("kill -9 " .. pid)
    -- the first job gone (the kernel drops its lock), the rerun finishes it
    deadline = core.now() + 10
    while core.now() < deadline and succeeds("kill -0 " .. pid .. " 2>/dev/null") do
      core.engine():wait(0.05)
    end
    sandbox.clear_faults()
    local out = tmp(".jsonl")
    local report = lmskit.workflow("catalog", "enroll", sandbox.catalog(),
      { rows = rows, journal = journal, results = out, progress = false })
    assert.is_true(report.complete)
    local counts, total = enrollments()
    assert.equal(300, total)
    for i = 1, 300 do assert.equal(1, counts[i], "user " .. i) end
    judge(out, catalog_present(counts))
    os.remove(rows); os.remove(journal); os.remove(out)
  end)

  it("refuses a second job on a journal in use in the same process", function()
    local journal = tmp()
    local inner
    lmskit.bulk { rows = { { id = "a" } }, key = "id", journal = journal, progress = false,
                  run = function()
                    inner = sandbox.error_of(function()
                      lmskit.bulk { rows = { { id = "a" } }, key = "id", journal = journal, progress = false,
                                    run = function() end }
                    end)
                  end }
    assert.equal("usage", inner.kind)
    assert.matches("in use", inner.message)
    os.remove(journal)
  end)

  it("repairs a torn last line on open: nothing appended onto it, its row not sent again", function()
    local catalog = sandbox.catalog()
    local rows, journal = enroll_csv(1, 10), tmp()
    local function job()
      return lmskit.bulk {
        rows = rows, key = "canvas_user_id", journal = journal, concurrency = 1, progress = false,
        run = function(row)
          catalog.enrollments:create { listing_id = row.listing_id, canvas_user_id = row.canvas_user_id }
        end,
        verify = function(row)
          for e in catalog.enrollments:list { listing_id = row.listing_id, per_page = 100 } do
            if tostring(e.user.id) == row.canvas_user_id then return "done" end
          end
          return "absent"
        end }
    end
    assert.is_true(job().complete)
    -- the process died while writing the last record: half of it is there
    local text = read(journal)
    local last = text:match("([^\n]*)\n$")
    assert.matches('"k":"10"', last)
    local f = assert(io.open(journal, "wb"))
    f:write(text:sub(1, #text - #last - 1) .. last:sub(1, math.floor(#last / 2)))
    f:close()
    -- row 10's "started" record is whole: its outcome is looked up, not sent again
    sandbox.clear_log()
    local again = job()
    assert.is_true(again.complete)
    assert.equal(1, again.torn)
    assert.equal(0, posts("/catalog/api/v1/enrollments"))
    for line in io.lines(journal) do assert.is_table(json.decode(line), "journal line: " .. line) end
    local counts, total = enrollments()
    assert.equal(10, total)
    for i = 1, 10 do assert.equal(1, counts[i]) end
    os.remove(rows); os.remove(journal)
  end)

  it("ties the journal to its vendor, workflow and CSV; refuses another unless told", function()
    local catalog = sandbox.catalog()
    local rows, other, journal = enroll_csv(1, 3), enroll_csv(4, 6), tmp()
    assert.is_true(lmskit.workflow("catalog", "enroll", catalog,
      { rows = rows, journal = journal, progress = false }).complete)
    local err = usage_error(function()
      lmskit.workflow("catalog", "enroll", catalog, { rows = other, journal = journal, progress = false })
    end)
    assert.matches(journal, err.message, 1, true)
    assert.matches(other, err.message, 1, true)
    err = usage_error(function()
      lmskit.workflow("coursepath", "enroll", sandbox.coursepath(),
        { rows = write("course_id,member_id\n3,2\n"), journal = journal, progress = false })
    end)
    assert.matches("catalog enroll", err.message, 1, true)
    local _, before = enrollments()
    assert.equal(3, before)
    local forced = lmskit.workflow("catalog", "enroll", catalog,
      { rows = other, journal = journal, progress = false, journal_mismatch = "ignore" })
    assert.is_true(forced.complete)
    local counts, total = enrollments()
    assert.equal(6, total)
    for i = 1, 6 do assert.equal(1, counts[i]) end
    os.remove(rows); os.remove(other); os.remove(journal)
  end)
end)

describe("bulk: journals of earlier versions (no header)", function()
  it("are used: done rows skipped, a started row (it notified) not run again, a header added", function()
    local journal = tmp()
    local j = core.journal_open(journal)
    j:append('{"k":"ann","s":"ok"}')
    j:append('{"k":"bob","s":"started","m":"started"}') -- earlier versions: notifying rows only
    j:append('{"k":"cy","s":"failed","r":false,"e":"validation","m":"refused"}')
    j:close()
    local ran = {}
    local report = lmskit.bulk { rows = { { id = "ann" }, { id = "bob" }, { id = "cy" }, { id = "dee" } },
      key = "id", journal = journal, progress = false, run = function(row) ran[#ran + 1] = row.id end }
    table.sort(ran)
    assert.same({ "cy", "dee" }, ran) -- a failed row is tried again
    assert.same({ skipped = 1, unknown = 1, ok = 2, kept_unknown = 1 },
                { skipped = report.skipped, unknown = report.unknown, ok = report.ok,
                  kept_unknown = report.rerun.kept_unknown })
    assert.matches('^{[^\n]*"journal":1', read(journal):match("[^\n]*\n[^\n]*\n[^\n]*\n([^\n]*)"))
    os.remove(journal)
  end)
end)

describe("bulk: the input is checked before the first write", function()
  before_each(function() sandbox.reset() end)

  local SCHEMA = { required = { "listing_id" }, one_of = { { "canvas_user_id", "email" } } }

  local function refused(rows, extra)
    sandbox.clear_log()
    local opts = { rows = rows, progress = false, required = SCHEMA.required, one_of = SCHEMA.one_of }
    for k, v in pairs(extra or {}) do opts[k] = v end
    local err = usage_error(function() lmskit.workflow("catalog", "enroll", sandbox.catalog(), opts) end)
    assert.equal(0, #sandbox.requests(), "requests were sent")
    return err.message
  end

  it("names a missing column, and sends nothing", function()
    local message = refused(write("canvas_user_id\n1\n2\n"))
    assert.matches("column 'listing_id'", message, 1, true)
    message = refused(write("listing_id,name\n1,A\n"))
    assert.matches("'canvas_user_id'", message, 1, true)
    assert.matches("'email'", message, 1, true)
  end)

  it("gives the line of a malformed record mid-file, and sends nothing", function()
    local lines = { "listing_id,canvas_user_id" }
    for i = 1, 1000 do lines[#lines + 1] = "1," .. i end
    lines[301] = '1,"multi\nline"' -- a quoted field over two lines: later records are one line further
    lines[601] = "1,601,extra"
    local message = refused(write(table.concat(lines, "\n") .. "\n"))
    assert.matches("line 602", message, 1, true)
    lines[601] = '1,6"01'
    message = refused(write(table.concat(lines, "\n") .. "\n"))
    assert.matches("line 602", message, 1, true)
    lines[601] = '1,"601'
    message = refused(write(table.concat(lines, "\n") .. "\n"))
    assert.matches("line 602", message, 1, true)
    assert.matches("never closed", message, 1, true)
  end)

  it("refuses non-UTF-8, and converts Latin-1 only when asked", function()
    local coggno = sandbox.coggno()
    local text = "group_id,email,first_name,last_name,password\n" ..
                 "1,jose@school.example,Jos\233,Garc\237a,secret1\n"
    local rows = write(text)
    sandbox.clear_log()
    local err = usage_error(function()
      lmskit.workflow("coggno", "enroll", coggno, { rows = rows, progress = false })
    end)
    assert.matches("line 2", err.message, 1, true)
    assert.matches("first_name", err.message, 1, true)
    assert.matches("UTF-8", err.message, 1, true)
    assert.equal(0, #sandbox.requests())
    local out = tmp(".jsonl")
    local report = lmskit.workflow("coggno", "enroll", coggno,
      { rows = rows, progress = false, encoding = "latin1", results = out })
    assert.is_true(report.complete)
    local user = coggno.users:get("jose@school.example")
    assert.equal("Jos\195\169", user.first_name)
    assert.equal("Garc\195\173a", user.last_name)
    -- a secret column's value is named, never shown
    err = usage_error(function()
      lmskit.workflow("coggno", "enroll", coggno, { progress = false, rows = {
        { group_id = "1", email = "x@school.example", first_name = "X", last_name = "Y", password = "s\233cret9" } } })
    end)
    assert.matches("row 1: column 'password' is not UTF-8", err.message, 1, true)
    assert.not_matches("cret9", err.message, 1, true)
    os.remove(rows); os.remove(out)
  end)

  it("lists duplicate keys and empty required values with their lines", function()
    local message = refused(write("listing_id,canvas_user_id,email\n1,1,\n1,2,\n,3,\n1,,\n1,1,\n"))
    assert.matches("line 4: column 'listing_id' is empty", message, 1, true)
    assert.matches("line 5: one of 'canvas_user_id', 'email'", message, 1, true)
    assert.matches("line 6", message, 1, true)
    assert.matches("line 2", message, 1, true)
  end)

  it("lists at most 20 problems", function()
    local lines = { "listing_id,canvas_user_id" }
    for i = 1, 50 do lines[#lines + 1] = "," .. i end
    local message = refused(write(table.concat(lines, "\n") .. "\n"))
    assert.matches("line 21:", message, 1, true)
    assert.not_matches("line 22:", message, 1, true)
    assert.matches("30 more", message, 1, true)
  end)
end)

describe("bulk: a job stops when it cannot succeed", function()
  before_each(function() sandbox.reset() end)

  it("stops after 5 transport failures to a dead host, leaving the rest untouched", function()
    local dead = lmskit.catalog { base_url = "https://127.0.0.1:" .. (tonumber(sandbox.url:match(":(%d+)$")) + 9) ..
                                  "/catalog", token = "x", ca_file = sandbox.ca }
    local rows, journal, out = enroll_csv(1, 1000), tmp(), tmp(".jsonl")
    local started = core.now()
    local report = lmskit.workflow("catalog", "enroll", dead,
      { rows = rows, journal = journal, results = out, progress = false })
    local seconds = core.now() - started
    assert.is_true(seconds < 5 * runtime.slowdown, ("%.1f s"):format(seconds))
    assert.matches("127.0.0.1", report.stopped, 1, true)
    assert.is_true(report.untouched >= 1000 - 16 - 5, report.untouched .. " untouched")
    assert.is_false(report.complete)
    local seen = judge(out, function() return false end)
    assert.equal(report.untouched, seen.untouched)
    -- the rows left are resumable: the rerun against the live host does all
    local again = lmskit.workflow("catalog", "enroll", sandbox.catalog(),
      { rows = rows, journal = journal, results = out, progress = false })
    assert.is_true(again.complete)
    local counts, total = enrollments()
    assert.equal(1000, total)
    judge(out, catalog_present(counts))
    os.remove(rows); os.remove(journal); os.remove(out)
  end)

  it("breaker = 0 disables it; breaker = n sets it", function()
    local rows = {}
    for i = 1, 40 do rows[i] = { listing_id = "1", canvas_user_id = tostring(i) } end
    local bad = sandbox.catalog { token = "wrong-token" }
    local all = lmskit.workflow("catalog", "enroll", bad, { rows = rows, progress = false, breaker = 0 })
    assert.equal(40, all.failed)
    assert.is_nil(all.stopped)
    local two = lmskit.workflow("catalog", "enroll", bad,
      { rows = rows, progress = false, breaker = 2, concurrency = 1 })
    assert.equal(2, two.failed)
    assert.equal(38, two.untouched)
    assert.matches("2 ", two.stopped, 1, true)
  end)
end)
