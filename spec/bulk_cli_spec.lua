-- bin/lmskit's bulk jobs as a user meets them, in a pseudo-terminal
-- (script(1) from util-linux): the breaker's stop and the rerun that
-- finishes, a journal in use, a journal made for another job, input
-- refused before anything is sent.  Judged from the simulator too.
local json = require "lmskit.json"
local core = require "lmskit.core"
local sandbox = require "sandbox"
local runtime = require "support.runtime"
local job_files = require "support.catalog_job"
local tmp, write = job_files.tmp, job_files.write
local enroll_csv, enrollments = job_files.enroll_csv, job_files.enrollments

-- True when the shell command exits 0 (5.1 and LuaJIT: os.execute
-- returns the status; 5.2+: true or nil).
local function succeeds(command)
  local r = os.execute(command)
  return r == true or r == 0
end

local lmskit_tty = require("support.tty").lmskit

-- Catalog credentials as a user gives them (no --sandbox: a wrong token
-- or a dead host is possible).
local function catalog_env(token, url)
  return { LMSKIT_CATALOG_BASE_URL = (url or sandbox.url) .. "/catalog", LMSKIT_CATALOG_TOKEN = token,
           LMSKIT_CATALOG_CA_FILE = sandbox.ca, LMSKIT_PROFILES = "/nonexistent" }
end

