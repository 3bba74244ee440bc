--- Spec support for paging: walk a list, compare the ids it yielded with
-- the ones expected, and read the sandbox's request log.  Messages stay
-- short (a count, the first difference, a few missing or repeated ids)
-- whatever the size of the list.
local sandbox = require "sandbox"

local walk = {}

--- Ids of the items an iterator yields, stopping after `cap` (a list that
-- never ends fails the spec instead of hanging it).
function walk.ids(iter, cap)
  local ids = {}
  cap = cap or 100000
  for item in iter do
    ids[#ids + 1] = item.id
    if #ids >= cap then break end
  end
  return ids
end

--- first..last as an array.
function walk.range(first, last)
  local out = {}
  for i = first, last do out[#out + 1] = i end
  return out
end

-- Up to 10 elements of a list, joined.
local function some(list)
  local out = {}
  for i = 1, math.min(#list, 10) do out[i] = tostring(list[i]) end
  return table.concat(out, ",") .. (#list > 10 and ",..." or "")
end

--- nil when `got` is exactly `expected` (same ids, same order);
-- otherwise what differs: counts, the first difference, missing and
-- repeated ids.
function walk.diff(expected, got)
  local n = math.max(#expected, #got)
  local first
  for i = 1, n do
    if expected[i] ~= got[i] then first = i; break end
  end
  if not first then return nil end
  local seen, wanted, missing, repeated = {}, {}, {}, {}
  for _, id in ipairs(expected) do wanted[id] = true end
  for _, id in ipairs(got) do
    if seen[id] then repeated[#repeated + 1] = id end
    seen[id] = true
  end
  for _, id in ipairs(expected) do
    if not seen[id] then missing[#missing + 1] = id end
  end
  local extra = {}
  for id in pairs(seen) do
    if not wanted[id] then extra[#extra + 1] = id end
  end
  return ("got %d of %d items; first difference at #%d (expected %s, got %s); missing %d [%s]; "
          .. "repeated %d [%s]; unexpected %d [%s]"):format(
    #got, #expected, first, tostring(expected[first]), tostring(got[first]), #missing, some(missing),
    #repeated, some(repeated), #extra, some(extra))
end

--- The `key` query argument of every logged request to `path` (a number,
-- or `default` when the request has none), in log order.
function walk.logged(path, key, default)
  local out = {}
  for _, r in ipairs(sandbox.requests()) do
    if r.path == path then
      out[#out + 1] = tonumber(r.uri:match("[?&]" .. key:gsub("%p", "%%%0") .. "=(%d+)")) or default
    end
  end
  return out
end

return walk
