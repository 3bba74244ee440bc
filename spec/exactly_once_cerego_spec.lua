-- Cerego writes happen exactly once under the faults real networks have:
-- a keep-alive connection that dies after the server did the work, drops,
-- 5xx, 429 and random latency.  Judged from the simulator's state and from
-- what lmskit reported.  Cerego's doc has four writes: create, update and
-- delete a course, and the echo test call; none of them mails anyone.
local lmskit = require "lmskit"
local sandbox = require "sandbox"
local once = require "support.exactly_once"

local PREFIX = "/cerego/api/v3/"
local COURSES = PREFIX .. "courses"

-- Courses at the server, read without faults: how many carry each slug,
-- and how many each (lower-cased name, partner id) pair.
local function state(cerego)
  local by_slug, by_key = {}, {}
  for c in cerego.courses:list { page = { size = 100 } } do
    by_slug[c.slug] = (by_slug[c.slug] or 0) + 1
    local key = c.name:lower() .. "\31" .. tostring(c.partner.id)
    by_key[key] = (by_key[key] or 0) + 1
  end
  return by_slug, by_key
end

local function key(name, partner) return name:lower() .. "\31" .. tostring(partner) end

-- The fault kinds that took effect since the reset.
local function applied(kind)
  local _, by_kind = once.applied()
  return by_kind[kind] or 0
end

local function has_event(events, name)
  for _, e in ipairs(events) do if e == name then return true end end
  return false
end

