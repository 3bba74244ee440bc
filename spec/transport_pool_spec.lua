-- Every answer belongs to its own request, whatever else the engine runs.
-- libcurl 7.88 keeps one "can multiplex" mark per host in a connection
-- pool: after an HTTP/2 connection set it, a transfer asking for HTTP/2
-- could be put beside another on a pooled HTTP/1.1 connection and be
-- handed that one's response.  Seen as bulk rows reported with another
-- row's outcome and writes sent twice when HTTP/1.1 and HTTP/2 jobs ran in
-- one process (tools/soak_mixed.lua); the engine now pools each HTTP
-- version apart.
local lmskit = require "lmskit"
local core = require "lmskit.core"
local sandbox = require "sandbox"
local once = require "support.exactly_once"
local ROUNDS, PER_ROUND = 10, 300

-- Runs `rounds` rounds of PER_ROUND echoed POSTs, HTTP/1.1 and HTTP/2 clients
-- taking turns, under 10% faults and random latency; returns how many
-- answers came back, how many failed, and the answers that were another
-- request's.
local function alternate(rounds, engine)
  local clients = {
    sandbox.cerego { http2 = false, engine = engine },
    sandbox.cerego { http2 = true, engine = engine },
  }
  local answered, failed, foreign = 0, 0, {}
  once.storm("/cerego/api/echo", 0.1)
  for round = 1, rounds do
    local c = clients[(round - 1) % 2 + 1]
    lmskit.run({ concurrency = 32 }, function(spawn)
      for i = 1, PER_ROUND do
        spawn(function()
          local tag = ("r%d-%d"):format(round, i)
          local ok, res = pcall(c.request, c, { method = "POST", path = "/echo", json = { echo = tag } })
          if not ok then failed = failed + 1; return end
          answered = answered + 1
          if res.echo ~= tag then foreign[#foreign + 1] = tag .. " got " .. tostring(res.echo) end
        end)
      end
    end)
  end
  once.calm()
  for _, c in ipairs(clients) do c:close() end
  return answered, failed, foreign
end

describe("transport: HTTP/1.1 and HTTP/2 clients on one engine", function()
  before_each(function() sandbox.reset() end)

  for _, case in ipairs {
    { "an engine given to both clients", function() return core.new_engine() end },
    { "the default engine", function() return nil end },
  } do
    it("hand every answer to its own request under faults (" .. case[1] .. ")", function()
      local engine = case[2]()
      local answered, failed, foreign = alternate(ROUNDS, engine)
      if engine then engine:close() end
      assert.same({}, foreign)
      assert.equal(ROUNDS * PER_ROUND, answered + failed)
      -- the faults took effect, and most calls still got through
      assert.is_true(failed > 0 and answered > ROUNDS * PER_ROUND * 0.75,
        ("answered %d, failed %d"):format(answered, failed))
      assert.is_true((once.applied()) > 50)
    end)
  end
end)
