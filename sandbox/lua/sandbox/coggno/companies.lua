-- sandbox.coggno.companies: the doc's Companies (always on the key's own
-- account).  Handlers are fn(ctx, ...) with ctx = { req, S, account, key }.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coggno/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.coggno.lib"


---------------------------------------------------------------------------
-- Handlers: fn(ctx, ...) with ctx = { req, S, account, key }
---------------------------------------------------------------------------

-- Companies (always on the key's own account)

local function list_companies(ctx)
  local S = ctx.S
  local items = C.in_id_order(S.companies, S.next_company, function(c) return c.connected end)
  return lib.list(items, function(c) return lib.company_json(S, c) end)
end

local function create_company(ctx)
  local S = ctx.S
  local f, replied = lib.person_fields(ctx.body)
  if not f then return replied end
  local name = lib.param(ctx.body, "name")
  if name == false then return lib.invalid("name", "name is invalid") end
  if lib.blank(name) then name = nil end
  lib.count_write(S, "companies", (f.login or f.email):lower())
  local dup = lib.duplicate_check(S, f)
  if dup then return dup end
  local owner = lib.add_user(S, f)
  local c = lib.add_company(S, owner, name, true)
  return C.reply(200, lib.company_json(S, c))
end

return {
  create_company = create_company,
  list_companies = list_companies,
}
