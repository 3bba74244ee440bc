-- Hostile input at the binding: numbers that cannot become integers
-- (NaN, infinities, 1e300, 2^63) and strings with a NUL inside are refused
-- with a usage lmskit.Error, never cast (undefined behaviour) nor cut short.
local lmskit = require "lmskit"
local core = require "lmskit.core"
local sandbox = require "sandbox"

local nan = 0 / 0
local bad_numbers = { nan, math.huge, -math.huge, 1e300, -1e300 }
local names = { "nan", "inf", "-inf", "1e300", "-1e300" }

-- The usage error fn raises (or fails the spec naming what happened).
local function usage_of(fn, ...)
  local err = sandbox.error_of(fn, ...)
  assert.equal("usage", err.kind)
  return err
end

describe("numbers that cannot become integers", function()
  for i, n in ipairs(bad_numbers) do
    it("client timeout / connect_timeout = " .. names[i] .. " is a usage error", function()
      for _, option in ipairs { "timeout", "connect_timeout" } do
        local err = usage_of(core.client, { base_url = "https://h.example", [option] = n })
        assert.matches(option, err.message, 1, true)
        err = usage_of(lmskit.catalog, { base_url = "https://h.example", token = "t0ken", [option] = n })
        assert.matches(option, err.message, 1, true)
      end
    end)

    it("engine:step(" .. names[i] .. ") and engine:wait(" .. names[i] .. ") are usage errors", function()
      local engine = core.new_engine()
      usage_of(engine.step, engine, n)
      usage_of(engine.wait, engine, n)
      engine:close()
    end)
  end

  it("still takes ordinary timeouts and waits", function()
    core.client { base_url = "https://h.example", timeout = 0.5, connect_timeout = 30 }
    local engine = core.new_engine()
    assert.same({}, engine:step(0.001))
    engine:wait(0)
    engine:close()
  end)

  it("refuses a status that is not a number an HTTP status can be", function()
    local c = core.client { base_url = "https://h.example" }
    for _, n in ipairs(bad_numbers) do
      local err = sandbox.error_of(c.fail, c, { status = n, message = "m" })
      assert.equal("usage", err.kind)
    end
    for _, n in ipairs(bad_numbers) do
      usage_of(core.kind_of_status, n)
    end
  end)

  it("reads a huge status in an error's text without a cast", function()
    for _, n in ipairs(bad_numbers) do
      local text = tostring(core.error { kind = "server", status = n, message = "m" })
      assert.matches("^lmskit%.Error server", text)
    end
  end)

  it("refuses them in limiter, random_hex and isatty arguments", function()
    for _, n in ipairs(bad_numbers) do
      usage_of(core.limiter, n, 1)
      usage_of(core.random_hex, n)
      usage_of(core.isatty, n)
    end
    usage_of(core.limiter, 1, nan)
    local l = core.limiter(1, 1)
    usage_of(l.block, l, nan)
    usage_of(l.block, l, math.huge)
  end)
end)

describe("ids that are not integers a path or query can carry", function()
  local bad_ids = { nan, math.huge, -math.huge, 2 ^ 63, -(2 ^ 64), 1e300 }
  local shown = { "nan", "inf", "-inf", "2^63", "-2^64", "1e300" }

  for i, id in ipairs(bad_ids) do
    it("refuses id = " .. shown[i] .. " in a path, a query, a form and number_text", function()
      local err = usage_of(core.expand, "/courses/:id", { id = id })
      assert.matches(":id", err.message, 1, true)
      usage_of(core.encode_query, { id = id })
      usage_of(core.encode_query, { user_ids = { 1, id } })
      usage_of(core.number_text, id)
      local c = core.client { base_url = "https://h.example" }
      usage_of(c.submit, c, { method = "POST", path = "/x", form = { id = id } })
      usage_of(c.submit, c, { path = "/courses/:id", params = { id = id } })
    end)
  end

  it("writes the integers it can exactly", function()
    assert.equal("/courses/9007199254740992", core.expand("/courses/:id", { id = 2 ^ 53 }))
    assert.equal("/courses/-9223372036854775808", core.expand("/courses/:id", { id = -(2 ^ 63) }))
    assert.equal("/courses/4611686018427387904", core.expand("/courses/:id", { id = 2 ^ 62 }))
    assert.equal("x=1.5&y=17431949894", core.encode_query { x = 1.5, y = 17431949894.0 })
  end)
end)

