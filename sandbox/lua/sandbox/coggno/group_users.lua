-- sandbox.coggno.group_users: the doc's group users.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coggno/DECISIONS.md.

local C = require "sandbox.common"
local V = require "sandbox.coggno.views"

local pairs = pairs
local blank, count_write, fail, find_group = V.blank, V.count_write, V.fail, V.find_group
local find_user, group_not_found, invalid, list = V.find_user, V.group_not_found, V.invalid, V.list
local param, user_json, user_not_found = V.param, V.user_json, V.user_not_found

-- Group users

local function group_or_404(ctx, gref)
  local g = find_group(ctx.S, ctx.account, gref)
  if not g then return nil, group_not_found(gref) end
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
  if #users == 1 then return C.reply(200, user_json(users[1])) end
  return list(users, user_json)
end

local function show_group_user(ctx, gref, uref)
  local g, replied = group_or_404(ctx, gref)
  if not g then return replied end
  local u = find_user(ctx.S, uref, in_group(ctx, g))
  if not u then return user_not_found(uref) end
  return C.reply(200, C.array { user_json(u) }) -- one-element array, as in the doc
end

local function add_group_user(ctx, gref)
  local g, replied = group_or_404(ctx, gref)
  if not g then return replied end
  local S, acct = ctx.S, ctx.account
  local ref = param(ctx.body, "id")
  local pname = "id"
  if ref == nil then ref, pname = param(ctx.body, "ID"), "ID" end
  if ref == false then return invalid(pname, pname .. " is invalid") end
  if blank(ref) then return fail(422, "parameter_missing", "id is required", "id") end
  ref = ref:match("^%s*(.-)%s*$")
  -- a member of the acting account or of any account this key reaches
  local u = find_user(S, ref, function(x)
    for _, c in pairs(S.companies) do
      if c.members[x.id] then return true end
    end
    return false
  end)
  if not u then return user_not_found(ref) end
  count_write(S, "group_users", u.login:lower(), g.id)
  acct.members[u.id] = true
  g.members[u.id] = true
  return C.reply(200, user_json(u))
end

local function remove_group_user(ctx, gref, uref)
  local g, replied = group_or_404(ctx, gref)
  if not g then return replied end
  local u = find_user(ctx.S, uref, in_group(ctx, g))
  if not u then return user_not_found(uref) end
  g.members[u.id] = nil
  return C.reply(200, user_json(u))
end

return {
  add_group_user = add_group_user,
  list_group_users = list_group_users,
  remove_group_user = remove_group_user,
  show_group_user = show_group_user,
}
