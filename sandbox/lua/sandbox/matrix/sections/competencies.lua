-- sandbox.matrix.sections.competencies: the doc's "Competencies" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local B = require "sandbox.matrix.base"
local ST = require "sandbox.matrix.state"
local V = require "sandbox.matrix.views"
local R = require "sandbox.matrix.registry"

local ipairs = ipairs
local id_array, map_array, sorted_values = B.id_array, B.map_array, B.sorted_values
local K, S = ST.K, ST.S
local curriculum_json, list_in, need_class, need_in = V.curriculum_json, V.list_in, V.need_class, V.need_in
local def = R.def

---------------------------------------------------------------------------
-- Competencies, Mastery
---------------------------------------------------------------------------

local function proficiency_json(p)
  local keys = { "id", "name", "code", "description" }
  local children
  if #p.children > 0 then
    keys[5] = "children"
    children = C.array()
    for _, cid in ipairs(p.children) do children[#children + 1] = proficiency_json(S.proficiencies[cid]) end
  end
  return C.ordered(keys, { id = p.id, name = p.name, code = p.code, description = p.description,
    children = children })
end

local function curricula_links_json(list)
  local out = C.array()
  for _, cu in ipairs(list or {}) do
    out[#out + 1] = C.ordered({ "id", "ignored_proficiency_ids" }, {
      id = cu.id, ignored_proficiency_ids = id_array(cu.ignored),
    })
  end
  return out
end

def("Competencies", "get_all_curricula", {}, function()
  return map_array(sorted_values(S.curricula), curriculum_json)
end)

def("Competencies", "get_curricula_with_ids", { "curriculum_ids" }, function(ctx)
  return map_array(list_in(ctx, "curriculum_ids", S.curricula, "curriculum"), curriculum_json)
end)

def("Competencies", "get_proficiencies_for_curriculum", { "curriculum_id" }, function(ctx)
  local cu = need_in(ctx, "curriculum_id", S.curricula, "curriculum")
  local out = C.array()
  for _, pid in ipairs(cu.roots) do out[#out + 1] = proficiency_json(S.proficiencies[pid]) end
  return out
end)

def("Competencies", "get_curricula_for_class", { "class_id" }, function(ctx)
  return curricula_links_json(need_class(ctx).curricula)
end, K.STATEFUL)

def("Competencies", "get_curricula_for_group", { "group_id" }, function(ctx)
  return curricula_links_json(need_in(ctx, "group_id", S.groups, "group").curricula)
end, K.STATEFUL)

def("Competencies", "get_curricula_for_job_title", { "job_title_id" }, function(ctx)
  return curricula_links_json(need_in(ctx, "job_title_id", S.job_titles, "job title").curricula)
end, K.STATEFUL)

return true
