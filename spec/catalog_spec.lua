-- Canvas Catalog against its simulator over HTTPS: every endpoint of the
-- doc, paging, and what goes over the wire.
local lmskit = require "lmskit"
local sandbox = require "sandbox"
local runtime = require "support.runtime"

local new_course = {
  title = "Course 1", description = "This is a very important course.", path = "course-1",
  canvas_course_id = 10010010, teaser = "This is an example teaser", enrollment_open = true,
  visibility = "listed", enrollment_cap = 150, waitlist = true, enrollment_fee = 49.99,
  days_to_complete = 45, list_order = 123, credits = 4,
}

local new_program = {
  title = "Program 1", description = "This is a very awesome program.", path = "program-1",
  teaser = "This is an example teaser", enrollment_open = true, visibility = "listed",
}

describe("Canvas Catalog", function()
  local catalog
  before_each(function()
    sandbox.reset()
    catalog = sandbox.catalog()
  end)

  describe("catalogs", function()
    it("lists the catalogs with settings and user defined fields", function()
      local all = catalog.catalogs:all()
      assert.equal(2, #all)
      assert.equal(1, all[1].id)
      assert.is_table(all[1].settings)
      assert.is_table(all[1].user_defined_fields)
    end)
  end)

  describe("certificates", function()
    it("creates a certificate for a listing", function()
      local cert = catalog.certificates:create { listing_id = 1, name = "API Name",
        template = "<H1>This is a template</h1>", pdf_settings = { orientation = "Landscape" } }
      assert.equal("API Name", cert.name)
      assert.equal(1, cert.listing_id)
      assert.is_true(cert.active)
      assert.equal("Landscape", cert.pdf_settings.orientation)
      assert.is_number(cert.id)
    end)

    it("reports the vendor's 422 for an unknown listing", function()
      local err = sandbox.error_of(catalog.certificates.create, catalog.certificates,
        { listing_id = 999, name = "x", template = "t" })
      assert.equal("validation", err.kind)
      assert.equal(422, err.status)
      assert.equal("listing_id does not exist", err.message)
      assert.equal("POST", err.method)
    end)
  end)

  describe("courses", function()
    it("creates, gets, updates and deletes a course", function()
      local c = catalog.courses:create(new_course)
      assert.equal("Course 1", c.title)
      assert.equal("course-1", c.listing_path)
      assert.equal("This is an example teaser", c.short_description)
      assert.equal("49.99", c.enrollment_fee)
      assert.equal(10010010, c.canvas_course.id)
      assert.equal("Course", c.type)
      assert.is_true(runtime.is_integer(c.id))

      assert.same(c, catalog.courses:get(c.id))
      assert.is_true(catalog.courses:update(c.id, { title = "New title", enrollment_cap = "200" }))
      local changed = catalog.courses:get(c.id)
      assert.equal("New title", changed.title)
      assert.equal(200, changed.enrollment_cap)

      assert.is_true(catalog.courses:delete(c.id))
      local err = sandbox.error_of(catalog.courses.get, catalog.courses, c.id)
      assert.equal("not_found", err.kind)
      assert.equal(404, err.status)
      assert.equal("Not found", err.message)
    end)

    it("lists courses lazily", function()
      local ids = {}
      for course in catalog.courses:list() do ids[#ids + 1] = course.id end
      assert.same({ 1, 2 }, ids)
    end)

    it("checks fields before sending: nothing reaches the server", function()
      sandbox.clear_log()
      local err = sandbox.error_of(catalog.courses.create, catalog.courses, { title = "only a title" })
      assert.equal("usage", err.kind)
      assert.matches("missing required parameter%(s%): canvas_course_id, description, path, teaser",
        err.message)
      err = sandbox.error_of(catalog.courses.update, catalog.courses, 1, { titel = "typo" })
      assert.matches("unknown parameter 'titel'", err.message)
      assert.equal(0, #sandbox.requests())
    end)

    it("reports the vendor's 422 message for fields the server refuses", function()
      local err = sandbox.error_of(catalog.request, catalog, { method = "POST", path = "/courses",
        json = { course = { title = "T" } } })
      assert.equal("validation", err.kind)
      assert.equal(422, err.status)
      assert.matches("description can't be blank", err.message)
      assert.matches("canvas_course_id can't be blank", err.message)
    end)

    it("keeps an id with '/' or '..' inside one path segment", function()
      sandbox.clear_log()
      for _, id in ipairs { "../catalogs", "1/../../catalogs", "1?x=1", "1 2" } do
        local err = sandbox.error_of(catalog.courses.get, catalog.courses, id)
        assert.equal("not_found", err.kind, id)
      end
      local uris = {}
      for _, r in ipairs(sandbox.requests()) do uris[#uris + 1] = r.uri end
      assert.same({ "/catalog/api/v1/courses/..%2Fcatalogs", "/catalog/api/v1/courses/1%2F..%2F..%2Fcatalogs",
                    "/catalog/api/v1/courses/1%3Fx%3D1", "/catalog/api/v1/courses/1%202" }, uris)
    end)

    it("refuses a dot-segment id before sending", function()
      assert.equal("usage", sandbox.error_of(catalog.courses.get, catalog.courses, "..").kind)
    end)
  end)

  describe("enrollments", function()
    it("creates, gets and lists enrollments, filtered by listing", function()
      local e = catalog.enrollments:create { listing_id = 1, canvas_user_id = 7 }
      assert.equal(7, e.user.id)
      assert.equal(1, e.listing.id)
      assert.equal("active", e.status)
      assert.same(e, catalog.enrollments:get(e.id))
      catalog.enrollments:create { listing_id = 2, canvas_user_id = 7 }
      local in_one = catalog.enrollments:all { listing_id = 1 }
      assert.equal(1, #in_one)
      assert.equal(e.id, in_one[1].id)
      assert.equal(2, #catalog.enrollments:all())
    end)

    it("sends create_order beside the root key and creates an order", function()
      local before = #catalog.orders:all { canvas_user_id = 9 }
      catalog.enrollments:create { listing_id = 1, canvas_user_id = "9", create_order = true }
      assert.equal(before + 1, #catalog.orders:all { canvas_user_id = 9 })
      local last = sandbox.requests()
      local body = require("lmskit.json").decode(last[#last - 1].body)
      assert.same({ create_order = true, enrollment = { listing_id = 1, canvas_user_id = 9 } }, body)
    end)

    it("reports a duplicate enrollment as a validation error with the vendor's message", function()
      catalog.enrollments:create { listing_id = 1, canvas_user_id = 3 }
      local err = sandbox.error_of(catalog.enrollments.create, catalog.enrollments,
        { listing_id = 1, canvas_user_id = 3 })
      assert.equal("validation", err.kind)
      assert.equal("canvas_user_id is already enrolled in this listing", err.message)
    end)

    it("writes large ids exactly on the wire", function()
      sandbox.clear_log()
      pcall(catalog.enrollments.create, catalog.enrollments,
        { listing_id = 1, canvas_user_id = 170000000000123 })
      assert.matches('"canvas_user_id":170000000000123', sandbox.requests()[1].body, 1, true)
    end)
  end)

  describe("orders", function()
    it("lists orders with every documented filter", function()
      assert.equal(3, #catalog.orders:all())
      assert.equal(2, #catalog.orders:all { canvas_user_id = 1 })
      assert.equal(3, #catalog.orders:all { canvas_user_id = { 1, 2 } })
      assert.equal(2, #catalog.orders:all { completed = true })
      assert.equal(0, #catalog.orders:all { from = "2999-01-01T00:00:00Z" })
      assert.equal(3, #catalog.orders:all { from = "2000-01-01T00:00:00Z", to = "2999-01-01T00:00:00Z" })
    end)

    it("gets one order", function()
      local first = catalog.orders:all()[1]
      local o = catalog.orders:get(first.id)
      assert.equal(first.id, o.id)
      assert.is_table(o.listings)
      assert.is_table(o.payments)
    end)
  end)

  describe("programs", function()
    it("creates a program whose requirements resolve, then updates and deletes it", function()
      local sub = catalog.programs:create(new_program)
      assert.equal("Program", sub.type)
      local p = catalog.programs:create {
        title = "Program 2", description = "d", path = "program-2", teaser = "t",
        requirement_ids = { 1, sub.id }, sequential = true,
      }
      assert.equal(2, #p.requirements)
      assert.equal("Course", p.requirements[1].type)
      assert.equal(sub.id, p.requirements[2].id)
      assert.same(p, catalog.programs:get(p.id))
      assert.equal(2, #catalog.programs:all())
      assert.is_true(catalog.programs:update(p.id, { title = "Renamed", requirement_ids = {} }))
      local changed = catalog.programs:get(p.id)
      assert.equal("Renamed", changed.title)
      assert.equal(0, #changed.requirements)
      assert.is_true(catalog.programs:delete(p.id))
      assert.equal("not_found", sandbox.error_of(catalog.programs.get, catalog.programs, p.id).kind)
    end)
  end)

  describe("user registrations", function()
    it("registers a user, gets it by Canvas user id and lists it", function()
      local u = catalog.user_registrations:create { name = "Barack Obama", email = "barack@obama.com",
        custom_fields = { phone = "(999) 123-4567" } }
      assert.equal("Barack Obama", u.name)
      assert.is_number(u.canvas_user_id)
      assert.same(u, catalog.user_registrations:get(u.canvas_user_id))
      assert.equal(2, #catalog.user_registrations:all())
      assert.equal(2, #catalog.user_registrations:all { from = "2000-01-01T00:00:00Z" })
    end)

    it("reports an email already taken", function()
      catalog.user_registrations:create { name = "A", email = "a@example.edu" }
      local err = sandbox.error_of(catalog.user_registrations.create, catalog.user_registrations,
        { name = "B", email = "a@example.edu" })
      assert.equal("validation", err.kind)
      assert.equal("email has already been taken", err.message)
    end)
  end)

  describe("applicants", function()
    it("lists applicants by listing and status, and gets one", function()
      assert.equal(2, #catalog.applicants:all())
      local waiting = catalog.applicants:all { status = "waitlist" }
      assert.equal(1, #waiting)
      assert.equal(1, #catalog.applicants:all { listing_id = 2 })
      assert.same(waiting[1], catalog.applicants:get(waiting[1].id))
      assert.equal("not_found", sandbox.error_of(catalog.applicants.get, catalog.applicants, 999).kind)
    end)
  end)
end)

describe("Catalog paging", function()
  local catalog
  before_each(function()
    sandbox.reset()
    catalog = sandbox.catalog()
  end)

  it("walks 1,000 courses in order, one request per page", function()
    sandbox.seed_courses(998) -- plus the two seeded listings
    sandbox.clear_log()
    local n, last = 0, 0
    for course in catalog.courses:list { per_page = 100 } do
      n = n + 1
      assert.is_true(course.id > last)
      last = course.id
    end
    assert.equal(1000, n)
    assert.equal(10, #sandbox.requests())
  end)

  it("follows the default page size and stops past the end", function()
    sandbox.seed_courses(43)
    sandbox.clear_log()
    assert.equal(45, #catalog.courses:all())
    assert.equal(3, #sandbox.requests())
    assert.equal(0, #catalog.courses:all { page = 4 })
  end)

  it("keeps filters on every page", function()
    for i = 1, 30 do catalog.enrollments:create { listing_id = 1 + i % 2, canvas_user_id = i } end
    sandbox.clear_log()
    assert.equal(15, #catalog.enrollments:all { listing_id = 1, per_page = 10 })
    for _, r in ipairs(sandbox.requests()) do assert.matches("listing_id=1", r.uri) end
  end)

  it("does not follow a next link to another origin", function()
    sandbox.seed_courses(30)
    sandbox.fault { path = "/catalog/api/v1/courses", kind = "foreign_link" }
    local err = sandbox.error_of(catalog.courses.all, catalog.courses)
    assert.equal("decode", err.kind)
    assert.matches("another origin", err.message)
    for _, r in ipairs(sandbox.requests()) do assert.not_matches("evil", r.uri) end
  end)
end)

describe("Catalog on the wire", function()
  before_each(function() sandbox.reset() end)

  it("sends the documented Authorization header, the user agent, over HTTP/2", function()
    sandbox.catalog().catalogs:all()
    local r = sandbox.requests()[1]
    assert.equal('Token token="sandbox-catalog-token"', r.headers.authorization)
    assert.equal("lmskit/" .. lmskit.version, r.headers["user-agent"])
    assert.equal(2, tonumber(r.http_version))
    sandbox.clear_log()
    sandbox.catalog { http2 = false }.catalogs:all()
    assert.equal(1.1, tonumber(sandbox.requests()[1].http_version))
  end)
end)
