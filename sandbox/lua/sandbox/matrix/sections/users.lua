-- sandbox.matrix.sections.users: the doc's "Users" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def

local type, pairs, ipairs, tostring = type, pairs, ipairs, tostring

---------------------------------------------------------------------------
-- Users
---------------------------------------------------------------------------

local CLEAR = {} -- a blank attribute value: clears the field

local USER_ATTR_KIND = {
  first_name = "string", last_name = "string", userid = "string", password = "string", email = "email",
  sms_email = "string", student = "bool", teacher = "bool", assistant = "bool", administrator = "bool",
  monitor = "bool", manager = "bool", year_of_graduation = "int", student_id = "string",
  teacher_id = "string", organization_id = "org", birthdate = "date", nick_name = "string",
  skype = "string", phone = "string", gender = "gender", street_1 = "string", street_2 = "string",
  city = "string", state = "string", zip = "string", country = "string", picture = "string",
  job_title_id = "job_title", archived = "bool",
}
local USER_FLAG_KIND = {
  account_types = "types", change_password = "bool", update_password = "bool",
  send_login_instructions = "bool", from_name = "string",
}
local ACCOUNT_TYPES = {
  student = true, teacher = true, assistant = true, manager = true, monitor = true, administrator = true,
  partial_administrator = true,
}

local function is_user_field(name)
  for _, f in ipairs(S.user_fields) do
    if f == name then return true end
  end
  return false
end

local function convert_user_value(kind, name, raw)
  local s = lib.scalar(raw, name)
  if lib.is_blank(s) then
    if kind == "bool" then return false end
    return CLEAR
  end
  if kind == "string" then return s end
  if kind == "email" then
    if not s:find("@", 1, true) then lib.fail("Invalid email: " .. s) end
    return lib.trim(s)
  end
  if kind == "bool" then return lib.bool_of(s, name) end
  if kind == "int" then return lib.to_int_or_fail(s, name) end
  if kind == "org" then return lib.find_in(S.orgs, lib.to_int_or_fail(s, name), "organization").id end
  if kind == "job_title" then return lib.find_in(S.job_titles, lib.to_int_or_fail(s, name), "job title").id end
  if kind == "date" then
    local d = lib.parse_date(s)
    if not d then lib.fail("Invalid " .. name .. ": " .. s) end
    return d
  end
  if kind == "gender" then
    local l = lib.trim(s):lower()
    if l == "male" or l == "m" then return "Male" end
    if l == "female" or l == "f" then return "Female" end
    lib.fail("Invalid gender: " .. s)
  end
  return s
end

-- Returns changes (field -> value | CLEAR), custom (name -> value | CLEAR)
-- and flags, or fails.  allow_id: update_user also matches on id/user_id.
local function parse_user_attrs(attrs, allow_id)
  local ch, custom, fl = {}, {}, {}
  for _, k in ipairs(lib.sorted_keys(attrs)) do
    local raw = attrs[k]
    local kind = USER_ATTR_KIND[k]
    if kind then
      ch[k] = convert_user_value(kind, k, raw)
    elseif USER_FLAG_KIND[k] then
      local fk = USER_FLAG_KIND[k]
      if fk == "bool" then
        fl[k] = lib.bool_of(raw, k, false)
      elseif fk == "types" then
        local s = lib.scalar(raw, k) or ""
        local set = {}
        for piece in s:gmatch("[^,]+") do
          local ty = lib.trim(piece):lower()
          if ty ~= "" then
            if not ACCOUNT_TYPES[ty] then lib.fail("Invalid account_types: " .. lib.trim(piece)) end
            set[ty] = true
          end
        end
        fl.account_types = set
      else
        fl[k] = lib.scalar(raw, k)
      end
    elseif allow_id and (k == "id" or k == "user_id") then
      fl.match_id = lib.to_int_or_fail(lib.scalar(raw, k), k)
    elseif is_user_field(k) then
      local s = lib.scalar(raw, k)
      custom[k] = lib.is_blank(s) and CLEAR or s
    else
      lib.fail("Unknown user attribute: " .. k)
    end
  end
  return ch, custom, fl
end

local function val(x)
  if x == CLEAR then return nil end
  return x
end

