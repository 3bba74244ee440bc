-- sandbox.common.request: the request object (raw path segments, args, JSON bodies).

local J = require "sandbox.common.json"

local ngx = ngx
local type = type
local C = J.C

---------------------------------------------------------------------------
-- Request
---------------------------------------------------------------------------

-- Builds the request object from the RAW request line: the path is split
-- on "/" before percent-decoding, so "..%2Fcatalogs" stays one segment.
function C.request()
  local uri = ngx.var.request_uri or "/"
  local raw_path, raw_query = uri, nil
  local q = uri:find("?", 1, true)
  if q then
    raw_path, raw_query = uri:sub(1, q - 1), uri:sub(q + 1)
  end
  local segments = {}
  local parts = {}
  for seg in (raw_path .. "/"):gmatch("([^/]*)/") do parts[#parts + 1] = seg end
  -- parts[1] is the empty string before the leading "/"
  for i = 2, #parts do segments[#segments + 1] = parts[i] end
  if #segments > 0 and segments[#segments] == "" then
    segments[#segments] = nil -- tolerate one trailing slash
  end
  for i = 1, #segments do segments[i] = ngx.unescape_uri(segments[i]) end

  local flat = ngx.req.get_uri_args(0)
  local host = ngx.var.http_host
  if not host or host == "" then
    host = ngx.var.server_addr .. ":" .. ngx.var.server_port
  end
  local method = ngx.req.get_method()
  return {
    method = method,
    uri = uri,
    raw_path = raw_path,
    raw_query = raw_query,
    segments = segments,
    args = C.nest(flat),
    scheme = ngx.var.scheme,
    host = host,
    base_url = ngx.var.scheme .. "://" .. host,
  }
end

-- Raw request body as a string (nil when there is none).
function C.raw_body(req)
  if req and req._raw_body_read then return req._raw_body end
  ngx.req.read_body()
  local data = ngx.req.get_body_data()
  if not data then
    local file = ngx.req.get_body_file()
    if file then
      local f = io.open(file, "rb")
      if f then data = f:read("*a") f:close() end
    end
  end
  if req then req._raw_body_read, req._raw_body = true, data end
  return data
end

-- Parsed body: JSON (object expected) or form-encoded, nested the Rails way.
-- Returns table, or nil + "invalid_json".  An empty body yields {}.
-- (Callers should check for invalid JSON before anything else.)
function C.body(req)
  if req and req._body then return req._body end
  local raw = C.raw_body(req)
  local result
  if raw == nil or raw:match("^%s*$") then
    result = {}
  else
    -- The Content-Type decides; without one (or with an unknown one) the
    -- body is sniffed: JSON if it starts like JSON, else form-encoded.
    local ctype = (ngx.var.content_type or ""):lower()
    local as_json
    if ctype:find("json", 1, true) then
      as_json = true
    elseif ctype:find("application/x-www-form-urlencoded", 1, true) then
      as_json = false
    else
      as_json = raw:match("^%s*[%[{\"]") ~= nil
    end
    if as_json then
      local v = C.decode(raw)
      if v == nil then return nil, "invalid_json" end
      -- valid JSON that is not an object: no params at all
      if type(v) ~= "table" or v[1] ~= nil then v = {} end
      result = v
    else
      result = C.nest(ngx.decode_args(raw, 0))
    end
  end
  if req then req._body = result end
  return result
end

-- The parsed body (C.body), or nil once a body that does not decode is
-- answered by bad() (default: C.invalid_json, 400 "Invalid JSON").
function C.body_or_reply(req, bad)
  local body = C.body(req)
  if not body then (bad or C.invalid_json)() end
  return body
end

return true
