-- A write goes on the wire once per attempt that lmskit decides on.
-- libcurl 7.88 re-sends a request on a new connection when a reused
-- keep-alive connection dies before any response byte, even after the
-- server did the work; the core refuses that second transmission for
-- anything but a read, and the error says the outcome is unknown.
local core = require "lmskit.core"
local sandbox = require "sandbox"
local count = require("support.exactly_once").count

for _, http2 in ipairs { false, true } do
describe("transport: no silent re-send over " .. (http2 and "HTTP/2" or "HTTP/1.1"), function()
  local client, engine
  before_each(function()
    sandbox.reset()
    client, engine = sandbox.cerego_core(http2)
  end)
  after_each(function()
    client:close()
    engine:close()
  end)

  -- Opens a keep-alive connection, then faults (kind) the next request of
  -- method to path on it and makes that request (a JSON body: body);
  -- returns what pcall does.
  local function on_reused_connection(method, path, kind, body)
    assert.equal(200, (client:request { method = "GET", path = "/v3/courses" }))
    sandbox.fault { path = "/cerego/api" .. path, method = method, kind = kind }
    return pcall(client.request, client, {
      method = method, path = path, body = body, content_type = body and "application/json" or nil,
    })
  end

  -- Opens a keep-alive connection, then faults the next POST on it.
  local function post_on_reused_connection(kind)
    return on_reused_connection("POST", "/v3/courses", kind,
                                '{"data":{"attributes":{"name":"Once only","partner_id":21}}}')
  end

  it("sends a POST once when its reused connection dies after the server did the work", function()
    local ok, err = post_on_reused_connection("drop_after_reused")
    assert.is_false(ok)
    assert.equal(1, count("POST", "/cerego/api/v3/courses"))
    assert.equal("transport", err.kind)
    assert.equal("unknown", err.sent)
    -- HTTP/1.1: libcurl tried to send it again and was refused; HTTP/2:
    -- the server reset the stream, which libcurl never repeats
    assert.matches(http2 and "HTTP/2 stream %d+ was not closed cleanly" or "outcome is unknown", err.message)
  end)

  it("sends a body-less DELETE once too", function()
    local ok, err = on_reused_connection("DELETE", "/v3/courses/13422", "drop_after_reused")
    assert.is_false(ok)
    assert.equal("unknown", err.sent)
    assert.equal(1, count("DELETE", "/cerego/api/v3/courses/13422"))
  end)

  if not http2 then
    it("still lets libcurl repeat a GET on a fresh connection", function()
      local ok, status = on_reused_connection("GET", "/v3/courses", "drop_after_reused")
      assert.is_true(ok)
      assert.equal(200, status)
      assert.equal(3, count("GET", "/cerego/api/v3/courses"))
    end)
  else
    it("leaves a GET whose stream was reset to the Lua layer's retry", function()
      local ok, err = on_reused_connection("GET", "/v3/courses", "drop_after_reused")
      assert.is_false(ok)
      assert.equal("transport", err.kind)
      assert.equal(2, count("GET", "/cerego/api/v3/courses"))
      local lms = sandbox.cerego { http2 = true, retries = 1 }
      sandbox.fault { path = "/cerego/api/v3/courses", method = "GET", kind = "drop_after" }
      assert.is_true(#lms.courses:all() > 0)
      assert.equal(4, count("GET", "/cerego/api/v3/courses"))
      lms:close()
    end)
  end

  it("says sent = false when nothing reached the server", function()
    local dead = core.client { base_url = "https://127.0.0.1:9/x", ca_file = sandbox.ca,
                               auth = "none", connect_timeout = 2 }
    local ok, err = pcall(dead.request, dead, { method = "POST", path = "/y", body = "{}" })
    assert.is_false(ok)
    assert.is_false(err.sent)
    dead:close()
  end)

  it("says sent = unknown when a fresh connection closes without an answer", function()
    sandbox.fault { path = "/cerego/api/v3/courses", method = "POST", kind = "drop_after" }
    local ok, err = pcall(client.request, client, {
      method = "POST", path = "/v3/courses", content_type = "application/json",
      body = '{"data":{"attributes":{"name":"Fresh","partner_id":21}}}',
    })
    assert.is_false(ok)
    assert.equal("unknown", err.sent)
  end)
end)
end
