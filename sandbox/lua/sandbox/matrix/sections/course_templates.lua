-- sandbox.matrix.sections.course_templates: the doc's "Course Templates" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local B = require "sandbox.matrix.base"
local ST = require "sandbox.matrix.state"
local V = require "sandbox.matrix.views"
local R = require "sandbox.matrix.registry"
local Courses = require "sandbox.matrix.sections.courses"

local ipairs = ipairs
local arg_attrs, arg_ids, page_of, sorted_values = B.arg_attrs, B.arg_ids, B.page_of, B.sorted_values
local K, S = ST.K, ST.S
local class_json, find_class, need_class, need_in = V.class_json, V.find_class, V.need_class, V.need_in
local def = R.def
local apply_class, class_match_filter = Courses.apply_class, Courses.class_match_filter
local classes_change, has_student_from_org = Courses.classes_change, Courses.has_student_from_org
local list_classes, parse_class_attrs = Courses.list_classes, Courses.parse_class_attrs

def("Course Templates", "edit_class_template", { "class_id", "attributes" }, function(ctx)
  local c = need_class(ctx, "class_id", "template")
  local ch, custom = parse_class_attrs(arg_attrs(ctx, "attributes"), false)
  apply_class(c, ch, custom)
  return c.id
end, K.STATEFUL)

def("Course Templates", "get_all_class_templates", { "archived", "page" }, function(ctx)
  return list_classes(ctx, true)
end, K.PAGED_STATEFUL)

def("Course Templates", "get_class_templates_with_ids", { "class_ids" }, function(ctx)
  local out = C.array()
  for _, id in ipairs(arg_ids(ctx, "class_ids", true)) do
    out[#out + 1] = class_json(find_class(id, "template"))
  end
  return out
end, K.STATEFUL)

def("Course Templates", "get_class_templates_for_organization", { "organization_id", "archived", "page" },
  function(ctx)
    local org = need_in(ctx, "organization_id", S.orgs, "organization")
    return list_classes(ctx, true, has_student_from_org(org.id))
  end, K.PAGED_STATEFUL)

def("Course Templates", "get_class_templates_that_match", { "constraints", "page" }, function(ctx)
  local pred = class_match_filter(ctx)
  local items = sorted_values(S.classes, function(c) return not c.deleted and c.template and pred(c) end)
  return page_of(ctx, items, class_json)
end, K.PAGED_STATEFUL)

def("Course Templates", "delete_class_templates", { "class_ids" },
  classes_change("template", function(c) c.deleted = true end), K.STATEFUL)
def("Course Templates", "restore_class_templates", { "class_ids" },
  classes_change("trash_template", function(c) c.deleted = false end), K.STATEFUL)

return true
