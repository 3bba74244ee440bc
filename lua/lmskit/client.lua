--- A vendor client: one origin, its credentials, and the resources its
-- declaration names.  This file builds it and holds its public methods;
-- every call goes through its request path (lmskit.client.request_path:
-- send, decode once, errors with the vendor's own message, retries).
-- @module lmskit.client
local core = require "lmskit.core"
local params = require "lmskit.params"
local options = require "lmskit.options"
local usage = require "lmskit.usage"
local resource = require "lmskit.resource"
local rpc = require "lmskit.rpc"
local auth = require "lmskit.client.auth"
local errors = require "lmskit.client.errors"
local origin = require "lmskit.client.origin"
local rate = require "lmskit.client.rate"
local request_path = require "lmskit.client.request_path"

local client = {}

local Client = {}
Client.__index = Client
Client.__name = "lmskit.VendorClient"

-- Options every vendor client accepts and the rule each numeric one must
-- fit (lmskit.options); a declaration adds its own in `options`.
local common_options = options.types
local number_rules = options.rules

--- Raises an `lmskit.Error` of kind `usage` with the message (nothing has
-- been sent); the one usage helper is lmskit.usage.
-- @function usage
-- @string message what is wrong
client.usage = usage.raise

--- The vendor's own message from an error body (decoded or raw); see
-- lmskit.client.errors.
-- @function vendor_message
client.vendor_message = errors.vendor_message

-- Checks the user's options against the common ones and the
-- declaration's; returns them as given.
local function checked_options(decl, opts)
  if type(opts) ~= "table" then usage.raise(decl.name .. ": options table expected") end
  local given = {}
  for k, v in pairs(opts) do
    local want = common_options[k] or decl.options[k]
    if not want then usage.raise(("%s: unknown option '%s'"):format(decl.name, tostring(k))) end
    if type(v) ~= want then
      usage.raise(("%s: option '%s' must be a %s"):format(decl.name, k, want))
    end
    local why = number_rules[k] and params.number(v, number_rules[k])
    if why then usage.raise(("%s: option '%s' %s"):format(decl.name, k, why)) end
    given[k] = v
  end
  if given.engine ~= nil and getmetatable(given.engine) ~= getmetatable(core.engine()) then
    usage.raise(decl.name .. ": option 'engine' must be an engine from require('lmskit.core').new_engine()")
  end
  return given
end

-- Checks the credentials the declaration asks for, the key against the
-- host (decl.auth.prefix_by_host) and the account header's value.
local function check_credentials(decl, given)
  local a = decl.auth
  local secret = given[a.secret]
  if a.strategy ~= "none" and (secret == nil or secret == "") then
    usage.required(decl.name, a.secret)
  end
  for _, name in ipairs(a.required or {}) do
    if given[name] == nil then usage.required(decl.name, name) end
  end
  origin.check_key_prefix(decl, given, secret)
  if decl.account_header and given[decl.account_header.option] ~= nil then
    auth.account_text(decl.account_header, given[decl.account_header.option])
  end
end

-- The C core client of a vendor client: origin, TLS, core auth, limits.
local function core_client(decl, given, base_url)
  local settings = auth.core_settings(decl, given)
  return core.client {
    base_url = base_url .. (decl.base_path or ""),
    auth = settings.auth, secret = settings.secret, param = settings.param,
    user = settings.user, secrets = settings.secrets,
    ca_file = given.ca_file, user_agent = given.user_agent, proxy = given.proxy,
    proxy_from_env = given.proxy_from_env, max_response_size = given.max_response_size,
    timeout = given.timeout, connect_timeout = given.connect_timeout,
    http2 = given.http2, allow_http_loopback = given.allow_http_loopback,
    engine = given.engine,
  }
end

--- Creates a vendor client from a declaration and the user's options.
-- @param decl the vendor declaration (lua/lmskit/apis/*.lua)
-- @param opts user options: the vendor's credentials plus common options
function client.new(decl, opts)
  local given = checked_options(decl, opts)
  check_credentials(decl, given)
  local base_url = origin.base_url(decl, given)
  local limits = rate.new(decl, given)
  local path = request_path.new(decl, given, core_client(decl, given, base_url), limits)
  local self = setmetatable({
    _decl = decl,
    _core = path.core,
    _base = path.base,
    _path = path,
  }, Client)
  path.client = self
  for name, rdecl in pairs(decl.resources) do
    self[name] = resource.new(path, name, rdecl)
  end
  if decl.sections then
    self._functions = rpc.index(decl)
    path.functions = self._functions
    for name, functions in pairs(decl.sections) do
      self[name] = rpc.section(path, name, functions)
    end
  end
  return self
end

--- The request path of a client (lmskit.client.request_path): the one
-- interface the layers over the client (paging, resources, RPC,
-- reconcile, workflows) use.
function client.path_of(c)
  return c._path
end

--- RPC vendors (MATRIX): calls any function by name with named arguments;
-- declared functions are checked against the doc's parameters.
function Client:call(name, args)
  if not self._decl.sections then usage.raise(self._decl.name .. ": call() is for RPC vendors") end
  if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
    usage.raise(self._decl.name .. ":call: a function name expected")
  end
  if args ~= nil and type(args) ~= "table" then usage.raise(name .. ": arguments must be a table") end
  return rpc.invoke(self._path, name, self._functions[name], args or {})
end

-- What send returns with the headers as a table of every header (the
-- request path reads them by name, lmskit.Headers, and makes no table).
local function with_table(body, headers, status)
  return body, headers and core.header_table(headers), status
end

--- Sends one call and returns the decoded body (true for an empty 2xx),
-- the response headers and the status; see lmskit.client.request_path
-- (send) for what is retried and how a deadline ends it.
-- @param spec { method=, path=, params=, url=, query=, json=, form=, headers=, idempotent= }
function Client:send(spec)
  return with_table(self._path:send(spec))
end

--- Sends any call by path: `catalog:request{ method="GET", path="/courses/:id",
-- params={id=4} }`; returns what `send` returns.
function Client:request(spec)
  if type(spec) ~= "table" or not (spec.path or spec.url) then
    usage.raise(self._decl.name .. ":request: a table with path or url expected")
  end
  return with_table(self._path:send(spec))
end

--- True when url is on this client's own origin (where credentials may go).
function Client:same_origin(url)
  return self._core:same_origin(url)
end

--- Closes the client's connection settings (idempotent).
function Client:close()
  self._core:close()
end

function Client:__tostring()
  return ("lmskit.%s (%s)"):format(self._decl.name, self._base)
end

return client
