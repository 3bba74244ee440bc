-- bin/lmskit: client options from flags and LMSKIT_<VENDOR>_<OPTION>
-- variables (documented in --help; an unknown variable is warned about),
-- a summary that tells done (by how), failed, unknown and skipped rows,
-- and exit 0 only when every row is done.  Judged from the simulator's
-- state and the results file; the terminal case in a pseudo-terminal.
local json = require "lmskit.json"
local core = require "lmskit.core"
local sandbox = require "sandbox"
local runtime = require "support.runtime"
local once = require "support.exactly_once"
local files = require "support.files"

-- Runs bin/lmskit with args (and environment assignments before it);
-- returns its output (stdout and stderr), exit status and wall time.
local function cli(args, env)
  local started = core.now()
  local p = io.popen((env or "") .. " " .. runtime.lua .. " bin/lmskit " .. args .. " 2>&1; echo \"exit=$?\"")
  local out = p:read("*a")
  p:close()
  return out, tonumber(out:match("exit=(%d+)%s*$")), core.now() - started
end

-- The results file (CSV through --results) by row: { outcome, how, fix, ... }.
local function results_of(path)
  local rows, header = {}, nil
  for line in io.lines(path) do
    local fields = {}
    for v in (line:gsub("\r$", "") .. ","):gmatch('"(.-)",') do fields[#fields + 1] = v end
    if not header then header = fields else
      local r = {}
      for i, name in ipairs(header) do r[name] = fields[i] end
      rows[tonumber(r.row)] = r
    end
  end
  return rows
end

-- Canvas user ids enrolled in a listing -> how many times.
local function enrolled(listing)
  local n = {}
  for e in sandbox.catalog().enrollments:list { listing_id = listing, per_page = 100 } do
    n[e.user.id] = (n[e.user.id] or 0) + 1
  end
  return n
end

local SANDBOX_MATRIX = ("LMSKIT_MATRIX_BASE_URL=%s/matrix LMSKIT_MATRIX_API_KEY=sandbox-matrix-key " ..
                        "LMSKIT_MATRIX_CA_FILE=%s"):format(sandbox.url, sandbox.ca)

describe("bin/lmskit client options", function()
  before_each(function() sandbox.reset() end)

  it("documents rate, concurrency, timeout and retries, as flags and LMSKIT_<VENDOR>_<OPTION>, in --help", function()
    for _, args in ipairs { "matrix enroll --help", "catalog call --help", "coursepath invite --help" } do
      local out, code = cli(args)
      assert.equal(0, code, out)
      for _, flag in ipairs { "--rate", "--concurrency", "--timeout", "--connect-timeout", "--retries" } do
        assert.matches(flag, out, 1, true)
      end
      assert.matches("LMSKIT_" .. args:match("^%a+"):upper() .. "_RATE", out, 1, true)
      assert.matches("120/60", out, 1, true)
    end
    assert.matches("--resend", (cli("coursepath invite --help")), 1, true)
    assert.matches("--resend", (cli("matrix invite --help")), 1, true)
    assert.not_matches("--resend", (cli("matrix enroll --help")), 1, true)
  end)

  it("takes the rate from LMSKIT_MATRIX_RATE and from --rate (2 calls a second: paced)", function()
    -- no such users: each call is refused, but each is made
    local rows = files.with("userid\nnone1\nnone2\nnone3\nnone4\nnone5\n")
    for _, how in ipairs { { "LMSKIT_MATRIX_RATE=2/1 " .. SANDBOX_MATRIX, "" },
                           { SANDBOX_MATRIX, " --rate 2/1" } } do
      sandbox.reset()
      local out, _, wall = cli("matrix invite -q --csv " .. rows .. how[2], how[1])
      assert.matches("5 rows", out)
      local calls = {}
      for _, r in ipairs(sandbox.requests()) do
        if r.path:find("update_user", 1, true) then calls[#calls + 1] = r end
      end
      assert.equal(5, #calls, out)
      assert.is_true(sandbox.busiest_window(calls, 1) <= 2, "more than 2 calls in a second: " .. how[1] .. how[2])
      assert.is_true(wall >= 1.5, ("5 calls at 2 a second took %.2f s"):format(wall))
    end
    local out, code = cli("matrix invite -q --csv " .. rows .. " --rate fast", SANDBOX_MATRIX)
    assert.equal(2, code, out)
    assert.matches("CALLS/SECONDS", out, 1, true)
    out, code = cli("matrix invite -q --csv " .. rows, "LMSKIT_MATRIX_RATE=fast " .. SANDBOX_MATRIX)
    assert.equal(2, code, out)
    assert.matches("LMSKIT_MATRIX_RATE", out, 1, true)
    os.remove(rows)
  end)

  it("takes timeout and retries from LMSKIT_CATALOG_* and from flags", function()
    local base = ("LMSKIT_CATALOG_BASE_URL=%s/catalog LMSKIT_CATALOG_TOKEN=sandbox-catalog-token " ..
                  "LMSKIT_CATALOG_CA_FILE=%s "):format(sandbox.url, sandbox.ca)
    local path = "/catalog/api/v1/catalogs"
    for _, case in ipairs { { base .. "LMSKIT_CATALOG_TIMEOUT=0.5", "" }, { base, " --timeout 0.5" } } do
      sandbox.fault { path = path, kind = "delay", delay_ms = 3000, count = 10 }
      local out, code, wall = cli("catalog call catalogs list --retries 0" .. case[2], case[1])
      sandbox.clear_faults()
      assert.equal(1, code, out)
      assert.matches("timeout", out)
      assert.is_true(wall < 2.5, ("took %.1f s"):format(wall))
    end
    for _, case in ipairs { { base .. "LMSKIT_CATALOG_RETRIES=0", "" }, { base, " --retries 0" } } do
      sandbox.fault { path = path, kind = "502", count = 1 }
      local out, code = cli("catalog call catalogs list" .. case[2], case[1])
      assert.equal(1, code, out)
      assert.matches("502", out)
    end
    sandbox.fault { path = path, kind = "502", count = 1 }
    local out, code = cli("catalog call catalogs list", base) -- the default retries: the second try answers
    assert.equal(0, code, out)
    assert.equal(2, #json.decode(out:match("^(.-)\n")))
  end)

  it("takes the concurrency from LMSKIT_CATALOG_CONCURRENCY and --concurrency", function()
    local rows = files.with("listing_id,canvas_user_id\n1,11\n1,12\n1,13\n1,14\n")
    local base = ("LMSKIT_CATALOG_BASE_URL=%s/catalog LMSKIT_CATALOG_TOKEN=sandbox-catalog-token " ..
                  "LMSKIT_CATALOG_CA_FILE=%s "):format(sandbox.url, sandbox.ca)
    local function overlap()
      local most, open = 0, {}
      for _, r in ipairs(sandbox.requests()) do
        if r.method == "POST" then open[#open + 1] = r.time end
      end
      table.sort(open)
      for i = 2, #open do if open[i] - open[i - 1] < 0.3 then most = most + 1 end end
      return most
    end
    for _, case in ipairs { { base .. "LMSKIT_CATALOG_CONCURRENCY=1", "" }, { base, " --concurrency 1" } } do
      sandbox.reset()
      sandbox.fault { path = "/catalog/api/v1/enrollments", method = "POST", kind = "delay", delay_ms = 400,
                      count = 10 }
      local out, code, wall = cli("catalog enroll -q --csv " .. rows .. case[2], case[1])
      assert.equal(0, code, out)
      assert.is_true(wall >= 1.6, ("4 rows of 0.4 s one at a time took %.2f s"):format(wall))
      assert.equal(0, overlap())
    end
    os.remove(rows)
  end)

  it("warns about an LMSKIT_<VENDOR>_ variable that names no option, and goes on", function()
    local env = ("LMSKIT_CATALOG_BASE_URL=%s/catalog LMSKIT_CATALOG_TOKN=x " ..
                 "LMSKIT_CATALOG_TOKEN=sandbox-catalog-token LMSKIT_CATALOG_CA_FILE=%s"):format(sandbox.url, sandbox.ca)
    local out, code = cli("catalog call catalogs list", env)
    assert.equal(0, code, out)
    assert.matches("warning: LMSKIT_CATALOG_TOKN", out, 1, true)
    assert.matches("token", out:match("warning: LMSKIT_CATALOG_TOKN[^\n]*"), 1, true) -- the known names
    assert.not_matches("LMSKIT_CATALOG_TOKEN is", out, 1, true)
  end)
end)

describe("bin/lmskit summary and exit status", function()
  before_each(function() sandbox.reset() end)

  it("lists done by how, failed, unknown and skipped; exit 1 unless every row is done", function()
    sandbox.catalog().enrollments:create { listing_id = 1, canvas_user_id = 12 }
    local rows = files.with("listing_id,canvas_user_id\n1,11\n1,12\n999,13\n")
    local out_file = os.tmpname() .. ".csv"
    local out, code = cli("catalog enroll --sandbox -q --csv " .. rows .. " --results " .. out_file)
    assert.equal(1, code, out)
    assert.matches("3 rows: 2 done (1 created, 1 exists, 0 updated), 1 failed, 0 unknown, 0 skipped",
                   out, 1, true)
    -- rows are numbered by their record in the file (the header is record 1)
    assert.matches("row 4: failed (input): validation 422: listing_id does not exist", out, 1, true)
    local results = results_of(out_file)
    assert.same({ "done created", "done exists", "failed input" },
                { results[2].outcome .. " " .. results[2].how, results[3].outcome .. " " .. results[3].how,
                  results[4].outcome .. " " .. results[4].fix })
    local n = enrolled(1)
    assert.same({ 1, 1 }, { n[11], n[12] })
    assert.is_nil(enrolled(999)[13])
    os.remove(out_file)
    -- every row done: exit 0
    local good = files.with("listing_id,canvas_user_id\n1,11\n2,14\n")
    out, code = cli("catalog enroll --sandbox -q --csv " .. good)
    assert.equal(0, code, out)
    assert.matches("2 rows: 2 done (1 created, 1 exists, 0 updated), 0 failed, 0 unknown, 0 skipped", out, 1, true)
    os.remove(rows)
    os.remove(good)
  end)

  it("exits 1 for a row whose outcome is unknown, saying what was tried", function()
    local rows = files.with("member_id\n2\n1\n")
    sandbox.fault { path = "/coursepath/api/v1/members/2/invite", method = "POST", kind = "drop_after" }
    local out, code = cli("coursepath invite --sandbox -q --csv " .. rows)
    assert.equal(1, code, out)
    assert.matches("2 rows: 1 done (0 created, 0 exists, 0 updated, 1 sent), 0 failed, 1 unknown, 0 skipped",
                   out, 1, true)
    assert.matches("row 2: unknown: ", out, 1, true)
    assert.matches("no read can show whether it took effect", out, 1, true)
    assert.equal(1, (once.applied()))
    assert.equal(2, #sandbox.control("GET", "coursepath/invites").invites) -- both went out, once each
    os.remove(rows)
  end)

  it("shows a progress bar and the summary on a terminal (a pseudo-terminal)", function()
    local rows = files.with("listing_id,canvas_user_id\n1,11\n1,12\n")
    local out, code = require("support.tty").lmskit("catalog enroll --sandbox --csv " .. rows, {
      LMSKIT_SANDBOX_URL = sandbox.url, LMSKIT_SANDBOX_CA = sandbox.ca })
    assert.equal(0, code, out)
    assert.matches("%[=+%]", out) -- the bar, redrawn in place
    assert.matches("2 rows: 2 done (2 created, 0 exists, 0 updated), 0 failed, 0 unknown, 0 skipped", out, 1, true)
    os.remove(rows)
  end)
end)

describe("bin/lmskit as a person meets it", function()
  it("--version prints the version lmskit and its rockspec carry (exit 0)", function()
    local out, code = cli("--version")
    assert.equal(0, code)
    assert.equal("lmskit " .. require("lmskit").version .. "\nexit=0\n", out)
    local f = io.open("rockspec/lmskit-" .. require("lmskit").version .. "-1.rockspec")
    assert.is_not_nil(f, "a rockspec named for the version")
    f:close()
  end)

  it("gives the same help every time, commands in a fixed order, and offers only what a vendor can do", function()
    local first = cli("--help")
    for _ = 1, 3 do assert.equal(first, (cli("--help"))) end
    assert.is_true(first:find("catalog", 1, true) < first:find("matrix", 1, true))
    local catalog = cli("catalog --help")
    for _ = 1, 3 do assert.equal(catalog, (cli("catalog --help"))) end
    assert.matches("enroll", catalog, 1, true)
    assert.not_matches("unenroll", catalog, 1, true) -- Catalog's API cannot drop an enrollment
    local coggno = cli("coggno --help")
    assert.is_true(coggno:find("   enroll", 1, true) < coggno:find("   unenroll", 1, true))
  end)

  it("names the variable and the profile key of a missing credential (exit 2)", function()
    local rows = files.with("listing_id,canvas_user_id\n1,1\n")
    local out, code = cli("catalog enroll --csv " .. rows, "env LMSKIT_PROFILES=/nonexistent")
    assert.equal(2, code, out)
    assert.matches("catalog needs its token: set the variable LMSKIT_CATALOG_TOKEN, or token = \"...\" " ..
                   "in the catalog table of profile 'default' in /nonexistent", out, 1, true)
    out, code = cli("coursepath enroll --profile work --csv " .. rows,
                    "env LMSKIT_PROFILES=/nonexistent LMSKIT_COURSEPATH_ACADEMY_URL=https://x.example")
    assert.equal(2, code, out)
    assert.matches("no profile 'work'", out, 1, true)
    out, code = cli("coggno enroll --csv " .. rows, "env LMSKIT_PROFILES=/nonexistent")
    assert.equal(2, code, out)
    assert.matches("LMSKIT_COGGNO_API_KEY", out, 1, true)
    os.remove(rows)
  end)

  it("exits 2 for a usage error and 1 for rows that failed", function()
    local out, code = cli("catalog enroll --csv /nonexistent/rows.csv --sandbox")
    assert.equal(2, code, out)
    out, code = cli("catalog enroll --concurrency 0 --sandbox --csv x.csv")
    assert.equal(2, code, out)
    assert.matches("concurrency", out, 1, true)
  end)
end)
