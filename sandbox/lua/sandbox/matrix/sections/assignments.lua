-- sandbox.matrix.sections.assignments: the doc's "Assignments" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local K, def = lib.K, lib.def

local ipairs = ipairs

def("Assignments", "get_assignments_for_class", { "class_id" }, function(ctx)
  local c = lib.need_class(ctx, "class_id", "any")
  local out = C.array()
  for _, a in ipairs(lib.class_assignments(c)) do
    local keys = { "id", "name", "type", "points", "category", "grading" }
    if c.weighting_using_categories then keys[#keys + 1] = "weight" end
    if c.style ~= "Self paced" then
      keys[#keys + 1] = "begin"
      keys[#keys + 1] = "end"
      keys[#keys + 1] = "given"
    end
    keys[#keys + 1] = "gateway"
    if a.gateway then keys[#keys + 1] = "gateway_threshold" end
    keys[#keys + 1] = "lesson"
    if c.mastery then keys[#keys + 1] = "competencies" end
    out[#out + 1] = lib.only(keys, {
      id = a.id, name = a.name, type = a.type, points = a.points, category = a.category,
      grading = a.grading, weight = a.weight, begin = lib.iso_time(a.begin), ["end"] = lib.iso_time(a["end"]),
      given = a.given == true, gateway = a.gateway == true, gateway_threshold = a.gateway_threshold,
      lesson = a.lesson, competencies = lib.id_array(a.competencies),
    })
  end
  return out
end, K.STATEFUL)

return true
