-- JWT signing in the C core (OpenSSL): RFC 7515 vectors, algorithms, refusals.
local core = require "lmskit.core"
local lmskit = require "lmskit"
local json = require "lmskit.json"
local files = require "support.files"

-- base64url decoding, for reading tokens back in the specs
local function b64url_decode(s)
  local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
  local bits = s:gsub(".", function(c)
    local v = alphabet:find(c, 1, true) - 1
    local r = ""
    for i = 5, 0, -1 do r = r .. math.floor(v / 2 ^ i) % 2 end
    return r
  end)
  bits = bits:sub(1, #bits - #bits % 8) -- the last partial group is padding
  return (bits:gsub("%d%d%d%d%d%d%d%d", function(byte) return string.char(tonumber(byte, 2)) end))
end

describe("lmskit.jwt", function()
  it("signs RFC 7515 appendix A.1 (HS256) byte for byte", function()
    local key = b64url_decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
    local header = '{"typ":"JWT",\r\n "alg":"HS256"}'
    local payload = '{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}'
    assert.equal("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." ..
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ." ..
      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", core.jwt_sign(header, payload, key, "HS256"))
  end)

  it("signs a known RS256 vector byte for byte (made with the openssl CLI)", function()
    local expected = files.read("spec/fixtures/jwt-rs256.expected"):gsub("%s+$", "")
    local token = core.jwt_sign('{"alg":"RS256","typ":"JWT"}',
      '{"sub":"1234567890","name":"John Doe","admin":true,"iat":1516239022}',
      files.read("spec/fixtures/jwt-rs256.pem"), "RS256")
    assert.equal(expected, token)
  end)

  it("signs ES256 as a raw 64-byte R||S signature", function()
    local key = files.read("spec/fixtures/jwt-es256.pem")
    local a = lmskit.jwt.sign({ sub = "x" }, key, "ES256")
    local b = lmskit.jwt.sign({ sub = "x" }, key, "ES256")
    local sig = a:match("%.([^.]+)$")
    assert.equal(64, #b64url_decode(sig))
    assert.not_equal(a, b) -- ECDSA is randomised
  end)

  it("signs HS384 and HS512 and writes header and claims as JSON", function()
    for _, alg in ipairs { "HS384", "HS512" } do
      local token = lmskit.jwt.sign({ email = "a@b.c", n = 1 }, string.rep("k", 64), alg)
      local h, p = token:match("^([^.]+)%.([^.]+)%.")
      assert.same({ alg = alg, typ = "JWT" }, json.decode(b64url_decode(h)))
      assert.same({ email = "a@b.c", n = 1 }, json.decode(b64url_decode(p)))
      assert.not_matches("=", token)
    end
  end)

  it("refuses none, unknown algorithms, short HMAC keys and wrong key types", function()
    for _, alg in ipairs { "none", "HS1", "hs256", "" } do
      local ok, err = pcall(lmskit.jwt.sign, {}, string.rep("k", 64), alg)
      assert.is_false(ok)
      assert.equal("usage", err.kind)
    end
    local ok, err = pcall(lmskit.jwt.sign, {}, "short-secret", "HS256")
    assert.is_false(ok)
    assert.matches("shorter than the digest", err.message)
    assert.is_false((pcall(lmskit.jwt.sign, {}, string.rep("k", 48), "HS512")))
    ok, err = pcall(lmskit.jwt.sign, {}, files.read("spec/fixtures/jwt-es256.pem"), "RS256")
    assert.is_false(ok)
    assert.matches("RSA", err.message)
    ok, err = pcall(lmskit.jwt.sign, {}, files.read("spec/fixtures/jwt-rsa1024.pem"), "RS256")
    assert.is_false(ok)
    assert.matches("2048", err.message)
    ok, err = pcall(lmskit.jwt.sign, {}, "not a pem", "ES256")
    assert.is_false(ok)
    assert.matches("PEM", err.message)
  end)

  it("makes jti values from the CSPRNG: 128 bits, never repeated", function()
    local seen = {}
    for _ = 1, 1000 do
      local id = lmskit.jwt.id()
      assert.matches("^%x+$", id)
      assert.equal(32, #id)
      assert.is_nil(seen[id])
      seen[id] = true
    end
  end)
end)
