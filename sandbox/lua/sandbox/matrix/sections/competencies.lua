-- sandbox.matrix.sections.competencies: the doc's "Competencies" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def

local ipairs = ipairs

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
      id = cu.id, ignored_proficiency_ids = lib.id_array(cu.ignored),
    })
  end
  return out
end

def("Competencies", "get_all_curricula", {}, function()
  return lib.map_array(lib.sorted_values(S.curricula), lib.curriculum_json)
end)

def("Competencies", "get_curricula_with_ids", { "curriculum_ids" }, function(ctx)
  return lib.map_array(lib.list_in(ctx, "curriculum_ids", S.curricula, "curriculum"), lib.curriculum_json)
end)

def("Competencies", "get_proficiencies_for_curriculum", { "curriculum_id" }, function(ctx)
  local cu = lib.need_in(ctx, "curriculum_id", S.curricula, "curriculum")
  local out = C.array()
  for _, pid in ipairs(cu.roots) do out[#out + 1] = proficiency_json(S.proficiencies[pid]) end
  return out
end)

def("Competencies", "get_curricula_for_class", { "class_id" }, function(ctx)
  return curricula_links_json(lib.need_class(ctx).curricula)
end, K.STATEFUL)

def("Competencies", "get_curricula_for_group", { "group_id" }, function(ctx)
  return curricula_links_json(lib.need_in(ctx, "group_id", S.groups, "group").curricula)
end, K.STATEFUL)

def("Competencies", "get_curricula_for_job_title", { "job_title_id" }, function(ctx)
  return curricula_links_json(lib.need_in(ctx, "job_title_id", S.job_titles, "job title").curricula)
end, K.STATEFUL)

return true
