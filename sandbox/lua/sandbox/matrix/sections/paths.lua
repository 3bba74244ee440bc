-- sandbox.matrix.sections.paths: the doc's "Paths" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def

local ipairs = ipairs
local format = string.format

---------------------------------------------------------------------------
-- Paths
---------------------------------------------------------------------------

def("Paths", "get_all_paths", { "page" }, function(ctx)
  return lib.page_of(ctx, lib.sorted_values(S.paths), lib.path_json)
end, K.PAGED_STATEFUL)

def("Paths", "get_paths_with_ids", { "path_ids" }, function(ctx)
  return lib.map_array(lib.list_in(ctx, "path_ids", S.paths, "path"), lib.path_json)
end, K.STATEFUL)

def("Paths", "get_students_for_path", { "path_id" }, function(ctx)
  local p = lib.need_in(ctx, "path_id", S.paths, "path")
  return lib.map_array(lib.sorted_keys_num(p.students), function(uid)
    if S.users[uid] then return lib.user_json(S.users[uid]) end
  end)
end, K.STATEFUL)

def("Paths", "add_students_to_path", { "path_id", "user_ids", "options" }, function(ctx)
  local p = lib.need_in(ctx, "path_id", S.paths, "path")
  local users = lib.users_arg(ctx)
  local notify = lib.opt_bool(ctx, lib.arg_hash(ctx, "options"), "send_notification", false)
  for _, u in ipairs(users) do
    if p.students[u.id] then lib.fail(format("User %d is already enrolled in path %d", u.id, p.id)) end
  end
  local t = lib.now()
  for _, u in ipairs(users) do
    p.students[u.id] = { enrolled_at = t }
    if notify then lib.record_mail(ctx, "enrolled_in_path", u, { path_id = p.id }) end
  end
  return #users
end, K.STATEFUL)

def("Paths", "remove_students_from_path", { "path_id", "user_ids", "options" }, function(ctx)
  local p = lib.need_in(ctx, "path_id", S.paths, "path")
  local users = lib.users_arg(ctx)
  local notify = lib.opt_bool(ctx, lib.arg_hash(ctx, "options"), "send_notification", false)
  return lib.change_users(ctx, users, notify, "unenrolled_from_path", { path_id = p.id }, function(u)
    if not p.students[u.id] then return false end
    p.students[u.id] = nil
    return true
  end)
end, K.STATEFUL)

return true
