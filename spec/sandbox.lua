--- Test support: the sandbox started by sandbox/with, its CA, and its
-- control API (reset, seed, faults, request log).
local core = require "lmskit.core"
local json = require "lmskit.json"
local CRED = require "lmskit.sandbox_credentials"

local sandbox = {}

sandbox.url = assert(os.getenv("LMSKIT_SANDBOX_URL"), "run specs through sandbox/with")
sandbox.ca = assert(os.getenv("LMSKIT_SANDBOX_CA"))
sandbox.http_url = os.getenv("LMSKIT_SANDBOX_HTTP_URL")
sandbox.rogue_url = os.getenv("LMSKIT_SANDBOX_ROGUE_URL")
sandbox.wronghost_url = os.getenv("LMSKIT_SANDBOX_WRONGHOST_URL")
-- the same app on a port whose connections close after 20 requests
sandbox.short_url = os.getenv("LMSKIT_SANDBOX_SHORT_URL")
sandbox.catalog_token = CRED.catalog.token

local control

-- Calls the control API; returns the decoded reply.
local function call(method, path, body)
  control = control or core.client { base_url = sandbox.url, ca_file = sandbox.ca }
  local status, text = control:request {
    method = method, path = path,
    body = body and json.encode(body), content_type = body and "application/json",
  }
  assert(status < 300, ("sandbox control %s %s: %d %s"):format(method, path, status, text))
  return text ~= "" and json.decode(text) or true
end

function sandbox.reset() return call("POST", "/_sandbox/reset") end
function sandbox.control(method, path, body) return call(method, "/_sandbox/" .. path, body) end
function sandbox.seed_courses(n) return call("POST", "/_sandbox/catalog/seed", { courses = n }) end
--- Seeds n Coursepath members (seed1@.. seedN@sandbox.example after a
-- reset); returns their ids, in order.
function sandbox.seed_members(n)
  local s = call("POST", "/_sandbox/coursepath/seed", { members = n })
  local ids = {}
  for id = s.first_id, s.last_id do ids[#ids + 1] = id end
  return ids
end
function sandbox.fault(f) return call("POST", "/_sandbox/faults", f) end
function sandbox.clear_faults() return call("DELETE", "/_sandbox/faults") end
function sandbox.latency(l) return call("POST", "/_sandbox/latency", l) end
function sandbox.requests() return call("GET", "/_sandbox/log").requests end
function sandbox.clear_log() return call("DELETE", "/_sandbox/log") end

--- A Catalog client on the sandbox; opts override the defaults.
function sandbox.catalog(opts)
  local o = { base_url = sandbox.url .. "/catalog", token = sandbox.catalog_token,
              ca_file = sandbox.ca, retries = 0 }
  for k, v in pairs(opts or {}) do o[k] = v end
  return require("lmskit").catalog(o)
end

sandbox.coursepath_secret = CRED.coursepath.secret

-- Builds a client of vendor `name` with the sandbox's CA and defaults.
local function vendor_client(name, defaults, opts)
  local o = { ca_file = sandbox.ca, retries = 0 }
  for k, v in pairs(defaults) do o[k] = v end
  for k, v in pairs(opts or {}) do o[k] = v end
  return require("lmskit")[name](o)
end

function sandbox.cerego(opts)
  return vendor_client("cerego", { base_url = sandbox.url .. "/cerego", token = CRED.cerego.token }, opts)
end

function sandbox.coursepath(opts)
  return vendor_client("coursepath", { academy_url = sandbox.url .. "/coursepath",
    secret = sandbox.coursepath_secret, email = CRED.coursepath.email }, opts)
end

-- mode "test" (default) or "live": each has its own host prefix and key.
function sandbox.coggno(opts, mode)
  mode = mode or "test"
  return vendor_client("coggno", {
    base_url = sandbox.url .. (mode == "live" and CRED.coggno_live.path or CRED.coggno.path),
    api_key = mode == "live" and CRED.coggno_live.api_key or CRED.coggno.api_key, mode = mode,
  }, opts)
end

function sandbox.matrix(opts)
  return vendor_client("matrix", { base_url = sandbox.url .. "/matrix", api_key = CRED.matrix.api_key }, opts)
end

--- A core client of the Cerego API on an engine of its own (the caller
-- closes both): its first request opens a connection the spec controls,
-- never one an earlier spec left in the default engine's pool (which
-- the server may be closing at that very moment).  Returns client, engine.
function sandbox.cerego_core(http2)
  local engine = core.new_engine()
  local client = core.client { base_url = sandbox.url .. "/cerego/api", ca_file = sandbox.ca, engine = engine,
                               auth = "bearer", secret = CRED.cerego.token, http2 = http2 }
  return client, engine
end

--- Largest number of logged requests inside any window of `per` seconds
-- (the server's own clock: the request log's `time`).
function sandbox.busiest_window(requests, per)
  local most = 0
  for i = 1, #requests do
    local n = 0
    for j = i, #requests do
      if requests[j].time - requests[i].time < per then n = n + 1 end
    end
    if n > most then most = n end
  end
  return most
end

--- Runs fn, expecting an lmskit.Error; returns it.
function sandbox.error_of(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an lmskit.Error, the call succeeded")
  assert(core.is_error(err), "expected an lmskit.Error, got: " .. tostring(err))
  return err
end

return sandbox