describe("strings with a NUL inside", function()
  local base = { base_url = "https://h.example" }
  local function with(extra)
    local o = {}
    for k, v in pairs(base) do o[k] = v end
    for k, v in pairs(extra) do o[k] = v end
    return o
  end

  it("are refused in every client option, not cut short", function()
    local cases = {
      { base_url = "https://h.example\0.evil.example" },
      { auth = "bearer", secret = "tok\0en" },
      { auth = "basic", user = "us\0er", secret = "" },
      { auth = "query", param = "api\0key", secret = "k3y" },
      { ca_file = sandbox.ca .. "\0.not-this" },
      { user_agent = "agent\0X-Evil: 1" },
      { proxy = "http://127.0.0.1:9\0" },
      { auth = "bear\0er", secret = "tok" },
    }
    for _, extra in ipairs(cases) do
      local err = usage_of(core.client, with(extra))
      assert.matches("NUL", err.message, 1, true)
    end
    usage_of(lmskit.catalog, { base_url = "https://h.example", token = "tok\0en" })
    usage_of(lmskit.catalog, { base_url = "https://h.example", token = "t0ken", user_agent = "a\0b" })
  end)

  it("are refused in a request's method, path, url, content type and headers", function()
    local c = core.client(base)
    local specs = {
      { method = "GET\0", path = "/x" },
      { path = "/x\0/y" },
      { url = "https://h.example/x\0/y" },
      { method = "POST", path = "/x", body = "{}", content_type = "application/json\0x" },
      { path = "/x", headers = { "X-A: b\0c" } },
    }
    for _, spec in ipairs(specs) do usage_of(c.submit, c, spec) end
  end)

  it("are refused in file paths and never match a same-origin check", function()
    usage_of(core.csv_open, "/etc/hostname\0.csv")
    usage_of(core.journal_open, os.tmpname() .. "\0.journal")
    local c = core.client(base)
    assert.is_false(c:same_origin("https://h.example/\0https://evil.example/"))
  end)
end)

describe("the binding's own use of the Lua API", function()
  it("keeps option strings made by __index alive while C uses them", function()
    -- each read makes a fresh long string and collects garbage: a string
    -- the binding popped before using it would be freed under it
    local base = "https://h.example/" .. ("p"):rep(60)
    local values = { base_url = base, user_agent = "agent-" .. ("u"):rep(60), auth = "bearer",
                     secret = "secret-" .. ("s"):rep(60) }
    local opts = setmetatable({}, { __index = function(_, k)
      collectgarbage()
      local v = values[k]
      return v and (v .. "!"):sub(1, #v) or nil -- a new string each time
    end })
    for _ = 1, 3 do
      local c = core.client(opts)
      assert.equal(base, c:base_url())
      local err = sandbox.error_of(c.fail, c, setmetatable({}, { __index = function(_, k)
        collectgarbage()
        if k == "status" then return 404 end
        if k == "message" or k == "code" then return "long message " .. ("m"):rep(100) .. " " .. values.secret end
      end }))
      assert.equal("not_found", err.kind)
      assert.equal("long message " .. ("m"):rep(100) .. " [REDACTED]", err.message)
      assert.equal(err.message, err.code)
      local req = c:submit(setmetatable({}, { __index = function(_, k)
        collectgarbage()
        if k == "method" then return ("GET!"):sub(1, 3) end
        if k == "path" then return "/x/" .. ("y"):rep(60) .. "/:id" end
        if k == "params" then return { id = "i" .. ("d"):rep(60) } end
        if k == "content_type" then return "text/plain; " .. ("c"):rep(60) end
      end }))
      req:close()
    end
  end)

  it("carries long texts whole through every path that builds strings", function()
    local long = ("L"):rep(70000)
    local c = core.client { base_url = "https://h.example", auth = "bearer", secret = "tok-123" }
    local err = sandbox.error_of(c.fail, c, { status = 422, message = long .. "\r\n" .. "tok-123",
                                              url = "https://h.example/" .. long, code = long,
                                              method = "GET" })
    assert.equal(long .. "\\r\\n[REDACTED]", err.message)
    assert.equal(long, err.code)
    assert.equal(("lmskit.Error validation (422): %s [GET https://h.example/%s]"):format(err.message, long),
                 tostring(err))
    assert.equal(long .. " [REDACTED]", c:redact(long .. " tok-123"))
    assert.equal("a=" .. long, core.encode_query { a = long })
    assert.equal("/x/" .. long, core.expand("/x/:id", { id = long }))
    assert.equal('"' .. long .. '"', core.csv_quote(long))
    local links = core.links("<https://h.example/" .. long .. ">; rel=\"next\"")
    assert.equal("https://h.example/" .. long, links.next)
    -- a transport error whose URL is long: the request never connects
    local closed = core.client { base_url = "https://127.0.0.1:9", connect_timeout = 2 }
    err = sandbox.error_of(closed.request, closed, { path = "/" .. long })
    assert.equal("transport", err.kind)
    assert.equal("https://127.0.0.1:9/" .. long, err.url)
  end)
end)

describe("a wrong engine", function()
  it("is a usage error, not a plain Lua error", function()
    for _, engine in ipairs { "x", 42, io.stdout, core.client { base_url = "https://h.example" } } do
      local err = sandbox.error_of(core.client, { base_url = "https://h.example", engine = engine })
      assert.equal("usage", err.kind)
      assert.matches("engine", err.message)
    end
    local err = sandbox.error_of(lmskit.catalog, { base_url = "https://h.example", token = "t0ken",
                                                   engine = io.stdout })
    assert.equal("usage", err.kind)
    local closed = core.new_engine()
    closed:close()
    assert.equal("usage", sandbox.error_of(core.client, { base_url = "https://h.example", engine = closed }).kind)
  end)
end)
