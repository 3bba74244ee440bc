-- sandbox.matrix.sections.sessions: the doc's "Sessions" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def

local ipairs = ipairs
local sort = table.sort

---------------------------------------------------------------------------
-- Sessions, Course reports
---------------------------------------------------------------------------

def("Sessions", "get_session_details", { "user_ids" }, function(ctx)
  local cutoff = lib.now() - 30 * 86400
  local out = C.array()
  for _, u in ipairs(lib.users_arg(ctx)) do
    local list = {}
    for _, s in ipairs(S.sessions[u.id] or {}) do
      if s.login_at >= cutoff then list[#list + 1] = s end
    end
    sort(list, function(a, b) return a.login_at < b.login_at end)
    local sessions = C.array()
    for _, s in ipairs(list) do
      sessions[#sessions + 1] = C.ordered({ "login_at", "logout_at", "ip_address" }, {
        login_at = lib.iso_time(s.login_at), logout_at = lib.iso_time(s.logout_at), ip_address = s.ip_address,
      })
    end
    out[#out + 1] = C.ordered({ "id", "count", "sessions" },
      { id = u.id, count = #list, sessions = sessions })
  end
  return out
end, K.STATEFUL)

return true
