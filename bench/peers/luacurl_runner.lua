-- bench/peers/luacurl_runner.lua JOB COUNT: the Lua 5.1 + lua-curl +
-- lua-cjson peer (run with lua5.1).
--
-- Debian's lua-curl (0.3.0, Lua 5.1/5.2) is the FreePOPs libcurl binding,
-- not Lua-cURLv3: it has easy handles (setopt, perform) and no multi
-- interface and no getinfo.  So one easy handle is reused for every request
-- (keep-alive; HTTP/2 when offered), pages and POSTs are sequential, and the
-- status comes from the status line the header callback sees.  libcurl is
-- Debian's libcurl3-gnutls here (GnuTLS), verifying peer and host against
-- BENCH_CA.  Prints one JSON result line.
local curl = require "curl"
local cjson = require "cjson"
local socket = require "socket" -- gettime only

local job, count = arg[1], tonumber(arg[2])
assert(job and count, "usage: luacurl_runner.lua JOB COUNT")
local url, ca = assert(os.getenv "BENCH_URL"), assert(os.getenv "BENCH_CA")
local base = ({ pages = url, enroll = url, cpu = url, pages_slow = url .. "/slow",
                enroll_slow = url .. "/slow", memory = os.getenv "BENCH_BIG_URL" })[job]
assert(base, "unknown job " .. job)

local e = curl.easy_init()
e:setopt(curl.OPT_CAINFO, ca)
e:setopt(curl.OPT_SSL_VERIFYPEER, 1)
e:setopt(curl.OPT_SSL_VERIFYHOST, 2)
e:setopt(curl.OPT_TIMEOUT, 30)
local body_parts, status, link
e:setopt(curl.OPT_WRITEFUNCTION, function(s, len)
  body_parts[#body_parts + 1] = s
  return len
end)
e:setopt(curl.OPT_HEADERFUNCTION, function(s, len)
  local code = s:match("^HTTP/%S+%s+(%d%d%d)")
  if code then
    status, link = tonumber(code), nil
  else
    local name, value = s:match("^([^:]+):%s*(.-)%s*$")
    if name and name:lower() == "link" then link = value end
  end
  return len
end)

local function perform()
  body_parts, status, link = {}, nil, nil
  local rc, err = e:perform()
  if rc ~= 0 then error("curl: " .. tostring(err or rc)) end
  return status, table.concat(body_parts), link
end

local items
local t0 = socket.gettime()
if job == "pages" or job == "pages_slow" or job == "memory" then
  e:setopt(curl.OPT_HTTPHEADER, { 'Authorization: Token token="bench-token"' })
  e:setopt(curl.OPT_HTTPGET, 1)
  local n, last_id, pages = 0, 0, 0
  local next_url = base .. "/api/v1/courses?per_page=100"
  local max_pages = math.floor(count / 100) + 2 -- bounded
  while next_url do
    pages = pages + 1
    assert(pages <= max_pages, "too many pages")
    e:setopt(curl.OPT_URL, next_url)
    local code, body, lnk = perform()
    assert(code == 200, "status " .. tostring(code))
    for _, c in ipairs(cjson.decode(body).courses) do
      n = n + 1
      last_id = c.id
    end
    -- the usual script idiom: the URL of the link whose rel is "next"
    next_url = lnk and lnk:match('<([^>]*)>%s*;%s*rel="next"')
  end
  assert(n == count and last_id == count,
         ("walked %d items (last id %s), expected %d"):format(n, tostring(last_id), count))
  items = n
else
  e:setopt(curl.OPT_HTTPHEADER, { 'Authorization: Token token="bench-token"',
                                  "Content-Type: application/json" })
  e:setopt(curl.OPT_URL, base .. "/api/v1/enrollments")
  local ok = 0
  for i = 1, count do
    e:setopt(curl.OPT_POSTFIELDS, cjson.encode { enrollment = { listing_id = 1, canvas_user_id = i } })
    local code, body = perform()
    assert(code == 201, "status " .. tostring(code))
    local en = cjson.decode(body).enrollment
    assert(en.user.id == i and en.status == "active", "bad enrollment reply")
    ok = ok + 1
  end
  items = ok
end
local seconds = socket.gettime() - t0
print(cjson.encode {
  peer = "lua5.1-curl", job = job, items = items, seconds = seconds,
  notes = "HTTP/2 (libcurl-gnutls), one easy handle, sequential",
})
