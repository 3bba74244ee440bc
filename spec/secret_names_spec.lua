-- Secret names exist once, in the C core: core.secret_names and
-- core.is_secret_name are what lmskit.secret_names reads, and a client
-- redacts each listed name as a query parameter from the URLs it shows.
local core = require "lmskit.core"
local secret_names = require "lmskit.secret_names"

describe("the one list of secret names", function()
  it("is the core's, read by lmskit.secret_names", function()
    assert.is_table(core.secret_names)
    assert.equal(core.secret_names, secret_names.list)
    local seen = {}
    for _, name in ipairs(core.secret_names) do
      assert.equal(name:lower(), name)
      assert.is_true(core.is_secret_name(name))
      assert.is_true(secret_names.is_secret(name))
      seen[name] = true
    end
    for _, name in ipairs { "password", "token", "access_token", "api_key", "secret", "jwt", "key" } do
      assert.is_true(seen[name], name)
    end
  end)

  it("follows one rule: a listed name, or one joined to it by _ or -; key only as a suffix", function()
    for _, name in ipairs { "Password", "new_password", "password-confirmation", "X-API-KEY",
                            "refresh_token", "private_key", "signing_key", "client_secret", "Authorization" } do
      assert.is_true(core.is_secret_name(name), name)
      assert.is_true(secret_names.is_secret(name), name)
    end
    for _, name in ipairs { "key_id", "keys", "monkey", "email", "tokens", "passwordless", "" } do
      assert.is_false(core.is_secret_name(name), name)
      assert.is_false(secret_names.is_secret(name), name)
    end
    for _, value in ipairs { 1, true, {}, false } do
      assert.is_false(core.is_secret_name(value))
      assert.is_false(secret_names.is_secret(value))
    end
    assert.is_false(core.is_secret_name())
  end)

  it("is what a client redacts from the URLs it shows, as query parameters", function()
    local c = core.client { base_url = "https://h.example" }
    for _, name in ipairs(core.secret_names) do
      local url = "https://h.example/x?" .. name .. "=v4lue-s3cr3t&page=2"
      assert.equal("https://h.example/x?" .. name .. "=[REDACTED]&page=2", c:redact(url))
    end
    c:close()
  end)
end)
