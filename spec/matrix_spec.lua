-- MATRIX LMS against its simulator: every documented function has a
-- method, RPC encoding, paging, grades, SIS sync, reports, rate limits.
local lmskit = require "lmskit"
local core = require "lmskit.core"
local sandbox = require "sandbox"

-- Every function name the doc gives: signature lines "name(args)", bare
-- "get_..."-style names on lines of their own, and endpoints named in prose
-- ('an API endpoint called "download_certificate"').
local function documented_functions()
  local path = os.getenv("LMSKIT_VENDOR_DOCS") or "../shared/vendor-docs"
  local f = assert(io.open(path .. "/matrix-lms-v1.txt"), "vendor docs not found at " .. path)
  local text = f:read("*a")
  f:close()
  local names, seen = {}, {}
  local function add(name)
    if not seen[name] then seen[name] = true; names[#names + 1] = name end
  end
  for line in text:gmatch("[^\n]+") do
    local name, args = line:match("^%s+([a-z][a-z_]*)%s*(%b())")
    if not name then
      name = line:match("^%s+([a-z][a-z_]*)%s*$")
      if name and not (name:match("^get_") or name:match("^run_") or name:match("^download_") or
                       name:match("^begin_") or name:match("^sync_") or name:match("^is_") or
                       name:match("^post_") or name:match("^commit_") or name:match("^cancel_")) then
        name = nil
      end
    end
    if name and args == nil and (name:match("_id$") or name:match("_at$")) then name = nil end
    if name and name:find("_") then add(name) end
    for called in line:gmatch('endpoint called "([a-z_]+)"') do add(called) end
  end
  return names
end

describe("MATRIX function coverage", function()
  it("has a method for every function the doc names (and :call knows it)", function()
    local matrix = lmskit.matrix { base_url = "https://school.example", api_key = "k" }
    local names = documented_functions()
    assert.is_true(#names >= 120, "found only " .. #names .. " names in the doc")
    local sections = require("lmskit.apis.matrix").sections
    local missing = {}
    for _, name in ipairs(names) do
      local found = false
      for section in pairs(sections) do
        if type(matrix[section][name]) == "function" then found = true end
      end
      if not found or not matrix._functions[name] then missing[#missing + 1] = name end
    end
    assert.same({}, missing)
  end)
end)

describe("MATRIX", function()
  local matrix
  before_each(function()
    sandbox.reset()
    matrix = sandbox.matrix()
  end)

  it("calls functions by section method and by name, api_key in the query", function()
    assert.same({ version = 1 }, matrix.version:get_version())
    sandbox.clear_log()
    local users = matrix:call("get_users_with_ids", { user_ids = { 1, 2 } })
    assert.equal("Alice", users[1].first_name)
    local r = sandbox.requests()[1]
    assert.equal("GET", r.method)
    assert.equal("/matrix/api/get_users_with_ids?user_ids[]=1&user_ids[]=2&api_key=sandbox-matrix-key", r.uri)
  end)

  it("checks arguments against the doc before sending", function()
    sandbox.clear_log()
    assert.equal("usage", sandbox.error_of(matrix.classes.get_students_for_class, matrix.classes).kind)
    assert.equal("usage", sandbox.error_of(matrix.call, matrix, "get_users_with_ids", { user_idz = { 1 } }).kind)
    assert.equal("usage", sandbox.error_of(matrix.call, matrix, "../admin", {}).kind)
    assert.equal(0, #sandbox.requests())
  end)

  it("never shows the api_key: a bad key is an auth error with the URL redacted", function()
    local bad = sandbox.matrix { api_key = "wrong-key-123" }
    local err = sandbox.error_of(bad.version.get_version, bad.version)
    assert.equal("auth", err.kind)
    assert.equal("Invalid API key", err.message)
    assert.matches("api_key=%[REDACTED%]", err.url)
    assert.not_matches("wrong%-key", tostring(err))
  end)

  it("adds and updates users with attributes as arguments of their own, by POST form", function()
    sandbox.clear_log()
    local added = matrix.users:add_user { first_name = "Nia", last_name = "Ng", userid = "nng", password = "pass-1234",
                                          email = "nia@example.com", student = true }
    assert.equal("nng", added.userid)
    local r = sandbox.requests()[1]
    assert.equal("POST", r.method)
    assert.equal("/matrix/api/add_user?api_key=sandbox-matrix-key", r.uri)
    assert.matches("first_name=Nia", r.body)
    assert.matches("password=pass%-1234", r.body)
    matrix.users:update_user { userid = "nng", last_name = "Nguyen" }
    assert.equal("Nguyen", matrix.users:get_users_with_ids { added.id }[1].last_name)
    local err = sandbox.error_of(matrix.users.update_user, matrix.users, { userid = "nobody", last_name = "X" })
    assert.equal("validation", err.kind)
    assert.equal(400, err.status)
  end)

  it("adds and removes students with options", function()
    local n = matrix.classes:add_students_to_class(1, { 6 }, { send_notification = true })
    assert.equal(1, n)
    local ids = {}
    for _, s in ipairs(matrix.classes:get_students_for_class(1)) do
      if not s.unenrolled then ids[s.id] = true end
    end
    assert.is_true(ids[6])
    assert.is_true(#sandbox.control("GET", "matrix/mail").mail >= 1)
    matrix.classes:remove_students_from_class(1, { 6 })
    for _, s in ipairs(matrix.classes:get_students_for_class(1)) do
      if s.id == 6 then assert.is_true(s.unenrolled) end
    end
  end)

  it("sets every kind of grade and reads each back exactly", function()
    local grades = { "B+", 3.1, "15%", "", "X", "M", "I", "AB" }
    local students = { 3, 4, 5 }
    for _, g in ipairs(grades) do
      local batch = {}
      for _, uid in ipairs(students) do batch[#batch + 1] = { user_id = uid, grade = g } end
      matrix.grades:set_grades_for_assignment(1, batch)
      for _, row in ipairs(matrix.grades:get_grades_for_class(1)) do
        local a = row.grading_periods[1].assignments[1]
        local expect = g == 3.1 and "3.1" or g
        if expect == "" then assert.is_true(a == nil or a.grade == nil or a.grade == "" or a.grade == lmskit.json.null)
        else assert.equal(expect, tostring(a.grade)) end
      end
    end
    assert.equal("usage", sandbox.error_of(matrix.grades.set_grades_for_assignment, matrix.grades, 1,
      { { user_id = 3 } }).kind)
  end)

  it("manages groups: create, add and remove members, list", function()
    local id = matrix.groups:add_group { name = "Robotics", description = "After school" }
    matrix.groups:add_members_to_group(id, { 3, 4 })
    local members = {}
    for _, m in ipairs(matrix.groups:get_members_for_group(id)) do members[#members + 1] = m.id end
    table.sort(members)
    assert.same({ 3, 4 }, members)
    matrix.groups:remove_members_from_group(id, { 3 })
    assert.equal(1, #matrix.groups:get_members_for_group(id))
    local names = {}
    for g in matrix.groups:get_all_groups() do names[#names + 1] = g.name end
    assert.same({ "Biology Study Group", "Robotics" }, names)
  end)

  it("pages with page=1, 2, ... until an empty page, 100 rows a page", function()
    sandbox.control("POST", "matrix/seed", { users = 250 })
    sandbox.clear_log()
    local n = 0
    for _ in matrix.users:get_all_users() do n = n + 1 end
    assert.equal(256, n)
    local pages = {}
    for _, r in ipairs(sandbox.requests()) do pages[#pages + 1] = r.uri:match("page=(%d+)") end
    assert.same({ "1", "2", "3", "4" }, pages)
    assert.equal(100, #matrix:call("get_all_users", { page = 2 }))
  end)

  it("runs the SIS sync flow: begin, sync, commit (force), status; cancel changes nothing", function()
    local sync = matrix.sis_sync:begin_sync()
    assert.equal("Preparing", sync.status)
    matrix.sis_sync:sync_students(sync.sync_id, {
      { action = "add", data = { id = "SIS-900", name = { first = "Lee", last = "Park" }, email = "lee@example.com",
                                 credentials = { district_username = "lpark" } } },
    })
    matrix.sis_sync:commit_sync(sync.sync_id, true)
    assert.equal("Committed", matrix.sis_sync:sync_status(sync.sync_id).status)
    local found = matrix.users:get_users_that_match { userid = "lpark" }
    local n = 0
    for _ in found do n = n + 1 end
    assert.equal(1, n)

    local other = matrix.sis_sync:begin_sync()
    matrix.sis_sync:sync_students(other.sync_id, {
      { action = "add", data = { id = "SIS-901", name = { first = "No", last = "Body" },
                                 credentials = { district_username = "nobody" } } },
    })
    matrix.sis_sync:cancel_sync(other.sync_id)
    local none = 0
    for _ in matrix.users:get_users_that_match { userid = "nobody" } do none = none + 1 end
    assert.equal(0, none)
  end)

  it("runs a report, polls its status and downloads the CSV", function()
    local id = matrix.reports:run_report({ id = 47, class_id = { 1 }, output = "CSV" }, { run = "immediately" })
      .run_report_id
    local status
    for _ = 1, 50 do
      status = matrix.reports:get_report_status(id)
      if tostring(status.status or status):match("Completed") then break end
    end
    assert.matches("Completed", tostring(status.status or status))
    local csv = matrix.reports:download_report(id)
    assert.is_string(csv)
    assert.matches("^Class ID,Class name,User ID", csv)
  end)
end)

describe("MATRIX rate limit", function()
  before_each(function() sandbox.reset() end)


  it("runs more calls than the limit allows without one refusal, paced", function()
    sandbox.control("POST", "matrix/config", { limit = 5, window = 1, lockout = 2 })
    local matrix = sandbox.matrix { rate = { calls = 5, per = 1, margin = 0.1 } }
    local started = core.now()
    matrix.version:get_version() -- the handshake, before the window is measured (15 calls in all)
    sandbox.control("POST", "matrix/config", { limit = 5, window = 1, lockout = 2 }) -- empties the window
    sandbox.clear_log()
    lmskit.run({ concurrency = 8 }, function(spawn)
      for _ = 1, 14 do spawn(function() matrix.version:get_version() end) end
    end)
    local elapsed = core.now() - started
    local config = sandbox.control("GET", "matrix/config")
    assert.equal(0, config.refused_calls)
    assert.equal(14, #sandbox.requests())
    assert.is_true(sandbox.busiest_window(sandbox.requests(), 1) <= 5)
    assert.is_true(elapsed >= 2, "14 calls at 5 a second took only " .. elapsed .. " s")
  end)

  it("holds every call for the lock-out when the server still refuses, then succeeds", function()
    sandbox.control("POST", "matrix/config", { limit = 3, window = 1, lockout = 1 })
    local matrix = sandbox.matrix { rate = { calls = 100, per = 1 }, retries = 3 } -- a client that thinks it may
    local results = 0
    lmskit.run({ concurrency = 4 }, function(spawn)
      for _ = 1, 6 do spawn(function() matrix.version:get_version(); results = results + 1 end) end
    end)
    assert.equal(6, results)
    local config = sandbox.control("GET", "matrix/config")
    assert.is_true(config.refused_calls >= 1)
    assert.equal(1, config.lockouts)
  end)

  it("reports the limit as rate_limited when retries are off", function()
    sandbox.control("POST", "matrix/config", { limit = 1, window = 5, lockout = 5 })
    local matrix = sandbox.matrix { rate = { calls = 100, per = 1 } }
    matrix.version:get_version()
    local err = sandbox.error_of(matrix.version.get_version, matrix.version)
    assert.equal("rate_limited", err.kind)
    assert.equal(400, err.status)
  end)
end)
