-- sandbox.coggno.users: the doc's Users.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coggno/DECISIONS.md.

local C = require "sandbox.common"
local ST = require "sandbox.coggno.state"
local V = require "sandbox.coggno.views"

local pairs, ipairs = pairs, ipairs
local DOCUMENT_BRIEF_KEYS, LICENSE_DOC_KEYS = ST.DOCUMENT_BRIEF_KEYS, ST.LICENSE_DOC_KEYS
local add_user = ST.add_user
local account_users, blank, count_write = V.account_users, V.blank, V.count_write
local duplicate_check, find_group, find_user = V.duplicate_check, V.find_group, V.find_user
local invalid, license_values, list, member_of = V.invalid, V.license_values, V.list, V.member_of
local param, person_fields, user_brief, user_json = V.param, V.person_fields, V.user_brief, V.user_json
local user_not_found = V.user_not_found

-- Users

local function list_users(ctx)
  return list(account_users(ctx.S, ctx.account), user_json)
end

local function show_user(ctx, uref)
  local u = find_user(ctx.S, uref, member_of(ctx.account))
  if not u then return user_not_found(uref) end
  return C.reply(200, C.array { user_json(u) }) -- one-element array, as in the doc
end

local function create_user(ctx)
  local S, acct = ctx.S, ctx.account
  local f, replied = person_fields(ctx.body)
  if not f then return replied end
  local group
  local gid = param(ctx.body, "group_id")
  if gid == false then return invalid("group_id", "group_id is invalid") end
  if not blank(gid) then
    group = find_group(S, acct, gid:match("^%s*(.-)%s*$"))
    if not group then return invalid("group_id", "No group with id " .. gid) end
  end
  count_write(S, "users", (f.login or f.email):lower())
  local dup = duplicate_check(S, f)
  if dup then return dup end
  local u = add_user(S, f)
  acct.members[u.id] = true
  if group then group.members[u.id] = true end
  return C.reply(200, user_json(u))
end

local function delete_user(ctx, uref)
  local S, acct = ctx.S, ctx.account
  local u = find_user(S, uref, member_of(acct))
  if not u then return user_not_found(uref) end
  acct.members[u.id] = nil
  for _, g in pairs(S.groups) do
    if g.company_id == acct.id then g.members[u.id] = nil end
  end
  return C.reply(200, user_json(u))
end

local function user_licenses(ctx, uref)
  local S = ctx.S
  local u = find_user(S, uref, member_of(ctx.account))
  if not u then return user_not_found(uref) end
  local out = C.array()
  for _, l in ipairs(S.licenses) do
    if l.user_id == u.id then
      local d = S.documents[l.document_id]
      local v = license_values(l)
      v.document = C.ordered(DOCUMENT_BRIEF_KEYS, { id = d.id, title = d.title })
      out[#out + 1] = C.ordered(LICENSE_DOC_KEYS, v)
    end
  end
  return C.reply(200, C.ordered({ "user", "licenses" }, { user = user_brief(u), licenses = out }))
end

return {
  create_user = create_user,
  delete_user = delete_user,
  list_users = list_users,
  show_user = show_user,
  user_licenses = user_licenses,
}
