-- Client creation, refusals before anything is sent, redaction, TLS.
local lmskit = require "lmskit"
local core = require "lmskit.core"
local sandbox = require "sandbox"

describe("client options", function()
  it("refuses http:// by default and says why", function()
    local err = sandbox.error_of(lmskit.catalog, { base_url = "http://catalog.example.edu", token = "t0ken" })
    assert.equal("usage", err.kind)
    assert.matches("http:// is refused", err.message)
  end)

  it("refuses http:// to a non-loopback host even with the test option", function()
    local err = sandbox.error_of(lmskit.catalog, { base_url = "http://10.0.0.1", token = "t0ken",
                                                   allow_http_loopback = true })
    assert.equal("usage", err.kind)
  end)

  it("refuses other schemes, credentials in the URL and malformed URLs", function()
    for _, url in ipairs { "ftp://h", "https://user:pw@h", "https://h/?q=1", "not a url", "https://h\r\n" } do
      local err = sandbox.error_of(lmskit.catalog, { base_url = url, token = "t0ken" })
      assert.equal("usage", err.kind, url)
    end
  end)

  it("requires the credential and refuses unknown or mistyped options", function()
    assert.equal("usage", sandbox.error_of(lmskit.catalog, { base_url = "https://h" }).kind)
    local err = sandbox.error_of(lmskit.catalog, { base_url = "https://h", token = "t", tokn = "x" })
    assert.matches("unknown option 'tokn'", err.message)
    err = sandbox.error_of(lmskit.catalog, { base_url = "https://h", token = "t", timeout = "5" })
    assert.matches("'timeout' must be a number", err.message)
  end)

  it("refuses a token that could inject a header", function()
    for _, token in ipairs { "abc\r\nX-Evil: 1", "abc\n", 'ab"c' } do
      local err = sandbox.error_of(lmskit.catalog, { base_url = "https://h", token = token })
      assert.equal("usage", err.kind)
      assert.not_matches("abc", err.message)
    end
  end)

  it("shows the URL a request goes to as the core makes it, the credential redacted", function()
    local c = core.client { base_url = "https://h.example/api", auth = "query", param = "api_key",
                            secret = "s3cr3t-key/+" }
    assert.equal("https://h.example/api/users/a%2Fb?page=2&api_key=[REDACTED]",
      c:url_of { path = "/users/:id", params = { id = "a/b" }, query = { page = 2 } })
    assert.equal("https://h.example/api/x?y=1&api_key=[REDACTED]", c:url_of { url = "https://h.example/api/x?y=1" })
    -- another origin: nothing is sent there, the URL is shown as it is
    assert.equal("https://evil.example/x", c:url_of { url = "https://evil.example/x" })
    assert.equal("usage", sandbox.error_of(c.url_of, c, { path = "no-slash" }).kind)
    local t = core.client { base_url = "https://h.example", auth = "token", secret = "tok-1" }
    assert.equal("https://h.example/a?b=c", t:url_of { path = "/a", query = { b = "c" } })
  end)

  it("never shows the secret in messages or tostring", function()
    local c = core.client { base_url = "https://h.example", auth = "query", param = "api_key",
                            secret = "s3cr3t-key/+" }
    assert.equal("https://h.example/x?api_key=[REDACTED]&b=1",
      c:redact("https://h.example/x?api_key=s3cr3t-key%2F%2B&b=1"))
    assert.equal("token [REDACTED] and [REDACTED]", c:redact("token s3cr3t-key/+ and s3cr3t-key%2F%2B"))
    assert.equal("https://h/x?token=[REDACTED]", c:redact("https://h/x?token=other"))
    assert.not_matches("s3cr3t", tostring(c))
  end)

  it("builds errors with kind, status and a readable tostring", function()
    local c = core.client { base_url = "https://h.example", auth = "bearer", secret = "tok-123" }
    local ok, err = pcall(c.fail, c, { status = 404, message = "Not found tok-123", method = "GET",
                                      url = "https://h.example/a?access_token=tok-123" })
    assert.is_false(ok)
    assert.is_true(lmskit.is_error(err))
    assert.equal(lmskit.Error, getmetatable(err))
    assert.equal("not_found", err.kind)
    assert.equal(404, err.status)
    assert.equal("lmskit.Error not_found (404): Not found [REDACTED] " ..
                 "[GET https://h.example/a?access_token=[REDACTED]]", tostring(err))
  end)

  it("closes idempotently, and a closed client refuses use", function()
    local c = core.client { base_url = "https://h.example" }
    c:close()
    c:close()
    assert.has_error(function() c:redact("x") end)
    assert.matches("closed", tostring(c))
  end)

  it("maps statuses to kinds", function()
    local expect = { [400] = "validation", [401] = "auth", [403] = "forbidden", [404] = "not_found",
                     [409] = "validation", [410] = "not_found", [422] = "validation",
                     [429] = "rate_limited", [500] = "server", [502] = "server", [503] = "server" }
    for status, kind in pairs(expect) do assert.equal(kind, core.kind_of_status(status)) end
    assert.is_nil(core.kind_of_status(204))
  end)
end)

