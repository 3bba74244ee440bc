-- sandbox.coggno: stateful simulator of the Coggno REST API v1: routing and the control API.
-- (vendor doc: shared/vendor-docs/coggno-v1.txt; one file per doc section in this
-- folder; decisions: DECISIONS.md).  Mounted by the router under /coggno-test and
-- /coggno-live.

local C = require "sandbox.common"
local lib = require "sandbox.coggno.lib"
local Companies = require "sandbox.coggno.companies"
local Groups = require "sandbox.coggno.groups"
local Users = require "sandbox.coggno.users"
local GroupUsers = require "sandbox.coggno.group_users"
local Documents = require "sandbox.coggno.documents"

local ngx = ngx
local type, ipairs = type, ipairs
local create_company, list_companies = Companies.create_company, Companies.list_companies
local create_group, delete_group = Groups.create_group, Groups.delete_group
local delete_group_by_name, list_groups = Groups.delete_group_by_name, Groups.list_groups
local show_group = Groups.show_group
local create_user, delete_user, list_users = Users.create_user, Users.delete_user, Users.list_users
local show_user, user_licenses = Users.show_user, Users.user_licenses
local add_group_user, list_group_users = GroupUsers.add_group_user, GroupUsers.list_group_users
local remove_group_user, show_group_user = GroupUsers.remove_group_user, GroupUsers.show_group_user
local document_licenses, list_documents = Documents.document_licenses, Documents.list_documents

---------------------------------------------------------------------------
-- Routing
---------------------------------------------------------------------------

-- Path patterns below /api/v1; "*" matches one segment (passed to the
-- handler).  companies ignore Coggno-LMS (own_account).
local ROUTES = {
  { { "companies" }, { GET = list_companies, POST = create_company }, own_account = true },
  { { "groups" }, { GET = list_groups, POST = create_group, DELETE = delete_group_by_name } },
  { { "groups", "*" }, { GET = show_group, DELETE = delete_group } },
  { { "groups", "*", "users" }, { GET = list_group_users, POST = add_group_user } },
  { { "groups", "*", "users", "*" }, { GET = show_group_user, DELETE = remove_group_user } },
  { { "users" }, { GET = list_users, POST = create_user } },
  { { "users", "*" }, { GET = show_user, DELETE = delete_user } },
  { { "users", "*", "licenses" }, { GET = user_licenses } },
  { { "documents" }, { GET = list_documents } },
  { { "documents", "*", "licenses" }, { GET = document_licenses } },
}

local METHOD_ORDER = { "GET", "POST", "DELETE" }