describe("bin/lmskit bulk jobs in a terminal", function()
  before_each(function() sandbox.reset() end)

  it("a wrong token stops the job early (exit 1); fixed, the same command finishes it (exit 0)", function()
    local rows, journal, out = enroll_csv(1, 200), tmp(), tmp(".jsonl")
    local args = "catalog enroll --csv " .. rows .. " --journal " .. journal .. " --results " .. out
    local shown, code = lmskit_tty(args, catalog_env("wrong-token"))
    assert.equal(1, code, shown)
    assert.matches("stopped: 5 calls in a row were refused (auth 401", shown, 1, true)
    assert.matches("untouched", shown, 1, true)
    assert.matches("run the same command again", shown, 1, true)
    assert.is_true(#sandbox.requests() <= 5 + 16, #sandbox.requests() .. " requests")
    shown, code = lmskit_tty(args, catalog_env("sandbox-catalog-token"))
    assert.equal(0, code, shown)
    assert.matches("200 rows: 200 done (200 created, 0 exists, 0 updated), 0 failed, 0 unknown, 0 skipped",
                   shown, 1, true)
    assert.matches("retried failed", shown, 1, true)
    local counts, total = enrollments()
    assert.equal(200, total)
    for i = 1, 200 do assert.equal(1, counts[i]) end
    for line in io.lines(out) do assert.equal("done", json.decode(line).outcome) end
    os.remove(rows); os.remove(journal); os.remove(out)
  end)

  it("a dead host stops the job within seconds", function()
    local rows, journal = enroll_csv(1, 2000), tmp()
    local dead = "https://127.0.0.1:" .. (tonumber(sandbox.url:match(":(%d+)$")) + 9)
    local started = core.now()
    local shown, code = lmskit_tty("catalog enroll --csv " .. rows .. " --journal " .. journal,
                                   catalog_env("x", dead))
    local seconds = core.now() - started
    assert.equal(1, code, shown)
    assert.is_true(seconds < 5, ("%.1f s"):format(seconds))
    assert.matches("could not reach 127.0.0.1:", shown, 1, true)
    os.remove(rows); os.remove(journal)
  end)

  it("Ctrl-C: the calls in flight finish and are journaled (exit 130); the same command finishes the job", function()
    local rows, journal = enroll_csv(1, 600), tmp()
    sandbox.latency { path = "/catalog/api/v1/enrollments", min_ms = 20, max_ms = 40, rate = 1 }
    local args = "catalog enroll --sandbox --concurrency 2 --csv " .. rows .. " --journal " .. journal
    local shown, code = lmskit_tty(args, {}, "sleep 2; printf '\\003'; sleep 4")
    sandbox.control("DELETE", "latency")
    assert.equal(130, code, shown)
    assert.matches("stopped: interrupted (Ctrl-C)", shown, 1, true)
    assert.matches("run the same command again to do the rest", shown, 1, true)
    assert.not_matches("interrupted!", shown, 1, true) -- no Lua error, no traceback
    assert.not_matches("traceback", shown, 1, true)
    local done = tonumber(shown:match("(%d+) done"))
    local untouched = tonumber(shown:match("(%d+) untouched"))
    assert.is_true(done > 0 and untouched > 0, shown)
    local _, total = enrollments()
    assert.equal(done, total) -- what it says it did is what the server has
    shown, code = lmskit_tty(args .. " -q", {})
    assert.equal(0, code, shown)
    local counts
    counts, total = enrollments()
    assert.equal(600, total)
    for id = 1, 600 do assert.equal(1, counts[id], "user " .. id) end
  end)

  it("refuses a second job on a journal in use (exit 2), naming the journal and the pid", function()
    local rows, journal = enroll_csv(1, 400), tmp()
    sandbox.fault { path = "/catalog/api/v1/enrollments", kind = "delay", delay_ms = 50, count = 100000 }
    local p = io.popen("exec " .. runtime.lua .. " bin/lmskit catalog enroll --sandbox -q --concurrency 4 --csv " ..
                       rows .. " --journal " .. journal .. " >/dev/null 2>&1 & echo $!")
    local pid = p:read("*l")
    p:close()
    local deadline = core.now() + 20
    repeat core.engine():wait(0.05) until (io.open(journal) and #assert(io.open(journal)):read("*a") > 300)
                                          or core.now() > deadline
    local shown, code = lmskit_tty("catalog enroll --sandbox -q --csv " .. rows .. " --journal " .. journal, {})
    os.execute("kill -9 " .. pid)
    deadline = core.now() + 10 -- gone before the next spec resets the sandbox
    while core.now() < deadline and succeeds("kill -0 " .. pid .. " 2>/dev/null") do core.engine():wait(0.05) end
    assert.equal(2, code, shown)
    assert.matches("journal " .. journal .. ": in use by another job (pid " .. pid .. ")", shown, 1, true)
    os.remove(rows); os.remove(journal)
  end)

  it("refuses a journal made for another CSV unless --force-journal", function()
    local rows, other, journal = enroll_csv(1, 3), enroll_csv(4, 6), tmp()
    local _, code = lmskit_tty("catalog enroll --sandbox -q --csv " .. rows .. " --journal " .. journal, {})
    assert.equal(0, code)
    local shown
    shown, code = lmskit_tty("catalog enroll --sandbox -q --csv " .. other .. " --journal " .. journal, {})
    assert.equal(2, code, shown)
    assert.matches("--force-journal", shown, 1, true)
    local _, total = enrollments()
    assert.equal(3, total)
    _, code = lmskit_tty("catalog enroll --sandbox -q --force-journal --csv " .. other .. " --journal " .. journal, {})
    assert.equal(0, code)
    _, total = enrollments()
    assert.equal(6, total)
    os.remove(rows); os.remove(other); os.remove(journal)
  end)

  it("refuses bad input before sending anything (exit 2), listing the problems with their lines", function()
    sandbox.clear_log()
    -- enroll declares listing_id required: the header lacks it
    local shown, code = lmskit_tty("catalog enroll --sandbox -q --csv " ..
                                   write("canvas_user_id\n1\n2\n"), {})
    assert.equal(2, code, shown)
    assert.matches("column 'listing_id' is required and the header has no such column", shown, 1, true)
    assert.matches("'canvas_user_id'", shown, 1, true)
    -- a workflow the vendor cannot do is not offered (Catalog has no call
    -- that drops an enrollment)
    shown, code = lmskit_tty("catalog unenroll --sandbox -q --csv " .. write("listing_id\n1\n2\n"), {})
    assert.equal(2, code, shown)
    assert.matches("unknown command 'unenroll'", shown, 1, true)
    shown, code = lmskit_tty("catalog enroll --sandbox -q --csv " ..
                             write("listing_id,canvas_user_id\n1,1\n1,2,3\n1,\"4\n"), {})
    assert.equal(2, code, shown)
    assert.matches("line 3: 3 fields, the header names 2", shown, 1, true)
    local latin1 = write("group_id,email,first_name,last_name,password\n1,jose@school.example,Jos\233,G,secret1\n")
    shown, code = lmskit_tty("coggno enroll --sandbox -q --csv " .. latin1, {})
    assert.equal(2, code, shown)
    assert.matches("line 2: column 'first_name' is not UTF-8", shown, 1, true)
    assert.equal(0, #sandbox.requests())
    shown, code = lmskit_tty("coggno enroll --sandbox -q --encoding latin1 --csv " .. latin1, {})
    assert.equal(0, code, shown)
    assert.equal("Jos\195\169", sandbox.coggno().users:get("jose@school.example").first_name)
  end)
end)
