-- sandbox.common.replies: replies and errors.

local J = require "sandbox.common.json"

local ngx = ngx
local pairs, ipairs = pairs, ipairs
local concat = table.concat
local C = J.C

---------------------------------------------------------------------------
-- Replies
---------------------------------------------------------------------------

local JSON_TYPE = "application/json; charset=utf-8"

local function set_headers(headers)
  if not headers then return end
  for k, v in pairs(headers) do ngx.header[k] = v end
end

-- The Content-Type of a JSON reply: the one headers give (the echo
-- fault's content_type), else JSON's.
local function json_type(headers)
  return headers and headers["Content-Type"] or JSON_TYPE
end

-- Sends a JSON reply; body nil sends no body at all (204 and friends).
function C.reply(status, body, headers)
  if ngx.ctx.drop_after then return ngx.exit(444) end -- handled, but the answer is lost
  ngx.status = status
  set_headers(headers)
  if body == nil then
    ngx.header["Content-Type"] = nil
    ngx.header["Content-Length"] = nil
    ngx.send_headers()
    return ngx.eof()
  end
  local s = C.encode(body)
  ngx.header["Content-Type"] = json_type(headers)
  ngx.header["Content-Length"] = #s
  ngx.print(s)
  return ngx.eof()
end

-- Sends an arbitrary (already encoded) body with a JSON content type.
function C.reply_raw(status, s, headers)
  if ngx.ctx.drop_after then return ngx.exit(444) end
  ngx.status = status
  set_headers(headers)
  ngx.header["Content-Type"] = json_type(headers)
  ngx.header["Content-Length"] = #s
  ngx.print(s)
  return ngx.eof()
end

function C.no_content(headers)
  return C.reply(204, nil, headers)
end

-- {"error": msg}
function C.error(status, msg, headers)
  return C.reply(status, C.ordered({ "error" }, { error = msg }), headers)
end

function C.not_found()
  return C.error(404, "Not found")
end

-- The methods of `order` that `handlers` (method -> fn) has, in that
-- order: a route's Allow header.
function C.allowed(handlers, order)
  local out = {}
  for _, m in ipairs(order) do
    if handlers[m] then out[#out + 1] = m end
  end
  return out
end

function C.method_not_allowed(allowed)
  local h
  if allowed and #allowed > 0 then h = { Allow = concat(allowed, ", ") } end
  return C.error(405, "Method not allowed", h)
end

function C.invalid_json()
  return C.error(400, "Invalid JSON")
end

-- Rails-style validation errors: keeps field order of first insertion.
function C.new_errors()
  local keys, map = {}, {}
  local e = {}
  function e.add(field, msg)
    if not map[field] then
      keys[#keys + 1] = field
      map[field] = C.array()
    end
    local list = map[field]
    for _, m in ipairs(list) do if m == msg then return end end
    list[#list + 1] = msg
  end
  function e.any() return #keys > 0 end
  function e.body()
    return C.ordered({ "errors" }, { errors = C.ordered(keys, map) })
  end
  return e
end

function C.unprocessable(errs)
  return C.reply(422, errs.body())
end

return {
  set_headers = set_headers,
}
