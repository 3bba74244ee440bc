--- Names of fields and CSV columns whose values are secrets: what every
-- part of the Lua layer asks (dry runs mask them, a bulk job never keys,
-- journals or reports them).  The list and its rule live once, in the C
-- core (src/core/secret_names.c), which also redacts these names as query
-- parameters from every URL it shows; this module reads them.
--
-- A name is secret when, lower-cased, it is one of the names in the list,
-- or starts or ends with one of them joined by "_" or "-" (`new_password`,
-- `password_confirmation`, `x-api-key`, `refresh_token`).  "key" alone
-- counts only as the whole name or a suffix (`api_key`, `private_key`):
-- `key_id` is not a secret.
-- @module lmskit.secret_names
local core = require "lmskit.core"

local secret_names = {}

--- The names, in one list (the core's: core.secret_names).
secret_names.list = core.secret_names

local is_secret_name = core.is_secret_name
local cache = {}

--- True when a field or column of this name holds a secret (the core's
-- rule: core.is_secret_name).
function secret_names.is_secret(name)
  if type(name) ~= "string" then return false end
  local hit = cache[name]
  if hit == nil then
    hit = is_secret_name(name)
    cache[name] = hit
  end
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