-- add_user/update_user matching: userid, student ID, teacher ID, or name &
-- birth date (update_user also takes id/user_id first).
local function match_user(ch, fl)
  if fl.match_id then return S.users[fl.match_id] end
  local userid = val(ch.userid)
  if userid then
    local u = S.by_userid[lib.trim(userid):lower()]
    if u then return u end
  end
  local sid, tid = val(ch.student_id), val(ch.teacher_id)
  local fn, ln, bd = val(ch.first_name), val(ch.last_name), val(ch.birthdate)
  for _, u in ipairs(lib.sorted_values(S.users)) do
    if sid and u.student_id == sid then return u end
  end
  for _, u in ipairs(lib.sorted_values(S.users)) do
    if tid and u.teacher_id == tid then return u end
  end
  if fn and ln and bd then
    for _, u in ipairs(lib.sorted_values(S.users)) do
      if u.birthdate == bd and (u.first_name or ""):lower() == fn:lower()
          and (u.last_name or ""):lower() == ln:lower() then
        return u
      end
    end
  end
  return nil
end

local function default_userid(ch)
  local base = val(ch.email)
  if not base then
    base = ((val(ch.first_name) or "user") .. "." .. (val(ch.last_name) or "")):lower():gsub("[^%w%.]", "")
  end
  local candidate, n = base, 1
  while S.by_userid[candidate:lower()] do
    n = n + 1
    candidate = base .. n
  end
  return candidate
end

local function apply_user(ctx, u, ch, custom, fl, is_new)
  local t = lib.now()
  for k, v in pairs(ch) do
    if k == "userid" then
      if v ~= CLEAR then lib.set_userid(u, lib.trim(v)) end
    elseif k == "password" then
      if is_new or fl.update_password then u.password = val(v) end
    elseif k == "archived" then
      if v and not u.archived then u.archived_at = t end
      if not v then u.archived_at = nil end
      u.archived = v
    else
      u[k] = val(v)
    end
  end
  for k, v in pairs(custom) do u.custom[k] = val(v) end
  if fl.account_types then
    for ty in pairs(ACCOUNT_TYPES) do
      if ty ~= "partial_administrator" then u[ty] = fl.account_types[ty] == true end
    end
    u.partial_administrator = fl.account_types.partial_administrator == true
  end
  if fl.change_password ~= nil then u.change_password = fl.change_password end
  if fl.send_login_instructions then
    lib.record_mail(ctx, "login_instructions", u, { from_name = fl.from_name })
  end
end

local function check_userid_free(ch, u)
  local userid = val(ch.userid)
  if userid then
    local other = S.by_userid[lib.trim(userid):lower()]
    if other and other ~= u then lib.fail("userid " .. lib.trim(userid) .. " is already taken") end
  end
end

local function id_userid(u)
  return C.ordered({ "id", "userid" }, { id = u.id, userid = u.userid })
end

def("Users", "get_my_account", {}, function()
  return lib.user_json(S.users[S.admin_id])
end, K.STATEFUL)

def("Users", "get_all_users", { "page" }, function(ctx)
  return lib.page_of(ctx, C.in_id_order(S.users, S.next_user), lib.user_json) -- no sort: 20000 users stay quick
end, K.PAGED_STATEFUL)

def("Users", "get_users_with_ids", { "user_ids" }, function(ctx)
  return lib.map_array(lib.users_arg(ctx, "user_ids"), lib.user_json)
end, K.STATEFUL)

local USER_CONSTRAINTS = {
  organization_id = "organization_id", first_name = "first_name", last_name = "last_name", email = "email",
  phone = "phone", userid = "userid", student_id = "student_id", studentID = "student_id",
  teacher_id = "teacher_id", teacherID = "teacher_id", year_of_graduation = "year_of_graduation",
  birthdate = "birthdate", nick_name = "nick_name", country = "country", state = "state", zip = "zip",
  teacher = "teacher", student = "student", assistant = "assistant", monitor = "monitor",
  manager = "manager", administrator = "administrator", parent = "parent", archived = "archived",
  job_title_id = "job_title_id",
}
local BOOL_FIELDS = {
  teacher = true, student = true, assistant = true, monitor = true, manager = true, administrator = true,
  parent = true, archived = true,
}

local function as_text(v)
  if v == nil then return "" end
  if type(v) == "number" then return lib.num_str(v) end
  return tostring(v)
