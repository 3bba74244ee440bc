-- The sandbox's `random` faults, which every exactly-once spec storms its
-- jobs with: random in where they strike and which kind, but held so a run
-- of luck can neither spare a job nor pile on it, and a spec that counts
-- the faults its job met cannot fail by chance.
local core = require "lmskit.core"
local sandbox = require "sandbox"
local once = require "support.exactly_once"

local KINDS = { "500", "502", "503", "504" }
local PATH = "/catalog/api/v1/courses"

-- Sends n GETs (no credential: a request the storm spares is a 401) one
-- at a time; returns how many each fault status answered, their sum, and
-- the numbers of the requests struck ("3,17,...").
local function storm_of(n)
  local client = core.client { base_url = sandbox.url, ca_file = sandbox.ca }
  local seen, total, at = {}, 0, {}
  for i = 1, n do
    local status = client:request { path = PATH }
    if status ~= 401 then
      local k = tostring(status)
      seen[k] = (seen[k] or 0) + 1
      total = total + 1
      at[#at + 1] = i
    end
  end
  return seen, total, table.concat(at, ",")
end

describe("the sandbox's random faults", function()
  before_each(function() sandbox.reset() end)
  after_each(function() sandbox.clear_faults() end)

  it("strike within 3 of n × rate over n requests, each kind in turn, at every rate (property)", function()
    for _, case in ipairs { { 0.05, 200 }, { 0.1, 300 }, { 0.1, 37 }, { 0.3, 200 }, { 0.5, 100 },
                            { 0, 50 }, { 1, 30 } } do
      local rate, n = case[1], case[2]
      sandbox.reset()
      sandbox.fault { path = PATH, kind = "random", rate = rate, count = 1000000, kinds = KINDS }
      local seen, total = storm_of(n)
      local what = ("rate %g over %d requests: %d faults"):format(rate, n, total)
      assert.is_true(math.abs(total - n * rate) <= 3, what)
      local _, applied = once.applied()
      for _, k in ipairs(KINDS) do
        -- each kind comes once in every round of #KINDS faults
        assert.is_true((seen[k] or 0) >= math.floor(total / #KINDS), what .. ", " .. k .. ": " .. (seen[k] or 0))
        assert.equal(seen[k], applied[k], what .. ": the sandbox's count of " .. k)
      end
    end
  end)

  it("still strike at random: two storms of the same rate differ in where they strike", function()
    local function strikes()
      sandbox.reset()
      sandbox.fault { path = PATH, kind = "random", rate = 0.2, count = 1000000, kinds = KINDS }
      local _, _, at = storm_of(100)
      return at
    end
    -- the same 20-odd places out of 100 twice in a row: about 1 chance in 10^20
    assert.are_not.equal(strikes(), strikes())
  end)
end)
