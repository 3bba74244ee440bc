-- A kept-alive connection the server closes as it is reused (an idle
-- timeout meeting the next request) fails a call before any answer.
-- Every HTTP client sends such a request once more on a new connection
-- (RFC 9112 section 9.3.1); lmskit does too, at no cost to `retries`,
-- once it knows that is safe: a read at once, a write (idempotent or not)
-- once its look-up finds it not done.  A write that notifies people is
-- still never sent again.  The clients here have retries = 0 (the
-- sandbox default) and HTTP/1.1 (an HTTP/2 stream reset is another
-- failure: transport_once_spec).
local core = require "lmskit.core"
local sandbox = require "sandbox"
local count = require("support.exactly_once").count

describe("a connection closed as it is reused", function()
  local engine
  before_each(function()
    sandbox.reset()
    -- an engine of its own: the warm-up call opens the one connection the
    -- fault then closes
    engine = core.new_engine()
  end)
  after_each(function() engine:close() end)

  it("sends a Catalog enrollment again once its look-up finds it not done", function()
    local events = {}
    local catalog = sandbox.catalog { engine = engine, http2 = false, log = function(e) events[#events + 1] = e end }
    assert.is_table(catalog.enrollments:all { per_page = 100 })
    sandbox.fault { path = "/catalog/api/v1/enrollments", method = "POST", kind = "drop" }
    local e = catalog.enrollments:create { listing_id = 1, canvas_user_id = 4242 }
    assert.equal(4242, e.user.id)
    assert.equal(2, count("POST", "/catalog/api/v1/enrollments"))
    local mine = 0
    for _, x in ipairs(catalog.enrollments:all { per_page = 100 }) do
      if x.user.id == 4242 then mine = mine + 1 end
    end
    assert.equal(1, mine)
    local reconciled
    for _, ev in ipairs(events) do
      if ev.event == "reconcile" then reconciled = ev end
    end
    assert.is_false(reconciled and reconciled.found)
    catalog:close()
  end)

  it("fails a write that notifies people, its look-up notwithstanding", function()
    local cp = sandbox.coursepath { engine = engine, http2 = false }
    local members = cp.members:all()
    assert.is_true(#members > 0)
    sandbox.fault { path = "/coursepath/api/v1/members/" .. members[1].id .. "/invite", method = "POST", kind = "drop" }
    local ok, err = pcall(cp.members.invite, cp.members, members[1].id, {})
    assert.is_false(ok)
    assert.equal("unknown", err.sent)
    assert.is_true(err.stale)
    assert.equal(1, count("POST", "/coursepath/api/v1/members/" .. members[1].id .. "/invite"))
    cp:close()
  end)

  it("sends a Coursepath read again with a fresh token", function()
    local cp = sandbox.coursepath { engine = engine, http2 = false }
    assert.is_table(cp.courses:all())
    sandbox.fault { path = "/coursepath/api/v1/members", method = "GET", kind = "drop" }
    local members = cp.members:all()
    assert.is_true(#members > 0)
    assert.equal(2, count("GET", "/coursepath/api/v1/members"))
    cp:close()
  end)

  it("sends an idempotent write again once its look-up finds it not done", function()
    local cerego = sandbox.cerego { engine = engine, http2 = false }
    local id = cerego.courses:all()[1].id
    sandbox.fault { path = "/cerego/api/v3/courses/" .. id, method = "PUT", kind = "drop" }
    assert.is_truthy(cerego.courses:update(id, { name = "Renamed once" }))
    assert.equal(2, count("PUT", "/cerego/api/v3/courses/" .. id))
    assert.equal("Renamed once", cerego.courses:get(id).name)
    cerego:close()
  end)

  it("is sent again once only: a second close fails the call", function()
    local catalog = sandbox.catalog { engine = engine, http2 = false }
    assert.is_table(catalog.enrollments:all { per_page = 100 })
    sandbox.fault { path = "/catalog/api/v1/enrollments", method = "POST", kind = "drop", count = 2 }
    -- the second drop lands on a fresh connection: a real failure
    local ok, err = pcall(catalog.enrollments.create, catalog.enrollments, { listing_id = 1, canvas_user_id = 4343 })
    assert.is_false(ok)
    assert.equal("transport", err.kind)
    assert.is_false(err.sent)
    assert.matches("looked up: not done", err.message)
    assert.equal(2, count("POST", "/catalog/api/v1/enrollments"))
    catalog:close()
  end)
end)
