-- sandbox.common.args: nested query and form arguments.

local J = require "sandbox.common.json"

local ngx = ngx
local type, pairs, ipairs = type, pairs, ipairs
local sort = table.sort
local C = J.C

---------------------------------------------------------------------------
-- Args: query strings and form bodies, nested the Rack way
---------------------------------------------------------------------------

local function unescape(s)
  return ngx.unescape_uri((s:gsub("%+", " ")))
end
C.unescape = unescape

local function split_key(k)
  local base, rest = k:match("^([^%[]+)(.*)$")
  if not base then return { k } end
  local parts = { base }
  while rest ~= "" do
    local inner, after = rest:match("^%[([^%]]*)%](.*)$")
    if not inner then
      parts[#parts] = parts[#parts] .. rest
      break
    end
    parts[#parts + 1] = inner
    rest = after
  end
  return parts
end

local function add_nested(root, key, value)
  if value == true then value = "" end -- "?flag" without "="
  local parts = split_key(key)
  local node = root
  for i = 1, #parts - 1 do
    local p = parts[i]
    local nxt = parts[i + 1]
    if p == "" then
      -- "a[][b]=": arrays of hashes are not needed by any vendor; append.
      local t = {}
      node[#node + 1] = t
      node = t
    else
      if type(node[p]) ~= "table" then
        node[p] = (nxt == "") and C.array() or {}
      end
      node = node[p]
    end
  end
  local last = parts[#parts]
  if last == "" then
    if type(value) == "table" then
      for _, v in ipairs(value) do node[#node + 1] = (v == true) and "" or v end
    else
      node[#node + 1] = value
    end
  elseif type(value) == "table" then
    -- a plain key repeated ("x=1&x=2"): keep all values, in order
    local arr = C.array()
    for _, v in ipairs(value) do arr[#arr + 1] = (v == true) and "" or v end
    node[last] = arr
  else
    node[last] = value
  end
end

-- flat: { key = value | {values...} } as returned by ngx.req.get_uri_args.
function C.nest(flat)
  local root = {}
  local keys = {}
  for k in pairs(flat) do keys[#keys + 1] = k end
  sort(keys)
  for _, k in ipairs(keys) do add_nested(root, k, flat[k]) end
  return root
end

return {
  unescape = unescape,
}
