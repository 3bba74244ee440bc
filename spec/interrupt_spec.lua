-- Ctrl-C for programs that ask for it: SIGINT sets a flag a job polls; a
-- second one stops the process; a library never catches it by itself.
local core = require "lmskit.core"
local runtime = require "support.runtime"

-- Runs Lua code in a new interpreter with this build; returns how it ended
-- (os.execute's "exit"/"signal" and code) and what it printed.
local function lua_child(code)
  local script, out = os.tmpname(), os.tmpname()
  local f = assert(io.open(script, "w"))
  f:write(("package.cpath = %q .. '/?.so;' .. package.cpath\n"):format(runtime.cpath), code)
  f:close()
  local a, b, c = os.execute(("%s %s > %s 2>&1"):format(runtime.lua, script, out))
  f = io.open(out)
  local text = f:read("*a")
  f:close()
  os.remove(script)
  os.remove(out)
  if type(a) == "number" then -- Lua 5.1 / LuaJIT: a wait status
    return a % 256 ~= 0 and "signal" or "exit", a % 256 ~= 0 and a % 128 or math.floor(a / 256), text
  end
  return b, c, text
end

-- True when the child died of SIGINT (sh reports it as status 130).
local function died_of_sigint(how, code)
  return (how == "signal" and code == 2) or (how == "exit" and code == 130)
end

describe("interrupts", function()
  after_each(function() core.release_interrupts() end)

  it("are counted once caught, and the count starts again at each catch", function()
    assert.equal(0, core.interrupted())
    assert.is_true(core.catch_interrupts())
    -- the shell's parent is this process (not os.execute: system(3) ignores
    -- SIGINT in the caller while its child runs)
    io.popen("kill -INT $PPID"):close()
    assert.equal(1, core.interrupted())
    core.catch_interrupts()
    assert.equal(0, core.interrupted())
  end)

  it("are not caught by lmskit unless asked (a host keeps its own handler)", function()
    -- the stock interpreter's own handler turns Ctrl-C into its error
    local how, code, text = lua_child("require 'lmskit.core'; io.popen('kill -INT $PPID'):close(); " ..
      "for _ = 1, 1e7 do end; print('survived')")
    assert.equal("exit", how)
    assert.equal(1, code)
    assert.matches("interrupted!", text)
    assert.not_matches("survived", text)
  end)

  it("stop the process at the second Ctrl-C", function()
    local how, code, text = lua_child("local c = require 'lmskit.core'; c.catch_interrupts(); " ..
      "io.popen('kill -INT $PPID'):close(); io.write('first ', c.interrupted(), '\\n'); io.flush(); " ..
      "io.popen('kill -INT $PPID'):close(); print('survived')")
    assert.is_true(died_of_sigint(how, code), tostring(how) .. " " .. tostring(code))
    assert.matches("first 1", text)
    assert.not_matches("survived", text)
  end)

  it("go back to the earlier handler when released", function()
    local how, code, text = lua_child("local c = require 'lmskit.core'; " ..
      "c.catch_interrupts(); c.release_interrupts(); " ..
      "io.popen('kill -INT $PPID'):close(); for _ = 1, 1e7 do end; print('survived')")
    assert.equal("exit", how) -- the interpreter's handler again: its error
    assert.equal(1, code)
    assert.matches("interrupted!", text)
  end)
end)
