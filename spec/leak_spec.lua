-- No form of any credential ever shows, whatever a server sends back.
-- Every vendor client meets every error kind against an echoing server
-- (the sandbox's `echo` fault answers the request itself: its
-- Authorization header, URL and body, as JSON with the credential in
-- "code", as text, as JSON without a message field, cut or not at the
-- 300-byte mark), and no raw, percent-encoded, base64, Basic, JWT or
-- JSON-escaped form of the credential -- nor any 8 bytes of one -- may
-- appear in an error's message, code, url or tostring, in the client's
-- log events, in a dry run, in a journal or in a results file.
local lmskit = require "lmskit"
local core = require "lmskit.core"
local json = require "lmskit.json"
local sandbox = require "sandbox"

-- base64 (standard alphabet, padded) and base64url (unpadded), in plain
-- Lua arithmetic (no bit operators: every runtime parses this file).
local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local chars = {}
    for j = 4, 1, -1 do
      local k = n % 64
      n = (n - k) / 64
      chars[j] = B64:sub(k + 1, k + 1)
    end
    if not c then chars[4] = "=" end
    if not b then chars[3] = "=" end
    out[#out + 1] = table.concat(chars)
  end
  return table.concat(out)
end

local function base64url(s)
  return (base64(s):gsub("+", "-"):gsub("/", "_"):gsub("=", ""))
end

-- Percent-encoding as the core does it: only unreserved characters stay.
local function pct(s)
  return (s:gsub("[^%w%-%._~]", function(c) return ("%%%02X"):format(c:byte()) end))
end

-- JSON string escaping: as dkjson writes it (the sandbox), and with "/"
-- escaped too (lua-cjson, which writes results .jsonl files).
local function json_escaped(s)
  return (s:gsub('[\\"]', function(c) return "\\" .. c end))
end
local function json_escaped_slash(s)
  return (json_escaped(s):gsub("/", "\\/"))
end

-- Every form a credential can take on the wire or in text.
local function forms_of(secret, basic)
  local forms = {
    raw = secret, percent = pct(secret), base64 = base64(secret), base64url = base64url(secret),
    json = json_escaped(secret), json_slash = json_escaped_slash(secret),
  }
  if basic then forms.basic = base64(secret .. ":") end
  return forms
end

-- Forms in the order they are named when several share a piece: the
-- plainest name wins (a token without quotes is "raw", not "json").
local FORM_ORDER = { "json_slash", "json", "base64url", "base64", "basic", "percent", "raw" }

-- 8-byte piece -> the form it comes from, for every form given.
local function pieces_of(forms)
  local pieces = {}
  local function add(name, form)
    for i = 1, #form - 7 do pieces[form:sub(i, i + 7)] = name end
  end
  for name, form in pairs(forms) do
    if name:match("^jwt") then add(name, form) end
  end
  for _, name in ipairs(FORM_ORDER) do
    if forms[name] then add(name, forms[name]) end
  end
  return pieces
end

-- Every leak in text: "<where>: <form> '<piece>'" strings.
local function leaks_in(text, pieces, where, found)
  text = tostring(text)
  for i = 1, #text - 7 do
    local piece = text:sub(i, i + 7)
    local form = pieces[piece]
    if form then
      found[#found + 1] = ("%s: %s form shows %q"):format(where, form, piece)
      return found -- one per place is enough
    end
  end
  return found
end

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local text = f:read("*a")
  f:close()
  return text
end

-- The credentials of this run: random, with the characters that change
-- under percent-encoding and JSON escaping where the vendor allows them.
local hex = core.random_hex
local VENDORS = {
  catalog = {
    secret = "Cat/" .. hex(16) .. "+=" .. hex(8), -- quotes and backslashes are refused in a Token
    client = function(s, o) o.token = s; return sandbox.catalog(o) end,
    prefix = "/catalog", path = "/api/v1/courses",
    call = function(c) return c.courses:get(1) end,
    write = function(c) return c.courses:create { title = "T", description = "D", path = "p", teaser = "t",
                                                  canvas_course_id = 9 } end,
  },
  cerego = {
    secret = 'Cer"eg\\o/' .. hex(16) .. "+=" .. hex(8),
    client = function(s, o) o.token = s; return sandbox.cerego(o) end,
    prefix = "/cerego", path = "/api/v3/courses",
    call = function(c) return c.courses:get(1) end,
  },
  coursepath = {
    secret = "cp-" .. hex(24) .. "/+=", -- the HS256 key (never sent): the JWTs it signs are
    client = function(s, o) o.secret = s; return sandbox.coursepath(o) end,
    prefix = "/coursepath", path = "/api/v1/courses",
    call = function(c) return c.courses:get(1) end,
    jwt = true,
  },
  coggno = {
    secret = "test_" .. hex(16) .. "/+=" .. hex(8),
    client = function(s, o) o.api_key = s; return sandbox.coggno(o) end,
    prefix = "/coggno-test", path = "/api/v1/users",
    call = function(c) return c.users:get("someone") end,
    write = function(c) return c.groups:create { name = "G" } end,
    basic = true,
  },
  matrix = {
    secret = "mx/" .. hex(16) .. "+ &=" .. hex(8),
    client = function(s, o) o.api_key = s; return sandbox.matrix(o) end,
    prefix = "/matrix", path = "/api/get_my_account",
    call = function(c) return c.users:get_my_account() end,
  },
}
local ORDER = { "catalog", "cerego", "coursepath", "coggno", "matrix" }

-- The error cases: an echo of each status in each format, the cut at 300
-- bytes, a far Retry-After, and the kinds no status makes.
local CASES = {}
for _, status in ipairs { 400, 401, 403, 404, 409, 422, 429, 500, 503 } do
  for _, format in ipairs { "json", "text", "jsonraw" } do
    CASES[#CASES + 1] = { name = ("echo %d as %s"):format(status, format),
      fault = { kind = "echo", status = status, format = format, retry_after = 0 } }
  end
end
for _, pad in ipairs { 250, 280, 290, 296 } do
  CASES[#CASES + 1] = { name = "echo 422 as text, the credential at the 300-byte cut (pad " .. pad .. ")",
    fault = { kind = "echo", status = 422, format = "text", pad = pad } }
end
CASES[#CASES + 1] = { name = "decode: a 200 echo that is not JSON",
  fault = { kind = "echo", status = 200, format = "broken" }, kind = "decode" }
CASES[#CASES + 1] = { name = "rate_limited: a far Retry-After",
  fault = { kind = "echo", status = 429, format = "json", retry_after = 99999999 }, kind = "rate_limited" }
CASES[#CASES + 1] = { name = "transport: the connection dropped", fault = { kind = "drop" }, kind = "transport" }
CASES[#CASES + 1] = { name = "timeout: a stalled server", fault = { kind = "delay", delay_ms = 1500 },
  opts = { timeout = 0.3 }, kind = "timeout" }
CASES[#CASES + 1] = { name = "timeout: the deadline", fault = { kind = "delay", delay_ms = 1500 },
  opts = { deadline = 0.3 }, kind = "timeout" }
CASES[#CASES + 1] = { name = "tls: a certificate from another CA", tls = true, kind = "tls" }
CASES[#CASES + 1] = { name = "usage: a call the client refuses", usage = true, kind = "usage" }

-- Every string an error shows: its fields and its tostring.
local function error_texts(err)
  local texts = { tostring = tostring(err) }
  if type(err) == "table" then
    for k, v in pairs(err) do
      if type(v) == "string" or type(v) == "number" then texts["err." .. tostring(k)] = tostring(v) end
    end
  end
  return texts
end

-- The log events as one text.
local function events_text(events)
  local lines = {}
  for _, e in ipairs(events) do
    local parts = {}
    for k, v in pairs(e) do parts[#parts + 1] = tostring(k) .. "=" .. tostring(v) end
    table.sort(parts)
    lines[#lines + 1] = table.concat(parts, " ")
  end
  return table.concat(lines, "\n")
end

-- The JWTs the server saw since the log was cleared (Coursepath).
local function jwts_seen()
  local out = {}
  for _, r in ipairs(sandbox.requests()) do
    local auth = r.headers and r.headers.authorization
    local token = type(auth) == "string" and auth:match("^Bearer (.+)$")
    if token then out[#out + 1] = token end
  end
  return out
end

-- The pieces to look for: the vendor's credential, plus every JWT seen.
local function pieces_for(v)
  local forms = forms_of(v.secret, v.basic)
  if v.jwt then
    for i, token in ipairs(jwts_seen()) do forms["jwt" .. i] = token end
  end
  return pieces_of(forms)
end

local function assert_clean(found)
  assert.is_true(#found == 0, #found .. " leak(s):\n  " .. table.concat(found, "\n  "))
end

for _, name in ipairs(ORDER) do
  local v = VENDORS[name]

  describe("no credential leaks: " .. name, function()
    before_each(function()
      sandbox.reset()
      sandbox.clear_log()
    end)

    for _, case in ipairs(CASES) do
      it(case.name, function()
        local events = {}
        local opts = { retries = 0, max_retry_wait = 1, log = function(e) events[#events + 1] = e end }
        for k, x in pairs(case.opts or {}) do opts[k] = x end
        if case.tls then
          opts.base_url = sandbox.rogue_url .. v.prefix
          if name == "coursepath" then opts.academy_url, opts.base_url = opts.base_url, nil end
          if name == "coggno" then opts.mode = nil end
        end
        local c = v.client(v.secret, opts)
        if case.fault then
          local f = { path = v.prefix, count = 5 }
          for k, x in pairs(case.fault) do f[k] = x end
          sandbox.fault(f)
        end
        local ok, err
        if case.usage then
          ok, err = pcall(c.request, c, "not a table")
        else
          ok, err = pcall(v.call, c)
        end
        assert.is_false(ok, "the call succeeded")
        assert.is_true(lmskit.is_error(err), tostring(err))
        if case.kind then assert.equal(case.kind, err.kind, tostring(err)) end
        local pieces = pieces_for(v)
        local found = {}
        for where, text in pairs(error_texts(err)) do leaks_in(text, pieces, where, found) end
        leaks_in(events_text(events), pieces, "log", found)
        assert_clean(found)
      end)
    end

    if v.write then
      it("a write whose outcome is unknown, looked up against the echo too (reconcile's messages)", function()
        local events = {}
        local c = v.client(v.secret, { retries = 1, log = function(e) events[#events + 1] = e end })
        sandbox.fault { path = v.prefix, kind = "echo", status = 500, format = "text", count = 20 }
        local ok, err = pcall(v.write, c)
        assert.is_false(ok)
        local pieces, found = pieces_for(v), {}
        for where, text in pairs(error_texts(err)) do leaks_in(text, pieces, where, found) end
        leaks_in(events_text(events), pieces, "log", found)
        assert_clean(found)
      end)
    end

    it("a bulk job's journal and results (csv, jsonl) against the echo", function()
      local c = v.client(v.secret, { retries = 0 })
      sandbox.fault { path = v.prefix, kind = "echo", status = 422, format = "json", count = 2 }
      sandbox.fault { path = v.prefix, kind = "echo", status = 422, format = "text", count = 2 }
      sandbox.fault { path = v.prefix, kind = "echo", status = 500, format = "jsonraw", count = 2 }
      local found = {}
      for _, suffix in ipairs { ".csv", ".jsonl" } do
        local journal, results = os.tmpname(), os.tmpname() .. suffix
        os.remove(journal)
        local report = lmskit.bulk { rows = { { n = "1" }, { n = "2" } }, journal = journal, results = results,
                                     concurrency = 1, retries = 0, progress = false,
                                     run = function() return v.call(c) end }
        assert.equal(2, report.failed)
        local pieces = pieces_for(v)
        leaks_in(slurp(journal), pieces, "journal", found)
        leaks_in(slurp(results), pieces, "results" .. suffix, found)
        for _, failure in ipairs(report.failures) do
          leaks_in(json.encode(failure), pieces, "report", found)
        end
        os.remove(journal)
        os.remove(results)
      end
      assert_clean(found)
    end)

    it("a dry run's printed calls", function()
      local c = v.client(v.secret, {})
      local printed = {}
      lmskit.bulk { rows = { { n = "1" } }, progress = false,
        dry_run = function(line) printed[#printed + 1] = line end,
        run = function()
          c:request { method = "GET", path = "/x", query = { q = "1" } }
          c:request { method = "POST", path = "/x", json = { a = "1" } }
          c:request { method = "POST", path = "/x", form = { a = "1" } }
        end }
      assert.equal(3, #printed)
      assert_clean(leaks_in(table.concat(printed, "\n"), pieces_for(v), "dry run", {}))
    end)
  end)
end