end

-- Builds a predicate from constraints; field_of(name) -> getter or nil.
local function constraint_filter(cons, field_of)
  local tests = {}
  for _, k in ipairs(lib.sorted_keys(cons)) do
    local get, is_bool = field_of(k)
    if not get then lib.fail("Unsupported constraint: " .. k) end
    local want = lib.scalar(cons[k], k)
    if is_bool then
      local b = lib.bool_of(want, k, nil)
      if b == nil then lib.fail("Invalid " .. k .. ": blank") end
      tests[#tests + 1] = function(x) return (get(x) == true) == b end
    else
      local w = lib.trim(want or ""):lower()
      tests[#tests + 1] = function(x) return lib.trim(as_text(get(x))):lower() == w end
    end
  end
  return function(x)
    for _, test in ipairs(tests) do
      if not test(x) then return false end
    end
    return true
  end
end

def("Users", "get_users_that_match", { "constraints", "page" }, function(ctx)
  local pred = constraint_filter(lib.arg_attrs(ctx, "constraints"), function(k)
    local f = USER_CONSTRAINTS[k] or USER_CONSTRAINTS[k:gsub(" ", "_")]
    if f then
      if f == "parent" then return function() return false end, true end
      return function(u) return u[f] end, BOOL_FIELDS[f]
    end
    if is_user_field(k) then return function(u) return u.custom[k] end, false end
    return nil
  end)
  return lib.page_of(ctx, lib.sorted_values(S.users, pred), lib.user_json)
end, K.PAGED_STATEFUL)

def("Users", "add_user", { "attributes" }, function(ctx)
  local ch, custom, fl = parse_user_attrs(lib.arg_attrs(ctx, "attributes"), false)
  local u = match_user(ch, fl)
  check_userid_free(ch, u)
  if not u then
    if lib.is_blank(val(ch.first_name)) then lib.fail("Missing required attribute: first_name") end
    if lib.is_blank(val(ch.last_name)) then lib.fail("Missing required attribute: last_name") end
    local any_type = fl.account_types ~= nil
    for _, b in ipairs({ "student", "teacher", "assistant", "administrator", "monitor", "manager" }) do
      if ch[b] ~= nil then any_type = true end
    end
    u = lib.new_user({ userid = val(ch.userid) and lib.trim(ch.userid) or default_userid(ch) })
    if not any_type then u.student = true end
    ch.userid = nil
    apply_user(ctx, u, ch, custom, fl, true)
  else
    apply_user(ctx, u, ch, custom, fl, false)
  end
  return id_userid(u)
end, K.STATEFUL)

def("Users", "update_user", { "attributes" }, function(ctx)
  local ch, custom, fl = parse_user_attrs(lib.arg_attrs(ctx, "attributes"), true)
  local u = match_user(ch, fl)
  if not u then lib.fail("No matching user was found") end
  if not fl.match_id and val(ch.userid) and S.by_userid[lib.trim(ch.userid):lower()] == u then ch.userid = nil end
  check_userid_free(ch, u)
  if ch.first_name == CLEAR or ch.last_name == CLEAR then lib.fail("first_name and last_name cannot be blank") end
  apply_user(ctx, u, ch, custom, fl, false)
  return id_userid(u)
end, K.STATEFUL)

def("Users", "archive_users", { "user_ids" }, function(ctx)
  local t = lib.now()
  for _, u in ipairs(lib.users_arg(ctx)) do
    if not u.archived then
      u.archived, u.archived_at = true, t
    end
  end
  return true
end, K.STATEFUL)

def("Users", "reactivate_users", { "user_ids" }, function(ctx)
  for _, u in ipairs(lib.users_arg(ctx)) do
    u.archived, u.archived_at = false, nil
  end
  return true
end, K.STATEFUL)

def("Users", "delete_users", { "user_ids" }, function(ctx)
  local users = lib.users_arg(ctx)
  for _, u in ipairs(users) do
    if u.id == S.admin_id then lib.fail("Cannot delete user " .. u.id .. ": it owns the API key") end
  end
  for _, u in ipairs(users) do lib.remove_user_everywhere(u.id) end
  return true
end, K.STATEFUL)

return {
  CLEAR = CLEAR,
  constraint_filter = constraint_filter,
  val = val,
}
