-- sandbox.coggno.group_users: the doc's group users.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coggno/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.coggno.lib"

local pairs = pairs

-- Group users

local function group_or_404(ctx, gref)
  local g = lib.find_group(ctx.S, ctx.account, gref)
  if not g then return nil, lib.group_not_found(gref) end
  return g
end

local function in_group(ctx, g)
  local acct = ctx.account
  return function(u) return g.members[u.id] == true and acct.members[u.id] == true end
end

local function list_group_users(ctx, gref)
  local g, replied = group_or_404(ctx, gref)
  if not g then return replied end
  local S = ctx.S
  local users = C.in_id_order(S.users, S.next_user, in_group(ctx, g))
  -- one user: a bare object, as the doc's example shows (see the header)
  if #users == 1 then return C.reply(200, lib.user_json(users[1])) end
  return lib.list(users, lib.user_json)
end

-- The group gref and its member uref; nil and the reply sent (404) when
-- either is not found.
local function group_member(ctx, gref, uref)
  local g, replied = group_or_404(ctx, gref)
  if not g then return nil, replied end
  local u = lib.find_user(ctx.S, uref, in_group(ctx, g))
  if not u then return nil, lib.user_not_found(uref) end
  return g, u
end

local function show_group_user(ctx, gref, uref)
  local g, u = group_member(ctx, gref, uref)
  if not g then return u end
  return C.reply(200, C.array { lib.user_json(u) }) -- one-element array, as in the doc
end

local function add_group_user(ctx, gref)
  local g, replied = group_or_404(ctx, gref)
  if not g then return replied end
  local S, acct = ctx.S, ctx.account
  local ref = lib.param(ctx.body, "id")
  local pname = "id"
  if ref == nil then ref, pname = lib.param(ctx.body, "ID"), "ID" end
  if ref == false then return lib.invalid(pname, pname .. " is invalid") end
  if lib.blank(ref) then return lib.fail(422, "parameter_missing", "id is required", "id") end
  ref = ref:match("^%s*(.-)%s*$")
  -- a member of the acting account or of any account this key reaches
  local u = lib.find_user(S, ref, function(x)
    for _, c in pairs(S.companies) do
      if c.members[x.id] then return true end
    end
    return false
  end)
  if not u then return lib.user_not_found(ref) end
  lib.count_write(S, "group_users", u.login:lower(), g.id)
  acct.members[u.id] = true
  g.members[u.id] = true
  return C.reply(200, lib.user_json(u))
end

local function remove_group_user(ctx, gref, uref)
  local g, u = group_member(ctx, gref, uref)
  if not g then return u end
  g.members[u.id] = nil
  return C.reply(200, lib.user_json(u))
end

return {
  add_group_user = add_group_user,
  list_group_users = list_group_users,
  remove_group_user = remove_group_user,
  show_group_user = show_group_user,
}
