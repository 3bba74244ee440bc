-- Bulk jobs over HTTP/1.1 and HTTP/2 in one process, each under 10% mixed
-- faults, judged from the simulator's state and the report: no write
-- twice, no row reported otherwise than the server has it.  Before the
-- engine pooled each HTTP version apart, HTTP/2 jobs that followed
-- HTTP/1.1 jobs misreported rows and sent writes twice (issue 9;
-- spec/transport_pool_spec.lua shows the cause request by request).
local mixed = require "soak.mixed"

describe("exactly once across HTTP versions in one process", function()
  for _, vendor in ipairs { "coggno", "cerego" } do
    it(vendor .. ": every job clean", function()
      local jobs = mixed(vendor, 2, 400, 0.1)
      assert.equal(4, #jobs)
      for _, job in ipairs(jobs) do
        local what = (job.http2 and "HTTP/2" or "HTTP/1.1")
        assert.equal(0, job.duplicates, what .. " duplicates")
        assert.equal(0, job.misreported, what .. " misreported")
        assert.equal(400, job.report.ok + job.report.skipped + job.report.failed + job.report.unknown)
        assert.is_true(job.faults > 10, what .. ": the faults took effect")
      end
    end)
  end
end)
