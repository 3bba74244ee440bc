--- bench/openresty.lua: lmskit inside nginx (issue 15), measured in a real
-- nginx (the example server of examples/openresty/, tools/openresty_host)
-- against the sandbox's Catalog.  Run: make bench-openresty (under
-- sandbox/with).  Prints a markdown table and writes it to
-- bench/results/openresty.md.  Nothing here is asserted.
--
-- 1. Latency of a trivial request (/ping, answered by nginx itself) to the
--    same worker while 100 lmskit calls of 200 ms are in flight: pings one
--    after another for as long as the calls last; p50, p99, max.
-- 2. Calls/s of a Catalog read (GET /course/1, its JSON handed back):
--    lmskit in a pool thread (lmskit.nginx.call) against nginx's own
--    non-blocking path (ngx.location.capture of a proxy_pass location with
--    a keep-alive upstream and the certificate verified, the closest to
--    lua-resty-http that Debian offers: lua-resty-http is not packaged).
local core = require "lmskit.core"
local tasks = require "lmskit.tasks"
local openresty = require "openresty_host"

local url = assert(os.getenv("LMSKIT_SANDBOX_URL"), "run under sandbox/with")
local ca = os.getenv("LMSKIT_SANDBOX_CA")
local sport = tonumber(os.getenv("LMSKIT_SANDBOX_PORT") or "18443")
local PORT = sport + 5
local CALLS = tonumber(os.getenv("BENCH_OPENRESTY_CALLS") or "2000")
local TOKEN = require("lmskit.sandbox_credentials").catalog.token

local control = core.client { base_url = url, ca_file = ca }
-- Calls the sandbox's control API.
local function sandbox(method, path, body)
  local status = control:request { method = method, path = "/_sandbox/" .. path, body = body,
                                   content_type = body and "application/json" }
  assert(status < 300, path)
end

local load_before = (io.open("/proc/loadavg"):read("*l") or "?"):match("^(%S+ %S+ %S+)")
local server = openresty.start {
  root = os.getenv("PWD") or ".", port = PORT, catalog_url = url .. "/catalog", token = TOKEN,
  ca_file = ca, threads = 128,
  http_extra = ([[
    upstream catalog_direct { server 127.0.0.1:%d; keepalive 64; }]]):format(sport),
  server_extra = ([[
        location /direct/ {
            internal;
            proxy_pass https://catalog_direct/catalog/api/v1/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Authorization 'Token token="%s"';
            proxy_ssl_verify on;
            proxy_ssl_name localhost;  # the sandbox certificate names 127.0.0.1 and localhost
            proxy_ssl_server_name on;
            proxy_ssl_trusted_certificate %s;
            proxy_ssl_session_reuse on;
        }
        location ~ ^/capture/course/(?<id>[0-9]+)$ {
            content_by_lua_block {
                local r = ngx.location.capture("/direct/courses/" .. ngx.var.id)
                ngx.status = r.status
                ngx.print(r.body)
            }
        }]]):format(TOKEN, ca),
}

local ok, err = pcall(function()
  local host = core.client { base_url = ("http://127.0.0.1:%d"):format(PORT), allow_http_loopback = true,
                             timeout = 60 }
  sandbox("POST", "reset")
  -- the pool's VMs are made at start (lmskit.nginx.warm): measure once ready
  local t_ready = core.now()
  for _ = 1, 1200 do
    local status, text = host:request { method = "GET", path = "/ready" }
    if status == 200 and text:match("^ready") then break end
    core.engine():wait(0.05)
  end
  local ready_after = core.now() - t_ready

  -- 1. /ping while 100 calls of 200 ms are in flight: a first round whose
  -- pool threads make their clients (TLS handshakes), then a second on
  -- warm ones
  local function pings_during_calls()
    sandbox("POST", "faults", '{"path":"/catalog/api/v1/courses/2","kind":"delay","delay_ms":200,"count":100}')
    local pings, in_flight = {}, 100
    tasks.run({ concurrency = 128 }, function(spawn)
      for _ = 1, 100 do
        spawn(function()
          local status = tasks.await(host, { method = "GET", path = "/course/2" }):result()
          assert(status == 200, "course/2: " .. status)
          in_flight = in_flight - 1
        end)
      end
      spawn(function()
        tasks.sleep(0.02) -- the calls have gone out
        while in_flight > 0 do
          local t0 = core.now()
          local status = tasks.await(host, { method = "GET", path = "/ping" }):result()
          assert(status == 200)
          pings[#pings + 1] = (core.now() - t0) * 1000
        end
      end)
    end)
    table.sort(pings)
    local function pct(p) return pings[math.max(1, math.ceil(#pings * p))] end
    return { n = #pings, p50 = pct(0.5), p99 = pct(0.99), max = pings[#pings] }
  end
  local cold, warm = pings_during_calls(), pings_during_calls()

  -- 2. calls/s, each way, concurrency 32
  local function rate(path)
    local t0 = core.now()
    tasks.run({ concurrency = 32 }, function(spawn)
      for _ = 1, CALLS do
        spawn(function()
          local status = tasks.await(host, { method = "GET", path = path }):result()
          assert(status == 200, path .. ": " .. status)
        end)
      end
    end)
    return CALLS / (core.now() - t0)
  end
  rate("/course/1") -- warm: pool threads' clients and connections
  rate("/capture/course/1")
  local lmskit_rate, capture_rate = rate("/course/1"), rate("/capture/course/1")

  local lines = {
    "# lmskit inside nginx (bench/openresty.lua)", "",
    ("Run %s on %s; nginx %s, worker_processes 1, thread_pool threads=128 and 128 Lua VMs made at "
      .. "start (ready %.1f s after the first probe); load average before the run %s."):format(
      os.date("!%Y-%m-%d %H:%M UTC"), io.popen("uname -n"):read("*l"),
      (io.popen("nginx -v 2>&1"):read("*l") or ""):match("[%d.]+") or "?", ready_after, load_before),
    "",
    "| measure | value |", "|---|---|",
    ("| /ping while 100 lmskit calls of 200 ms are in flight, first calls of the pool threads "
      .. "(their TLS handshakes): pings, p50, p99, max | %d, %.2f ms, %.2f ms, %.2f ms |")
      :format(cold.n, cold.p50, cold.p99, cold.max),
    ("| same, warm pool threads (target p99 < 5 ms): pings, p50, p99, max | %d, %.2f ms, %.2f ms, %.2f ms |")
      :format(warm.n, warm.p50, warm.p99, warm.max),
    ("| Catalog GET through lmskit.nginx.call (pool thread), %d calls at 32 | %.0f calls/s |"):format(
      CALLS, lmskit_rate),
    ("| same through ngx.location.capture + proxy_pass (nginx's own path) | %.0f calls/s |"):format(capture_rate),
    ("| ratio lmskit ÷ nginx's own path | %.2f |"):format(lmskit_rate / capture_rate),
  }
  local text = table.concat(lines, "\n") .. "\n"
  io.write(text)
  local f = io.open("bench/results/openresty.md", "wb")
  if f then f:write(text) f:close() end
  host:close()
end)
server.stop()
control:close()
if not ok then error(err, 0) end
