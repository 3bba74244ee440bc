-- Coggno writes happen exactly once under the faults real networks have: a
-- keep-alive connection that dies after the server did the work, drops,
-- 5xx, 429 and random latency.  Judged from the simulator's state, from
-- the writes it handled per natural key (GET /_sandbox/coggno-test/writes:
-- Coggno refuses a second registration itself, so a duplicate shows
-- there), and from what lmskit reported.
local json = require "lmskit.json"
local sandbox = require "sandbox"
local once = require "support.exactly_once"

local PREFIX = "/coggno-test/api/v1/"

-- Handled writes per natural key (see the simulator's header).
local function writes()
  local w = sandbox.control("GET", "coggno-test/writes")
  for _, k in ipairs { "users", "companies", "groups", "group_users" } do w[k] = w[k] or {} end
  return w
end

local function person(n, extra)
  local p = { email = ("p%d@school.example"):format(n), first_name = "P", last_name = tostring(n),
              password = "secret1" }
  for k, v in pairs(extra or {}) do p[k] = v end
  return p
end

-- Logins of a group's users -> how many times each is listed.
local function members(coggno, group)
  local seen = {}
  for _, u in ipairs(coggno.group_users:list(group)) do
    seen[u.login:lower()] = (seen[u.login:lower()] or 0) + 1
  end
  return seen
end

local function groups_named(coggno, name)
  local n = 0
  for _, g in ipairs(coggno.groups:list()) do if g.name == name then n = n + 1 end end
  return n
end

-- Per-row outcomes from a results file (JSON lines), and how done rows were done.
local function outcomes(path)
  local out, how = {}, {}
  for line in io.lines(path) do
    local r = json.decode(line)
    out[r.row], how[r.row] = r.outcome, r.how
  end
  os.remove(path)
  return out, how
end

describe("Coggno declarations", function()
  local decl = require "lmskit.apis.coggno"

  it("name every write's idempotency and look-up; none notifies (the doc names no mail)", function()
    once.assert_writes_declared(decl, 8)
  end)
end)

for _, http2 in ipairs { false, true } do
  describe("Coggno exactly once (" .. (http2 and "HTTP/2" or "HTTP/1.1") .. ")", function()
    local coggno
    before_each(function()
      sandbox.reset()
      coggno = sandbox.coggno { http2 = http2, retries = 5 }
    end)

    it("settles a user created on a reused connection that died after the server created it", function()
      local events = {}
      coggno = sandbox.coggno { http2 = false, retries = 5,
                                log = function(e) events[#events + 1] = e.event end }
      coggno.groups:list() -- the POST below reuses this keep-alive connection
      sandbox.fault { path = PREFIX .. "users", method = "POST", kind = "drop_after_reused" }
      local u = coggno.users:create(person(1, { login = "Pat", group_id = 1 }))
      assert.equal("pat", u.login:lower())
      assert.equal(1, once.count("POST", PREFIX .. "users"))
      assert.equal(1, (once.faults_seen("POST", PREFIX .. "users")))
      assert.same({ pat = 1 }, writes().users)
      assert.equal(1, members(coggno, 1).pat)
      assert.truthy(table.concat(events, " "):find("reconcile", 1, true))
    end)

    it("settles a user created without a group by login (the email when no login)", function()
      sandbox.fault { path = PREFIX .. "users", method = "POST", kind = "drop_after" }
      local u = coggno.users:create(person(2))
      assert.equal("p2@school.example", u.login)
      assert.equal(1, once.count("POST", PREFIX .. "users"))
      assert.same({ ["p2@school.example"] = 1 }, writes().users)
    end)

    it("sends a user again when the look-up shows the create never happened (502)", function()
      sandbox.fault { path = PREFIX .. "users", method = "POST", kind = "502" }
      local u = coggno.users:create(person(3, { group_id = 1 }))
      assert.equal("p3@school.example", u.login)
      assert.equal(2, once.count("POST", PREFIX .. "users"))
      assert.same({ ["p3@school.example"] = 1 }, writes().users)
      assert.equal(1, members(coggno, 1)["p3@school.example"])
    end)

    it("settles a company by its owner's login", function()
      coggno = sandbox.coggno { http2 = false, retries = 5 }
      coggno.groups:list()
      sandbox.fault { path = PREFIX .. "companies", method = "POST", kind = "drop_after_reused" }
      local c = coggno.companies:create(person(4, { name = "ACME" }))
      assert.equal("ACME", c.name)
      assert.equal(1, once.count("POST", PREFIX .. "companies"))
      assert.equal(1, #coggno.companies:list())
      assert.same({ ["p4@school.example"] = 1 }, writes().companies)
    end)

    it("settles a group by name, never taking an older group of the same name for it", function()
      sandbox.fault { path = PREFIX .. "groups", method = "POST", kind = "drop_after" }
      local g = coggno.groups:create { name = "Staff" } -- group 1 is "Staff" already
      assert.not_equal(1, g.id)
      assert.equal("Staff", g.name)
      assert.equal(2, groups_named(coggno, "Staff"))
      sandbox.fault { path = PREFIX .. "groups", method = "POST", kind = "503" }
      local again = coggno.groups:create { name = "Staff" } -- absent: sent again
      assert.is_true(again.id ~= 1 and again.id ~= g.id)
      assert.equal(3, groups_named(coggno, "Staff"))
      assert.equal(3, once.count("POST", PREFIX .. "groups"))
      assert.same({ Staff = 2 }, writes().groups)
    end)

    it("does not send a group create whose look-up before the write failed (sent = false)", function()
      coggno = sandbox.coggno { http2 = http2, retries = 0 }
      sandbox.fault { path = PREFIX .. "groups", method = "GET", kind = "500" }
      local err = sandbox.error_of(coggno.groups.create, coggno.groups, { name = "Later" })
      assert.equal("server", err.kind)
      assert.is_false(err.sent)
      assert.equal(0, once.count("POST", PREFIX .. "groups"))
      assert.equal("Later", coggno.groups:create({ name = "Later" }).name)
    end)

    it("settles adding a user to a group, and adds again only when the look-up shows it did not happen", function()
      local g = coggno.groups:create { name = "Sales" }
      local u = coggno.users:create(person(5))
      sandbox.fault { path = PREFIX .. "groups/" .. g.id .. "/users", method = "POST", kind = "drop_after" }
      assert.equal(u.id, coggno.group_users:add(g.id, { id = u.id }).id)
      local v = coggno.users:create(person(6))
      sandbox.fault { path = PREFIX .. "groups/" .. g.id .. "/users", method = "POST", kind = "500" }
      assert.equal(v.id, coggno.group_users:add(g.id, { id = v.id }).id)
      assert.equal(3, once.count("POST", PREFIX .. "groups/" .. g.id .. "/users"))
      local w = writes().group_users[tostring(g.id)]
      assert.same({ ["p5@school.example"] = 1, ["p6@school.example"] = 1 }, w)
      assert.same({ ["p5@school.example"] = 1, ["p6@school.example"] = 1 }, members(coggno, g.id))
    end)

    it("takes a DELETE repeated after an unknown outcome that answers 404 as done", function()
      local g = coggno.groups:create { name = "Gone" }
      local u = coggno.users:create(person(7, { group_id = g.id }))
      local v = coggno.users:create(person(8))
      for _, case in ipairs {
        { PREFIX .. "groups/" .. g.id .. "/users/" .. u.id,
          function() return coggno.group_users:remove(g.id, u.id) end },
        { PREFIX .. "users/" .. v.id, function() return coggno.users:delete(v.id) end },
        { PREFIX .. "groups/" .. g.id, function() return coggno.groups:delete(g.id) end },
      } do
        sandbox.fault { path = case[1], method = "DELETE", kind = "drop_after" }
        local before = once.count("DELETE", case[1]) -- groups/2 is a prefix of groups/2/users/..
        assert.is_true(case[2]())
        assert.equal(2, once.count("DELETE", case[1]) - before)
      end
      assert.equal(3, (once.faults_seen("DELETE", PREFIX)))
      assert.equal("not_found", sandbox.error_of(coggno.groups.get, coggno.groups, g.id).kind)
      assert.equal("not_found", sandbox.error_of(coggno.users.get, coggno.users, v.id).kind)
    end)

    it("reports deleting a group by name (no look-up can tell) as unknown, sent once", function()
      coggno.groups:create { name = "Twice" }
      coggno.groups:create { name = "Twice" }
      sandbox.fault { path = PREFIX .. "groups", method = "DELETE", kind = "drop_after" }
      local err = sandbox.error_of(coggno.groups.delete_by_name, coggno.groups, { name = "Twice" })
      assert.equal("unknown", err.sent)
      assert.equal(1, once.count("DELETE", PREFIX .. "groups"))
      assert.equal(1, groups_named(coggno, "Twice")) -- a second send would have deleted the other
      sandbox.fault { path = PREFIX .. "groups", method = "DELETE", kind = "502" }
      err = sandbox.error_of(coggno.groups.delete_by_name, coggno.groups, { name = "Twice" })
      assert.equal("unknown", err.sent)
      assert.equal(1, groups_named(coggno, "Twice"))
    end)

    it("would never send a notifying create again (no Coggno write mails, per the doc: a marked copy)", function()
      -- were users:create to mail people, `notifies = true` would stop the
      -- re-send even where Coggno's look-up finds nothing
      local decl = require "lmskit.apis.coggno"
      local copy, resources, users, actions = {}, {}, {}, {}
      for k, v in pairs(decl) do copy[k] = v end
      for k, v in pairs(decl.resources) do resources[k] = v end
      for k, v in pairs(decl.resources.users) do users[k] = v end
      for k, v in pairs(decl.resources.users.actions) do actions[k] = v end
      local create = {}
      for k, v in pairs(actions.create) do create[k] = v end
      create.notifies = true
      actions.create, users.actions, resources.users, copy.resources = create, actions, users, resources
      local mailing = require("lmskit.client").new(copy, {
        base_url = sandbox.url .. "/coggno-test", api_key = "test_sandbox_key_0001",
        ca_file = sandbox.ca, http2 = http2, retries = 5 })
      sandbox.fault { path = PREFIX .. "users", method = "POST", kind = "502" }
      local err = sandbox.error_of(mailing.users.create, mailing.users, person(9, { group_id = 1 }))
      assert.equal("unknown", err.sent)
      assert.equal(1, once.count("POST", PREFIX .. "users"))
      sandbox.fault { path = PREFIX .. "users", method = "POST", kind = "drop_after" }
      assert.equal("p10@school.example", mailing.users:create(person(10, { group_id = 1 })).login)
      assert.equal(2, once.count("POST", PREFIX .. "users"))
      assert.same({ ["p10@school.example"] = 1 }, writes().users)
    end)

    it("enrolls 300 rows (250 new users, 50 registered already) through 10% mixed faults, each exactly once", function()
      local seeded = sandbox.control("POST", "coggno-test/seed", { users = 50 })
      local g = coggno.groups:create { name = "Cohort" }
      local rows = {}
      for i = 1, 250 do
        rows[i] = { group_id = tostring(g.id), email = ("new%d@school.example"):format(i),
                    login = i % 2 == 0 and ("New%d"):format(i) or nil,
                    first_name = "New", last_name = tostring(i), password = "secret1" }
      end
      for id = seeded.first_id, seeded.last_id do
        rows[#rows + 1] = { group_id = tostring(g.id), email = ("seeduser%d@example.com"):format(id),
                            login = "seeduser" .. id, first_name = "Seed", last_name = "User",
                            password = "secret1" }
      end
      sandbox.clear_log()
      local out = os.tmpname() .. ".jsonl"
      local report, faulted, kinds, applied = once.stormed_workflow {
        vendor = "coggno", workflow = "enroll", client = coggno,
        rows = rows, storm = PREFIX, method = "POST", options = { results = out },
      }
      assert.is_true(faulted >= 15, "only " .. faulted .. " faults on writes: " .. json.encode(kinds))
      assert.is_true(applied > faulted, "no faults on the look-ups")
      local outcome, how = outcomes(out)
      local in_group, w = members(coggno, g.id), writes()
      local adds = w.group_users[tostring(g.id)] or {}
      for i, row in ipairs(rows) do
        local login = (row.login or row.email):lower()
        local new = i <= 250
        local done = outcome[i] == "done"
        -- the simulator: a new user's create reached it once (a second would
        -- have been refused as registered: a blind re-send); a registered
        -- user's create had no effect (422), so when its answer was lost it
        -- may be sent again; the registered user was added once, a new one
        -- never needed an add
        if new then
          assert.equal(1, w.users[login], "creates handled for " .. login)
        else
          assert.is_true((w.users[login] or 0) >= 1, "no create handled for " .. login)
        end
        assert.equal(new and 0 or 1, adds[login] or 0, "adds handled for " .. login)
        assert.is_true((in_group[login] or 0) <= 1)
        -- the report tells the truth
        if done then assert.equal(1, in_group[login], "reported done, not in the group: " .. login) end
        if outcome[i] == "failed" then assert.is_nil(in_group[login], "reported failed, present: " .. login) end
        -- a new user created into the group, a registered one added to it
        assert.equal("done created", outcome[i] .. " " .. tostring(how[i]), "row " .. i)
      end
      assert.equal(300, report.ok)
      assert.equal(0, report.failed + report.unknown)
    end)

    it("unenrolls 300 rows (by id and by login, some not in the group) through 10% mixed faults", function()
      local seeded = sandbox.control("POST", "coggno-test/seed", { users = 300 })
      local g = coggno.groups:create { name = "Leavers" }
      local rows = {}
      for id = seeded.first_id, seeded.last_id do
        local k = id - seeded.first_id + 1
        if k <= 270 then coggno.group_users:add(g.id, { id = id }) end
        rows[k] = k % 2 == 0 and { group_id = tostring(g.id), user_id = tostring(id) }
                             or { group_id = tostring(g.id), login = "seeduser" .. id }
      end
      sandbox.clear_log()
      local out = os.tmpname() .. ".jsonl"
      local report, faulted, kinds = once.stormed_workflow {
        vendor = "coggno", workflow = "unenroll", client = coggno,
        rows = rows, storm = PREFIX, method = "DELETE", options = { results = out },
      }
      assert.is_true(faulted >= 15, "only " .. faulted .. " faults on deletes: " .. json.encode(kinds))
      local outcome = outcomes(out)
      local in_group = members(coggno, g.id)
      for k = 1, 300 do
        local login = "seeduser" .. (seeded.first_id + k - 1)
        if outcome[k] == "failed" or outcome[k] == "unknown" then
          assert.truthy(in_group[login] or k > 270, "reported failed, not in the group: " .. login)
        else
          assert.is_nil(in_group[login], "reported done, still in the group: " .. login)
        end
      end
      assert.same({}, in_group)
      assert.equal(300, report.ok)
      assert.equal(0, report.failed + report.unknown)
    end)
  end)
end
