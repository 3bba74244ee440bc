--- Names of fields and CSV columns whose values are secrets: the one list
-- every part of the Lua layer asks (dry runs mask them, a bulk job never
-- keys, journals or reports them).  The C core masks credentials and the
-- query parameters it knows (api_key, token, password, ...) on its own.
--
-- A name is secret when, lower-cased, it is one of the names below, or
-- starts or ends with one of them joined by "_" or "-" (`new_password`,
-- `password_confirmation`, `x-api-key`, `refresh_token`).  "key" alone
-- counts only as the whole name or a suffix (`api_key`, `private_key`):
-- `key_id` is not a secret.
-- @module lmskit.secret_names
local secret_names = {}

--- The names, in one list.
secret_names.list = {
  "password", "passwd", "pwd", "passphrase", "secret", "token", "api_key", "apikey", "key",
  "jwt", "authorization", "credential", "credentials", "private_key",
}

local exact, affix = {}, {}
for _, name in ipairs(secret_names.list) do
  exact[name] = true
  if name ~= "key" then affix[#affix + 1] = name end
end

local cache = {}

--- True when a field or column of this name holds a secret.
function secret_names.is_secret(name)
  if type(name) ~= "string" then return false end
  local hit = cache[name]
  if hit ~= nil then return hit end
  local n = name:lower()
  hit = exact[n] or n:find("[_%-]key$") ~= nil
  for _, word in ipairs(affix) do
    if hit then break end
    hit = n:sub(-#word - 1) == "_" .. word or n:sub(-#word - 1) == "-" .. word
          or n:sub(1, #word + 1) == word .. "_" or n:sub(1, #word + 1) == word .. "-"
  end
  cache[name] = hit
  return hit
end

--- Copies a table (nested) with the values of secret fields replaced by
-- `mask` (default "[REDACTED]"); other values are kept as they are.
function secret_names.masked(value, mask)
  if type(value) ~= "table" then return value end
  local copy = {}
  for k, v in pairs(value) do
    if secret_names.is_secret(k) then copy[k] = mask or "[REDACTED]" else copy[k] = secret_names.masked(v, mask) end
  end
  return setmetatable(copy, getmetatable(value))
end

--- The values of a row's secret columns (strings of 3 bytes or more: a
-- shorter one would mask text without protecting anything).
function secret_names.values_of(row)
  local values = {}
  if type(row) ~= "table" then return values end
  for k, v in pairs(row) do
    if secret_names.is_secret(k) and (type(v) == "string" or type(v) == "number") then
      v = tostring(v)
      if #v >= 3 then values[#values + 1] = v end
    end
  end
  table.sort(values, function(a, b) return #a > #b end) -- longest first
  return values
end

--- text with every occurrence of each of values replaced by "[REDACTED]"
-- (plain text, not patterns); non-strings are returned as they are.
function secret_names.hide(text, values)
  if type(text) ~= "string" then return text end
  for _, v in ipairs(values) do
    local from = 1
    while true do
      local i, j = text:find(v, from, true)
      if not i then break end
      text = text:sub(1, i - 1) .. "[REDACTED]" .. text:sub(j + 1)
      from = i + #"[REDACTED]"
    end
  end
  return text
end

return secret_names
