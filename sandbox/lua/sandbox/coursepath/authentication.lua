-- sandbox.coursepath.authentication: the doc's Authentication: HS256 JWTs, each jti once.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coursepath/DECISIONS.md.

local C = require "sandbox.common"
local jwt = require "sandbox.jwt"
local lib = require "sandbox.coursepath.lib"
local S = lib.S

local ngx = ngx
local type = type
local format = string.format

---------------------------------------------------------------------------
-- Authentication
---------------------------------------------------------------------------

local function jti_key(jti)
  if type(jti) == "string" and jti ~= "" then return "s:" .. jti end
  if type(jti) == "number" and jti == jti and jti ~= math.huge and jti ~= -math.huge then
    return "n:" .. format("%.17g", jti)
  end
  return nil
end

-- Returns the acting member, or nil and the reason.
local function authenticate()
  local h = ngx.req.get_headers()["authorization"]
  if type(h) == "table" then return nil, "multiple authorization headers" end
  if type(h) ~= "string" then return nil, "missing bearer token" end
  local token = h:match("^%s*[Bb][Ee][Aa][Rr][Ee][Rr]%s+(%S+)%s*$")
  if not token then return nil, "missing bearer token" end
  local header, claims = jwt.verify_hs256(token, lib.M.SECRET)
  if not header then return nil, claims end

  local jti = claims.jti
  if C.is_null(jti) then return nil, "missing jti" end
  local key = jti_key(jti)
  if not key then return nil, "invalid jti" end

  local iat = claims.iat
  if C.is_null(iat) then return nil, "missing iat" end
  if type(iat) ~= "number" or iat ~= iat then return nil, "invalid iat" end
  local current = ngx.now()
  if current - iat > lib.CFG.max_age then return nil, "token expired" end
  if iat - current > lib.CFG.max_future then return nil, "token issued in the future" end

  local email = claims.email
  if C.is_null(email) then return nil, "missing email" end
  if type(email) ~= "string" or email == "" then return nil, "invalid email" end
  local m = lib.find_member_by_email(email)
  if not m then return nil, "unknown member" end
  if not m.active then return nil, "member inactive" end

  if S.jtis[key] then return nil, "jti already used" end
  S.jtis[key] = true
  return m
end

return {
  authenticate = authenticate,
}
