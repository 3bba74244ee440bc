--- Per-attempt auth: what the C core sends on its own (token, bearer,
-- HTTP Basic, a query parameter), and the headers each attempt adds: a
-- JWT minted fresh from the claims the declaration names, and a vendor's
-- account header (Coggno-LMS).
-- @module lmskit.client.auth
local jwt = require "lmskit.jwt"
local usage = require "lmskit.usage"

local auth = {}

local Auth = {}
Auth.__index = Auth

--- Core auth settings for a declaration's strategy (decl.auth) and the
-- user's options.  "jwt" is minted per attempt in Lua (Auth:headers), so
-- the core sends no credential of its own but still redacts the secret;
-- "basic" sends the option `auth.user` as the user and `auth.password`
-- (a literal) as the password.
function auth.core_settings(decl, given)
  local a = decl.auth
  local secret = given[a.secret]
  if a.strategy == "jwt" then return { auth = "none", secrets = { secret } } end
  if a.strategy == "basic" then
    return { auth = "basic", user = given[a.user], secret = a.password, secrets = { secret } }
  end
  return { auth = a.strategy, secret = secret, param = a.param }
end

--- The text of a connected account id (Coggno's `lms`, per client or per
-- call) for its header: a whole number, written without ".0"; anything
-- else is a usage error before any call.
function auth.account_text(header, account)
  if type(account) ~= "number" or account ~= account or account == math.huge or account == -math.huge
     or account ~= math.floor(account) or math.abs(account) >= 2 ^ 53 then
    usage.raise(("%s: %s must be a whole number, not %s"):format(header.name, header.option, tostring(account)))
  end
  return ("%d"):format(account)
end

--- The per-attempt auth of a client: `per_attempt` is true when a
-- credential is minted for each attempt (a JWT: it must never go out
-- twice, so the core may not re-send a request on its own).
function auth.new(decl, given, core_client)
  local a = decl.auth
  return setmetatable({
    decl = decl, options = given, core = core_client,
    secret = a.strategy == "jwt" and given[a.secret] or nil,
    per_attempt = a.strategy == "jwt",
  }, Auth)
end

-- The value of a declared claim (decl.auth.claims: name -> what it holds):
-- "id" a fresh random id, "now" the time, "subject" the call's `as` or
-- the client's subject option.
local CLAIM = {
  id = function() return jwt.id() end,
  now = function() return os.time() end,
  subject = function(self, spec) return spec.as or self.options[self.decl.auth.subject] end,
}

-- A JWT minted for one attempt: the user's extra claims, then the
-- declared ones (Coursepath accepts each jti once and only recent iat).
function Auth:token(spec)
  local a = self.decl.auth
  local claims = {}
  for k, v in pairs(self.options.claims or {}) do claims[k] = v end
  for name, what in pairs(a.claims) do claims[name] = CLAIM[what](self, spec) end
  return jwt.sign(claims, self.secret, a.alg)
end

--- Headers that carry per-call or per-attempt credentials and context:
-- the spec's own headers, a JWT minted fresh for this attempt, and the
-- declaration's account header (Coggno-LMS) when an account is given;
-- nil when there can be none.
function Auth:headers(spec)
  local header = self.decl.account_header
  if not (spec.headers or self.per_attempt or header) then return nil end -- (nothing to add: the hot path)
  local headers = {}
  for _, h in ipairs(spec.headers or {}) do headers[#headers + 1] = h end
  if self.per_attempt then
    local token = self:token(spec)
    -- a server that echoes the request must not show it: the core masks
    -- it from every message from now on (it keeps a bounded set of them)
    self.core:add_secret(token)
    headers[#headers + 1] = "Authorization: Bearer " .. token
  end
  if header then
    local account = spec.account or self.options[header.option]
    if account ~= nil then headers[#headers + 1] = header.name .. ": " .. auth.account_text(header, account) end
  end
  return headers
end

return auth
