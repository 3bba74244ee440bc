--- What specs read of a MATRIX simulator through a client, shared by the
-- exactly-once and the workflow specs.
local sandbox = require "sandbox"

local M = {}

--- A client (and a simulator) without the 120 calls a minute limit, which
-- has specs of its own (matrix_spec), for specs that run hundreds of
-- calls: the options in `defaults`, then those in `opts`, over the rate.
function M.unlimited(opts, defaults)
  sandbox.control("POST", "matrix/config", { limit = 1000000, window = 1, lockout = 0 })
  local o = { rate = { calls = 1000000, per = 1 } }
  for k, v in pairs(defaults or {}) do o[k] = v end
  for k, v in pairs(opts or {}) do o[k] = v end
  return sandbox.matrix(o)
end

--- Active (not unenrolled) students of a class: user id -> true.
function M.roster(matrix, class_id)
  local ids = {}
  for _, s in ipairs(matrix.classes:get_students_for_class(class_id)) do
    if not s.unenrolled then ids[s.id] = true end
  end
  return ids
end

return M
