-- The ready-made workflows of every vendor, and the command line.
local lmskit = require "lmskit"
local json = require "lmskit.json"
local sandbox = require "sandbox"
local runtime = require "support.runtime"
local files = require "support.files"

local function job(vendor, action, client, rows, extra)
  local opts = { rows = rows, progress = false }
  for k, v in pairs(extra or {}) do opts[k] = v end
  return lmskit.workflow(vendor, action, client, opts)
end

describe("workflows", function()
  before_each(function() sandbox.reset() end)

  it("catalog enroll registers new emails, reuses taken ones, and counts repeats as exists", function()
    local catalog = sandbox.catalog()
    local rows = { { listing_id = "1", email = "new@school.example", name = "New" },
                   { listing_id = "1", email = "user1@example.com" }, -- registered in the seed
                   { listing_id = "2", canvas_user_id = "1" } }
    local report = job("catalog", "enroll", catalog, rows)
    assert.equal(3, report.ok)
    assert.equal(3, #catalog.enrollments:all())
    local again = job("catalog", "enroll", catalog, rows, { results = os.tmpname() .. ".jsonl" })
    assert.equal(3, again.ok) -- no journal: each row runs, and the vendor says "already enrolled"
    assert.equal(3, #catalog.enrollments:all())
    -- (a row without canvas_user_id, its key, is refused with the input)
    -- Catalog's API has no call that drops an enrollment: no such workflow
    sandbox.clear_log()
    local err = sandbox.error_of(job, "catalog", "unenroll", catalog, { { listing_id = "1", canvas_user_id = "1" } })
    assert.equal("usage", err.kind)
    assert.matches("no workflow 'unenroll' for catalog (its workflows: enroll)", err.message, 1, true)
    assert.equal(0, #sandbox.requests())
  end)

  it("coursepath enroll, invite (with mail overrides) and unenroll", function()
    local cp = sandbox.coursepath()
    local rows = { { course_id = "3", email = "a@school.example", name = "A", department = "Art" },
                   { course_id = "3", member_id = "2" } }
    assert.equal(2, job("coursepath", "enroll", cp, rows).ok)
    local members = {}
    for m in cp.courses:members(3) do members[#members + 1] = m.email end
    table.sort(members)
    assert.same({ "a@school.example", "learner@sandbox.example" }, members)
    local invited = job("coursepath", "invite", cp, {
      { email = "a@school.example", course_id = "3", mail_subject = "Welcome", mail_action = "Start" } })
    assert.equal(1, invited.ok)
    local invite = sandbox.control("GET", "coursepath/invites").invites[1]
    assert.same({ subject = "Welcome", action = "Start" },
                { subject = invite.mail.subject, action = invite.mail.action })
    local gone = job("coursepath", "unenroll", cp, rows)
    assert.equal(2, gone.ok)
    local again = job("coursepath", "unenroll", cp, rows, { results = os.tmpname() .. ".jsonl" })
    assert.equal(2, again.ok) -- already gone counts as done
  end)

  it("coggno enroll creates users into a group and adds existing ones; unenroll removes", function()
    local coggno = sandbox.coggno()
    local rows = {
      { group_id = "1", email = "n1@school.example", first_name = "N", last_name = "One", password = "secret1" },
      { group_id = "1", email = "testuser@example.com", login = "testuser", first_name = "John",
        last_name = "Johnson", password = "secret1" }, -- registered already, and in group 1
    }
    local out = os.tmpname() .. ".jsonl"
    assert.equal(2, job("coggno", "enroll", coggno, rows, { results = out }).ok)
    local outcomes = {}
    for line in io.lines(out) do
      local r = json.decode(line)
      outcomes[r.row] = r.outcome .. " " .. r.how
    end
    -- the new user created into the group; the registered one is in it already (the seed)
    assert.same({ "done created", "done exists" }, outcomes)
    assert.equal(2, #coggno.group_users:list(1))
    assert.equal(2, job("coggno", "unenroll", coggno, { { group_id = "1", login = "n1@school.example" },
                                                        { group_id = "1", login = "testuser" } }).ok)
    assert.equal(0, #coggno.group_users:list(1))
  end)

  it("matrix enroll and unenroll gather up to 100 users a call", function()
    sandbox.control("POST", "matrix/seed", { users = 250 })
    local matrix = sandbox.matrix()
    local rows = {}
    for id = 7, 256 do rows[#rows + 1] = { class_id = "2", user_id = tostring(id) } end
    sandbox.clear_log()
    assert.equal(250, job("matrix", "enroll", matrix, rows, { concurrency = 50 }).ok)
    local calls = 0
    for _, r in ipairs(sandbox.requests()) do
      if r.uri:match("add_students_to_class") then calls = calls + 1 end
    end
    assert.is_true(calls >= 3 and calls <= 10, calls .. " calls for 250 rows")
    local enrolled = 0
    for _, s in ipairs(matrix.classes:get_students_for_class(2)) do
      if not s.unenrolled and s.id >= 7 then enrolled = enrolled + 1 end
    end
    assert.equal(250, enrolled)
    assert.equal(250, job("matrix", "unenroll", matrix, rows, { concurrency = 50 }).ok)
  end)

  it("matrix grades and invite", function()
    local matrix = sandbox.matrix()
    local rows = { { assignment_id = "1", user_id = "3", grade = "B+" },
                   { assignment_id = "1", user_id = "4", grade = "15%" } }
    assert.equal(2, job("matrix", "grades", matrix, rows).ok)
    local by_user = {}
    for _, row in ipairs(matrix.grades:get_grades_for_class(1)) do
      by_user[row.user_id] = row.grading_periods[1].assignments[1].grade
    end
    assert.equal("B+", by_user[3])
    assert.equal("15%", by_user[4])
    assert.equal(1, job("matrix", "invite", matrix, { { userid = "sstudent" } }).ok)
    assert.is_true(#sandbox.control("GET", "matrix/mail").mail >= 1)
  end)
end)

describe("bin/lmskit", function()
  before_each(function() sandbox.reset() end)

  local function cli(args, input)
    local cmd = runtime.lua .. " bin/lmskit " .. args .. " 2>&1"
    if input then cmd = "printf '" .. input .. "' | " .. cmd end
    local p = io.popen(cmd .. "; echo \"exit=$?\"")
    local out = p:read("*a")
    p:close()
    return out, tonumber(out:match("exit=(%d+)%s*$"))
  end

  it("runs on this runtime (luaX bin/lmskit --help), from its shebang, and parses on every runtime", function()
    local out, code = cli("--help")
    assert.equal(0, code, out)
    assert.matches("Usage: lmskit", out, 1, true)
    local p = io.popen("bin/lmskit --help 2>&1; echo \"exit=$?\"") -- #!/usr/bin/env lua5.4
    out = p:read("*a")
    p:close()
    assert.matches("Usage: lmskit", out, 1, true)
    assert.matches("exit=0", out, 1, true)
    for _, lua in ipairs { "lua5.1", "lua5.2", "lua5.3", "lua5.4", "luajit" } do
      p = io.popen(lua .. [[ -e "assert(loadfile('bin/lmskit')) print('parsed')" 2>&1]])
      out = p:read("*a")
      p:close()
      assert.equal("parsed\n", out, lua .. " cannot parse bin/lmskit")
    end
  end)

  it("runs a workflow over a CSV with a journal and a summary, exit 1 on failures", function()
    local rows = files.with("listing_id,canvas_user_id\n1,11\n1,12\n999,13\n")
    local journal = files.fresh_path()
    local out, code = cli("catalog enroll --sandbox -q --csv " .. rows .. " --journal " .. journal)
    assert.equal(1, code)
    assert.matches("3 rows: 2 done (2 created, 0 exists, 0 updated), 1 failed, 0 unknown, 0 skipped", out, 1, true)
    assert.not_matches("rows/s", out) -- -q: no progress
    assert.matches("listing_id does not exist", out)
    out, code = cli("catalog enroll --sandbox -q --csv " .. rows .. " --journal " .. journal)
    -- the failed row is tried again (and fails again): exit 0 only when every row is done
    assert.matches("3 rows: 0 done (0 created, 0 exists, 0 updated), 1 failed, 0 unknown, 2 skipped", out, 1, true)
    assert.matches("rerun: 2 skipped done, 0 redone changed, 1 retried failed", out, 1, true)
    assert.equal(1, code)
    os.remove(rows)
    os.remove(journal)
  end)

  it("calls one method and prints JSON", function()
    local out, code = cli("catalog call courses get id=1 --sandbox")
    assert.equal(0, code)
    assert.equal(1, json.decode(out:match("^(.-)\n")).id)
    out = cli("matrix call users get_users_with_ids 'user_ids=[1,2]' --sandbox")
    assert.equal(2, #json.decode(out:match("^(.-)\n")))
  end)

  it("asks before unenrolling from Coursepath unless --yes", function()
    local rows = files.with("course_id,member_id\n1,2\n")
    local out, code = cli("coursepath unenroll --sandbox -q --csv " .. rows)
    assert.equal(2, code)
    assert.matches("deletes all learning results", out)
    out, code = cli("coursepath unenroll --sandbox -q --yes --csv " .. rows)
    assert.equal(0, code, out)
    os.remove(rows)
  end)

  it("takes credentials from LMSKIT_<VENDOR>_ variables and refuses a readable profile file", function()
    local env = ("LMSKIT_CATALOG_BASE_URL=%s/catalog LMSKIT_CATALOG_TOKEN=sandbox-catalog-token " ..
                 "LMSKIT_CATALOG_CA_FILE=%s "):format(sandbox.url, sandbox.ca)
    local _, code = cli("catalog call catalogs list")
    assert.equal(2, code) -- no base_url, no token
    local p = io.popen(env .. runtime.lua .. " bin/lmskit catalog call catalogs list 2>&1")
    local out = p:read("*a")
    p:close()
    assert.equal(2, #json.decode(out))
    local profiles = files.with('return { default = { catalog = { token = "x" } } }')
    os.execute("chmod 644 " .. profiles)
    p = io.popen("LMSKIT_PROFILES=" .. profiles .. " " .. runtime.lua ..
                 " bin/lmskit catalog call catalogs list 2>&1; echo exit=$?")
    out = p:read("*a")
    p:close()
    assert.matches("readable by other users", out)
    assert.matches("exit=2", out)
    os.remove(profiles)
  end)
end)