for _, http2 in ipairs { false, true } do
  describe("Cerego exactly once (" .. (http2 and "HTTP/2" or "HTTP/1.1") .. ")", function()
    local cerego, events
    before_each(function()
      sandbox.reset()
      events = {}
      cerego = sandbox.cerego { http2 = http2, retries = 5,
                                log = function(e) events[#events + 1] = e.event end }
    end)

    it("settles a course created by slug whose keep-alive connection died after the server created it", function()
      cerego.courses:get(13421) -- the POST below reuses this connection
      sandbox.fault { path = COURSES, method = "POST", kind = "drop_after_reused" }
      local c = cerego.courses:create { name = "Once Only", partner_id = 21, slug = "once-only" }
      assert.equal(1, applied("drop_after_reused"))
      assert.equal("once-only", c.slug)
      assert.equal("Once Only", c.name)
      assert.equal(1, once.count("POST", COURSES))
      assert.equal(1, (state(cerego))["once-only"])
      assert.is_true(has_event(events, "reconcile"))
    end)

    it("settles a course created without a slug by its name and partner", function()
      sandbox.fault { path = COURSES, method = "POST", kind = "drop_after" }
      local c = cerego.courses:create { name = "No Slug", partner_id = "77", description = "d" }
      assert.equal(1, applied("drop_after"))
      assert.equal("No Slug", c.name)
      assert.equal("77", c.partner.id)
      assert.equal(1, once.count("POST", COURSES))
      local _, by_key = state(cerego)
      assert.equal(1, by_key[key("No Slug", 77)])
    end)

    it("sends a create again when the look-up shows a 5xx left it undone", function()
      for i, status in ipairs { "500", "502", "503", "504" } do
        sandbox.clear_log()
        sandbox.fault { path = COURSES, method = "POST", kind = status }
        local c = cerego.courses:create { name = "Five " .. i, partner_id = 21, slug = "five-" .. i }
        assert.equal("five-" .. i, c.slug)
        sandbox.fault { path = COURSES, method = "POST", kind = status }
        cerego.courses:create { name = "Five " .. i, partner_id = 77 }
        assert.equal(4, once.count("POST", COURSES), status)
        assert.equal(2, applied(status))
      end
      local by_slug, by_key = state(cerego)
      for i = 1, 4 do
        assert.equal(1, by_slug["five-" .. i])
        assert.equal(1, by_key[key("Five " .. i, 77)])
      end
    end)

    it("without a slug, reports unknown when several courses share the name and partner", function()
      cerego.courses:create { name = "Twin", partner_id = 77 }
      cerego.courses:create { name = "Twin", partner_id = 77 }
      sandbox.clear_log()
      sandbox.fault { path = COURSES, method = "POST", kind = "drop_after" }
      local err = sandbox.error_of(cerego.courses.create, cerego.courses, { name = "Twin", partner_id = 77 })
      assert.equal("unknown", err.sent)
      assert.matches("3 courses match", err.message)
      assert.matches("slug", err.message)
      assert.equal(1, once.count("POST", COURSES))
    end)

    it("matches a partner id written with a leading zero as the integer it is", function()
      sandbox.fault { path = COURSES, method = "POST", kind = "drop_after" }
      local c = cerego.courses:create { name = "Exact", partner_id = "017431949894" }
      assert.equal("17431949894", c.partner.id)
      assert.equal(1, once.count("POST", COURSES))
      assert.matches('"partner_id":17431949894[,}]', sandbox.requests()[1].body)
      local _, by_key = state(cerego)
      assert.equal(1, by_key[key("Exact", "17431949894")])
    end)

    it("keeps ids as the doc's strings and integral numbers exact", function()
      local c = cerego.courses:get(38410)
      assert.equal("38410", c.id)
      assert.equal("17431949894", c["external-id"])
      assert.equal("4", c.partner.id)
      assert.equal("628253", c.image.id)
      assert.equal(1, c["users-count"])
      if math.type then assert.equal("integer", math.type(c["users-count"])) end
      local created = cerego.courses:create { name = "Ids", partner_id = 21, slug = "ids" }
      assert.matches("^%d+$", created.id)
      assert.equal(created.id, cerego.courses:get(created.id).id)
      assert.equal(created.id, cerego.courses:get("ids").id)
    end)

    it("settles an update that renamed the slug it was addressed by", function()
      cerego.courses:create { name = "Old", partner_id = 21, slug = "old-slug" }
      sandbox.clear_log()
      sandbox.fault { path = COURSES .. "/old-slug", method = "PUT", kind = "drop_after" }
      local c = cerego.courses:update("old-slug", { slug = "new-slug", name = "New", state = "published" })
      assert.equal("new-slug", c.slug)
      assert.equal("New", c.name)
      assert.equal("published", c.state)
      assert.equal(1, applied("drop_after"))
      assert.equal("not_found", sandbox.error_of(cerego.courses.get, cerego.courses, "old-slug").kind)
    end)

    it("repeats an update (idempotent) whose answer was lost on a reused connection", function()
      cerego.courses:get(38401)
      sandbox.fault { path = COURSES .. "/38401", method = "PUT", kind = "drop_after_reused" }
      local c = cerego.courses:update(38401, { name = "Renamed", description = "again" })
      assert.equal(1, applied("drop_after_reused"))
      assert.equal("Renamed", c.name)
      assert.equal("again", cerego.courses:get(38401).description)
    end)

    it("takes a delete whose answer was lost as done", function()
      local c = cerego.courses:create { name = "Gone", partner_id = 21, slug = "gone" }
      sandbox.fault { path = COURSES .. "/" .. c.id, method = "DELETE", kind = "drop_after" }
      assert.is_true(cerego.courses:delete(c.id))
      assert.equal(1, applied("drop_after"))
      assert.equal("not_found", sandbox.error_of(cerego.courses.get, cerego.courses, c.id).kind)
      cerego.courses:get(38401)
      sandbox.fault { path = COURSES .. "/draft-course-cell-biology", method = "DELETE", kind = "drop_after_reused" }
      assert.is_true(cerego.courses:delete("draft-course-cell-biology"))
      assert.equal(1, applied("drop_after_reused"))
    end)

    it("sends echo (no effect: idempotent) again when its answer was lost", function()
      cerego.courses:get(13421)
      sandbox.fault { path = "/cerego/api/echo", method = "POST", kind = "drop_after_reused" }
      assert.same({ echo = "Test" }, cerego.echo:send { echo = "Test" })
      assert.equal(1, applied("drop_after_reused"))
      assert.equal(2, once.count("POST", "/cerego/api/echo"))
    end)

    it("reports unknown a write no read can settle", function()
      -- a raw POST has no declaration, so no look-up: never sent again
      sandbox.fault { path = COURSES, method = "POST", kind = "drop_after" }
      local err = sandbox.error_of(cerego.request, cerego, { method = "POST", path = "/v3/courses",
                                                            json = { name = "Raw", partner_id = 21 } })
      assert.equal("unknown", err.sent)
      assert.equal(1, once.count("POST", COURSES))
      -- echo whose every answer is lost: retried, then unknown (nothing to look up)
      sandbox.fault { path = "/cerego/api/echo", method = "POST", kind = "drop_after", count = 10 }
      err = sandbox.error_of(cerego.echo.send, cerego.echo, { echo = "x" })
      assert.equal("unknown", err.sent)
      assert.equal(6, once.count("POST", "/cerego/api/echo")) -- 1 + retries (5)
    end)

    it("creates 300 CSV courses through 10% mixed faults, each exactly once", function()
      local rows = {}
      for i = 1, 300 do
        if i % 3 == 0 then -- no slug: name + partner is the key
          rows[i] = { name = "Storm course " .. i, partner_id = "77" }
        else
          rows[i] = { name = "Storm " .. i, partner_id = "21", slug = "storm-" .. i, description = "row " .. i }
        end
      end
      sandbox.clear_log()
      local report, faulted, kinds, total = once.stormed_workflow {
        vendor = "cerego", workflow = "courses", client = cerego,
        rows = rows, storm = PREFIX, method = "POST", seen = COURSES,
      }
      -- the faults really happened: on creates, some after the server created
      assert.is_true(faulted >= 15, "only " .. faulted .. " faults on creates")
      assert.is_true(total >= faulted)
      once.assert_unanswered(kinds)
      assert.is_true(has_event(events, "reconcile"))
      local by_slug, by_key = state(cerego)
      local outcome = {}
      for _, f in ipairs(report.failures) do outcome[f.row] = f.outcome end
      for i, row in ipairs(rows) do
        local n = by_key[key(row.name, row.partner_id)] or 0
        assert.is_true(n <= 1, "created twice: " .. row.name)
        if row.slug then assert.is_true((by_slug[row.slug] or 0) == n, "slug of " .. row.name) end
        if not outcome[i] then assert.equal(1, n, "reported done, not created: " .. row.name) end
        if outcome[i] == "failed" then assert.equal(0, n, "reported failed, created: " .. row.name) end
      end
      once.assert_all_done(report, 300)
      -- the same rows again (a rerun without journal) create nothing
      sandbox.clear_log()
      report = lmskit.workflow("cerego", "courses", cerego, { rows = rows, concurrency = 16, progress = false })
      assert.equal(300, report.ok)
      local again_slug, again_key = state(cerego)
      assert.same(by_slug, again_slug)
      assert.same(by_key, again_key)
    end)
  end)
end

describe("Cerego declarations", function()
  it("say for every write whether it is idempotent and how its effect is found; none notifies", function()
    once.assert_writes_declared(require "lmskit.apis.cerego", 4)
  end)
end)
