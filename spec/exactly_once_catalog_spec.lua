-- Canvas Catalog writes happen exactly once under the faults real networks
-- have: a keep-alive connection that dies after the server did the work,
-- drops, 5xx, 429 and random latency.  Judged from the simulator's state
-- and from what lmskit reported.
local sandbox = require "sandbox"
local once = require "support.exactly_once"

local PREFIX = "/catalog/api/v1/"

-- Enrollments of listing 1 by canvas user id, read without faults.
local function enrollments_by_user(catalog, listing)
  local counts, total = {}, 0
  for e in catalog.enrollments:list { listing_id = listing, per_page = 100 } do
    counts[e.user.id] = (counts[e.user.id] or 0) + 1
    total = total + 1
  end
  return counts, total
end

for _, http2 in ipairs { false, true } do
  describe("Catalog exactly once (" .. (http2 and "HTTP/2" or "HTTP/1.1") .. ")", function()
    local catalog
    before_each(function()
      sandbox.reset()
      catalog = sandbox.catalog { http2 = http2, retries = 5 }
    end)

    it("settles an enrollment whose connection died after the server enrolled", function()
      catalog.courses:get(1) -- the POST below reuses this connection
      sandbox.fault { path = PREFIX .. "enrollments", method = "POST", kind = "drop_after_reused" }
      local events = {}
      catalog = sandbox.catalog { http2 = http2, retries = 5,
                                  log = function(e) events[#events + 1] = e.event end }
      catalog.courses:get(1)
      local e = catalog.enrollments:create { listing_id = 1, canvas_user_id = 4242 }
      assert.equal(4242, e.user.id)
      assert.equal(1, once.count("POST", PREFIX .. "enrollments"))
      assert.same({ [4242] = 1 }, (enrollments_by_user(catalog, 1)))
      assert.truthy(table.concat(events, " "):find("reconcile", 1, true))
    end)

    it("sends an enrollment again when the look-up shows it never happened", function()
      catalog.courses:get(1)
      sandbox.fault { path = PREFIX .. "enrollments", method = "POST", kind = "502" }
      local e = catalog.enrollments:create { listing_id = 1, canvas_user_id = 4243 }
      assert.equal(4243, e.user.id)
      assert.equal(2, once.count("POST", PREFIX .. "enrollments"))
      assert.same({ [4243] = 1 }, (enrollments_by_user(catalog, 1)))
    end)

    it("settles a registration and a course by their natural keys", function()
      sandbox.fault { path = PREFIX .. "user_registrations", method = "POST", kind = "drop_after" }
      local r = catalog.user_registrations:create { name = "Ada", email = "Ada@Example.edu" }
      assert.equal("ada@example.edu", r.email:lower())
      local n = 0
      for reg in catalog.user_registrations:list { per_page = 100 } do
        if reg.email:lower() == "ada@example.edu" then n = n + 1 end
      end
      assert.equal(1, n)
      sandbox.fault { path = PREFIX .. "courses", method = "POST", kind = "drop_after" }
      local c = catalog.courses:create { title = "Once", description = "d", path = "once-only",
                                         teaser = "t", canvas_course_id = 77 }
      assert.equal("once-only", c.listing_path)
      local paths = 0
      for course in catalog.courses:list { per_page = 100 } do
        if course.listing_path == "once-only" then paths = paths + 1 end
      end
      assert.equal(1, paths)
    end)

    it("reports a certificate (no read exists) as unknown instead of sending it again", function()
      sandbox.fault { path = PREFIX .. "certificates", method = "POST", kind = "drop_after" }
      local err = sandbox.error_of(catalog.certificates.create, catalog.certificates,
        { listing_id = 1, name = "Cert", template = "<p>x</p>" })
      assert.equal("unknown", err.sent)
      assert.equal(1, once.count("POST", PREFIX .. "certificates"))
    end)

    it("takes a DELETE repeated after an unknown outcome that answers 404 as done", function()
      local c = catalog.courses:create { title = "Gone", description = "d", path = "gone",
                                         teaser = "t", canvas_course_id = 78 }
      sandbox.fault { path = PREFIX .. "courses/" .. c.id, method = "DELETE", kind = "drop_after" }
      assert.is_true(catalog.courses:delete(c.id))
      assert.equal(2, once.count("DELETE", PREFIX .. "courses/" .. c.id))
      assert.equal("not_found", sandbox.error_of(catalog.courses.get, catalog.courses, c.id).kind)
    end)

    it("still reports a DELETE of a missing listing as not_found after a 429", function()
      sandbox.fault { path = PREFIX .. "courses/987654", method = "DELETE", kind = "429", retry_after = 0 }
      assert.equal("not_found", sandbox.error_of(catalog.courses.delete, catalog.courses, 987654).kind)
      assert.equal(2, once.count("DELETE", PREFIX .. "courses/987654"))
    end)

    it("enrolls 400 CSV rows by email through 10% mixed faults, each exactly once", function()
      local rows = {}
      for i = 1, 400 do
        rows[i] = { listing_id = "1", email = ("learner%d@example.edu"):format(i), name = "L" .. i }
      end
      local report, faulted = once.stormed_workflow {
        vendor = "catalog", workflow = "enroll", client = catalog,
        rows = rows, storm = PREFIX, method = "POST",
      }
      assert.is_true(faulted >= 20, "only " .. faulted .. " faults on writes")
      -- the simulator: one registration per email, one enrollment per user
      local user_of = {}
      for reg in catalog.user_registrations:list { per_page = 100 } do
        local email = reg.email:lower()
        assert.is_nil(user_of[email], "registered twice: " .. email)
        user_of[email] = reg.canvas_user_id
      end
      local counts = enrollments_by_user(catalog, 1)
      local done = {}
      for _, f in ipairs(report.failures) do done[f.row] = f.outcome end
      for i, row in ipairs(rows) do
        local user = user_of[row.email]
        local n = user and counts[user] or 0
        assert.is_true(n <= 1, "enrolled twice: " .. row.email)
        -- the report tells the truth: done rows are enrolled, others are not done
        if not done[i] then assert.equal(1, n, "reported done, not enrolled: " .. row.email) end
      end
      once.assert_all_done(report, 400)
    end)
  end)
end
