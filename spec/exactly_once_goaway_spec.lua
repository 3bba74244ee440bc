-- A server that closes its connections every 20 requests, as real ones do
-- (nginx's keepalive_requests, 1000 by default; over HTTP/2 a GOAWAY, after
-- which the streams it did not take are refused).  A long job meets it in
-- the middle of its calls, on top of 10% mixed faults and random latency:
-- every row still done once, judged from the simulator and the results.
local lmskit = require "lmskit"
local json = require "lmskit.json"
local sandbox = require "sandbox"
local once = require "support.exactly_once"

-- Runs the vendor's workflow over `rows`; returns the report and the
-- results by row.
local function job(vendor, action, client, rows)
  local out = os.tmpname() .. ".jsonl"
  local report = lmskit.workflow(vendor, action, client,
    { rows = rows, progress = false, results = out, concurrency = 16 })
  local results = {}
  for line in io.lines(out) do
    local r = json.decode(line)
    results[r.row] = r
  end
  os.remove(out)
  return report, results
end

-- Each vendor's client options on the short-lived connections' port.
local SHORT = {
  catalog = function() return { base_url = sandbox.short_url .. "/catalog" } end,
  cerego = function() return { base_url = sandbox.short_url .. "/cerego" } end,
  coursepath = function() return { academy_url = sandbox.short_url .. "/coursepath" } end,
}

for _, http2 in ipairs { true, false } do
  describe("connections closed every 20 requests (" .. (http2 and "HTTP/2 GOAWAY" or "HTTP/1.1") .. ")", function()
    for _, vendor in ipairs { "catalog", "cerego", "coursepath" } do
      it(vendor .. ": 300 rows under 10% faults, each done once, the report the truth", function()
        assert(sandbox.short_url, "the sandbox gives no LMSKIT_SANDBOX_SHORT_URL")
        sandbox.reset()
        local part = require("soak." .. vendor)
        local opts = SHORT[vendor]()
        opts.http2, opts.retries = http2, 3 -- as the other storm specs: a look-up has 6 tries
        local client = part.client(opts)
        local action = part.action or "enroll"
        local rows = part.rows(client, 300, action)
        sandbox.clear_log()
        once.storm(part.prefix, 0.1)
        local report, results = job(vendor, action, client, rows)
        local requests = #sandbox.requests()
        once.calm()
        assert.is_true(requests >= 300, requests .. " requests")
        local present = part.state(sandbox[vendor] { http2 = http2, retries = 3 }, rows, action)
        local wrong = {}
        for i = 1, #rows do
          local r = results[i]
          if (present[i] or 0) ~= 1 or r.outcome ~= "done" then
            wrong[#wrong + 1] = ("row %d: %d at the server, reported %s (%s)"):format(
              i, present[i] or 0, tostring(r.outcome), tostring(r.message))
          end
        end
        assert.same({}, wrong)
        assert.equal(300, report.ok)
      end)
    end
  end)
end
