-- ca_file mistakes are caught when the client is made, as usage errors
-- naming the problem, not at the first call as a TLS failure.
local lmskit = require "lmskit"
local core = require "lmskit.core"
local sandbox = require "sandbox"
local files = require "support.files"

-- The sandbox CA's PEM text.
local function ca_text()
  return files.read(sandbox.ca)
end

describe("ca_file", function()
  local made = {}
  after_each(function()
    for _, path in ipairs(made) do os.remove(path) end
    made = {}
  end)
  local function temp(text)
    local path = files.with(text)
    made[#made + 1] = path
    return path
  end

  local function refused(path, pattern)
    local err = sandbox.error_of(core.client, { base_url = sandbox.url, ca_file = path })
    assert.equal("usage", err.kind)
    assert.matches("ca_file", err.message, 1, true)
    assert.matches(pattern, err.message)
    err = sandbox.error_of(lmskit.catalog, { base_url = sandbox.url .. "/catalog",
                                             token = sandbox.catalog_token, ca_file = path })
    assert.equal("usage", err.kind)
  end

  it("refuses a missing file at creation", function()
    refused("/nonexistent/lmskit-ca.pem", "missing")
  end)

  it("refuses a directory at creation", function()
    refused("/tmp", "not a regular file")
  end)

  it("refuses an empty file at creation", function()
    refused(temp(""), "no PEM certificate")
  end)

  it("refuses a file that is not PEM, or PEM without a certificate", function()
    refused(temp("just some text\nnot a certificate\n"), "no PEM certificate")
    refused(temp("\48\130\1\10\2\1\0"), "no PEM certificate") -- a DER-looking start
    refused(temp("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"),
            "no PEM certificate")
  end)

  it("refuses a certificate that is cut short", function()
    local text = ca_text()
    refused(temp(text:sub(1, math.floor(#text / 2)) .. "\n-----END CERTIFICATE-----\n"), "malformed")
  end)

  it("takes a real CA bundle, also with text around the certificates", function()
    local c = core.client { base_url = sandbox.url, ca_file = sandbox.ca }
    assert.equal(200, (c:request { path = "/_sandbox/ping" }))
    local commented = temp("# the sandbox CA\n" .. ca_text() .. "\n" .. ca_text())
    c = core.client { base_url = sandbox.url, ca_file = commented }
    assert.equal(200, (c:request { path = "/_sandbox/ping" }))
  end)
end)