describe("auth strategies on the wire", function()
  before_each(function()
    sandbox.reset()
    sandbox.clear_log()
  end)

  -- Sends one call with a core client using the given strategy; returns
  -- the request as the server saw it.
  local function seen(opts)
    opts.base_url = sandbox.url .. "/catalog"
    opts.ca_file = sandbox.ca
    local c = core.client(opts)
    c:request { path = "/api/v1/catalogs", query = { page = 1 } }
    local log = sandbox.requests()
    return log[#log]
  end

  it("bearer: Authorization: Bearer <secret>", function()
    assert.equal("Bearer b-123", seen { auth = "bearer", secret = "b-123" }.headers.authorization)
  end)

  it("token: Authorization: Token token=\"<secret>\"", function()
    assert.equal('Token token="t-123"', seen { auth = "token", secret = "t-123" }.headers.authorization)
  end)

  it("basic: the key as user and an empty password", function()
    local r = seen { auth = "basic", user = "test_key_1", secret = "" }
    assert.equal("Basic dGVzdF9rZXlfMTo=", r.headers.authorization) -- base64("test_key_1:")
  end)

  it("query: the key as a query parameter, percent-encoded, after the others", function()
    local r = seen { auth = "query", param = "api_key", secret = "k y/1" }
    assert.equal("/catalog/api/v1/catalogs?page=1&api_key=k%20y%2F1", r.uri)
    assert.is_nil(r.headers.authorization)
  end)

  it("none: no credential at all", function()
    assert.is_nil(seen { auth = "none" }.headers.authorization)
  end)
end)

describe("proxy option", function()
  it("sends calls through the proxy and never shows it", function()
    -- a proxy that is not there: the call fails in the transport, naming no credentials
    local c = sandbox.catalog { proxy = "http://user:pw-secret@127.0.0.1:9", connect_timeout = 2 }
    local err = sandbox.error_of(c.catalogs.all, c.catalogs)
    assert.equal("transport", err.kind)
    assert.not_matches("pw%-secret", tostring(err))
  end)
end)

describe("a request's result", function()
  -- the C side of a request (its libcurl handle, its buffers) is freed
  -- when its outcome is read, not when the collector (which cannot see
  -- that memory) gets to it: a long job's memory stays flat
  local function submit(c, wire)
    local engine = c:engine()
    local req = c:submit(wire)
    while not req:done() do engine:step(1) end
    return req
  end

  it("is read once, and reading it frees the request", function()
    local c = core.client { base_url = sandbox.url .. "/catalog", ca_file = sandbox.ca,
                            auth = "token", secret = sandbox.catalog_token }
    local req = submit(c, { method = "GET", path = "/api/v1/catalogs" })
    assert.equal("lmskit.Request (done)", tostring(req))
    assert.equal(200, (req:result()))
    assert.equal("lmskit.Request (closed)", tostring(req))
    assert.has_error(function() req:result() end)
    c:close()
  end)

  it("frees a failed request too, once its error is raised", function()
    local c = core.client { base_url = "https://127.0.0.1:9", ca_file = sandbox.ca, auth = "none",
                            connect_timeout = 2 }
    local req = submit(c, { method = "GET", path = "/x" })
    local ok, err = pcall(req.result, req)
    assert.is_false(ok)
    assert.equal("transport", err.kind)
    assert.equal("lmskit.Request (closed)", tostring(req))
    c:close()
  end)
end)
