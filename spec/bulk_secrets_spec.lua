-- A bulk job never writes a secret column (password, token, api_key...)
-- to its journal or its results, keys rows without them, and creates its
-- results file (and journal) readable by its owner only.  Workflows key
-- rows by their declared columns; dry runs mask every secret-named field.
local lmskit = require "lmskit"
local core = require "lmskit.core"
local workflows = require "lmskit.workflows"
local sandbox = require "sandbox"
local files = require "support.files"

-- Runs a job whose rows carry secret columns and whose every row fails
-- with an error echoing the row (as a careless server would); returns
-- the report, the journal's text and the results file's text.
local function job_with_secrets(results_suffix, key)
  local journal, results = files.fresh_path(), files.fresh_path(results_suffix)
  local rows = {
    { email = "ann@school.edu", password = "hunter2-pass-ann", api_token = "tok-ann-0123456789" },
    { email = "bob@school.edu", password = "hunter2-pass-bob", api_token = "tok-bob-0123456789" },
  }
  local report = lmskit.bulk { rows = rows, journal = journal, results = results, progress = false,
    key = key, retries = 0,
    run = function(row)
      if row.email == "ann@school.edu" then return "ok" end
      error(core.error { kind = "validation", status = 422, code = "bad " .. row.password,
                         message = "refused: " .. row.email .. " / " .. row.password .. " / " .. row.api_token })
    end }
  local text = { journal = files.read(journal), results = files.read(results) }
  os.remove(journal)
  os.remove(results)
  return report, text, journal, results
end

describe("bulk and secret columns", function()
  for _, suffix in ipairs { ".csv", ".jsonl" } do
    it("a job without a key neither journals nor reports them (results " .. suffix .. ")", function()
      local report, text = job_with_secrets(suffix)
      assert.equal(1, report.ok)
      assert.equal(1, report.failed)
      for _, where in ipairs { "journal", "results" } do
        for _, secret in ipairs { "hunter2", "tok-ann", "tok-bob" } do
          assert.is_nil(text[where]:find(secret, 1, true), where .. " shows " .. secret .. ":\n" .. text[where])
        end
      end
      assert.matches("bob@school.edu", text.results) -- the other columns still key and report the row
      local failure = report.failures[1]
      assert.is_nil(failure.message:find("hunter2", 1, true))
      assert.is_nil(failure.code:find("hunter2", 1, true))
    end)
  end

  it("refuses a key that names a secret column", function()
    local ok, err = pcall(job_with_secrets, ".csv", { "email", "password" })
    assert.is_false(ok)
    assert.is_true(lmskit.is_error(err))
    assert.equal("usage", err.kind)
    assert.matches("password", err.message)
  end)

  it("creates the results file 0600, even over an older file readable by others", function()
    local results = files.fresh_path(".csv")
    local f = assert(io.open(results, "w"))
    f:write("old\n")
    f:close()
    assert(os.execute("chmod 644 " .. results))
    lmskit.bulk { rows = { { a = "1" } }, results = results, progress = false, run = function() end }
    assert.equal(tonumber("600", 8), core.file_mode(results))
    assert.is_nil(files.read(results):find("old", 1, true))
    os.remove(results)
    local fresh = files.fresh_path(".jsonl")
    lmskit.bulk { rows = { { a = "1" } }, results = fresh, progress = false, run = function() end }
    assert.equal(tonumber("600", 8), core.file_mode(fresh))
    os.remove(fresh)
  end)

  it("creates the journal 0600 and refuses one that others can read", function()
    local journal = files.fresh_path()
    lmskit.bulk { rows = { { a = "1" } }, journal = journal, progress = false, run = function() end }
    assert.equal(tonumber("600", 8), core.file_mode(journal))
    assert(os.execute("chmod 644 " .. journal))
    local ok, err = pcall(lmskit.bulk, { rows = { { a = "2" } }, journal = journal, progress = false,
                                         run = function() end })
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.matches("chmod 600", err.message)
    os.remove(journal)
  end)
end)

describe("journals of earlier versions (keyed by every column)", function()
  it("still skip the rows they record as done or started: an invitation is not sent twice", function()
    local journal = files.fresh_path()
    local j = core.journal_open(journal)
    -- what earlier versions wrote for these rows: every column, sorted
    j:append('{"k":"email=ann@school.edu\\u001fpassword=pw-ann-0001","s":"ok"}')
    j:append('{"k":"email=bob@school.edu\\u001fpassword=pw-bob-0001","s":"started","m":"started"}')
    j:close()
    local ran = {}
    local report = lmskit.bulk { rows = { { email = "ann@school.edu", password = "pw-ann-0001" },
                                          { email = "bob@school.edu", password = "pw-bob-0001" },
                                          { email = "cy@school.edu", password = "pw-cy-0001" } },
      journal = journal, progress = false, run = function(row) ran[#ran + 1] = row.email end }
    assert.same({ "cy@school.edu" }, ran)
    -- ann done: skipped; bob started and never finished (an earlier
    -- version journaled "started" only for rows that notify): its outcome
    -- stays unknown, and it is not sent again
    assert.equal(1, report.skipped)
    assert.equal(1, report.unknown)
    assert.equal(1, report.rerun.kept_unknown)
    local text = files.read(journal)
    assert.is_nil(text:find("pw-cy", 1, true))
    os.remove(journal)
  end)
end)

describe("workflow keys", function()
  -- a row with every column any workflow reads, and secrets beside them
  local row = {
    listing_id = "1", canvas_user_id = "2", email = "e@x.y", name = "N", slug = "s", partner_id = "3",
    course_id = "4", member_id = "5", program_id = "6", group_id = "7", login = "l", user_id = "8",
    first_name = "F", last_name = "L", class_id = "9", userid = "u", assignment_id = "10", grade = "A",
    password = "pw-secret-123", api_key = "key-secret-123", token = "tok-secret-123",
  }

  for _, vendor in ipairs(workflows.vendors) do -- (each vendor's file loads on first use)
    local actions = workflows[vendor]
    if type(actions) == "table" then
      for action, w in pairs(actions) do
        it(vendor .. " " .. action .. " declares a key made of no secret column", function()
          assert.truthy(w.key, "no key declared")
          local key = w.key
          if type(key) == "table" then
            for _, column in ipairs(key) do assert.is_false(require("lmskit.secret_names").is_secret(column)) end
            return
          end
          local k = key(row)
          assert.truthy(k)
          assert.is_nil(k:find("secret", 1, true), k)
        end)
      end
    end
  end
end)

describe("dry runs", function()
  it("mask every secret-named field of a JSON or form body and of a query", function()
    local printed = {}
    local catalog = sandbox.catalog()
    lmskit.bulk { rows = { { a = "1" } }, progress = false,
      dry_run = function(line) printed[#printed + 1] = line end,
      run = function()
        catalog:request { method = "POST", path = "/x", json = { client_secret = "cs-0123456789",
                                                               user = { new_password = "np-0123456789" } } }
        catalog:request { method = "POST", path = "/x", form = { refresh_token = "rt-0123456789" } }
        catalog:request { method = "GET", path = "/x", query = { private_key = "pk-0123456789" } }
      end }
    assert.equal(3, #printed)
    for _, line in ipairs(printed) do
      assert.is_nil(line:find("0123456789", 1, true), line)
      assert.matches("[REDACTED]", line, 1, true)
    end
  end)
end)
