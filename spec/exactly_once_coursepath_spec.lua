-- Coursepath writes happen exactly once under the faults real networks
-- have: a keep-alive connection that dies after the server did the work,
-- drops, 5xx, 429 and random latency.  Coursepath accepts each JWT (jti)
-- once, so nothing may go out twice with the same token either; and
-- invitations mail people, so they are never sent again once their
-- outcome is unknown.  Judged from the simulator's state and from what
-- lmskit reported.
local lmskit = require "lmskit"
local sandbox = require "sandbox"
local once = require "support.exactly_once"

local PREFIX = "/coursepath/api/v1/"

-- The invitations the simulator sent (its mail log).
local function invites()
  return sandbox.control("GET", "coursepath/invites").invites
end

-- Member ids of a program (the API has no read of them; the simulator does).
local function program_members(pid)
  local ids = {}
  for _, p in ipairs(sandbox.control("GET", "coursepath/programs").programs) do
    if p.id == pid then
      for _, id in ipairs(p.memberIds) do ids[id] = (ids[id] or 0) + 1 end
    end
  end
  return ids
end

-- Members of a course by id and by lower-cased email (read without faults).
local function course_members(cp, cid)
  local by_id, by_email = {}, {}
  for m in cp.courses:members(cid) do
    by_id[m.id] = (by_id[m.id] or 0) + 1
    by_email[m.email:lower()] = m.id
  end
  return by_id, by_email
end

local seed_members = sandbox.seed_members

