-- sandbox.jwt: HS256 JSON Web Token verification for the vendor simulators.
--
-- HMAC-SHA256 comes from OpenSSL's libcrypto through the LuaJIT FFI
-- (HMAC(EVP_sha256(), ...)); signatures are compared in constant time
-- with CRYPTO_memcmp; base64url comes from lua-resty-core's ngx.base64;
-- JSON from lua-cjson (sandbox.common).  Only the token's structure, alg
-- and signature are checked here: claims (jti, iat, ...) are the caller's.

local ffi = require "ffi"
local b64 = require "ngx.base64"
local C = require "sandbox.common"

local type, pcall = type, pcall

local M = {}

-- Each declaration on its own, in a pcall: another module may already
-- have declared the same type or function in this (shared) FFI namespace.
for _, decl in ipairs({
  "typedef struct evp_md_st EVP_MD;",
  "const EVP_MD *EVP_sha256(void);",
  [[unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len,
                        const unsigned char *d, size_t n, unsigned char *md,
                        unsigned int *md_len);]],
  "int CRYPTO_memcmp(const void *a, const void *b, size_t len);",
}) do
  pcall(ffi.cdef, decl)
end

-- nginx links libcrypto, so the symbols normally resolve in the global
-- namespace; otherwise load the library explicitly.
local function resolve()
  local function has(lib)
    return pcall(function() return lib.HMAC and lib.EVP_sha256 and lib.CRYPTO_memcmp end)
  end
  if has(ffi.C) then return ffi.C end
  for _, name in ipairs({ "crypto", "libcrypto.so.3", "libcrypto.so" }) do
    local ok, lib = pcall(ffi.load, name)
    if ok and has(lib) then return lib end
  end
  error("sandbox.jwt: libcrypto (HMAC, EVP_sha256, CRYPTO_memcmp) not found")
end

local crypto = resolve()

local SHA256_LEN = 32
local md_buf = ffi.new("unsigned char[64]")
local md_len = ffi.new("unsigned int[1]")

-- Raw 32-byte HMAC-SHA256 of data under key.
function M.hmac_sha256(key, data)
  local out = crypto.HMAC(crypto.EVP_sha256(), key, #key, data, #data, md_buf, md_len)
  if out == nil then error("HMAC failed") end
  return ffi.string(md_buf, md_len[0])
end

-- Constant-time equality of two strings (lengths are not secret).
function M.equal(a, b)
  if #a ~= #b then return false end
  return crypto.CRYPTO_memcmp(a, b, #a) == 0
end

M.b64url_encode = b64.encode_base64url

-- base64url without padding, as JWS requires; nil if invalid.
local function b64url_decode(s)
  if not s:match("^[A-Za-z0-9_-]*$") or #s % 4 == 1 then return nil end
  return b64.decode_base64url(s)
end
M.b64url_decode = b64url_decode

local function json_object(s)
  local v = C.decode(s)
  if type(v) ~= "table" or v[1] ~= nil then return nil end
  return v
end

-- Verifies an HS256 compact JWS.  Returns header, claims on success, or
-- nil and a short reason: "malformed token", "malformed token header",
-- "unsupported alg", "invalid signature", "malformed token payload".
-- The alg must be exactly "HS256" ("none" and everything else refused).
function M.verify_hs256(token, secret)
  if type(token) ~= "string" then return nil, "malformed token" end
  local h64, p64, s64 = token:match("^([^.]*)%.([^.]*)%.([^.]*)$")
  if not h64 or h64 == "" or p64 == "" then return nil, "malformed token" end
  local hjson = b64url_decode(h64)
  local header = hjson and json_object(hjson)
  if not header then return nil, "malformed token header" end
  if header.alg ~= "HS256" then return nil, "unsupported alg" end
  local sig = b64url_decode(s64)
  if not sig or #sig ~= SHA256_LEN then return nil, "invalid signature" end
  local expected = M.hmac_sha256(secret, h64 .. "." .. p64)
  if not M.equal(sig, expected) then return nil, "invalid signature" end
  local pjson = b64url_decode(p64)
  local claims = pjson and json_object(pjson)
  if not claims then return nil, "malformed token payload" end
  return header, claims
end

-- Signs claims (a table) as an HS256 JWT; for tests and tooling.
function M.sign_hs256(claims, secret)
  local h64 = b64.encode_base64url(C.encode(C.ordered({ "alg", "typ" }, { alg = "HS256", typ = "JWT" })))
  local p64 = b64.encode_base64url(C.encode(claims))
  local input = h64 .. "." .. p64
  return input .. "." .. b64.encode_base64url(M.hmac_sha256(secret, input))
end

return M
