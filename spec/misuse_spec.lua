-- Misuse is refused as an lmskit.Error of kind usage, before anything
-- hangs or is sent: concurrency that is 0, negative, fractional or NaN
-- (lmskit.run, the client option, bulk, the command line), lmskit.run or
-- lmskit.step with the wrong arguments, a journal that is a directory, an
-- engine that is not one; and Lua's out-of-memory error inside a task or
-- a bulk row becomes an lmskit.Error of kind nomem.
local lmskit = require "lmskit"
local sandbox = require "sandbox"
local files = require "support.files"

-- Runs fn(...), expecting an lmskit.Error of `kind`; returns it.
local function refused(kind, fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an lmskit.Error, the call succeeded")
  assert.is_true(lmskit.is_error(err), "expected an lmskit.Error, got: " .. tostring(err))
  assert.equal(kind, err.kind, tostring(err))
  return err
end

local BAD_COUNTS = { 0, -1, -16, 1.5, 0 / 0, math.huge, -math.huge, "4" }

describe("concurrency", function()
  for _, n in ipairs(BAD_COUNTS) do
    local what = tostring(n) .. " (" .. type(n) .. ")"

    it("lmskit.run refuses " .. what, function()
      local err = refused("usage", lmskit.run, { concurrency = n }, function() end)
      assert.matches("concurrency", err.message)
    end)

    it("the client option refuses " .. what, function()
      local err = refused("usage", sandbox.catalog, { concurrency = n })
      assert.matches("concurrency", err.message)
    end)

    it("lmskit.bulk refuses " .. what, function()
      local err = refused("usage", lmskit.bulk, { rows = { { a = "1" } }, run = function() end,
                                                   concurrency = n, progress = false })
      assert.matches("concurrency", err.message)
    end)
  end

  it("a task under lmskit.run with a good concurrency still runs", function()
    local ran = 0
    lmskit.run({ concurrency = 1 }, function(spawn)
      for _ = 1, 3 do spawn(function() ran = ran + 1 end) end
    end)
    assert.equal(3, ran)
  end)

  it("the command line refuses --concurrency 0, -1, 1.5 and nan with exit 2", function()
    local rows = files.with("listing_id,canvas_user_id\n1,11\n")
    for _, n in ipairs { "0", "-1", "1.5", "nan" } do
      local p = io.popen("bin/lmskit catalog enroll --sandbox -q --dry-run --csv " .. rows ..
                         " --concurrency=" .. n .. " 2>&1; echo \"exit=$?\"")
      local out = p:read("*a")
      p:close()
      assert.matches("exit=2", out, 1, true)
      assert.matches("concurrency", out)
    end
    os.remove(rows)
  end)
end)

describe("misuse raises lmskit.Error usage, never a plain Lua error", function()
  it("lmskit.run without a function, or with options that are not a table", function()
    refused("usage", lmskit.run, nil)
    refused("usage", lmskit.run, {}, nil)
    refused("usage", lmskit.run, "x")
    refused("usage", lmskit.run, 5, function() end)
  end)

  it("lmskit.step with a timeout that is not a number of seconds", function()
    refused("usage", lmskit.step, "x")
    refused("usage", lmskit.step, -1)
    refused("usage", lmskit.step, 0 / 0)
    assert.equal(0, lmskit.step()) -- no argument: 0
  end)

  it("lmskit.workflow without options or a client", function()
    refused("usage", lmskit.workflow, "catalog", "enroll", sandbox.catalog(), nil)
    refused("usage", lmskit.workflow, "catalog", "enroll", nil, { rows = {} })
    refused("usage", lmskit.workflow, "catalog", "nope", sandbox.catalog(), { rows = {} })
  end)

  it("a resource method given arguments of the wrong kind, or too many, sends nothing", function()
    local c = sandbox.catalog()
    sandbox.clear_log()
    local function says(pattern, fn, ...)
      assert.matches(pattern, refused("usage", fn, ...).message)
    end
    says("enrollments:create: argument #1 must be a table", c.enrollments.create, c.enrollments, "x")
    says("enrollments:create: too many arguments", c.enrollments.create, c.enrollments,
         { listing_id = 1, canvas_user_id = 2 }, {})
    says("courses:get: argument #1 %(id%) must be a string or number", c.courses.get, c.courses, {})
    says("courses:get: argument #1 %(id%) must be a string or number", c.courses.get, c.courses)
    says("courses:get: argument #2 must be a table", c.courses.get, c.courses, 1, "x")
    says("courses:get: too many arguments", c.courses.get, c.courses, 1, {}, {})
    says("call it with ':'", c.courses.get, 1)
    assert.same({}, sandbox.requests())
    assert.equal(1, c.courses:get(1).id) -- the same calls, well made, go through
  end)

  it("lmskit.spawn without a function", function()
    refused("usage", lmskit.spawn, nil)
    refused("usage", lmskit.spawn, "x")
  end)

  it("bulk with a journal that is a directory", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir " .. dir))
    local err = refused("usage", lmskit.bulk, { rows = { { a = "1" } }, journal = dir, run = function() end,
                                                progress = false })
    assert.matches("journal", err.message)
    os.execute("rmdir " .. dir)
  end)

  it("a client engine that is not an lmskit engine", function()
    refused("usage", sandbox.catalog, { engine = io.stdout })
    refused("usage", sandbox.catalog, { engine = require("lmskit.core").limiter(1, 1) })
    assert.equal(1, sandbox.catalog({ engine = require("lmskit.core").new_engine() }).courses:get(1).id)
  end)

  -- Lua code sees an allocation failure as the error value "not enough
  -- memory" (LUA_ERRMEM); a task or a row raising it stands for one.
  it("out of memory in a task becomes lmskit.Error nomem", function()
    local err = refused("nomem", lmskit.run, function(spawn)
      spawn(function() error("not enough memory", 0) end)
    end)
    assert.matches("memory", err.message)
  end)

  it("out of memory in a bulk row stops the job as lmskit.Error nomem (the journal kept)", function()
    local journal = os.tmpname()
    os.remove(journal)
    local n = 0
    local err = refused("nomem", lmskit.bulk, { rows = { { a = "1" }, { a = "2" }, { a = "3" } },
      journal = journal, concurrency = 1, progress = false,
      run = function(row)
        n = n + 1
        if row.a == "2" then error("not enough memory", 0) end
      end })
    assert.matches("memory", err.message)
    assert.is_true(n <= 2, n .. " rows ran")
    local f = assert(io.open(journal))
    local text = f:read("*a")
    f:close()
    assert.matches('"s":"ok"', text) -- row 1 is journaled: a rerun skips it
    os.remove(journal)
  end)
end)
