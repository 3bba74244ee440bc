--- JSON Web Tokens, signed in the C core with OpenSSL.
--
--     local token = lmskit.jwt.sign({ jti = lmskit.jwt.id(), iat = os.time(),
--                                     email = "admin@school.edu" }, secret, "HS256")
--
-- Algorithms: HS256, HS384, HS512 (the key is the raw secret, at least as
-- long as the digest), RS256 and ES256 (the key is a PEM private key).
-- "none" is never produced.
-- @module lmskit.jwt
local core = require "lmskit.core"
local json = require "lmskit.json"

local jwt = {}

--- Signs claims (a table) and returns the compact token.
function jwt.sign(claims, key, alg)
  alg = alg or "HS256"
  if type(claims) ~= "table" or type(key) ~= "string" then
    error(core.error { kind = "usage", message = "jwt.sign(claims table, key string, alg)" }, 2)
  end
  return core.jwt_sign(json.encode { alg = alg, typ = "JWT" }, json.encode(claims), key, alg)
end

--- A fresh identifier for `jti`: 128 bits from OpenSSL's CSPRNG, as hex.
function jwt.id()
  return core.random_hex(16)
end

return jwt
