-- sandbox.matrix.sections.modules: the doc's "Modules" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local K, def = lib.K, lib.def

local ipairs = ipairs

---------------------------------------------------------------------------
-- Modules, Assignments
---------------------------------------------------------------------------

def("Modules", "get_lessons_for_class", { "class_id" }, function(ctx)
  local c = lib.need_class(ctx, "class_id", "any")
  local out = C.array()
  for _, l in ipairs(c.lessons) do
    local secs = C.array()
    for _, s in ipairs(l.sections) do
      local keys = { "id", "name", "type" }
      if s.type == "Assignment" then keys[4] = "assignment_id"
      elseif s.type == "Class" then keys[4] = "class_id"
      elseif s.type == "Certificate" then keys[4] = "certificate_id"
      end
      secs[#secs + 1] = lib.only(keys, {
        id = s.id, name = s.name, type = s.type, assignment_id = s.assignment_id, class_id = s.class_id,
        certificate_id = s.certificate_id,
      })
    end
    local keys = { "id", "name", "start_at", "sections" }
    if c.mastery then keys = { "id", "name", "start_at", "competencies", "sections" } end
    out[#out + 1] = lib.only(keys, {
      id = l.id, name = l.name, start_at = lib.iso_time(l.start_at), competencies = lib.id_array(l.competencies),
      sections = secs,
    })
  end
  return out
end, K.STATEFUL)

return true
