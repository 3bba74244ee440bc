--- A row's identity in a bulk job: the key the journal and the results
-- name it by, from the job's `key` option, and the key earlier versions
-- gave it.
-- @module lmskit.bulk.key
local secret_names = require "lmskit.secret_names"
local usage = require("lmskit.usage").raise

local key = {}

-- Every column of a row as "name=value" parts joined, sorted by name,
-- leaving out the columns `skip` says no to.
local function all_columns(row, skip)
  local names = {}
  for k in pairs(row) do
    if type(k) == "string" and not (skip and skip(k)) then names[#names + 1] = k end
  end
  table.sort(names)
  local parts = {}
  for i, k in ipairs(names) do parts[i] = k .. "=" .. tostring(row[k]) end
  return table.concat(parts, "\31")
end

--- The key earlier versions gave a row when the job named none (every
-- column, secrets included): looked up in a journal written by them, so
-- a rerun after an upgrade still skips what they did (an invitation is
-- never sent twice).  Never written anywhere.
function key.legacy(row)
  return all_columns(row)
end

--- A function computing a row's identity from the `key` option: a column
-- name, several, or a function.  Default: every column but the secret
-- ones (lmskit.secret_names), sorted by name.  A key naming a secret
-- column is refused: the key goes to the journal and the results.
function key.of_option(option)
  if type(option) == "function" then return option end
  if type(option) == "string" then option = { option } end
  if type(option) == "table" then
    for _, column in ipairs(option) do
      if secret_names.is_secret(column) then
        usage(("bulk: key column '%s' holds a secret; it would be written to the journal and the results")
          :format(tostring(column)))
      end
    end
    return function(row)
      local parts = {}
      for i, column in ipairs(option) do
        local v = row[column]
        if v == nil or v == "" then return nil, "column '" .. column .. "' is empty" end
        parts[i] = tostring(v)
      end
      return table.concat(parts, "\31")
    end
  end
  if option ~= nil then usage("bulk: key must be a column name, a list of them or a function") end
  return function(row) return all_columns(row, secret_names.is_secret) end
end

return key
