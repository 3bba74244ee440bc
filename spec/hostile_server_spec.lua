-- A hostile or broken server cannot make a client leak, loop or hang:
-- a secret straddling the cut of a long error body, the per-attempt JWT
-- echoed back, a far Retry-After (and MATRIX's lock-out), paging links
-- that loop, a list that never ends, and a server that stalls (deadline).
local lmskit = require "lmskit"
local core = require "lmskit.core"
local sandbox = require "sandbox"

-- Every 8-byte piece of secret that text contains (nil when none).
local function leaked(text, secret)
  text = tostring(text)
  for i = 1, #secret - 7 do
    local piece = secret:sub(i, i + 7)
    if text:find(piece, 1, true) then return piece end
  end
end

local function assert_no_leak(text, secret, what)
  local piece = leaked(text, secret)
  assert.is_nil(piece, (what or "text") .. " shows '" .. tostring(piece) .. "' of the secret: " .. tostring(text))
end

-- A fresh random secret of n bytes (hex).
local function random_secret(prefix, n)
  return prefix .. core.random_hex(n)
end

describe("a secret straddling the cut of a long error body", function()
  before_each(function() sandbox.reset() end)

  it("is redacted before the body is cut: no part of the token shows", function()
    local token = random_secret("tok-", 30) -- 64 bytes, as long as real tokens
    local catalog = sandbox.catalog { token = token }
    -- 'Token token="' is 13 bytes: the cut at 300 falls 28 bytes into the token
    sandbox.fault { path = "/catalog/api/v1/courses", kind = "echo", format = "text", status = 422,
                    pad = 300 - 13 - 28 }
    local err = sandbox.error_of(catalog.courses.get, catalog.courses, 1)
    assert.equal("validation", err.kind)
    assert.matches("[REDACTED]", err.message, 1, true)
    assert_no_leak(err.message, token, "message")
    assert_no_leak(tostring(err), token, "tostring")
    -- cut at 300 bytes with "...": the core then escapes the control
    -- characters left in it (a line break becomes the two bytes \n)
    assert.equal("...", err.message:sub(-3), "the message is cut")
    local controls = select(2, err.message:gsub("\\[rnt]", ""))
    assert.is_true(#err.message <= 303 + controls, "the message is still cut: " .. #err.message .. " bytes")
  end)
end)

describe("a 2xx body", function()
  before_each(function() sandbox.reset() end)

  -- What courses:get(1) returns (or the error it raises) when the server
  -- answers 200 with the echo in `format` under the Content-Type ctype.
  local function got(format, ctype)
    local catalog = sandbox.catalog()
    sandbox.fault { path = "/catalog/api/v1/courses", kind = "echo", format = format, status = 200,
                    content_type = ctype, count = 1 }
    return pcall(catalog.courses.get, catalog.courses, 1)
  end

  it("is decoded when its Content-Type names JSON, in any case", function()
    for _, ctype in ipairs { "application/json", "Application/JSON; charset=UTF-8",
                             "application/vnd.api+json", "text/x-Json", "APPLICATION/JSON" } do
      local ok, body = got("jsonraw", ctype)
      assert.is_true(ok, ctype .. ": " .. tostring(body))
      assert.is_table(body, ctype)
      assert.matches("^Token token=", body.request, nil, false, ctype)
    end
  end)

  it("is text under another Content-Type, and a decode error under a JSON one", function()
    for _, ctype in ipairs { "text/csv", "text/plain; charset=utf-8", "application/octet-stream" } do
      local ok, body = got("text", ctype)
      assert.is_true(ok, ctype .. ": " .. tostring(body))
      assert.is_string(body, ctype)
      assert.matches("GET /catalog/api/v1/courses/1", body, 1, true)
    end
    local ok, err = got("text", "application/Json")
    assert.is_false(ok)
    assert.equal("decode", err.kind)
    assert.equal(200, err.status)
  end)
end)

describe("compression", function()
  before_each(function() sandbox.reset() end)

  -- The Accept-Encoding line (nil: none) of each request the sandbox saw.
  local function asked()
    local by = {}
    for _, r in ipairs(sandbox.requests()) do by[#by + 1] = { r.method, r.headers["accept-encoding"] } end
    return by
  end

  it("is asked for by a read, not by a write, on HTTP/2 and HTTP/1.1", function()
    for _, http2 in ipairs { true, false } do
      local catalog = sandbox.catalog { http2 = http2 }
      sandbox.clear_log()
      local c = catalog.courses:create { title = "Zipped", path = "zipped-" .. tostring(http2),
                                         description = "d", teaser = "t", canvas_course_id = 1 }
      assert.is_table(catalog.courses:get(c.id))
      assert.is_true(catalog.courses:update(c.id, { title = "Unzipped" }))
      assert.is_true(catalog.courses:delete(c.id))
      local by = asked()
      assert.equal(4, #by)
      assert.same({ "POST", "GET", "PUT", "DELETE" }, { by[1][1], by[2][1], by[3][1], by[4][1] })
      assert.matches("gzip", by[2][2], 1, true) -- the read names what libcurl decodes
      for _, i in ipairs { 1, 3, 4 } do
        assert.is_nil(by[i][2], by[i][1] .. " asked for " .. tostring(by[i][2]))
      end
    end
  end)

  it("is decoded in a write's answer that a server compresses anyway", function()
    for _, http2 in ipairs { true, false } do
      local c = core.client { base_url = sandbox.url, ca_file = sandbox.ca, http2 = http2 }
      sandbox.fault { path = "/catalog/api/v1/enrollments", kind = "echo", format = "jsonraw", status = 201,
                      gzip = true, count = 1 }
      local status, body = c:request { method = "POST", path = "/catalog/api/v1/enrollments",
                                       body = '{"enrollment":{"listing_id":1}}', content_type = "application/json" }
      assert.equal(201, status)
      local log = sandbox.requests()
      assert.is_nil(log[#log].headers["accept-encoding"])
      -- the JSON text, inflated: the echo of the request sent
      local echo = lmskit.json.decode(body).request
      assert.matches("POST /catalog/api/v1/enrollments", echo, 1, true)
      assert.matches('{"enrollment":{"listing_id":1}}', echo, 1, true)
    end
  end)
end)

describe("Coursepath's per-attempt JWT", function()
  before_each(function() sandbox.reset() end)

  it("is a secret of the client: an echoing server never shows it", function()
    local cp = sandbox.coursepath()
    sandbox.fault { path = "/coursepath/api/v1/courses", kind = "echo", format = "text", status = 400 }
    sandbox.clear_log()
    local err = sandbox.error_of(cp.courses.get, cp.courses, 1)
    local log = sandbox.requests()
    local jwt = log[#log].headers.authorization:match("^Bearer (.+)$")
    assert.truthy(jwt)
    assert_no_leak(err.message, jwt, "message")
    assert_no_leak(tostring(err), jwt, "tostring")
  end)
end)

describe("a far Retry-After", function()
  before_each(function() sandbox.reset() end)

  it("is not waited for: the call fails at once as rate_limited with the time asked", function()
    local catalog = sandbox.catalog { retries = 3, max_retry_wait = 2 }
    sandbox.fault { path = "/catalog/api/v1/courses", kind = "429", retry_after = 99999999 }
    local started = core.now()
    local err = sandbox.error_of(catalog.courses.get, catalog.courses, 1)
    assert.is_true(core.now() - started < 2)
    assert.equal("rate_limited", err.kind)
    assert.equal(99999999, err.retry_after)
    assert.matches("max_retry_wait", err.message)
  end)

  it("never holds a MATRIX client past max_retry_wait (the lock-out is capped too)", function()
    local waits = {}
    local matrix = sandbox.matrix { retries = 1, max_retry_wait = 1, log = function(e)
      if e.wait then
        waits[#waits + 1] = e.wait
        -- a wait this long is the defect: stop here rather than hang the spec
        if e.wait > 5 then error("the client would wait " .. e.wait .. " s", 0) end
      end
    end }
    sandbox.fault { path = "/matrix/api/get_my_account", kind = "429", retry_after = 99999999 }
    local err = sandbox.error_of(matrix.users.get_my_account, matrix.users)
    assert.equal("rate_limited", err.kind)
    assert.equal(99999999, err.retry_after)
    -- the next call of the same client waits at most max_retry_wait, then goes
    local started = core.now()
    assert.truthy(matrix.users:get_my_account().id)
    assert.is_true(core.now() - started < 2, "waited " .. (core.now() - started) .. " s")
    for _, w in ipairs(waits) do assert.is_true(w <= 1.001, "waited " .. w .. " s") end
  end)

  it("within max_retry_wait is still honoured", function()
    local catalog = sandbox.catalog { retries = 1, max_retry_wait = 2 }
    sandbox.fault { path = "/catalog/api/v1/courses", kind = "429", retry_after = 1 }
    local started = core.now()
    assert.equal(1, catalog.courses:get(1).id)
    assert.is_true(core.now() - started >= 0.9)
  end)
end)

describe("paging loops", function()
  before_each(function() sandbox.reset() end)

  it("Link paging: A -> B -> A is refused as soon as a page comes round again", function()
    local catalog = sandbox.catalog()
    sandbox.fault { path = "/catalog/api/v1/courses", method = "GET", kind = "link_loop", count = 40 }
    sandbox.clear_log()
    local err = sandbox.error_of(catalog.courses.all, catalog.courses, { per_page = 1 })
    assert.equal("decode", err.kind)
    assert.matches("already", err.message)
    assert.is_true(#sandbox.requests() <= 3, #sandbox.requests() .. " pages read")
  end)

  it("Cerego without total-pages: a page that repeats an earlier one ends the walk with an error", function()
    local cerego = sandbox.cerego()
    local all = cerego.courses:all { page = { size = 2 } }
    sandbox.fault { path = "/cerego/api/v3/courses", kind = "cerego_next_forever", count = 200 }
    sandbox.clear_log()
    local err = sandbox.error_of(cerego.courses.all, cerego.courses, { page = { size = 2 } })
    assert.equal("decode", err.kind)
    assert.matches("repeats", err.message)
    assert.is_true(#sandbox.requests() <= math.ceil(#all / 2) + 1, #sandbox.requests() .. " pages read")
  end)

  it("Cerego without total-pages stops at max_pages", function()
    sandbox.control("POST", "cerego/seed", { courses = 20 })
    local cerego = sandbox.cerego { max_pages = 5 }
    sandbox.fault { path = "/cerego/api/v3/courses", kind = "cerego_next_forever", count = 200 }
    sandbox.clear_log()
    local err = sandbox.error_of(cerego.courses.all, cerego.courses, { page = { size = 1 } })
    assert.equal("decode", err.kind)
    assert.matches("max_pages", err.message)
    assert.equal(5, #sandbox.requests())
  end)

  it("Cerego without total-pages still ends at the first empty page", function()
    local cerego = sandbox.cerego()
    local all = cerego.courses:all { page = { size = 100 } }
    -- page 1 without meta, with links.next; page 2 (past the end) is empty
    sandbox.fault { path = "/cerego/api/v3/courses", kind = "cerego_next_forever", count = 1 }
    sandbox.clear_log()
    local some = cerego.courses:all { page = { size = 100 } }
    assert.equal(#all, #some)
    assert.equal(2, #sandbox.requests())
  end)

  it("max_pages is a positive integer", function()
    for _, bad in ipairs { 0, -1, 1.5, 0 / 0, math.huge } do
      local err = sandbox.error_of(sandbox.cerego, { max_pages = bad })
      assert.equal("usage", err.kind)
    end
  end)
end)

describe("deadline", function()
  before_each(function() sandbox.reset() end)

  it("bounds a stalled call across attempts: kind timeout, saying deadline", function()
    local catalog = sandbox.catalog { retries = 2, timeout = 30, deadline = 1 }
    sandbox.fault { path = "/catalog/api/v1/courses", kind = "delay", delay_ms = 3000, count = 3 }
    local started = core.now()
    local err = sandbox.error_of(catalog.courses.get, catalog.courses, 1)
    local took = core.now() - started
    assert.equal("timeout", err.kind)
    assert.matches("deadline", err.message)
    assert.is_true(took < 1.8, "took " .. took .. " s")
  end)

  it("counts the waits between attempts too", function()
    local catalog = sandbox.catalog { retries = 5, deadline = 1.5 }
    sandbox.fault { path = "/catalog/api/v1/courses", kind = "503", retry_after = 1, count = 5 }
    local started = core.now()
    local err = sandbox.error_of(catalog.courses.get, catalog.courses, 1)
    assert.equal("timeout", err.kind)
    assert.matches("deadline", err.message)
    assert.is_true(core.now() - started < 1.6)
  end)

  it("inside tasks as well", function()
    local catalog = sandbox.catalog { retries = 2, timeout = 30, deadline = 1 }
    sandbox.fault { path = "/catalog/api/v1/courses", kind = "delay", delay_ms = 3000, count = 3 }
    local started = core.now()
    local ok, err = pcall(lmskit.run, function(spawn)
      spawn(function() catalog.courses:get(1) end)
    end)
    assert.is_false(ok)
    assert.equal("timeout", err.kind)
    assert.matches("deadline", err.message)
    assert.is_true(core.now() - started < 1.8)
  end)

  it("leaves a call that ends in time alone, and is a positive number", function()
    assert.equal(1, sandbox.catalog({ deadline = 5 }).courses:get(1).id)
    for _, bad in ipairs { 0, -1, 0 / 0, math.huge } do
      assert.equal("usage", sandbox.error_of(sandbox.catalog, { deadline = bad }).kind)
    end
  end)
end)
