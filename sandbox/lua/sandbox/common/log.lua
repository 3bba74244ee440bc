-- sandbox.common.log: the request log.

local J = require "sandbox.common.json"

local ngx = ngx
local type, pairs, ipairs, tonumber = type, pairs, ipairs, tonumber
local C = J.C

---------------------------------------------------------------------------
-- Request log
---------------------------------------------------------------------------

C.LOG_CAP = 5000
local request_log = {}

local LOG_KEYS = {
  "method", "uri", "path", "query", "headers", "body", "http_version",
  "scheme", "server_port", "time", "fault",
}

-- Records a vendor request; returns the entry (fault is filled in later).
function C.log_request(req)
  local headers = ngx.req.get_headers(0)
  local h = {}
  for k, v in pairs(headers) do
    local name = k:lower()
    if type(v) == "table" then
      local arr = C.array()
      for i, x in ipairs(v) do arr[i] = x end
      v = arr
    end
    h[name] = v
  end
  local entry = C.ordered(LOG_KEYS, {
    method = req.method,
    uri = req.uri,
    path = req.raw_path,
    query = req.raw_query,
    headers = h,
    body = C.raw_body(req),
    http_version = ngx.req.http_version(),
    scheme = req.scheme,
    server_port = tonumber(ngx.var.server_port),
    time = ngx.now(),
  })
  request_log[#request_log + 1] = entry
  while #request_log > C.LOG_CAP do table.remove(request_log, 1) end
  return entry
end

function C.get_log()
  local out = C.array()
  for i, e in ipairs(request_log) do out[i] = e end
  return out
end

function C.clear_log()
  request_log = {}
end

-- True when this request did not open its connection: a keep-alive
-- connection's second or later request, or an HTTP/2 stream.
function C.connection_reused()
  return (tonumber(ngx.var.connection_requests) or 1) > 1 or (ngx.var.http2 or "") ~= ""
end

return true
