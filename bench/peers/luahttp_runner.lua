-- bench/peers/luahttp_runner.lua h1|h2 JOB COUNT: the Lua 5.2 + lua-http +
-- lua-cjson peer (run with lua5.2: Debian 12 packages lua-http 0.4 for Lua
-- 5.1-5.3, but its dependencies lua-lpeg-patterns, lua-basexx, lua-fifo and
-- lua-compat53 only for 5.1 and 5.2, so 5.2 is the newest Lua it runs on).
--
-- lua-http (HTTP/1.1 and HTTP/2 over cqueues, TLS through luaossl) is the
-- strongest HTTP client Debian packages for Lua: non-blocking, with real
-- concurrency inside one process.  The TLS context trusts BENCH_CA only (a
-- fresh store, not the system's) and verifies the peer; lua-http checks the
-- host name (here the IP address 127.0.0.1) itself.
--   h1: HTTP/1.1 with keep-alive.  Pages: one connection, sequential.
--       POSTs: 16 connections, one cqueues coroutine each, 16 in flight.
--   h2: HTTP/2.  Pages: one connection, sequential.  POSTs: one connection,
--       16 coroutines each keeping one stream open, 16 in flight.
-- Pages are walked following the Link header's rel="next".  Prints one JSON
-- result line.
local cqueues = require "cqueues"
local http_client = require "http.client"
local http_headers = require "http.headers"
local http_tls = require "http.tls"
local openssl_ctx = require "openssl.ssl.context"
local openssl_store = require "openssl.x509.store"
local cjson = require "cjson"
local ETIMEDOUT = require("cqueues.errno").ETIMEDOUT

local mode, job, count = arg[1], arg[2], tonumber(arg[3])
assert((mode == "h1" or mode == "h2") and job and count, "usage: luahttp_runner.lua h1|h2 JOB COUNT")
local version = mode == "h2" and 2 or 1.1
local peer = mode == "h2" and "lua5.2-http-h2" or "lua5.2-http"
local url, ca = assert(os.getenv "BENCH_URL"), assert(os.getenv "BENCH_CA")
local base = ({ pages = url, enroll = url, pages_slow = url .. "/slow",
                enroll_slow = url .. "/slow", memory = os.getenv "BENCH_BIG_URL" })[job]
assert(base, "unknown job " .. job)
local host, port, prefix = base:match("^https://([^:/]+):(%d+)(.*)$")
assert(host, "BENCH_URL must be https://HOST:PORT")
local AUTH = 'Token token="bench-token"'
local CONCURRENCY = 16

-- tls_context(): lua-http's client context, trusting BENCH_CA alone
local function tls_context()
  local ctx = http_tls.new_client_context()
  local store = openssl_store.new()
  store:add(ca)
  ctx:setStore(store)
  ctx:setVerify(openssl_ctx.VERIFY_PEER)
  return ctx
end
local ctx = tls_context()

-- connect(): one new connection (TLS verified, the mode's HTTP version)
local function connect()
  return assert(http_client.connect({
    host = host, port = tonumber(port), tls = true, ctx = ctx, version = version,
  }, 30))
end

-- headers_of(conn, stream): the response headers (30 s at most).  Over HTTP/2
-- lua-http 0.4 can miss that the connection's socket is readable and wait
-- forever in get_headers (lua-http issues #202 and #239, open); the known
-- workaround is used: wait 10 ms at a time and step the connection by hand.
local function headers_of(conn, stream)
  if version ~= 2 then return assert(stream:get_headers(30)) end
  local deadline = cqueues.monotime() + 30
  while true do
    local rh, err, errno = stream:get_headers(0.01)
    if rh then return rh end
    if errno ~= ETIMEDOUT or cqueues.monotime() > deadline then error(err, 0) end
    assert(conn:step(0))
  end
end

-- request(conn, method, path, body): status, response headers, body text
local function request(conn, method, path, body)
  local h = http_headers.new()
  h:append(":method", method)
  h:append(":scheme", "https")
  h:append(":authority", host .. ":" .. port)
  h:append(":path", path)
  h:append("authorization", AUTH)
  if body then
    h:append("content-type", "application/json")
    h:append("content-length", tostring(#body))
  end
  local stream = assert(conn:new_stream(), "connection closed")
  assert(stream:write_headers(h, body == nil, 30))
  if body then assert(stream:write_body_from_string(body, 30)) end
  local rh = headers_of(conn, stream)
  local text = assert(stream:get_body_as_string(30))
  stream:shutdown()
  return tonumber(rh:get ":status"), rh, text
end

-- walk(): every page following rel="next"; returns the item count
local function walk()
  local conn = connect()
  local n, last_id, pages = 0, 0, 0
  local next_path = prefix .. "/api/v1/courses?per_page=100"
  local max_pages = math.floor(count / 100) + 2 -- bounded
  while next_path do
    pages = pages + 1
    assert(pages <= max_pages, "too many pages")
    local code, headers, body = request(conn, "GET", next_path)
    assert(code == 200, "status " .. tostring(code))
    for _, c in ipairs(cjson.decode(body).courses) do
      n = n + 1
      last_id = c.id
    end
    -- the usual script idiom: the URL of the link whose rel is "next"
    local link = headers:get "link"
    local next_url = link and link:match('<([^>]*)>%s*;%s*rel="next"')
    next_path = next_url and next_url:match("^https://[^/]+(/.*)$")
  end
  conn:close()
  assert(n == count and last_id == count,
         ("walked %d items (last id %s), expected %d"):format(n, tostring(last_id), count))
  return n
end

-- enroll(): COUNT POSTs, CONCURRENCY coroutines taking the next index in turn
local function enroll()
  local cq = cqueues.new()
  local shared = version == 2 and connect() or nil
  local conns = {}
  local next_i, ok = 0, 0
  for _ = 1, CONCURRENCY do
    cq:wrap(function()
      local conn = shared or connect()
      conns[conn] = true
      while next_i < count do
        next_i = next_i + 1
        local i = next_i
        local body = cjson.encode { enrollment = { listing_id = 1, canvas_user_id = i } }
        local code, _, reply = request(conn, "POST", prefix .. "/api/v1/enrollments", body)
        assert(code == 201, "status " .. tostring(code))
        local e = cjson.decode(reply).enrollment
        assert(e.user.id == i and e.status == "active", "bad enrollment reply")
        ok = ok + 1
      end
    end)
  end
  local done, err = cq:loop()
  if not done then error(err, 0) end
  for conn in pairs(conns) do conn:close() end
  assert(ok == count, ("%d of %d enrollments succeeded"):format(ok, count))
  return ok
end

local items
local t0 = cqueues.monotime()
if job == "pages" or job == "pages_slow" or job == "memory" then
  local cq = cqueues.new()
  cq:wrap(function() items = walk() end)
  local done, err = cq:loop()
  if not done then error(err, 0) end
else
  items = enroll()
end
local seconds = cqueues.monotime() - t0
print(cjson.encode {
  peer = peer, job = job, items = items, seconds = seconds,
  notes = mode == "h2"
    and "HTTP/2, one connection; pages sequential, POSTs 16 streams in flight (cqueues; lua-http #202 worked around)"
    or "HTTP/1.1 keep-alive; pages sequential, POSTs 16 connections, 16 in flight (cqueues)",
})
