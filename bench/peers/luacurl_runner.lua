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
package.path = "bench/peers/?.lua;" .. package.path
local jobs = require "jobs"

local job, count, base, ca = jobs.args("luacurl_runner.lua", { cpu = true })

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

local AUTH = 'Authorization: Token token="bench-token"'
jobs.run(job, count, base, "lua5.1-curl", "HTTP/2 (libcurl-gnutls), one easy handle, sequential",
         function(url)
           e:setopt(curl.OPT_HTTPHEADER, { AUTH })
           e:setopt(curl.OPT_HTTPGET, 1)
           e:setopt(curl.OPT_URL, url)
           return perform()
         end,
         function(url, body)
           e:setopt(curl.OPT_HTTPHEADER, { AUTH, "Content-Type: application/json" })
           e:setopt(curl.OPT_URL, url)
           e:setopt(curl.OPT_POSTFIELDS, body)
           local code, reply = perform()
           return code, reply
         end)
