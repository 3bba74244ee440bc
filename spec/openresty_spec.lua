-- lmskit inside nginx: the example server of examples/openresty/ (its
-- nginx.conf and app.lua, with lmskit.nginx) started for real, on the
-- sandbox's port + 5, against the sandbox's Catalog.  Its handlers
-- (content, access, timer) make ordinary lmskit calls; the worker keeps
-- answering while they are in flight, and no secret reaches its logs.
local core = require "lmskit.core"
local json = require "lmskit.json"
local sandbox = require "sandbox"
local tasks = require "lmskit.tasks"
local openresty = require "openresty_host"

local ROOT = os.getenv("PWD") or "."
local PORT = tonumber(os.getenv("LMSKIT_SANDBOX_PORT") or "18443") + 5
local read, succeeds = openresty.read, openresty.succeeds

-- Waits (in a task, 4 s at the most) until the sandbox has logged n
-- requests for path; returns how many it logged.
local function await_logged(path, n)
  local seen = 0
  for _ = 1, 400 do
    seen = 0
    for _, r in ipairs(sandbox.requests()) do
      if r.path == path then seen = seen + 1 end
    end
    if seen == n then break end
    tasks.sleep(0.01)
  end
  return seen
end

describe("lmskit inside nginx (examples/openresty)", function()
  local server, host, DIR
  setup(function()
    sandbox.reset()
    server = openresty.start { root = ROOT, port = PORT, catalog_url = sandbox.url .. "/catalog",
                               token = sandbox.catalog_token, ca_file = sandbox.ca,
                               -- a call that may wait only 0.3 s for a free pool VM
                               server_extra = [[
        location ~ ^/impatient/(?<id>[^/]+)$ {
            content_by_lua_block {
                local lms = require "lmskit.nginx"
                local saved = lms.queue_timeout
                lms.queue_timeout = 0.3
                local ok, err = pcall(lms.call, "catalog", { base_url = os.getenv("CATALOG_URL"),
                    token = os.getenv("CATALOG_TOKEN"), ca_file = os.getenv("CATALOG_CA") },
                    "courses.get", ngx.var.id)
                lms.queue_timeout = saved
                ngx.say(ok and "ok" or err.kind .. ": " .. err.message)
            }
        }]] }
    DIR = server.dir
    host = core.client { base_url = ("http://127.0.0.1:%d"):format(PORT), allow_http_loopback = true,
                         timeout = 30 * (tonumber(os.getenv("LMSKIT_SLOWDOWN")) or 1) }
  end)
  teardown(function()
    if host then host:close() end
    if server then server.stop() end
  end)
  before_each(function() sandbox.reset() end)

  -- GET path on the example server: status, decoded JSON body (or text).
  local function get(path, method, body)
    local status, text = host:request { method = method or "GET", path = path, body = body,
                                        content_type = body and "application/json" }
    local ok, decoded = pcall(json.decode, text)
    return status, ok and decoded or text
  end

  it("makes the pool's VMs at start (warm), then says ready", function()
    local text
    for _ = 1, 200 do
      text = select(2, get("/ready"))
      if text:match("^ready") then break end
      succeeds("sleep 0.05")
    end
    assert.matches("^ready", text)
  end)

  it("runs more calls at once than the pool has VMs: each waits for a free VM, none fails", function()
    sandbox.fault { path = "/catalog/api/v1/courses/1", kind = "delay", delay_ms = 100, count = 40 }
    local statuses = {}
    tasks.run({ concurrency = 40 }, function(spawn)
      for i = 1, 40 do -- the example's pool has 16 threads and 16 VMs
        spawn(function() statuses[i] = tasks.await(host, { method = "GET", path = "/course/1" }):result() end)
      end
    end)
    for i = 1, 40 do assert.equal(200, statuses[i], "call " .. i) end
  end)

  it("a call that finds every VM busy past queue_timeout fails with kind timeout", function()
    local slow = 1500 * math.min(tonumber(os.getenv("LMSKIT_SLOWDOWN")) or 1, 10)
    sandbox.fault { path = "/catalog/api/v1/courses/2", kind = "delay", delay_ms = slow, count = 16 }
    local answer
    tasks.run({ concurrency = 32 }, function(spawn)
      for _ = 1, 16 do spawn(function() tasks.await(host, { method = "GET", path = "/course/2" }):result() end) end
      spawn(function()
        await_logged("/catalog/api/v1/courses/2", 16) -- all 16 VMs busy: the 16 reads logged
        answer = select(2, tasks.await(host, { method = "GET", path = "/impatient/1" }):result())
      end)
    end)
    assert.matches("^timeout: lmskit.nginx: every pool VM stayed in use for 0.3 s", answer)
  end)

  it("serves a Catalog course from a content handler", function()
    local status, course = get("/course/1")
    assert.equal(200, status)
    assert.equal(1, course.id)
    assert.equal("Course 1", course.title)
  end)

  it("hands back the lmskit.Error's kind and redacted message", function()
    local status, body = get("/course/424242")
    assert.equal(404, status)
    assert.same({ error = "not_found", message = "Not found" }, body)
  end)

  it("pages through a list in a pool thread", function()
    sandbox.seed_courses(120)
    local status, body = get("/courses")
    assert.equal(200, status)
    assert.equal(#body.ids, body.count)
    assert.is_true(body.count >= 120)
    for i = 2, #body.ids do assert.is_true(body.ids[i] > body.ids[i - 1]) end
  end)

  it("decides in an access handler", function()
    assert.equal(200, (get("/guarded/1")))
    assert.equal(403, (get("/guarded/424242")))
  end)

  it("makes calls from a timer after the request ended", function()
    assert.equal(202, (get("/timer")))
    local result
    for _ = 1, 200 do
      result = select(2, get("/timer/result")).result
      if result ~= json.null then break end
      succeeds("sleep 0.05")
    end
    assert.equal("courses 2", result)
  end)

  it("runs a bulk job in a pool thread, each enrollment once", function()
    local ids = {}
    for i = 1, 40 do ids[i] = 9000 + i end
    local status, body = get("/enroll", "POST", json.encode { listing_id = 1, user_ids = ids })
    assert.equal(200, status)
    assert.same({ enrolled = 40, failed = 0 }, body)
    local posts = 0
    for _, r in ipairs(sandbox.requests()) do
      if r.method == "POST" and r.path == "/catalog/api/v1/enrollments" then posts = posts + 1 end
    end
    assert.equal(40, posts)
  end)

  it("keeps answering while calls are in flight", function()
    -- 8 course reads the sandbox holds for 2 s each; a ping sent once they
    -- are all in flight must come back before any of them
    local slow = 2000 * math.min(tonumber(os.getenv("LMSKIT_SLOWDOWN")) or 1, 10)
    sandbox.fault { path = "/catalog/api/v1/courses/2", kind = "delay", delay_ms = slow, count = 8 }
    local order = {}
    tasks.run({ concurrency = 16 }, function(spawn)
      for i = 1, 8 do
        spawn(function()
          local status = tasks.await(host, { method = "GET", path = "/course/2" }):result()
          order[#order + 1] = "course " .. i .. " " .. status
        end)
      end
      spawn(function()
        -- in flight: the sandbox has logged all 8 reads
        assert.equal(8, await_logged("/catalog/api/v1/courses/2", 8))
        local status, text = tasks.await(host, { method = "GET", path = "/ping" }):result()
        order[#order + 1] = "ping " .. status .. " " .. text:gsub("%s+$", "")
      end)
    end)
    assert.equal("ping 200 pong", order[1])
    assert.equal(9, #order)
    for i = 2, 9 do assert.matches("^course %d 200$", order[i]) end
  end)

  it("writes no secret to nginx's logs", function()
    get("/course/1")
    get("/course/424242")
    get("/enroll", "POST", json.encode { listing_id = 1, user_ids = { 1 } })
    for _, name in ipairs { "error.log", "access.log" } do
      local text = read(DIR .. "/" .. name) or ""
      assert.is_nil(text:find(sandbox.catalog_token, 1, true), name)
    end
    assert.is_nil((read(DIR .. "/error.log") or ""):find("%[error%]"), read(DIR .. "/error.log"))
  end)
end)

describe("lmskit.nginx outside nginx", function()
  -- (a pool thread's functions are plain Lua: called here directly)
  it("keeps at most MAX_CLIENTS clients in a pool thread, closing the oldest", function()
    local nx = require "lmskit.nginx"
    local saved = nx.MAX_CLIENTS
    nx.MAX_CLIENTS = 3
    local function options(i) -- one client per distinct set of options
      return { base_url = sandbox.url .. "/catalog", token = sandbox.catalog_token, ca_file = sandbox.ca,
               timeout = 10 + i }
    end
    for i = 1, 5 do
      local ok, course = nx.thread_call("catalog", options(i), "courses.get", 1)
      assert.is_true(ok)
      assert.equal(1, course.id)
    end
    assert.equal(3, nx.thread_clients())
    assert.is_true((nx.thread_call("catalog", options(5), "courses.get", 1)))
    assert.equal(3, nx.thread_clients())
    -- a failure leaves as plain data: no metatable crosses between VMs
    local ok, err = nx.thread_call("catalog", options(5), "courses.get", 424242)
    assert.is_false(ok)
    assert.equal("not_found", err.kind)
    assert.is_nil(getmetatable(err))
    nx.MAX_CLIENTS = saved
  end)

  it("says it needs nginx", function()
    local ok, err = pcall(require("lmskit.nginx").call, "catalog", {}, "courses.get", 1)
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.matches("not inside nginx", err.message)
  end)
end)
