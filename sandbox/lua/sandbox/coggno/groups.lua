-- sandbox.coggno.groups: the doc's Groups.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coggno/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.coggno.lib"


-- Groups

local function list_groups(ctx)
  local S, acct = ctx.S, ctx.account
  return lib.list(C.in_id_order(S.groups, S.next_group, function(g) return g.company_id == acct.id end),
    lib.group_json)
end

local function create_group(ctx)
  local name = lib.param(ctx.body, "name")
  if name == false then return lib.invalid("name", "name is invalid") end
  if lib.blank(name) then return lib.fail(422, "parameter_missing", "name is required", "name") end
  local description = lib.param(ctx.body, "description")
  if description == false then return lib.invalid("description", "description is invalid") end
  lib.count_write(ctx.S, "groups", name)
  local g = lib.add_group(ctx.S, ctx.account, name, description)
  return C.reply(200, lib.group_json(g))
end

local function show_group(ctx, gref)
  local g = lib.find_group(ctx.S, ctx.account, gref)
  if not g then return lib.group_not_found(gref) end
  return C.reply(200, lib.group_json(g))
end

local function remove_group(ctx, g)
  ctx.S.groups[g.id] = nil
  return C.reply(200, C.ordered(lib.GROUP_DELETED_KEYS, { id = g.id, name = g.name }))
end

local function delete_group(ctx, gref)
  local g = lib.find_group(ctx.S, ctx.account, gref)
  if not g then return lib.group_not_found(gref) end
  return remove_group(ctx, g)
end

-- DELETE /groups -d name=... (the doc's example form)
local function delete_group_by_name(ctx)
  local name = lib.param(ctx.body, "name")
  if name == nil then name = lib.param(ctx.req.args, "name") end
  if name == false then return lib.invalid("name", "name is invalid") end
  if lib.blank(name) then return lib.fail(422, "parameter_missing", "name is required", "name") end
  local S, acct = ctx.S, ctx.account
  local found = C.in_id_order(S.groups, S.next_group, function(g)
    return g.company_id == acct.id and g.name == name
  end)
  if #found == 0 then return lib.not_found("No such group: " .. name) end
  return remove_group(ctx, found[1])
end

return {
  create_group = create_group,
  delete_group = delete_group,
  delete_group_by_name = delete_group_by_name,
  list_groups = list_groups,
  show_group = show_group,
}
