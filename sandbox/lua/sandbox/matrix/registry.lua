-- sandbox.matrix.registry: def(): the table of API functions, in doc order.

local ST = require "sandbox.matrix.state"

local ipairs = ipairs
local K = ST.K

---------------------------------------------------------------------------
-- Function registry
---------------------------------------------------------------------------

local FUNCS = {}        -- in doc order
local FUNC_BY_NAME = {}

-- def(section, name, params, fn, opts): opts.paged, opts.stateful
local function def(section, name, params, fn, opts)
  local set = {}
  for _, p in ipairs(params) do set[p] = true end
  local f = {
    section = section, name = name, params = params, param_set = set, fn = fn,
    paged = opts and opts.paged or false, stateful = opts and opts.stateful or false,
  }
  FUNCS[#FUNCS + 1] = f
  FUNC_BY_NAME[name] = f
end

K.PAGED = { paged = true }
K.STATEFUL = { stateful = true }
K.PAGED_STATEFUL = { paged = true, stateful = true }

return {
  FUNCS = FUNCS,
  FUNC_BY_NAME = FUNC_BY_NAME,
  def = def,
}
