-- A maximum response size per client (max_response_size, 64 MiB by
-- default), enforced while receiving: a declared Content-Length over it,
-- a body without a length, and a gzip body that inflates past it all fail
-- with kind "decode" naming the limit, without holding the whole body.
local lmskit = require "lmskit"
local core = require "lmskit.core"
local sandbox = require "sandbox"

local MiB = 1024 * 1024

-- A core client on the sandbox with the given cap (nil: the default).
local function client(max, http2)
  return core.client { base_url = sandbox.url, ca_file = sandbox.ca, max_response_size = max,
                       http2 = http2 }
end

-- The error a GET of path raises on c.
local function too_large(c, path, limit)
  local err = sandbox.error_of(c.request, c, { path = path })
  assert.equal("decode", err.kind, tostring(err.message))
  assert.matches("response larger than " .. limit .. " bytes", err.message, 1, true)
  return err
end

describe("max_response_size", function()
  it("refuses a declared Content-Length over the cap before reading the body", function()
    too_large(client(MiB), "/_sandbox/big?bytes=" .. (MiB + 1), MiB)
  end)

  it("counts a body without a length while it arrives (HTTP/2 and HTTP/1.1 chunked)", function()
    for _, http2 in ipairs { true, false } do
      too_large(client(MiB, http2), "/_sandbox/big?chunked=1&bytes=" .. (3 * MiB), MiB)
    end
  end)

  it("counts decoded bytes: a gzip bomb fails once it inflates past the cap", function()
    local err = too_large(client(MiB), "/_sandbox/gzip_bomb?bytes=" .. (16 * MiB), MiB)
    assert.equal(200, err.status)
  end)

  it("takes a body up to the cap, plain or gzip", function()
    local c = client(MiB)
    local status, body = c:request { path = "/_sandbox/big?bytes=" .. MiB }
    assert.equal(200, status)
    assert.equal(MiB, #body)
    status, body = c:request { path = "/_sandbox/gzip_bomb?bytes=" .. MiB }
    assert.equal(200, status)
    assert.equal(("\0"):rep(MiB), body)
  end)

  it("is 64 MiB by default", function()
    too_large(client(nil), "/_sandbox/big?bytes=" .. (64 * MiB + 1), 64 * MiB)
  end)

  it("is a vendor client option", function()
    local catalog = sandbox.catalog { max_response_size = 100000 }
    local err = sandbox.error_of(catalog.request, catalog,
                                 { url = sandbox.url .. "/_sandbox/big?chunked=1&bytes=200000" })
    assert.equal("decode", err.kind)
    assert.matches("response larger than 100000 bytes", err.message, 1, true)
    assert.is_table(catalog.catalogs:all()) -- ordinary calls are untouched
  end)

  it("holds for a request whose client was closed while it ran (no use of the freed client)", function()
    local c = client(1000)
    local engine = c:engine()
    local req = c:submit { path = "/_sandbox/big?chunked=1&bytes=100000" }
    c:close()
    collectgarbage()
    local deadline = core.now() + 10
    while not req:done() and core.now() < deadline do engine:step(0.05) end
    assert.is_true(req:done())
    assert.is_false((pcall(req.result, req))) -- its client is closed
  end)

  it("must be a positive integer number of bytes", function()
    for _, bad in ipairs { 0, -1, 1.5, 0 / 0, math.huge } do
      assert.equal("usage", sandbox.error_of(core.client, { base_url = sandbox.url,
                                                            max_response_size = bad }).kind)
      assert.equal("usage", sandbox.error_of(lmskit.catalog, { base_url = sandbox.url, token = "t0ken",
                                                               max_response_size = bad }).kind)
    end
  end)
end)
