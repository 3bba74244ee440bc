-- Cerego v3 against its simulator: JSON:API resources, paging by number
-- (never by the doc's foreign links.next), every endpoint and error.
local sandbox = require "sandbox"

describe("Cerego", function()
  local cerego
  before_each(function()
    sandbox.reset()
    cerego = sandbox.cerego()
  end)

  it("answers the echo endpoint", function()
    assert.same({ echo = "Test" }, cerego.echo:send { echo = "Test" })
  end)

  it("lists courses with attributes read directly and images from included", function()
    local by_id = {}
    for course in cerego.courses:list() do by_id[course.id] = course end
    local c = by_id["13421"]
    assert.equal("courses", c.type)
    assert.equal("published", c.state)
    assert.equal(c.attributes.name, c.name)
    assert.equal(c.attributes["users-count"], c["users-count"])
    assert.equal(c.attributes["users-count"], c.users_count)
    assert.is_table(c.relationships)
    assert.is_table(c.meta)
    assert.matches("^https://assets", c.image.url)
    assert.equal("images", c.image.type)
    assert.is_nil(by_id["13422"].image)
  end)

  it("filters by partner, state, tab and sorts", function()
    assert.equal(2, #cerego.courses:all { filter = { partner_id = 21 } })
    local archived = cerego.courses:all { filter = { state = "archived" } }
    assert.equal(1, #archived)
    assert.equal("archived", archived[1].state)
    assert.equal(1, #cerego.courses:all { tab = "unpublished" })
    local names = {}
    for c in cerego.courses:list { sort = "name" } do names[#names + 1] = c.name:lower() end
    local sorted = {}
    for i, name in ipairs(names) do sorted[i] = name end
    table.sort(sorted)
    assert.same(sorted, names)
    local ids = {}
    for c in cerego.courses:list { filter = { role = "student" } } do ids[#ids + 1] = c.id end
    assert.same({ "38403" }, ids)
  end)

  it("pages by number up to meta total-pages and never follows links.next", function()
    sandbox.control("POST", "cerego/seed", { courses = 40 })
    sandbox.clear_log()
    local n = 0
    for _ in cerego.courses:list() do n = n + 1 end
    assert.equal(46, n)
    local log = sandbox.requests()
    assert.equal(4, #log) -- 15, 15, 15, 1
    for i, r in ipairs(log) do
      assert.matches("^/cerego/api/v3/courses%?", r.uri)
      assert.matches("page%[number%]=" .. i, r.uri)
      assert.matches("page%[size%]=15", r.uri)
    end
    assert.equal(46, #cerego.courses:all { page = { size = 100 } })
  end)

  it("gets, creates, updates and deletes a course", function()
    local c = cerego.courses:create { name = "Course Name", description = "D", partner_id = "21",
                                      slug = "course-name" }
    assert.equal("Course Name", c.name)
    assert.equal("unpublished", c.state)
    local got = cerego.courses:get(c.id)
    assert.equal(c.id, got.id)
    local updated = cerego.courses:update(c.id, { name = "Updated Name", state = "published" })
    assert.equal("Updated Name", updated.name)
    assert.equal("published", updated.state)
    local err = sandbox.error_of(cerego.courses.delete, cerego.courses, c.id)
    assert.equal("validation", err.kind)
    assert.equal("A course must be unpublished or archived to be deleted", err.message)
    cerego.courses:update(c.id, { state = "archived" })
    assert.is_true(cerego.courses:delete(c.id))
    assert.equal("not_found", sandbox.error_of(cerego.courses.get, cerego.courses, c.id).kind)
  end)

  it("checks the create fields before sending", function()
    local err = sandbox.error_of(cerego.courses.create, cerego.courses, { name = "x" })
    assert.equal("usage", err.kind)
    assert.matches("partner_id", err.message)
  end)

  it("gets an image", function()
    local image = cerego.images:get(662672)
    assert.equal("662672", image.id)
    assert.matches("61evfr7fsl2aco.jpg$", image.url)
  end)

  it("reports the vendor's 422, 404 and 401 messages", function()
    local err = sandbox.error_of(cerego.request, cerego, { method = "POST", path = "/v3/courses",
                                                          json = { partner_id = 21 } })
    assert.equal("validation", err.kind)
    assert.matches("Name can't be blank", err.message)
    err = sandbox.error_of(cerego.images.get, cerego.images, 1)
    assert.equal("not_found", err.kind)
    local bad = sandbox.cerego { token = "wrong-token" }
    err = sandbox.error_of(bad.courses.all, bad.courses)
    assert.equal("auth", err.kind)
    assert.equal(401, err.status)
    assert.not_matches("wrong%-token", tostring(err))
  end)

  it("sends the Bearer token", function()
    sandbox.clear_log()
    cerego.images:get(662672)
    assert.equal("Bearer sandbox-cerego-token", sandbox.requests()[1].headers.authorization)
  end)

  it("picks the host from env and refuses an unknown env", function()
    local lmskit = require "lmskit"
    for env, host in pairs { production = "https://cerego.com/api", stable = "https://stable.cerego.com/api",
                             testing = "https://testing.cerego.com/api" } do
      assert.equal(host, lmskit.cerego { token = "t", env = env }._base)
    end
    assert.equal("https://cerego.com/api", lmskit.cerego { token = "t" }._base)
    assert.equal("usage", sandbox.error_of(lmskit.cerego, { token = "t", env = "qa" }).kind)
  end)
end)
