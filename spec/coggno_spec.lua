-- Coggno v1 against its simulator: test and live hosts, Basic auth with
-- the key, connected accounts, form bodies, every endpoint and error.
local sandbox = require "sandbox"

local function user(n)
  return { email = ("u%d@school.example"):format(n), first_name = "U", last_name = tostring(n),
           password = "secret1" }
end

describe("Coggno", function()
  local coggno
  before_each(function()
    sandbox.reset()
    coggno = sandbox.coggno()
  end)

  it("sends the key as the Basic user and bodies form-encoded", function()
    sandbox.clear_log()
    coggno.groups:create { name = "Sales team", description = "All of sales" }
    local log = sandbox.requests()
    local r = log[#log] -- the POST (a group create reads the groups first: names are not unique)
    assert.equal("POST", r.method)
    assert.equal("Basic dGVzdF9zYW5kYm94X2tleV8wMDAxOg==", r.headers.authorization)
    assert.matches("^application/x%-www%-form%-urlencoded", r.headers["content-type"])
    assert.equal("description=All%20of%20sales&name=Sales%20team", r.body)
  end)

  it("refuses a key for the other host before any call", function()
    sandbox.clear_log()
    local lmskit = require "lmskit"
    local err = sandbox.error_of(sandbox.coggno, { api_key = "live_sandbox_key_0001" })
    assert.equal("usage", err.kind)
    assert.not_matches("live_sandbox_key", tostring(err))
    err = sandbox.error_of(lmskit.coggno, { api_key = "test_x", mode = "live" })
    assert.equal("usage", err.kind)
    assert.equal(0, #sandbox.requests())
    assert.equal("https://beta.coggno.com/api/v1", lmskit.coggno { api_key = "test_x" }._base)
    assert.equal("https://coggno.com/capp/api/v1", lmskit.coggno { api_key = "live_x" }._base)
  end)

  it("refuses a key whose prefix does not match the base_url's host, before any call", function()
    sandbox.clear_log()
    local lmskit = require "lmskit"
    local live_url, test_url = sandbox.url .. "/coggno-live/capp", sandbox.url .. "/coggno-test"
    local function refused(opts)
      opts.ca_file = sandbox.ca
      local err = sandbox.error_of(lmskit.coggno, opts)
      assert.equal("usage", err.kind)
      assert.not_matches("sandbox_key", tostring(err))
      return err
    end
    -- a test_ key with an explicit live base_url and no mode: the doc's live host is .../capp
    refused { api_key = "test_sandbox_key_0001", base_url = live_url }
    refused { api_key = "live_sandbox_key_0001", base_url = test_url }
    refused { api_key = "test_sandbox_key_0001", base_url = "https://coggno.com/capp/" }
    refused { api_key = "live_sandbox_key_0001", base_url = "https://beta.coggno.com" }
    -- mode and base_url name different hosts
    refused { api_key = "test_sandbox_key_0001", base_url = live_url, mode = "test" }
    assert.equal(0, #sandbox.requests())
    -- a matching key and base_url work, with or without mode
    local live = lmskit.coggno { api_key = "live_sandbox_key_0001", base_url = live_url, ca_file = sandbox.ca }
    assert.equal("Staff", live.groups:list()[1].name)
    local test = lmskit.coggno { api_key = "test_sandbox_key_0001", base_url = test_url, ca_file = sandbox.ca }
    assert.equal("Staff", test.groups:list()[1].name)
  end)

  it("works on the live host under /capp", function()
    local live = sandbox.coggno(nil, "live")
    assert.equal("Staff", live.groups:list()[1].name)
  end)

  it("creates and lists companies (connected accounts)", function()
    local c = coggno.companies:create { email = "boss@acme.example", first_name = "B", last_name = "Oss",
                                        password = "secret1", name = "ACME" }
    assert.equal("ACME", c.name)
    local list = coggno.companies:list()
    assert.equal(1, #list)
    assert.equal(c.id, list[1].id)
  end)

  it("acts as a connected account per client and per call (Coggno-LMS)", function()
    local c = coggno.companies:create { email = "boss@acme.example", first_name = "B", last_name = "Oss",
                                        password = "secret1" }
    coggno.groups:create { name = "ACME only", lms = c.id }
    local acme = sandbox.coggno { lms = c.id }
    assert.equal("ACME only", acme.groups:list()[1].name)
    assert.equal(1, #acme.groups:list())
    for _, g in ipairs(coggno.groups:list()) do assert.not_equal("ACME only", g.name) end
    local log = sandbox.requests()
    assert.equal(tostring(c.id), log[#log - 1].headers["coggno-lms"])
    assert.is_nil(log[#log].headers["coggno-lms"])
    assert.equal("forbidden", sandbox.error_of(coggno.groups.list, coggno.groups, { lms = 999 }).kind)
  end)

  it("refuses a per-call or per-client lms that is not a whole number, before any call", function()
    sandbox.clear_log()
    for _, bad in ipairs { {}, "7; x", 1.5, 0 / 0, math.huge } do
      local err = sandbox.error_of(coggno.groups.list, coggno.groups, { lms = bad })
      assert.equal("usage", err.kind)
      assert.matches("lms", err.message)
    end
    assert.equal("usage", sandbox.error_of(sandbox.coggno, { lms = 2.5 }).kind)
    assert.equal(0, #sandbox.requests())
    local c = coggno.companies:create { email = "float@acme.example", first_name = "F", last_name = "L",
                                        password = "secret1" }
    coggno.groups:list { lms = c.id + 0.0 } -- a whole number written as a float is sent without ".0"
    local log = sandbox.requests()
    assert.equal(("%d"):format(c.id), log[#log].headers["coggno-lms"])
  end)

  it("creates, lists, gets and deletes groups", function()
    local g = coggno.groups:create { name = "Sales" }
    assert.equal("Sales", coggno.groups:get(g.id).name)
    assert.equal(2, #coggno.groups:list())
    coggno.groups:delete(g.id)
    assert.equal("not_found", sandbox.error_of(coggno.groups.get, coggno.groups, g.id).kind)
  end)

  it("creates users into a group, gets them by id or login, lists, deletes, reads licenses", function()
    local u = coggno.users:create({ email = "ann@school.example", login = "ann", first_name = "Ann",
                                                   last_name = "Lee", password = "secret1", group_id = 1 })
    assert.equal("ann", u.login)
    assert.equal(u.id, coggno.users:get(u.id).id)
    assert.equal(u.id, coggno.users:get("ann").id)
    assert.equal(2, #coggno.users:list())
    local in_staff = {}
    for _, x in ipairs(coggno.group_users:list(1)) do in_staff[#in_staff + 1] = x.login end
    assert.same({ "testuser", "ann" }, in_staff)
    local licenses = coggno.users:licenses(1)
    assert.equal(3, #licenses.licenses)
    coggno.users:delete(u.id)
    assert.equal(1, #coggno.users:list())
  end)

  it("adds, gets and removes group users", function()
    local g = coggno.groups:create { name = "Sales" }
    local u = coggno.users:create(user(1))
    coggno.group_users:add(g.id, { id = u.id })
    assert.equal(u.id, coggno.group_users:get(g.id, u.id).id)
    assert.equal(1, #coggno.group_users:list(g.id))
    coggno.group_users:remove(g.id, u.id)
    assert.equal(0, #coggno.group_users:list(g.id))
    local err = sandbox.error_of(coggno.group_users.add, coggno.group_users, g.id, { id = 999 })
    assert.equal("not_found", err.kind)
  end)

  it("lists a one-user group as an array though Coggno answers a bare object (the doc's example)", function()
    -- the doc's "List Group Users" example: one user, answered as an object
    local raw = coggno:request { path = "/groups/1/users" }
    assert.same({ id = 1, login = "testuser", first_name = "John", last_name = "Johnson" }, raw)
    assert.same({ { id = 1, login = "testuser", first_name = "John", last_name = "Johnson" } },
                coggno.group_users:list(1))
    local g = coggno.groups:create { name = "Empty" }
    assert.same({}, coggno.group_users:list(g.id))
    for _, list in ipairs { coggno.groups:list(), coggno.users:list(), coggno.documents:list() } do
      assert.equal(1, list[1].id)
    end
  end)

  it("lists documents and their licenses", function()
    local docs = coggno.documents:list()
    assert.equal(3, #docs)
    local lic = coggno.documents:licenses(docs[1].id)
    assert.equal(docs[1].id, lic.document.id)
    assert.is_table(lic.licenses)
  end)

  it("reports an already registered user as the doc says: a validation error 422 (no code named)", function()
    coggno.users:create(user(2))
    local err = sandbox.error_of(coggno.users.create, coggno.users, user(2))
    assert.equal("validation", err.kind)
    assert.equal(422, err.status)
    assert.is_nil(err.code)
    assert.matches("already registered", err.message)
  end)

  it("enroll: a 422 for an already registered user adds them (no code needed); another 422 fails the row", function()
    local lmskit = require "lmskit"
    local rows = {
      { group_id = "1", email = "testuser@example.com", login = "TestUser", first_name = "John",
        last_name = "Johnson", password = "secret1" },                  -- registered: added
      { group_id = "1", email = "short@school.example", first_name = "S", last_name = "P",
        password = "abc" },                                             -- invalid: failed
    }
    local report = lmskit.workflow("coggno", "enroll", coggno, { rows = rows, progress = false })
    assert.equal(1, report.ok)
    assert.equal(1, report.failed)
    assert.equal(2, report.failures[1].row)
    assert.matches("password must be between 6 and 40", report.failures[1].message)
  end)

  it("reports Coggno's field checks (password 6-40) as validation", function()
    local bad = user(3)
    bad.password = "abc"
    local err = sandbox.error_of(coggno.users.create, coggno.users, bad)
    assert.equal("validation", err.kind)
    assert.matches("password must be between 6 and 40", err.message)
  end)

  it("reports an unknown key as auth and a read-only key as forbidden", function()
    local unknown = sandbox.coggno { api_key = "test_unknown_key_9" }
    local err = sandbox.error_of(unknown.groups.list, unknown.groups)
    assert.equal("auth", err.kind)
    assert.not_matches("test_unknown_key_9", tostring(err))
    local readonly = sandbox.coggno { api_key = "test_sandbox_readonly" }
    assert.equal(1, #readonly.groups:list())
    err = sandbox.error_of(readonly.groups.create, readonly.groups, { name = "x" })
    assert.equal("forbidden", err.kind)
    assert.equal(403, err.status)
  end)
end)
