-- The same module on Lua 5.1 (built with lua-compat53): encoding, calls,
-- tasks yielding through pcall-like frames, bulk jobs, JWT.  Run by
-- `make test` inside sandbox/with:  lua5.1 spec/lua51_smoke.lua
package.path = "lua/?.lua;lua/?/init.lua;spec/?.lua;" .. package.path
package.cpath = (os.getenv("LMSKIT_CPATH") or "build-lua51") .. "/?.so;" .. package.cpath
assert(_VERSION == "Lua 5.1", "run me with lua5.1")
local lmskit = require "lmskit"
local core = require "lmskit.core"
local sandbox = require "sandbox"

local checks = 0
local function check(cond, what)
  if not cond then error("lua 5.1: " .. what, 2) end
  checks = checks + 1
end

sandbox.reset()
check(core.encode_query { a = { 1, 2 }, b = 3.0 } == "a[]=1&a[]=2&b=3", "query encoding")
local catalog = sandbox.catalog()
check(catalog.courses:get(1).title == "Course 1", "a blocking call")
local n = 0
lmskit.run({ concurrency = 4 }, function(spawn)
  for _ = 1, 20 do spawn(function() catalog.courses:get(1); n = n + 1 end) end
end)
check(n == 20, "20 calls in tasks")
local report = lmskit.workflow("catalog", "enroll", catalog, { progress = false,
  rows = { { listing_id = "1", canvas_user_id = "77" }, { listing_id = "1", canvas_user_id = "77" },
           { listing_id = "999", canvas_user_id = "78" } } })
check(report.ok == 1 and report.skipped == 1 and report.failed == 1, "a bulk job")
local ok, err = pcall(catalog.courses.get, catalog.courses, 999)
check(not ok and err.kind == "not_found", "errors as values")
check(#lmskit.jwt.sign({ a = 1 }, string.rep("k", 32)) > 20, "JWT signing")
collectgarbage()
print(("lua51: %d passed, 0 failed"):format(checks))
