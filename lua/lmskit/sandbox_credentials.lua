--- The sandbox simulators' credentials, defined once (test values, not
-- secrets).  Read by the simulators (sandbox/lua/sandbox/<vendor>/), by
-- `lmskit --sandbox`, by spec/sandbox.lua and by the examples and tools.
-- Plain data: no ngx, no lmskit.core, so nginx and every Lua can load it.
-- @module lmskit.sandbox_credentials

-- Each entry is a client's options, plus `path` (below the sandbox URL) and
-- `option` (the option that takes that URL; base_url when absent).
return {
  -- Catalog: `Authorization: Token token="..."`
  catalog = { path = "/catalog", token = "sandbox-catalog-token" },
  -- Cerego: `Authorization: Bearer ...`
  cerego = { path = "/cerego", token = "sandbox-cerego-token" },
  -- Coursepath: HS256 JWTs signed with this secret; the academy's admin
  coursepath = { path = "/coursepath", option = "academy_url", email = "admin@sandbox.example",
                 secret = "sandbox-coursepath-secret-0123456789abcdef" },
  -- Coggno: basic auth with the key as user; a key works on its mode's host
  -- only (the CLI uses the test host); the read-only key refuses writes
  coggno = { path = "/coggno-test", api_key = "test_sandbox_key_0001", mode = "test" },
  coggno_live = { path = "/coggno-live/capp", api_key = "live_sandbox_key_0001", mode = "live" },
  coggno_readonly = { path = "/coggno-test", api_key = "test_sandbox_readonly", mode = "test" },
  -- MATRIX: `?api_key=...` on every call
  matrix = { path = "/matrix", api_key = "sandbox-matrix-key" },
}
