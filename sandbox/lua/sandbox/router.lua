-- sandbox.router: entry point for every request (content_by_lua).
--
--   /_sandbox/...      control API (no auth, JSON in/out)
--   /<vendor>/...      vendor simulator, prefix stripped (e.g. /catalog)
--   anything else      404 JSON
--
-- To add a vendor: write sandbox/<name>/init.lua (one file per section of
-- the vendor's doc beside it, and DECISIONS.md) exposing M.handle(req),
-- M.reset() and optionally M.control(req, rest_segments), then list it in
-- VENDOR_MODULES below.

local C = require "sandbox.common"

local ngx = ngx
local ipairs = ipairs

local M = {}

-- prefix -> module name; order is irrelevant (exact first-segment match)
local VENDOR_MODULES = {
  catalog = "sandbox.catalog",
  coursepath = "sandbox.coursepath",
  cerego = "sandbox.cerego",
  ["coggno-test"] = "sandbox.coggno", ["coggno-live"] = "sandbox.coggno",
  matrix = "sandbox.matrix",
}

local VENDORS = {}
for prefix, modname in pairs(VENDOR_MODULES) do
  VENDORS[prefix] = require(modname)
end

local function reset_all()
  C.reset()
  for _, v in pairs(VENDORS) do v.reset() end
end

local function slice(t, from)
  local out = {}
  for i = from, #t do out[#out + 1] = t[i] end
  return out
end

local function ok(extra)
  local keys, vals = { "ok" }, { ok = true }
  if extra then
    for _, kv in ipairs(extra) do
      keys[#keys + 1] = kv[1]
      vals[kv[1]] = kv[2]
    end
  end
  return C.reply(200, C.ordered(keys, vals))
end

-- A control's POST: the JSON body handed to add (C.add_fault,
-- C.set_latency); what add made, or nil and the reply sent (400 for a
-- body that is not JSON, 422 with add's errors).
local function posted(req, add)
  local body = C.body(req)
  if not body then return nil, C.invalid_json() end
  local made, errs = add(body)
  if not made then return nil, C.unprocessable(errs) end
  return made
end

local function control(req)
  local segs = req.segments
  local what = segs[2]
  local method = req.method
  if what == "ping" and #segs == 2 then
    if method ~= "GET" and method ~= "HEAD" then return C.method_not_allowed({ "GET" }) end
    return ok()
  elseif what == "reset" and #segs == 2 then
    if method ~= "POST" then return C.method_not_allowed({ "POST" }) end
    reset_all()
    return ok()
  elseif what == "faults" and #segs == 2 then
    if method == "POST" then
      local f, replied = posted(req, C.add_fault)
      if not f then return replied end
      return ok({ { "id", f.id } })
    elseif method == "DELETE" then
      C.clear_faults()
      return ok()
    elseif method == "GET" then
      return C.reply(200, C.ordered({ "faults", "applied" },
        { faults = C.list_faults(), applied = C.faults_applied() }))
    end
    return C.method_not_allowed({ "GET", "POST", "DELETE" })
  elseif what == "latency" and #segs == 2 then
    if method == "POST" then
      local l, replied = posted(req, C.set_latency)
      if not l then return replied end
      return ok()
    elseif method == "DELETE" then
      C.clear_latency()
      return ok()
    elseif method == "GET" then
      return C.reply(200, C.ordered({ "latency" }, { latency = C.get_latency() }))
    end
    return C.method_not_allowed({ "GET", "POST", "DELETE" })
  elseif what == "log" and #segs == 2 then
    if method == "GET" then
      return C.reply(200, C.ordered({ "requests" }, { requests = C.get_log() }))
    elseif method == "DELETE" then
      C.clear_log()
      return ok()
    end
    return C.method_not_allowed({ "GET", "DELETE" })
  elseif (what == "big" or what == "gzip_bomb") and #segs == 2 then
    return require("sandbox.hostile").control(req, what)
  elseif what and VENDORS[what] and VENDORS[what].control then
    return VENDORS[what].control(req, slice(segs, 3))
  end
  return C.not_found()
end

local function vendor(req, prefix, mod)
  req.vendor = prefix
  req.segs = slice(req.segments, 2)
  -- URL of the vendor's root as the client sees it, e.g.
  -- https://127.0.0.1:18443/catalog (used for Location headers)
  req.vendor_url = req.base_url .. "/" .. prefix
  local entry = C.log_request(req)
  C.apply_latency(req)
  local fault = C.take_fault(req)
  if fault then
    req.log_entry = entry
    if C.apply_fault(fault, req) then return end
  end
  return mod.handle(req)
end

local function dispatch(req)
  local first = req.segments[1]
  if first == "_sandbox" then return control(req) end
  local mod = first and VENDORS[first]
  if mod then return vendor(req, first, mod) end
  return C.not_found()
end

function M.handle()
  local req = C.request()
  local ok_, err = xpcall(function() return dispatch(req) end, debug.traceback)
  if not ok_ then
    ngx.log(ngx.ERR, "sandbox handler failed: ", err)
    if not ngx.headers_sent then
      C.reply(500, C.ordered({ "error", "detail" }, {
        error = "Internal sandbox error", detail = tostring(err),
      }))
    end
  end
end

return M
