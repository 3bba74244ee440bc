-- The examples' clients, one function per vendor: the real vendor when
-- its variables are set, otherwise the sandbox (run through sandbox/with)
-- with its test credentials.  Also points package.path and package.cpath
-- at this checkout, so an example starts with
--
--   local clients = dofile "examples/clients.lua"
--
-- and runs from the repository's root.
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/" .. (rawget(_G, "jit") and "luajit" or _VERSION:sub(5)) .. "/?.so;" .. package.cpath
local lmskit = require "lmskit"
local CRED = require "lmskit.sandbox_credentials" -- the sandbox's test credentials

local clients = { lmskit = lmskit }

-- The sandbox's URL for a simulator's prefix, or an error naming the
-- variables that would reach the real vendor instead (nil: none).
local function sandbox_url(prefix, variables)
  local url = os.getenv "LMSKIT_SANDBOX_URL"
  assert(url, (variables and "set " .. variables .. ", or " or "") .. "run through sandbox/with")
  return url .. prefix
end

-- The sandbox's CA, when the client talks to the sandbox (real is nil).
local function sandbox_ca(real)
  if real then return nil end
  return os.getenv "LMSKIT_SANDBOX_CA"
end

--- Canvas Catalog: the sandbox only (CRED.catalog).
function clients.catalog()
  return lmskit.catalog {
    base_url = sandbox_url("/catalog"),
    token = CRED.catalog.token,
    ca_file = sandbox_ca(nil),
  }
end

--- Cerego: CEREGO_TOKEN (and CEREGO_ENV = production | stable | testing).
function clients.cerego()
  local token = os.getenv "CEREGO_TOKEN"
  return lmskit.cerego {
    token = token or CRED.cerego.token,
    env = os.getenv "CEREGO_ENV",
    base_url = not token and sandbox_url("/cerego", "CEREGO_TOKEN") or nil,
    ca_file = sandbox_ca(token),
  }
end

--- Coggno: COGGNO_API_KEY (test_... or live_...); else the sandbox's test host.
function clients.coggno()
  local key = os.getenv "COGGNO_API_KEY"
  return lmskit.coggno {
    api_key = key or CRED.coggno.api_key,
    base_url = not key and sandbox_url("/coggno-test", "COGGNO_API_KEY") or nil,
    ca_file = sandbox_ca(key),
  }
end

--- Coursepath: COURSEPATH_ACADEMY_URL, COURSEPATH_SECRET and
-- COURSEPATH_EMAIL (an admin).
function clients.coursepath()
  local real = os.getenv "COURSEPATH_ACADEMY_URL"
  return lmskit.coursepath {
    academy_url = real or sandbox_url("/coursepath", "COURSEPATH_ACADEMY_URL"),
    secret = os.getenv "COURSEPATH_SECRET" or CRED.coursepath.secret,
    email = os.getenv "COURSEPATH_EMAIL" or "admin@sandbox.example",
    ca_file = sandbox_ca(real),
  }
end

--- MATRIX: MATRIX_URL and MATRIX_API_KEY.
function clients.matrix()
  local real = os.getenv "MATRIX_URL"
  return lmskit.matrix {
    base_url = real or sandbox_url("/matrix", "MATRIX_URL and MATRIX_API_KEY"),
    api_key = os.getenv "MATRIX_API_KEY" or CRED.matrix.api_key,
    ca_file = sandbox_ca(real),
  }
end

return clients
