-- sandbox.coggno.companies: the doc's Companies (always on the key's own
-- account).  Handlers are fn(ctx, ...) with ctx = { req, S, account, key }.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coggno/DECISIONS.md.

local C = require "sandbox.common"
local ST = require "sandbox.coggno.state"
local V = require "sandbox.coggno.views"

local add_company, add_user = ST.add_company, ST.add_user
local blank, company_json, count_write = V.blank, V.company_json, V.count_write
local duplicate_check, invalid, list, param = V.duplicate_check, V.invalid, V.list, V.param
local person_fields = V.person_fields

---------------------------------------------------------------------------
-- Handlers: fn(ctx, ...) with ctx = { req, S, account, key }
---------------------------------------------------------------------------

-- Companies (always on the key's own account)

local function list_companies(ctx)
  local S = ctx.S
  local items = C.in_id_order(S.companies, S.next_company, function(c) return c.connected end)
  return list(items, function(c) return company_json(S, c) end)
end

local function create_company(ctx)
  local S = ctx.S
  local f, replied = person_fields(ctx.body)
  if not f then return replied end
  local name = param(ctx.body, "name")
  if name == false then return invalid("name", "name is invalid") end
  if blank(name) then name = nil end
  count_write(S, "companies", (f.login or f.email):lower())
  local dup = duplicate_check(S, f)
  if dup then return dup end
  local owner = add_user(S, f)
  local c = add_company(S, owner, name, true)
  return C.reply(200, company_json(S, c))
end

return {
  create_company = create_company,
  list_companies = list_companies,
}
