--- Which Lua runs the specs (5.1, 5.2, 5.3, 5.4 or LuaJIT), the build of
-- lmskit.core made for it, and the few things that differ between them.
local runtime = {}

runtime.luajit = rawget(_G, "jit") ~= nil

--- "5.1" .. "5.4" or "luajit": the name of its build directory
-- (build/<name>/lmskit/core.so) and of its interpreter.
runtime.name = runtime.luajit and "luajit" or _VERSION:match("%d+%.%d+")

--- The interpreter to run a subprocess with (the one running the specs).
runtime.lua = os.getenv("LMSKIT_LUA") or (runtime.luajit and "luajit" or "lua" .. runtime.name)

--- The directory holding lmskit/core.so for this runtime.
runtime.cpath = os.getenv("LMSKIT_CPATH") or ("build/" .. runtime.name)

--- How many times slower than usual the specs run under a tool: make
-- test-asan and test-valgrind set LMSKIT_SLOWDOWN (the tool's overhead,
-- not lmskit's).  A time limit that tells a defect apart (a 1 s pause, a
-- 50 ms wait per row) is multiplied by it; speed itself is measured in
-- bench/, never asserted.
runtime.slowdown = tonumber(os.getenv("LMSKIT_SLOWDOWN")) or 1

--- True when v is an integer.  Lua 5.3+ has an integer subtype, and
-- lmskit's decoded ids must be of it (math.type); 5.1, 5.2 and LuaJIT have
-- only one number type, where an integral value is all an integer can be.
function runtime.is_integer(v)
  if math.type then return math.type(v) == "integer" end
  return type(v) == "number" and v == math.floor(v)
end

return runtime
