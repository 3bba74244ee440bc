-- sandbox.matrix.sections.sessions: the doc's "Sessions" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local B = require "sandbox.matrix.base"
local ST = require "sandbox.matrix.state"
local V = require "sandbox.matrix.views"
local R = require "sandbox.matrix.registry"

local ipairs = ipairs
local sort = table.sort
local iso_time, now = B.iso_time, B.now
local K, S = ST.K, ST.S
local users_arg = V.users_arg
local def = R.def

---------------------------------------------------------------------------
-- Sessions, Course reports
---------------------------------------------------------------------------

def("Sessions", "get_session_details", { "user_ids" }, function(ctx)
  local cutoff = now() - 30 * 86400
  local out = C.array()
  for _, u in ipairs(users_arg(ctx)) do
    local list = {}
    for _, s in ipairs(S.sessions[u.id] or {}) do
      if s.login_at >= cutoff then list[#list + 1] = s end
    end
    sort(list, function(a, b) return a.login_at < b.login_at end)
    local sessions = C.array()
    for _, s in ipairs(list) do
      sessions[#sessions + 1] = C.ordered({ "login_at", "logout_at", "ip_address" }, {
        login_at = iso_time(s.login_at), logout_at = iso_time(s.logout_at), ip_address = s.ip_address,
      })
    end
    out[#out + 1] = C.ordered({ "id", "count", "sessions" },
      { id = u.id, count = #list, sessions = sessions })
  end
  return out
end, K.STATEFUL)

return true
