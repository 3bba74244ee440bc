-- What every client does over the wire, whatever its vendor: error kinds
-- and retries, look-ups before a write is sent again, broken JSON,
-- dropped connections, timeouts, TLS (only the given CA, host names),
-- plain http:// only to loopback with the test option, and redacted log
-- events.  Catalog is the example vendor; vendor specs only show what
-- differs (their auth headers, their error shapes, their limits).
local sandbox = require "sandbox"
local core = require "lmskit.core"

local new_course = {
  title = "Course 1", description = "This is a very important course.", path = "course-1",
  canvas_course_id = 10010010, teaser = "This is an example teaser", enrollment_open = true,
  visibility = "listed", enrollment_cap = 150, waitlist = true, enrollment_fee = 49.99,
  days_to_complete = 45, list_order = 123, credits = 4,
}

describe("every client over the wire", function()
  before_each(function() sandbox.reset() end)

  it("reports bad credentials as auth, without the token", function()
    local err = sandbox.error_of(sandbox.catalog { token = "wrong-token-123" }.catalogs.all,
      sandbox.catalog { token = "wrong-token-123" }.catalogs)
    assert.equal("auth", err.kind)
    assert.equal(401, err.status)
    assert.equal("Invalid API token", err.message)
    assert.not_matches("wrong%-token", tostring(err))
  end)

  for _, case in ipairs {
    { kind = "500", expect = "server", status = 500 },
    { kind = "502", expect = "server", status = 502 },
    { kind = "503", expect = "server", status = 503 },
    { kind = "504", expect = "server", status = 504 },
    { kind = "429", expect = "rate_limited", status = 429 },
  } do
    it("reports a " .. case.kind .. " as " .. case.expect .. " when retries are off", function()
      sandbox.fault { path = "/catalog/api/v1/courses", kind = case.kind, retry_after = 1 }
      local err = sandbox.error_of(sandbox.catalog().courses.get, sandbox.catalog().courses, 1)
      assert.equal(case.expect, err.kind)
      assert.equal(case.status, err.status)
      assert.equal("GET", err.method)
      assert.matches("/catalog/api/v1/courses/1$", err.url)
    end)
  end

  it("retries a GET after 502/503 and honours Retry-After on 429", function()
    local catalog = sandbox.catalog { retries = 3 }
    sandbox.fault { path = "/catalog/api/v1/courses", kind = "503", count = 1 }
    sandbox.fault { path = "/catalog/api/v1/courses", kind = "429", count = 1, retry_after = 1 }
    sandbox.clear_log()
    local started = core.now()
    assert.equal(1, catalog.courses:get(1).id)
    assert.is_true(core.now() - started >= 1)
    assert.equal(3, #sandbox.requests())
  end)

  it("retries a GET after a 500; a POST after a 503 only once a look-up shows it absent", function()
    local catalog = sandbox.catalog { retries = 3 }
    sandbox.fault { path = "/catalog/api/v1/courses", kind = "500" }
    sandbox.clear_log()
    assert.equal(1, catalog.courses:get(1).id)
    assert.equal(2, #sandbox.requests())
    sandbox.clear_log()
    sandbox.fault { path = "/catalog/api/v1/courses", kind = "503" }
    local fresh = {}
    for k, v in pairs(new_course) do fresh[k] = v end
    fresh.path, fresh.title = "course-after-503", "After a 503"
    assert.equal(fresh.path, catalog.courses:create(fresh).listing_path)
    local methods = {}
    for _, r in ipairs(sandbox.requests()) do methods[#methods + 1] = r.method end
    assert.same({ "POST", "GET", "POST" }, methods) -- sent, looked up (absent), sent again
  end)

  it("does not send a write without a look-up again after a 503", function()
    local catalog = sandbox.catalog { retries = 3 }
    sandbox.fault { path = "/catalog/api/v1/certificates", kind = "503" }
    sandbox.clear_log()
    local err = sandbox.error_of(catalog.certificates.create, catalog.certificates,
      { listing_id = 1, name = "Cert", template = "<p>x</p>" })
    assert.equal("server", err.kind)
    assert.equal("unknown", err.sent)
    assert.equal(1, #sandbox.requests())
  end)

  it("reports broken JSON as decode", function()
    sandbox.fault { path = "/catalog/api/v1/courses", kind = "broken_json" }
    local catalog = sandbox.catalog()
    local err = sandbox.error_of(catalog.courses.all, catalog.courses)
    assert.equal("decode", err.kind)
    assert.equal(200, err.status)
    assert.matches("not valid JSON", err.message)
  end)

  it("reports a dropped connection as transport, and a GET retry recovers", function()
    sandbox.fault { path = "/catalog/api/v1/courses", kind = "drop" }
    local err = sandbox.error_of(sandbox.catalog().courses.get, sandbox.catalog().courses, 1)
    assert.equal("transport", err.kind)
    assert.is_nil(err.status)
    sandbox.fault { path = "/catalog/api/v1/courses", kind = "drop" }
    assert.equal(1, sandbox.catalog { retries = 1 }.courses:get(1).id)
  end)

  it("times out a slow response", function()
    sandbox.fault { path = "/catalog/api/v1/courses", kind = "delay", delay_ms = 1500 }
    local err = sandbox.error_of(sandbox.catalog { timeout = 0.3 }.courses.get,
      sandbox.catalog { timeout = 0.3 }.courses, 1)
    assert.equal("timeout", err.kind)
  end)

  it("refuses a certificate from another CA", function()
    local c = sandbox.catalog { base_url = sandbox.rogue_url .. "/catalog" }
    local err = sandbox.error_of(c.catalogs.all, c.catalogs)
    assert.equal("tls", err.kind)
    assert.not_matches("sandbox%-catalog%-token", tostring(err))
  end)

  it("refuses a certificate for another host name", function()
    local c = sandbox.catalog { base_url = sandbox.wronghost_url .. "/catalog" }
    assert.equal("tls", sandbox.error_of(c.catalogs.all, c.catalogs).kind)
  end)

  it("trusts only the given CA, not the system bundle", function()
    -- another CA, made here (a fresh machine may have no system bundle)
    local other = os.tmpname()
    os.execute("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null " ..
               "-subj /CN=another-ca -days 1 -out " .. other .. " 2>/dev/null")
    local pem = io.open(other):read("*a")
    assert.matches("BEGIN CERTIFICATE", pem, 1, true)
    local c = sandbox.catalog { ca_file = other }
    assert.equal("tls", sandbox.error_of(c.catalogs.all, c.catalogs).kind)
    -- and the machine's bundle, where there is one, does not vouch for the sandbox either
    local f = io.open("/etc/ssl/certs/ca-certificates.crt")
    if f then
      f:close()
      c = sandbox.catalog { ca_file = "/etc/ssl/certs/ca-certificates.crt" }
      assert.equal("tls", sandbox.error_of(c.catalogs.all, c.catalogs).kind)
    end
    os.remove(other)
  end)

  it("reaches loopback http:// only with the explicit test option", function()
    local url = sandbox.http_url .. "/catalog"
    assert.equal("usage", sandbox.error_of(sandbox.catalog, { base_url = url }).kind)
    local c = sandbox.catalog { base_url = url, allow_http_loopback = true }
    assert.equal(2, #c.catalogs:all())
  end)

  it("reports a refused connection as transport", function()
    local c = sandbox.catalog { base_url = "https://127.0.0.1:9/catalog", connect_timeout = 2 }
    assert.equal("transport", sandbox.error_of(c.catalogs.all, c.catalogs).kind)
  end)

  it("hands redacted events to the log function", function()
    local events = {}
    local c = sandbox.catalog { log = function(e) events[#events + 1] = e end }
    c.catalogs:all()
    assert.equal("response", events[1].event)
    assert.equal(200, events[1].status)
    assert.matches("/catalog/api/v1/catalogs", events[1].url)
  end)
end)
