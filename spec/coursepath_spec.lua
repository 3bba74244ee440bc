-- Coursepath v1 against its simulator: a JWT minted for every attempt,
-- acting on behalf of members, offset paging, every endpoint.
local sandbox = require "sandbox"
local json = require "lmskit.json"

-- Decodes the claims of the bearer token a request carried.
local function claims_of(request)
  local token = request.headers.authorization:match("^Bearer (.+)$")
  local h, p = token:match("^([^.]+)%.([^.]+)%.[^.]+$")
  local function dec(s)
    s = s:gsub("-", "+"):gsub("_", "/")
    local pipe = assert(io.popen("printf %s '" .. s .. string.rep("=", (4 - #s % 4) % 4) .. "' | base64 -d"))
    local out = pipe:read("*a")
    pipe:close()
    return json.decode(out)
  end
  return dec(p), dec(h)
end

describe("Coursepath", function()
  local cp
  before_each(function()
    sandbox.reset()
    cp = sandbox.coursepath()
  end)

  it("signs every call with a fresh HS256 JWT carrying jti, iat and email", function()
    sandbox.clear_log()
    cp.members:me()
    cp.members:me()
    local log = sandbox.requests()
    local a, header = claims_of(log[1])
    local b = claims_of(log[2])
    assert.same({ alg = "HS256", typ = "JWT" }, header)
    assert.equal("admin@sandbox.example", a.email)
    assert.is_true(math.abs(a.iat - os.time()) <= 2)
    assert.matches("^%x+$", a.jti)
    assert.not_equal(a.jti, b.jti)
  end)

  it("mints a new token for a retry (Coursepath accepts each jti once)", function()
    local retrying = sandbox.coursepath { retries = 1 }
    sandbox.fault { path = "/coursepath/api/v1/members/me", kind = "503", count = 1 }
    sandbox.clear_log()
    assert.equal("admin@sandbox.example", retrying.members:me().email)
    local log = sandbox.requests()
    assert.equal(2, #log)
    assert.not_equal(claims_of(log[1]).jti, claims_of(log[2]).jti)
  end)

  it("adds the caller's extra claims", function()
    local c = sandbox.coursepath { claims = { department = "HR" } }
    sandbox.clear_log()
    c.members:me()
    assert.equal("HR", claims_of(sandbox.requests()[1]).department)
  end)

  it("acts on behalf of another member for one call", function()
    assert.equal("learner@sandbox.example", cp.members:me { as = "learner@sandbox.example" }.email)
    assert.equal("admin@sandbox.example", cp.members:me().email)
    local err = sandbox.error_of(cp.members.create, cp.members, { email = "x@y.z", as = "learner@sandbox.example" })
    assert.equal("forbidden", err.kind)
    assert.equal(403, err.status)
  end)

  it("reports a wrong secret and an unknown member as auth errors, without secrets", function()
    local bad = sandbox.coursepath { secret = "wrong-secret-0123456789abcdef-0123456789" }
    local err = sandbox.error_of(bad.members.me, bad.members)
    assert.equal("auth", err.kind)
    assert.equal("invalid signature", err.message)
    assert.not_matches("wrong%-secret", tostring(err))
    err = sandbox.error_of(cp.members.me, cp.members, { as = "nobody@sandbox.example" })
    assert.equal("auth", err.kind)
    assert.equal("unknown member", err.message)
  end)

  it("refuses a secret shorter than HS256 needs before sending", function()
    sandbox.clear_log()
    local short = sandbox.coursepath { secret = "too-short" }
    local err = sandbox.error_of(short.members.me, short.members)
    assert.equal("usage", err.kind)
    assert.equal(0, #sandbox.requests())
  end)

  it("gets and lists courses, and a member's courses", function()
    local courses = cp.courses:all()
    assert.equal(3, #courses)
    assert.equal(courses[2].name, cp.courses:get(2).name)
    local ids = {}
    for c in cp.members:courses(2) do ids[#ids + 1] = c.id end
    assert.same({ 1, 2 }, ids)
  end)

  it("creates, updates, gets and filters members", function()
    local m = cp.members:create { email = "john.smith@school.example", company = "ACME", externalId = "77" }
    assert.equal("John Smith", m.name)
    assert.equal(m.email, cp.members:get(m.id).email)
    local u = cp.members:update(m.id, { department = "Sales" })
    assert.equal("Sales", u.department)
    local found = cp.members:all { company = "ACME" }
    assert.equal(1, #found)
    assert.equal(m.id, found[1].id)
    local err = sandbox.error_of(cp.members.create, cp.members, { email = "john.smith@school.example" })
    assert.equal("validation", err.kind)
    assert.equal("email already exists", err.message)
    err = sandbox.error_of(cp.request, cp, { method = "POST", path = "/members", json = {} })
    assert.equal("email is required", err.message)
  end)

  it("pages members by offset and limit until a short page", function()
    sandbox.control("POST", "coursepath/seed", { members = 250 })
    sandbox.clear_log()
    local n = 0
    for _ in cp.members:list() do n = n + 1 end
    assert.equal(252, n)
    local uris = {}
    for _, r in ipairs(sandbox.requests()) do uris[#uris + 1] = r.uri end
    assert.same({ "/coursepath/api/v1/members?limit=100&offset=0", "/coursepath/api/v1/members?limit=100&offset=100",
                  "/coursepath/api/v1/members?limit=100&offset=200" }, uris)
    assert.equal(252, #cp.members:all { limit = 40 })
  end)

  it("adds members to a course, enrolls, reads results and unenrolls", function()
    local m = cp.courses:add_member(3, { email = "new.learner@school.example" })
    local in_course = {}
    for x in cp.courses:members(3) do in_course[#in_course + 1] = x.email end
    assert.same({ "new.learner@school.example" }, in_course)
    local enrollment = cp.courses:enroll(2, m.id)
    assert.equal(2, enrollment.courseId)
    local result = cp.courses:enrollment(1, 2)
    assert.equal(85, result.score)
    assert.is_true(result.success)
    assert.is_true(cp.courses:unenroll(2, m.id))
    assert.equal("not_found", sandbox.error_of(cp.courses.enrollment, cp.courses, 2, m.id).kind)
  end)

  it("adds members to programs, enrolls and removes them", function()
    local m = cp.programs:add_member(2, { email = "p@school.example" })
    assert.equal("p@school.example", m.email)
    local other = cp.members:create { email = "q@school.example" }
    assert.equal(1, cp.programs:enroll(1, other.id).programId)
    assert.is_true(cp.programs:unenroll(1, other.id))
  end)

  it("sends invitations with mail overrides", function()
    local mail = { subject = "Welcome", body = "Start here", action = "Begin" }
    cp.members:invite(2, { mail = mail })
    cp.courses:invite(1, 2, { mail = { subject = "Course" } })
    cp.programs:invite(1, 2)
    local invites = sandbox.control("GET", "coursepath/invites").invites
    assert.equal(3, #invites)
    assert.same(mail, invites[1].mail)
    assert.equal("course", invites[2].type)
    assert.equal("Course", invites[2].mail.subject)
    assert.equal("program", invites[3].type)
  end)

  it("manages groups: list, members, a member's groups, add, remove one or all", function()
    assert.equal("Teachers", cp.groups:all()[1].name)
    cp.members:add_to_group(2, { name = "Sales" })
    cp.members:add_to_group(2, { name = "Teachers" })
    local names = {}
    for g in cp.members:groups(2) do names[#names + 1] = g.name end
    table.sort(names)
    assert.same({ "Sales", "Teachers" }, names)
    local teachers = {}
    for x in cp.groups:members(1) do teachers[#teachers + 1] = x.id end
    assert.same({ 1, 2 }, teachers)
    cp.members:remove_from_group(2, { name = "Sales" })
    local left = {}
    for g in cp.members:groups(2) do left[#left + 1] = g.name end
    assert.same({ "Teachers" }, left)
    cp.members:remove_from_group(2)
    local none = 0
    for _ in cp.members:groups(2) do none = none + 1 end
    assert.equal(0, none)
  end)

  it("reports unknown ids as not_found", function()
    assert.equal("not_found", sandbox.error_of(cp.members.get, cp.members, 999).kind)
    assert.equal("not_found", sandbox.error_of(cp.courses.get, cp.courses, 999).kind)
  end)
end)
