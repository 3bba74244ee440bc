-- sandbox.matrix.sections.paths: the doc's "Paths" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local B = require "sandbox.matrix.base"
local ST = require "sandbox.matrix.state"
local V = require "sandbox.matrix.views"
local R = require "sandbox.matrix.registry"

local ipairs = ipairs
local format = string.format
local arg_hash, fail, map_array, now, opt_bool = B.arg_hash, B.fail, B.map_array, B.now, B.opt_bool
local page_of, sorted_keys_num, sorted_values = B.page_of, B.sorted_keys_num, B.sorted_values
local K, S = ST.K, ST.S
local list_in, need_in, path_json, record_mail = V.list_in, V.need_in, V.path_json, V.record_mail
local user_json, users_arg = V.user_json, V.users_arg
local def = R.def

---------------------------------------------------------------------------
-- Paths
---------------------------------------------------------------------------

def("Paths", "get_all_paths", { "page" }, function(ctx)
  return page_of(ctx, sorted_values(S.paths), path_json)
end, K.PAGED_STATEFUL)

def("Paths", "get_paths_with_ids", { "path_ids" }, function(ctx)
  return map_array(list_in(ctx, "path_ids", S.paths, "path"), path_json)
end, K.STATEFUL)

def("Paths", "get_students_for_path", { "path_id" }, function(ctx)
  local p = need_in(ctx, "path_id", S.paths, "path")
  local out = C.array()
  for _, uid in ipairs(sorted_keys_num(p.students)) do
    if S.users[uid] then out[#out + 1] = user_json(S.users[uid]) end
  end
  return out
end, K.STATEFUL)

def("Paths", "add_students_to_path", { "path_id", "user_ids", "options" }, function(ctx)
  local p = need_in(ctx, "path_id", S.paths, "path")
  local users = users_arg(ctx)
  local notify = opt_bool(ctx, arg_hash(ctx, "options"), "send_notification", false)
  for _, u in ipairs(users) do
    if p.students[u.id] then fail(format("User %d is already enrolled in path %d", u.id, p.id)) end
  end
  local t = now()
  for _, u in ipairs(users) do
    p.students[u.id] = { enrolled_at = t }
    if notify then record_mail(ctx, "enrolled_in_path", u, { path_id = p.id }) end
  end
  return #users
end, K.STATEFUL)

def("Paths", "remove_students_from_path", { "path_id", "user_ids", "options" }, function(ctx)
  local p = need_in(ctx, "path_id", S.paths, "path")
  local users = users_arg(ctx)
  local notify = opt_bool(ctx, arg_hash(ctx, "options"), "send_notification", false)
  local n = 0
  for _, u in ipairs(users) do
    if p.students[u.id] then
      p.students[u.id] = nil
      n = n + 1
      if notify then record_mail(ctx, "unenrolled_from_path", u, { path_id = p.id }) end
    end
  end
  return n
end, K.STATEFUL)

return true
