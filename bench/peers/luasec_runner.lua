-- bench/peers/luasec_runner.lua JOB COUNT: the Lua 5.4 + LuaSec/LuaSocket +
-- lua-cjson peer (run with lua5.4).
--
-- ssl.https.request with verify = "peer" and cafile = BENCH_CA (LuaSec
-- checks the chain; it has no host-name check of its own).  LuaSocket's
-- http sends "Connection: close", so every request opens a new TCP + TLS
-- connection.  Pages are walked sequentially following the Link header's
-- rel="next"; POSTs are sequential: LuaSocket's http.request blocks, and
-- running it in coroutines would mean writing our own non-blocking HTTP.
-- LuaSocket never sets TCP_NODELAY and writes the request line, the headers
-- and the body separately: with Nagle's algorithm and the server's delayed
-- ACK each such request waits ~40 ms.  To measure LuaSec rather than that
-- stall, connected sockets get TCP_NODELAY (a socket option, nothing else).
-- Prints one JSON result line.
local https = require "ssl.https"
local ltn12 = require "ltn12"
local socket = require "socket"
local cjson = require "cjson"

local job, count = arg[1], tonumber(arg[2])
assert(job and count, "usage: luasec_runner.lua JOB COUNT")
local url, ca = assert(os.getenv "BENCH_URL"), assert(os.getenv "BENCH_CA")
local base = ({ pages = url, enroll = url, pages_slow = url .. "/slow",
                enroll_slow = url .. "/slow", memory = os.getenv "BENCH_BIG_URL" })[job]
assert(base, "unknown job " .. job)
local AUTH = 'Token token="bench-token"'

do -- TCP_NODELAY on every connected LuaSocket TCP socket (see above)
  local index = getmetatable(socket.tcp()).__index
  local connect = index.connect
  index.connect = function(self, ...)
    local ok, err = connect(self, ...)
    if ok then self:setoption("tcp-nodelay", true) end
    return ok, err
  end
end

local function request(method, target, body)
  local out = {}
  local headers = { authorization = AUTH }
  local source
  if body then
    headers["content-type"] = "application/json"
    headers["content-length"] = tostring(#body)
    source = ltn12.source.string(body)
  end
  local ok, code, rh = https.request {
    url = target, method = method, headers = headers, source = source,
    sink = ltn12.sink.table(out),
    verify = "peer", cafile = ca, protocol = "any", options = { "all", "no_sslv2", "no_sslv3" },
  }
  if not ok then error(("%s %s: %s"):format(method, target, tostring(code))) end
  return code, rh, table.concat(out)
end

local items
local t0 = socket.gettime()
if job == "pages" or job == "pages_slow" or job == "memory" then
  local n, last_id, pages = 0, 0, 0
  local next_url = base .. "/api/v1/courses?per_page=100"
  local max_pages = count // 100 + 2 -- bounded
  while next_url do
    pages = pages + 1
    assert(pages <= max_pages, "too many pages")
    local code, headers, body = request("GET", next_url)
    assert(code == 200, "status " .. tostring(code))
    for _, c in ipairs(cjson.decode(body).courses) do
      n = n + 1
      last_id = c.id
    end
    -- the usual script idiom: the URL of the link whose rel is "next"
    next_url = headers.link and headers.link:match('<([^>]*)>%s*;%s*rel="next"')
  end
  assert(n == count and last_id == count,
         ("walked %d items (last id %s), expected %d"):format(n, tostring(last_id), count))
  items = n
else
  local ok = 0
  for i = 1, count do
    local body = cjson.encode { enrollment = { listing_id = 1, canvas_user_id = i } }
    local code, _, reply = request("POST", base .. "/api/v1/enrollments", body)
    assert(code == 201, "status " .. tostring(code))
    local e = cjson.decode(reply).enrollment
    assert(e.user.id == i and e.status == "active", "bad enrollment reply")
    ok = ok + 1
  end
  items = ok
end
local seconds = socket.gettime() - t0
print(cjson.encode {
  peer = "lua5.4-luasec", job = job, items = items, seconds = seconds,
  notes = "HTTP/1.1, a new TLS connection per request, sequential, TCP_NODELAY",
})
