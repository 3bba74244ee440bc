-- sandbox.cerego.echo: the echo endpoint (no auth).
-- Decisions where the doc is silent: sandbox/lua/sandbox/cerego/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.cerego.lib"

local ngx = ngx
local setmetatable = setmetatable

---------------------------------------------------------------------------
-- Echo (no auth)
---------------------------------------------------------------------------

local function echo(req)
  local body = C.body(req)
  if not body then return lib.bad_json() end
  local raw = C.raw_body(req)
  local ctype = (ngx.var.content_type or ""):lower()
  local is_form = ctype:find("application/x-www-form-urlencoded", 1, true)
    or (not ctype:find("json", 1, true) and raw and not raw:match("^%s*[%[{\"]"))
  if raw and not raw:match("^%s*$") and not is_form then
    -- valid JSON (C.body checked it): send it back as it came
    return C.reply_raw(200, raw)
  end
  return C.reply(200, setmetatable(body, lib.OBJECT_MT))
end

return {
  echo = echo,
}
