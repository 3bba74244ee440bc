--- Which host a client talks to, and which key may go there: the base URL
-- from the options and the declaration's hosts, and the declaration's
-- key prefixes per host (decl.auth.prefix_by_host) checked against it.
-- @module lmskit.client.origin
local usage = require "lmskit.usage"

local origin = {}

--- Picks the base URL: base_url wins; otherwise the vendor's named option
-- (Coursepath's academy_url) or its host table keyed by an option
-- (Cerego's env, Coggno's mode).
function origin.base_url(decl, opts)
  if opts.base_url then return opts.base_url end
  if decl.base_url_option and opts[decl.base_url_option] then return opts[decl.base_url_option] end
  local hosts = decl.hosts
  if hosts then
    local which = opts[hosts.option] or hosts.default
    local url = which and hosts[which]
    if not url then
      usage.raise(("%s: option '%s' must be one of: %s"):format(decl.name, hosts.option, hosts.names))
    end
    return url
  end
  usage.required(decl.name, decl.base_url_option or "base_url")
end

-- The host (a name in decl.hosts) a base_url goes to: the first of
-- `hosts.recognise` ({ { name, pattern }, ... }) whose pattern its path
-- matches (no trailing slash), else the default host.
local function host_of_url(hosts, url)
  local path = (url:match("^%a[%w+.-]*://[^/?#]*([^?#]*)") or ""):gsub("/+$", "")
  for _, rule in ipairs(hosts.recognise) do
    if path:find(rule[2]) then return rule[1] end
  end
  return hosts.default
end

--- Refuses a key meant for another host before any call (Coggno: test_
-- keys on the test host, live_ keys on the live host), whatever picked
-- the host: base_url (recognised by hosts.recognise), the host option,
-- or else the key's prefix; sets the host option to the host picked.
function origin.check_key_prefix(decl, opts, secret)
  local prefixes = decl.auth.prefix_by_host
  if not prefixes then return end
  local option = decl.hosts.option
  local which = opts[option]
  if opts.base_url and decl.hosts.recognise then
    local by_url = host_of_url(decl.hosts, opts.base_url)
    if which and which ~= by_url then
      usage.raise(("%s: %s is '%s' but base_url is a %s host"):format(decl.name, option, which, by_url))
    end
    which = by_url
  end
  if not which then
    for host, prefix in pairs(prefixes) do
      if secret:sub(1, #prefix) == prefix then which = host end
    end
  end
  opts[option] = which
  local prefix = prefixes[which or decl.hosts.default]
  if not prefix or secret:sub(1, #prefix) ~= prefix then
    usage.raise(("%s: a %s key must start with '%s'; this one would be sent to the wrong host")
      :format(decl.name, which or decl.hosts.default, prefix or "?"))
  end
end

return origin
