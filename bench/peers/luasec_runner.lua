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
package.path = "bench/peers/?.lua;" .. package.path
local jobs = require "jobs"

local job, count, base, ca = jobs.args("luasec_runner.lua")
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

jobs.run(job, count, base, "lua5.4-luasec",
         "HTTP/1.1, a new TLS connection per request, sequential, TCP_NODELAY",
         function(url)
           local code, headers, body = request("GET", url)
           return code, body, headers.link
         end,
         function(url, body)
           local code, _, reply = request("POST", url, body)
           return code, reply
         end)
