-- sandbox.matrix.sections.course_templates: the doc's "Course Templates" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def
local Courses = require "sandbox.matrix.sections.courses"

local ipairs = ipairs
local apply_class, class_match_filter = Courses.apply_class, Courses.class_match_filter
local classes_change, has_student_from_org = Courses.classes_change, Courses.has_student_from_org
local list_classes, parse_class_attrs = Courses.list_classes, Courses.parse_class_attrs

def("Course Templates", "edit_class_template", { "class_id", "attributes" }, function(ctx)
  local c = lib.need_class(ctx, "class_id", "template")
  local ch, custom = parse_class_attrs(lib.arg_attrs(ctx, "attributes"), false)
  apply_class(c, ch, custom)
  return c.id
end, K.STATEFUL)

def("Course Templates", "get_all_class_templates", { "archived", "page" }, function(ctx)
  return list_classes(ctx, true)
end, K.PAGED_STATEFUL)

def("Course Templates", "get_class_templates_with_ids", { "class_ids" }, function(ctx)
  local out = C.array()
  for _, id in ipairs(lib.arg_ids(ctx, "class_ids", true)) do
    out[#out + 1] = lib.class_json(lib.find_class(id, "template"))
  end
  return out
end, K.STATEFUL)

def("Course Templates", "get_class_templates_for_organization", { "organization_id", "archived", "page" },
  function(ctx)
    local org = lib.need_in(ctx, "organization_id", S.orgs, "organization")
    return list_classes(ctx, true, has_student_from_org(org.id))
  end, K.PAGED_STATEFUL)

def("Course Templates", "get_class_templates_that_match", { "constraints", "page" }, function(ctx)
  local pred = class_match_filter(ctx)
  local items = lib.sorted_values(S.classes, function(c) return not c.deleted and c.template and pred(c) end)
  return lib.page_of(ctx, items, lib.class_json)
end, K.PAGED_STATEFUL)

def("Course Templates", "delete_class_templates", { "class_ids" },
  classes_change("template", function(c) c.deleted = true end), K.STATEFUL)
def("Course Templates", "restore_class_templates", { "class_ids" },
  classes_change("trash_template", function(c) c.deleted = false end), K.STATEFUL)

return true
