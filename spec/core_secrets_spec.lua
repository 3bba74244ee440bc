-- Secrets at the binding: every form a credential takes on the wire is
-- redacted (raw, percent-encoded, JSON-escaped, base64 Basic, the whole
-- Authorization value), from every string field of an error (err.code
-- too); per-attempt credentials (a JWT) are kept in a bounded ring; and a
-- server's CR/LF never reaches a message unescaped.
local core = require "lmskit.core"
local sandbox = require "sandbox"

-- Fails the spec when any 8-byte piece of secret appears in text.
local function no_piece_of(secret, text, what)
  for i = 1, #secret - 7 do
    local piece = secret:sub(i, i + 7)
    assert(not text:find(piece, 1, true),
      ("%s shows %q, a piece of a credential: %s"):format(what or "text", piece, text))
  end
end

-- The error c:fail raises for the given fields.
local function fail_of(c, fields)
  local ok, err = pcall(c.fail, c, fields)
  assert.is_false(ok)
  assert.is_true(core.is_error(err))
  return err
end

describe("err.code and every other string field of an error", function()
  it("are redacted: a server that echoes the token cannot put it in err.code", function()
    local secret = "tok-S3CRET/value+1234"
    local c = core.client { base_url = "https://h.example", auth = "bearer", secret = secret }
    local forms = { secret, "tok-S3CRET%2Fvalue%2B1234", "tok-S3CRET\\/value+1234" }
    for _, form in ipairs(forms) do
      local err = fail_of(c, { status = 400, message = "bad " .. form, url = "https://h.example/x?t=" .. form,
                               method = "GET", code = "E_" .. form })
      for _, field in ipairs { "message", "url", "code", "method" } do
        no_piece_of(secret, tostring(err[field]), "err." .. field)
      end
      no_piece_of(secret, tostring(err), "tostring(err)")
      assert.equal("E_[REDACTED]", err.code)
    end
  end)
end)

describe("encoded credentials", function()
  before_each(function()
    sandbox.reset()
    sandbox.clear_log()
  end)

  it("registers the Basic form as it went on the wire, and the whole Authorization value", function()
    for _, creds in ipairs { { "test_key_1", "" }, { "u1", "p@ss/w:rd-long" } } do
      local c = core.client { base_url = sandbox.url .. "/catalog", ca_file = sandbox.ca,
                              auth = "basic", user = creds[1], secret = creds[2] }
      c:request { path = "/api/v1/catalogs" }
      local log = sandbox.requests()
      local value = log[#log].headers.authorization
      local b64 = value:match("^Basic (%S+)$")
      assert.is_string(b64)
      for _, text in ipairs { b64, value, "Authorization: " .. value, "echo: " .. b64 .. "!" } do
        no_piece_of(b64, c:redact(text), "redacted Basic")
      end
      no_piece_of(b64, tostring(fail_of(c, { status = 401, code = b64, message = value })))
    end
  end)

  it("masks the base64 Basic form of Coggno's key (user = key, empty password)", function()
    local coggno = sandbox.coggno()
    coggno._core:request { path = "/users" }
    local log = sandbox.requests()
    local b64 = log[#log].headers.authorization:match("^Basic (%S+)$")
    no_piece_of(b64, coggno._core:redact("you sent " .. b64), "Coggno Basic")
  end)

  it("masks the JSON-escaped form of a secret with '/' or '\"'", function()
    local c = core.client { base_url = "https://h.example", auth = "bearer", secret = 'a/b"c-secret' }
    for _, text in ipairs { '{"token":"a\\/b\\"c-secret"}', '{"token":"a/b\\"c-secret"}' } do
      assert.equal('{"token":"[REDACTED]"}', c:redact(text))
    end
  end)

  it("masks the percent-encoded form of a query credential", function()
    local c = core.client { base_url = "https://h.example", auth = "query", param = "key", secret = "k y/1+z" }
    assert.equal("[REDACTED] [REDACTED]", c:redact("k y/1+z k%20y%2F1%2Bz"))
  end)
end)

describe("client:add_secret (per-attempt credentials)", function()
  it("redacts what it is given, in every form", function()
    local c = core.client { base_url = "https://h.example" }
    local jwt = "eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiIxIn0.c2lnbmF0dXJl/x"
    c:add_secret(jwt)
    assert.equal("[REDACTED] [REDACTED] [REDACTED]",
      c:redact(jwt .. " " .. jwt:gsub("/", "%%2F") .. " " .. jwt:gsub("/", "\\/")))
  end)

  it("keeps only the last 256, so a long job's memory stays bounded", function()
    local c = core.client { base_url = "https://h.example" }
    for i = 1, 300 do c:add_secret(("jwt-%03d-0123456789abcdef"):format(i)) end
    assert.equal("jwt-044-0123456789abcdef", c:redact("jwt-044-0123456789abcdef")) -- forgotten
    for i = 45, 300 do
      assert.equal("[REDACTED]", c:redact(("jwt-%03d-0123456789abcdef"):format(i)))
    end
  end)

  it("refuses what is not a string and ignores what is too short to mask", function()
    local c = core.client { base_url = "https://h.example" }
    assert.equal("usage", sandbox.error_of(c.add_secret, c, 42).kind)
    assert.equal("usage", sandbox.error_of(c.add_secret, c, "ab\0cd").kind)
    c:add_secret("ab")
    assert.equal("ab", c:redact("ab"))
  end)
end)

describe("control characters from a server", function()
  it("are escaped in every message, code and URL of an error (no forged log lines)", function()
    local c = core.client { base_url = "https://h.example" }
    local err = fail_of(c, { status = 422, message = "bad\r\nX-Forged: 1\0\27[31m\tend\127",
                             code = "E\n1", url = "https://h.example/x\r\n" })
    assert.equal("bad\\r\\nX-Forged: 1\\x00\\x1b[31m\\tend\\x7f", err.message)
    assert.equal("E\\n1", err.code)
    assert.equal("https://h.example/x\\r\\n", err.url)
    assert.not_matches("[%c]", tostring(err))
  end)

  it("keeps text without control characters as it is", function()
    local c = core.client { base_url = "https://h.example" }
    local err = fail_of(c, { status = 422, message = "caf\195\169 \\n {\"a\":1}" })
    assert.equal("caf\195\169 \\n {\"a\":1}", err.message)
  end)
end)