local function match_route(rest)
  for _, r in ipairs(ROUTES) do
    local pat = r[1]
    if #pat == #rest then
      local captures, ok = {}, true
      for i, p in ipairs(pat) do
        if p == "*" then
          captures[#captures + 1] = rest[i]
        elseif p ~= rest[i] then
          ok = false
          break
        end
      end
      if ok then return r, captures end
    end
  end
  return nil
end

local function unauthorized(message)
  return lib.fail(401, "invalid_api_key", message or "No valid API key provided", nil,
    { ["WWW-Authenticate"] = 'Basic realm="Coggno API"' })
end

-- Returns the key's record, or nil + a hint for the 401 message.
local function authenticate(mode)
  local h = ngx.req.get_headers()["authorization"]
  if type(h) ~= "string" then return nil end
  local b64 = h:match("^%s*[Bb][Aa][Ss][Ii][Cc]%s+(%S+)%s*$")
  if not b64 then return nil end
  local creds = ngx.decode_base64(b64)
  if not creds then return nil end
  local user, pass = creds:match("^([^:]*):(.*)$")
  if not user or pass ~= "" then return nil end
  local k = lib.M.KEYS[user]
  if not k then return nil end
  if k.mode ~= mode then
    return nil, "No valid API key provided (a " .. k.mode .. " mode key cannot be used on the "
      .. mode .. " endpoint)"
  end
  return k
end

-- The account the request acts on (Coggno-LMS), or nil after replying 403.
local function acting_account(S)
  local h = ngx.req.get_headers()["coggno-lms"]
  if h == nil then return S.own end
  local bad = "The API key does not have access to LMS account "
  if type(h) ~= "string" then
    return nil, lib.fail(403, "account_invalid", bad .. "(repeated Coggno-LMS header)")
  end
  local v = h:match("^%s*(.-)%s*$")
  if v == "" then return S.own end
  local c = S.companies[lib.small_int(v) or -1]
  if not c or (c ~= S.own and not c.connected) then
    return nil, lib.fail(403, "account_invalid", bad .. v .. " (or that account does not exist)")
  end
  return c
end

-- req.vendor: "coggno-test" or "coggno-live"; req.segs: decoded segments
-- below the prefix.
function lib.M.handle(req)
  local mode = lib.PREFIX_MODE[req.vendor]
  if not mode then return lib.not_found() end
  if req.scheme ~= "https" then
    return lib.fail(400, "https_required", "All API requests must be made over HTTPS")
  end
  local segs = req.segs
  local root = lib.ROOT_SEGS[mode]
  local n = #root
  for i = 1, n do
    if segs[i] ~= root[i] then return lib.not_found("Unrecognized request URL") end
  end
  if segs[n + 1] ~= "api" or segs[n + 2] ~= "v1" then return lib.not_found("Unrecognized request URL") end
  local rest = {}
  for i = n + 3, #segs do rest[#rest + 1] = segs[i] end
  local route, captures = match_route(rest)
  if not route then return lib.not_found("Unrecognized request URL") end

  local method = req.method
  if method == "HEAD" then method = "GET" end
  local fn = route[2][method]
  if not fn then
    return lib.fail(405, "method_not_allowed", "Method " .. req.method .. " not allowed", nil,
      { Allow = table.concat(C.allowed(route[2], METHOD_ORDER), ", ") })
  end

  local key, hint = authenticate(mode)
  if not key then return unauthorized(hint) end
  if method ~= "GET" and not key.write then
    return lib.fail(403, "permission_denied", "The API key doesn't have permissions to perform the request.")
  end

  local S = lib.STATES[mode]
  local account, replied = acting_account(S)
  if not account then return replied end
  if route.own_account then account = S.own end

  local body = {}
  if method ~= "GET" then
    body = C.body(req)
    if not body then return lib.fail(400, "invalid_json", "Invalid JSON") end
  end
  local ctx = { req = req, S = S, account = account, key = key, body = body }
  return fn(ctx, captures[1], captures[2])
end

---------------------------------------------------------------------------
-- Control API: /_sandbox/coggno-test/... and /_sandbox/coggno-live/...
---------------------------------------------------------------------------

lib.M.MAX_SEED = 100000

function lib.M.control(req, rest)
  if rest[1] == "writes" and #rest == 1 then
    if req.method ~= "GET" then return C.method_not_allowed({ "GET" }) end
    return C.reply(200, lib.STATES[lib.PREFIX_MODE[req.segments[2]]].writes)
  end
  if rest[1] == "seed" and #rest == 1 then
    if req.method ~= "POST" then return C.method_not_allowed({ "POST" }) end
    -- the control API speaks JSON: a body that looks like JSON is parsed
    -- as JSON whatever its Content-Type (curl -d sends a form type)
    local raw = C.raw_body(req)
    local body
    if raw and raw:match("^%s*{") then body = C.decode(raw) else body = C.body(req) end
    if type(body) ~= "table" then return C.invalid_json() end
    local mode = lib.PREFIX_MODE[req.segments[2]]
    if not C.is_null(body.mode) then
      if body.mode ~= "test" and body.mode ~= "live" then
        return C.error(400, 'mode must be "test" or "live"')
      end
      mode = body.mode
    end
    local count = C.to_int(C.is_null(body.users) and 0 or body.users)
    if not count or count < 0 or count > lib.M.MAX_SEED then
      return C.error(400, "users must be an integer between 0 and " .. lib.M.MAX_SEED)
    end
    local S = lib.STATES[mode]
    local first_id, last_id
    for _ = 1, count do
      local id = S.next_user
      local login = "seeduser" .. id
      local suffix = 0
      while S.by_login[login] or S.by_email[login .. "@example.com"] do
        suffix = suffix + 1
        login = "seeduser" .. id .. "_" .. suffix
      end
      local u = lib.add_user(S, {
        email = login .. "@example.com", login = login, first_name = "Seed",
        last_name = "User " .. id, password = "seed-password",
      })
      S.own.members[u.id] = true
      first_id = first_id or u.id
      last_id = u.id
    end
    return C.reply(200, C.ordered({ "ok", "mode", "count", "first_id", "last_id" }, {
      ok = true, mode = mode, count = count, first_id = first_id, last_id = last_id,
    }))
  end
  return C.not_found()
end

return lib.M