-- The log entries of method+path (exact path).
local function logged(method, path)
  local out = {}
  for _, r in ipairs(sandbox.requests()) do
    if r.method == method and r.path == path then out[#out + 1] = r end
  end
  return out
end

-- Asserts which faults took effect since the reset (a case whose fault
-- never applied would pass for nothing).
local function assert_applied(expected)
  local _, applied = once.applied()
  local took = {}
  for kind, n in pairs(applied) do if n > 0 then took[kind] = n end end
  assert.same(expected, took)
end

-- The outcome the report gave each row ("done" when it is not among the failures).
local function outcomes(report, n)
  local out = {}
  for i = 1, n do out[i] = "done" end
  for _, f in ipairs(report.failures) do out[f.row] = f.outcome end
  return out
end

for _, http2 in ipairs { false, true } do
  describe("Coursepath exactly once (" .. (http2 and "HTTP/2" or "HTTP/1.1") .. ")", function()
    local cp
    before_each(function()
      sandbox.reset()
      cp = sandbox.coursepath { http2 = http2, retries = 5 }
    end)

    it("retries a read whose reused connection died after the server answered, with a fresh JWT", function()
      cp.members:me() -- the GET below reuses this connection
      sandbox.fault { path = PREFIX .. "courses/1", method = "GET", kind = "drop_after_reused" }
      assert.equal("Onboarding", cp.courses:get(1).name)
      local gets = logged("GET", PREFIX .. "courses/1")
      assert.equal(2, #gets)
      assert.not_equal(gets[1].headers.authorization, gets[2].headers.authorization)
      assert_applied { drop_after_reused = 1 }
    end)

    it("settles an enrollment whose reused connection died after the server enrolled", function()
      local events = {}
      cp = sandbox.coursepath { http2 = http2, retries = 5,
                                log = function(e) events[#events + 1] = e.event end }
      cp.members:me()
      local path = PREFIX .. "courses/3/members/2/coursemember"
      sandbox.fault { path = path, method = "POST", kind = "drop_after_reused" }
      local cm = cp.courses:enroll(3, 2)
      assert.same({ 3, 2 }, { cm.courseId, cm.memberId })
      assert.equal(1, #logged("POST", path))
      assert.same({ [2] = 1 }, (course_members(cp, 3)))
      assert.truthy(table.concat(events, " "):find("reconcile", 1, true))
      assert_applied { drop_after_reused = 1 }
    end)

    it("sends an enrollment again when the look-up shows it never happened", function()
      local path = PREFIX .. "courses/3/members/2/coursemember"
      sandbox.fault { path = path, method = "POST", kind = "502" }
      local cm = cp.courses:enroll(3, 2)
      assert.equal(2, cm.memberId)
      local posts = logged("POST", path)
      assert.equal(2, #posts)
      assert.not_equal(posts[1].headers.authorization, posts[2].headers.authorization) -- a fresh JWT
      assert.same({ [2] = 1 }, (course_members(cp, 3)))
      assert_applied { ["502"] = 1 }
    end)

    it("settles a new member and a new course member by email instead of failing on 'email already exists'", function()
      sandbox.fault { path = PREFIX .. "members", method = "POST", kind = "drop_after" }
      local m = cp.members:create { email = "Ada@School.example", name = "Ada" }
      assert.equal("ada@school.example", m.email:lower())
      assert.equal(1, #logged("POST", PREFIX .. "members"))
      local n = 0
      for _ in cp.members:list { email = "ada@school.example" } do n = n + 1 end
      assert.equal(1, n)
      sandbox.fault { path = PREFIX .. "courses/3/members", method = "POST", kind = "drop_after" }
      local b = cp.courses:add_member(3, { email = "bob@school.example" })
      assert.equal("bob@school.example", b.email)
      assert.equal(1, #logged("POST", PREFIX .. "courses/3/members"))
      local _, by_email = course_members(cp, 3)
      assert.truthy(by_email["bob@school.example"])
      sandbox.fault { path = PREFIX .. "members", method = "POST", kind = "503" }
      assert.equal("cy@school.example", cp.members:create { email = "cy@school.example" }.email)
      assert.equal(3, #logged("POST", PREFIX .. "members")) -- looked up: absent, so sent again
      assert_applied { drop_after = 2, ["503"] = 1 }
    end)

    it("adds to a group and leaves one (or all) once", function()
      local path = PREFIX .. "members/2/groups"
      sandbox.fault { path = path, method = "POST", kind = "drop_after" }
      assert.equal("Coaches", cp.members:add_to_group(2, { name = "Coaches" }).name)
      assert.equal(1, #logged("POST", path))
      -- a name differing only in case is another group: not taken for this one
      sandbox.fault { path = path, method = "POST", kind = "500" }
      assert.equal("coaches", cp.members:add_to_group(2, { name = "coaches" }).name)
      assert.equal(3, #logged("POST", path))
      local names = {}
      for g in cp.members:groups(2) do names[#names + 1] = g.name end
      table.sort(names)
      assert.same({ "Coaches", "coaches" }, names)
      local last = sandbox.coursepath { http2 = http2, retries = 0 } -- only the look-up settles it
      sandbox.fault { path = path, method = "DELETE", kind = "drop_after" }
      assert.is_true(last.members:remove_from_group(2, { name = "Coaches" }))
      sandbox.fault { path = path, method = "DELETE", kind = "drop_after" }
      assert.is_true(last.members:remove_from_group(2))
      assert.equal(2, #logged("DELETE", path))
      assert.is_nil(cp.members:groups(2)())
      assert_applied { drop_after = 3, ["500"] = 1 }
    end)

    it("unenrolls once: a repeated DELETE that answers 404 is done, a last unknown is looked up", function()
      local path = PREFIX .. "courses/2/members/2/coursemember"
      sandbox.fault { path = path, method = "DELETE", kind = "drop_after" }
      assert.is_true(cp.courses:unenroll(2, 2))
      assert.equal(2, #logged("DELETE", path))
      local last = sandbox.coursepath { http2 = http2, retries = 0 }
      last:request { method = "POST", path = "/courses/2/members/2/coursemember" }
      sandbox.fault { path = path, method = "DELETE", kind = "drop_after" }
      assert.is_true(last.courses:unenroll(2, 2))
      assert.equal(3, #logged("DELETE", path))
      assert.equal("not_found", sandbox.error_of(cp.courses.enrollment, cp.courses, 2, 2).kind)
      assert_applied { drop_after = 2 }
    end)

    it("sends a program enrollment again (it is idempotent) and the member joins once", function()
      local path = PREFIX .. "programs/2/members/2/programmember"
      sandbox.fault { path = path, method = "POST", kind = "drop_after" }
      assert.equal(2, cp.programs:enroll(2, 2).memberId)
      assert.equal(2, #logged("POST", path))
      assert.same({ [2] = 1 }, program_members(2))
      assert_applied { drop_after = 1 }
    end)

    it("reports writes no read can confirm as unknown instead of sending them again", function()
      sandbox.fault { path = PREFIX .. "programs/2/members", method = "POST", kind = "drop_after" }
      local err = sandbox.error_of(cp.programs.add_member, cp.programs, 2, { email = "dee@school.example" })
      assert.equal("unknown", err.sent)
      assert.equal(1, #logged("POST", PREFIX .. "programs/2/members"))
      local last = sandbox.coursepath { http2 = http2, retries = 0 }
      local path = PREFIX .. "programs/1/members/2/programmember"
      sandbox.fault { path = path, method = "DELETE", kind = "drop_after" }
      err = sandbox.error_of(last.programs.unenroll, last.programs, 1, 2)
      assert.equal("unknown", err.sent)
      assert.equal(1, #logged("DELETE", path))
      assert_applied { drop_after = 2 }
    end)

    it("never sends an invitation again once its outcome is unknown", function()
      cp.members:me()
      local calls = {
        { PREFIX .. "members/2/invite", cp.members.invite, cp.members, 2 },
        { PREFIX .. "courses/1/members/2/invite", cp.courses.invite, cp.courses, 1, 2 },
        { PREFIX .. "programs/1/members/2/invite", cp.programs.invite, cp.programs, 1, 2 },
      }
      local sent = 0
      for _, c in ipairs(calls) do
        for _, kind in ipairs { "drop_after_reused", "drop_after", "502", "500", "drop" } do
          sandbox.fault { path = c[1], method = "POST", kind = kind }
          local err = sandbox.error_of(c[2], c[3], c[4], c[5])
          assert.equal("unknown", err.sent, kind .. " " .. c[1])
          if kind:find("^drop_after") then sent = sent + 1 end
          assert.equal(sent, #invites(), kind .. " " .. c[1])
        end
        -- refused before anything happened (429): sent again, and mailed once
        sandbox.fault { path = c[1], method = "POST", kind = "429", retry_after = 0 }
        assert.equal(2, c[2](c[3], c[4], c[5]).memberId)
        sent = sent + 1
        assert.equal(sent, #invites())
        assert.equal(7, #logged("POST", c[1]))
      end
      assert_applied { drop_after_reused = 3, drop_after = 3, ["502"] = 3, ["500"] = 3, drop = 3, ["429"] = 3 }
    end)

    it("runs a row again when only a read failed: a read has no effect to be unknown", function()
      -- unenroll by email: the member is found by a GET, whose answer is lost four times
      sandbox.fault { path = PREFIX .. "members", method = "GET", kind = "drop", count = 4 }
      local report = lmskit.workflow("coursepath", "unenroll", cp,
        { rows = { { course_id = "2", email = "learner@sandbox.example" } }, progress = false })
      assert.equal(1, report.ok, report.failures[1] and report.failures[1].message)
      assert.equal(5, #logged("GET", PREFIX .. "members"))
      assert.equal("not_found", sandbox.error_of(cp.courses.enrollment, cp.courses, 2, 2).kind)
      assert_applied { drop = 4 }
    end)

    it("enrolls 400 rows (by email and by member id) through 10% mixed faults, each exactly once", function()
      local ids = seed_members(200)
      local rows = {}
      for i = 1, 200 do
        rows[#rows + 1] = { course_id = "3", email = ("learner%d@school.example"):format(i), name = "L" .. i }
        rows[#rows + 1] = { course_id = "3", member_id = tostring(ids[i]) }
      end
      local report, faulted, seen = once.stormed_workflow {
        vendor = "coursepath", workflow = "enroll", client = cp,
        rows = rows, storm = PREFIX, method = "POST",
      }
      assert.is_true(faulted >= 20, "only " .. faulted .. " faults on writes")
      once.assert_unanswered(seen, "write done")
      local by_id, by_email = course_members(cp, 3)
      local members = {}
      for m in cp.members:list() do
        local e = m.email:lower()
        assert.is_nil(members[e], "created twice: " .. e)
        members[e] = true
      end
      local outcome = outcomes(report, #rows)
      for i, row in ipairs(rows) do
        local id = row.member_id and tonumber(row.member_id) or by_email[row.email]
        local n = id and by_id[id] or 0
        assert.is_true(n <= 1)
        if outcome[i] == "done" then assert.equal(1, n, "reported done, not enrolled: row " .. i) end
        if outcome[i] == "failed" then assert.equal(0, n, "reported failed, enrolled: row " .. i) end
      end
      once.assert_all_done(report, 400)
    end)

    it("invites 300 members through 10% mixed faults: never twice, and the report tells the truth", function()
      local ids = seed_members(300)
      local rows = {}
      for i = 1, 300 do
        local kind = i % 3
        if kind == 1 then
          rows[i] = { course_id = "3", member_id = tostring(ids[i]), mail_subject = "Welcome" }
          cp.courses:enroll(3, ids[i])
        elseif kind == 2 then
          rows[i] = { program_id = "2", email = ("seed%d@sandbox.example"):format(i) }
          cp.programs:enroll(2, ids[i])
        else
          rows[i] = { member_id = tostring(ids[i]) }
        end
      end
      local report, faulted, seen = once.stormed_workflow {
        vendor = "coursepath", workflow = "invite", client = cp,
        rows = rows, storm = PREFIX, method = "POST",
      }
      assert.is_true(faulted >= 15, ("only %d faults on invitations (%d sent; ok %d, failed %d, "
        .. "unknown %d, untouched %s; stopped: %s)"):format(faulted, once.count("POST", PREFIX),
        report.ok, report.failed, report.unknown, tostring(report.untouched), tostring(report.stopped)))
      once.assert_unanswered(seen, "invitation sent")
      local count = {}
      for _, inv in ipairs(invites()) do
        local k = inv.type .. ":" .. inv.memberId
        count[k] = (count[k] or 0) + 1
      end
      local outcome = outcomes(report, #rows)
      for i, row in ipairs(rows) do
        local kind = row.course_id and "course" or row.program_id and "program" or "member"
        local n = count[kind .. ":" .. ids[i]] or 0
        assert.is_true(n <= 1, "invited twice: row " .. i)
        if outcome[i] == "done" then assert.equal(1, n, "reported done, not invited: row " .. i) end
        if outcome[i] == "failed" then assert.equal(0, n, "reported failed, invited: row " .. i) end
      end
      assert.equal(300, report.ok + report.failed + report.unknown + report.skipped)
      assert.equal(0, report.failed,
        "rows failed: " .. (report.failures[1] and report.failures[1].message or ""))
      -- an invitation whose outcome is unknown is reported so, never guessed
      for _, f in ipairs(report.failures) do assert.equal("unknown", f.outcome) end
    end)

    it("unenrolls 300 rows through 10% mixed faults, each exactly once", function()
      local ids = seed_members(300)
      local rows = {}
      for i = 1, 300 do
        cp.courses:enroll(3, ids[i])
        rows[i] = i % 2 == 0 and { course_id = "3", member_id = tostring(ids[i]) }
                  or { course_id = "3", email = ("seed%d@sandbox.example"):format(i) }
      end
      local report, faulted, seen = once.stormed_workflow {
        vendor = "coursepath", workflow = "unenroll", client = cp,
        rows = rows, storm = PREFIX, method = "DELETE",
      }
      assert.is_true(faulted >= 15, "only " .. faulted .. " faults on removals")
      once.assert_unanswered(seen, "removal done")
      local by_id = course_members(cp, 3)
      local outcome = outcomes(report, #rows)
      for i = 1, #rows do
        local n = by_id[ids[i]] or 0
        if outcome[i] == "done" then assert.equal(0, n, "reported done, still enrolled: row " .. i) end
        if outcome[i] == "failed" then assert.equal(1, n, "reported failed, removed: row " .. i) end
      end
      assert.equal(0, report.failed + report.unknown,
        "rows not done: " .. (report.failures[1] and report.failures[1].message or ""))
    end)
  end)
end

describe("Coursepath invitations and a job that died", function()
  before_each(function() sandbox.reset() end)

  it("a rerun never sends again an invitation that was in flight when the process died", function()
    local rows = { { member_id = "2" }, { member_id = "1" }, { course_id = "1", member_id = "2" } }
    local journal, script = os.tmpname(), os.tmpname()
    os.remove(journal)
    -- the first run dies right after the server answered the second invitation
    local f = assert(io.open(script, "w"))
    f:write([[
package.path = "lua/?.lua;lua/?/init.lua;spec/?.lua;" .. package.path
package.cpath = require("support.runtime").cpath .. "/?.so;" .. package.cpath
local lmskit = require "lmskit"
local sandbox = require "sandbox"
local answered = 0
local cp = sandbox.coursepath { log = function(e)
  if e.event == "response" and e.url:find("/invite", 1, true) then
    answered = answered + 1
    if answered == 2 then
      io.stdout:write("died after the second invitation\n")
      io.stdout:flush()
      os.exit(3)
    end
  end
end }
lmskit.workflow("coursepath", "invite", cp, { rows = ]] .. ("{ { member_id = '2' }, { member_id = '1' }, " ..
      "{ course_id = '1', member_id = '2' } }") .. [[, journal = ]] .. ("%q"):format(journal) ..
      [[, concurrency = 1, progress = false })
os.exit(0)
]])
    f:close()
    local lua = require("support.runtime").lua
    local p = assert(io.popen(lua .. " " .. script .. " 2>&1"))
    local out = p:read("*a")
    p:close()
    os.remove(script)
    assert.truthy(out:find("died after the second invitation", 1, true), out)
    assert.equal(2, #invites())
    local report = lmskit.workflow("coursepath", "invite", sandbox.coursepath(),
      { rows = rows, journal = journal, progress = false })
    os.remove(journal)
    local count = {}
    for _, inv in ipairs(invites()) do
      local k = inv.type .. ":" .. inv.memberId
      count[k] = (count[k] or 0) + 1
    end
    assert.same({ ["member:2"] = 1, ["member:1"] = 1, ["course:2"] = 1 }, count)
    assert.equal(1, report.ok)
    assert.equal(1, report.skipped) -- done in the first run
    -- in flight when it died: its outcome is unknown, and stays so (not sent again)
    assert.equal(1, report.unknown)
    assert.equal(1, report.rerun.kept_unknown)
    assert.is_false(report.complete)
  end)
end)
