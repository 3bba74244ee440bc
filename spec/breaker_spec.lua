-- The bulk breaker stops a job that cannot succeed, and only such a job:
-- calls that fail together because one outage hit every connection in
-- flight (a server restart, a load balancer failing over, an HTTP/2
-- connection reset with all its streams) are one failure, not sixteen.
local lmskit = require "lmskit"
local sandbox = require "sandbox"

describe("bulk breaker", function()
  before_each(function() sandbox.reset() end)
  after_each(function() sandbox.clear_faults() end)

  -- 48 rows, each one GET; the first `dropped` requests to arrive are
  -- dropped (all of them were sent before any failure came back).
  local function job(dropped, opts)
    local client = sandbox.cerego { retries = 0, http2 = false }
    sandbox.fault { path = "/cerego/api/v3/courses", method = "GET", kind = "drop", count = dropped }
    local rows = {}
    for i = 1, 48 do rows[i] = { n = tostring(i) } end
    local o = { rows = rows, key = "n", concurrency = 16, progress = false, retries = 2,
                run = function() client:request { method = "GET", path = "/v3/courses" } end }
    for k, v in pairs(opts or {}) do o[k] = v end
    local report = lmskit.bulk(o)
    client:close()
    return report
  end

  it("counts the calls in flight that one outage fails together as one failure", function()
    local report = job(16)
    assert.is_nil(report.stopped)
    assert.equal(48, report.ok)
    assert.equal(0, report.untouched)
    assert.is_true(report.complete)
    -- the outage did hit every call in flight
    local dropped = 0
    for _, r in ipairs(sandbox.requests()) do if r.fault == "drop" then dropped = dropped + 1 end end
    assert.equal(16, dropped)
  end)

  it("counts writes dropped together, then looked up not done, as one outage", function()
    -- each on a connection of its own (a new engine, HTTP/1.1): the server
    -- closes them all before doing anything; each write is looked up, found
    -- not done (sent = false, looked_up), and its row runs again
    local engine = require("lmskit.core").new_engine()
    local catalog = sandbox.catalog { retries = 0, http2 = false, engine = engine }
    sandbox.fault { path = "/catalog/api/v1/enrollments", method = "POST", kind = "drop", count = 16 }
    local rows = {}
    for i = 1, 48 do rows[i] = { n = tostring(i) } end
    local report = lmskit.bulk { rows = rows, key = "n", concurrency = 16, progress = false, retries = 2,
      run = function(row)
        catalog.enrollments:create { listing_id = 1, canvas_user_id = 5000 + tonumber(row.n) }
      end }
    catalog:close()
    engine:close()
    assert.is_nil(report.stopped)
    assert.equal(48, report.ok)
    local dropped = 0
    for _, r in ipairs(sandbox.requests()) do if r.fault == "drop" then dropped = dropped + 1 end end
    assert.equal(16, dropped)
  end)

  it("counts every call that could not connect, even calls that fail together", function()
    local dead = sandbox.cerego { base_url = "https://127.0.0.1:9/cerego", connect_timeout = 2 }
    local rows = {}
    for i = 1, 480 do rows[i] = { n = tostring(i) } end
    local report = lmskit.bulk { rows = rows, key = "n", concurrency = 16, progress = false,
                                 run = function() dead:request { method = "GET", path = "/v3/courses" } end }
    assert.matches("could not reach 127.0.0.1:9", report.stopped, 1, true)
    -- at once: the 16 rows in flight, none after them
    assert.is_true(report.untouched >= 480 - 16, report.untouched .. " untouched")
  end)

  it("still stops when calls made after a failure fail again", function()
    local report = job(1000, { concurrency = 1, retries = 0 })
    assert.matches("could not reach", report.stopped)
    assert.equal(5, report.failed)
    assert.equal(43, report.untouched)
  end)

  it("once tripped, sends nothing more, not even for rows already started (they stay untouched)", function()
    local bad = sandbox.cerego { token = "wrong-token" }
    local rows = {}
    for i = 1, 400 do rows[i] = { n = tostring(i) } end
    local journal = os.tmpname()
    os.remove(journal)
    -- 200 rows at once (a batching workflow's workers), 4 calls in flight
    local opts = { rows = rows, key = "n", concurrency = 4, workers = 200, progress = false, journal = journal,
                   run = function() bad:request { method = "GET", path = "/v3/courses" } end }
    local report = lmskit.bulk(opts)
    assert.matches("refused", report.stopped)
    local sent = #sandbox.requests()
    assert.is_true(sent <= 8, sent .. " calls after a wrong token") -- 5 to trip it, and those in flight
    assert.equal(400, report.failed + report.untouched)
    assert.equal(sent, report.failed)
    -- the rerun with the right token does every row, the untouched ones too
    local good = sandbox.cerego {}
    opts.run = function() good:request { method = "GET", path = "/v3/courses" } end
    local again = lmskit.bulk(opts)
    assert.is_true(again.complete)
    assert.equal(400, again.ok)
    os.remove(journal)
  end)
end)
