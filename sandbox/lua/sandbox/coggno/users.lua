-- sandbox.coggno.users: the doc's Users.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coggno/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.coggno.lib"

local pairs, ipairs = pairs, ipairs

-- Users

local function list_users(ctx)
  return lib.list(lib.account_users(ctx.S, ctx.account), lib.user_json)
end

local function show_user(ctx, uref)
  local u = lib.find_user(ctx.S, uref, lib.member_of(ctx.account))
  if not u then return lib.user_not_found(uref) end
  return C.reply(200, C.array { lib.user_json(u) }) -- one-element array, as in the doc
end

local function create_user(ctx)
  local S, acct = ctx.S, ctx.account
  local f, replied = lib.person_fields(ctx.body)
  if not f then return replied end
  local group
  local gid = lib.param(ctx.body, "group_id")
  if gid == false then return lib.invalid("group_id", "group_id is invalid") end
  if not lib.blank(gid) then
    group = lib.find_group(S, acct, gid:match("^%s*(.-)%s*$"))
    if not group then return lib.invalid("group_id", "No group with id " .. gid) end
  end
  lib.count_write(S, "users", (f.login or f.email):lower())
  local dup = lib.duplicate_check(S, f)
  if dup then return dup end
  local u = lib.add_user(S, f)
  acct.members[u.id] = true
  if group then group.members[u.id] = true end
  return C.reply(200, lib.user_json(u))
end

local function delete_user(ctx, uref)
  local S, acct = ctx.S, ctx.account
  local u = lib.find_user(S, uref, lib.member_of(acct))
  if not u then return lib.user_not_found(uref) end
  acct.members[u.id] = nil
  for _, g in pairs(S.groups) do
    if g.company_id == acct.id then g.members[u.id] = nil end
  end
  return C.reply(200, lib.user_json(u))
end

local function user_licenses(ctx, uref)
  local S = ctx.S
  local u = lib.find_user(S, uref, lib.member_of(ctx.account))
  if not u then return lib.user_not_found(uref) end
  local out = C.array()
  for _, l in ipairs(S.licenses) do
    if l.user_id == u.id then
      local d = S.documents[l.document_id]
      local v = lib.license_values(l)
      v.document = C.ordered(lib.DOCUMENT_BRIEF_KEYS, { id = d.id, title = d.title })
      out[#out + 1] = C.ordered(lib.LICENSE_DOC_KEYS, v)
    end
  end
  return C.reply(200, C.ordered({ "user", "licenses" }, { user = lib.user_brief(u), licenses = out }))
end

return {
  create_user = create_user,
  delete_user = delete_user,
  list_users = list_users,
  show_user = show_user,
  user_licenses = user_licenses,
}
