-- Proxy variables in the environment (https_proxy, HTTPS_PROXY, ALL_PROXY,
-- all_proxy, http_proxy) are not obeyed unless the client says so
-- (proxy_from_env = true): calls go direct and the sandbox's trap port,
-- which the variables name, sees nothing.  libcurl reads the environment
-- of the process, so each case runs one call in a child Lua process.
local sandbox = require "sandbox"

local trap_url = assert(os.getenv("LMSKIT_SANDBOX_TRAP_URL"), "a sandbox with a trap port")
local trap_log = assert(os.getenv("LMSKIT_SANDBOX_TRAP_LOG"))
local runtime = require "support.runtime"
local lua = runtime.lua

local PROXY_VARS = { "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy",
                     "http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY" }

-- The child: one call with a core client or a vendor client, printing
-- "status N" or "error <kind>: <message>".
local CHILD = [[
package.path = "lua/?.lua;lua/?/init.lua;spec/?.lua;" .. package.path
package.cpath = require("support.runtime").cpath .. "/?.so;" .. package.cpath
local core = require "lmskit.core"
local lmskit = require "lmskit"
local how, url, ca, from_env = ...
local ok, status
if how == "core" then
  local c = core.client { base_url = url, ca_file = ca ~= "" and ca or nil, allow_http_loopback = true,
                          proxy_from_env = from_env == "1", connect_timeout = 5, timeout = 10 }
  ok, status = pcall(c.request, c, { path = "/_sandbox/ping" })
else
  local catalog = lmskit.catalog { base_url = url .. "/catalog", token = "sandbox-catalog-token",
                                   ca_file = ca ~= "" and ca or nil, allow_http_loopback = true,
                                   proxy_from_env = from_env == "1" or nil, retries = 0,
                                   connect_timeout = 5, timeout = 10 }
  ok, status = pcall(catalog.catalogs.all, catalog.catalogs)
  if ok then status = 200 end
end
if ok then io.write("status ", tostring(status)) else
  io.write("error ", tostring(type(status) == "table" and status.kind), ": ", tostring(status))
end
os.exit(0, true)
]]

local child_path = os.tmpname()
do
  local f = assert(io.open(child_path, "w"))
  f:write(CHILD)
  f:close()
end

-- Size of the trap's log: it grows with each request that reaches the trap.
local function trap_size()
  local f = io.open(trap_log, "rb")
  if not f then return 0 end
  local size = f:seek("end")
  f:close()
  return size
end

-- Runs one call in a child whose environment holds only `var` = the trap
-- among the proxy variables; returns what the child printed and whether
-- the trap saw anything.
local function call_with(var, how, url, ca, from_env)
  local env = { "env" }
  for _, name in ipairs(PROXY_VARS) do env[#env + 1] = "-u " .. name end
  env[#env + 1] = var .. "=" .. trap_url
  local before = trap_size()
  local cmd = ("%s %s %s %s %s %s %s 2>&1"):format(table.concat(env, " "), lua, child_path, how,
                                                 url, ca ~= "" and ca or "''", from_env and "1" or "0")
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  return out, trap_size() > before
end

describe("proxy variables in the environment", function()
  teardown(function() os.remove(child_path) end)

  for _, var in ipairs { "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy" } do
    it("are ignored by default: " .. var .. " (calls go direct, the trap sees nothing)", function()
      for _, how in ipairs { "core", "vendor" } do
        local out, trapped = call_with(var, how, sandbox.url, sandbox.ca, false)
        assert.equal("status 200", out, how)
        assert.is_false(trapped, how .. ": the trap saw the call")
      end
    end)
  end

  it("are ignored by default: http_proxy with the loopback test option (a token in clear)", function()
    local out, trapped = call_with("http_proxy", "vendor", sandbox.http_url, "", false)
    assert.equal("status 200", out)
    assert.is_false(trapped, "the trap saw the call")
  end)

  it("are obeyed with proxy_from_env = true (the trap is reached)", function()
    for _, var in ipairs { "https_proxy", "ALL_PROXY" } do
      for _, how in ipairs { "core", "vendor" } do
        local out, trapped = call_with(var, how, sandbox.url, sandbox.ca, true)
        assert.is_true(trapped, how .. " " .. var .. ": the trap saw nothing (" .. out .. ")")
        assert.matches("^error transport", out)
      end
    end
  end)

  it("never override the proxy option itself", function()
    -- an explicit proxy that is not there: the call fails on it, not on the trap
    local c = sandbox.catalog { proxy = "http://127.0.0.1:9", connect_timeout = 2, proxy_from_env = true }
    local before = trap_size()
    assert.equal("transport", sandbox.error_of(c.catalogs.all, c.catalogs).kind)
    assert.equal(before, trap_size())
  end)
end)
