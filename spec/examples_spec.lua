-- Every ready-made workflow has an example CSV, examples/data/<vendor>-
-- <workflow>.csv, and the command line runs each one as it is against the
-- sandbox: every row done (exit 0).
local sandbox = require "sandbox"
local runtime = require "support.runtime"
local workflows = require "lmskit.workflows"

describe("example CSVs", function()
  local names = {}
  for _, vendor in ipairs(workflows.vendors) do
    for action in pairs(workflows[vendor]) do names[#names + 1] = vendor .. "-" .. action end
  end
  table.sort(names)

  it("exist for every workflow, and only for workflows there are", function()
    local have = {}
    local p = io.popen("ls examples/data")
    for f in p:lines() do
      local name = f:match("^(%a+%-%a+)%.csv$")
      if name then have[#have + 1] = name end
    end
    p:close()
    table.sort(have)
    assert.same(names, have)
  end)

  for _, name in ipairs(names) do
    it(name .. ".csv runs with its workflow, every row done", function()
      sandbox.reset()
      local vendor, action = name:match("^(%a+)%-(%a+)$")
      local p = io.popen(("%s bin/lmskit %s %s --sandbox --yes -q --csv examples/data/%s.csv 2>&1; echo \"exit=$?\"")
        :format(runtime.lua, vendor, action, name))
      local out = p:read("*a")
      p:close()
      assert.matches("exit=0", out, 1, true)
      local rows, done = out:match(": (%d+) rows: (%d+) done")
      assert.equal(rows, done, out)
      assert.is_true(tonumber(rows) > 0, out)
    end)
  end
end)
