-- sandbox.matrix.sections.courses: the doc's "Courses" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def
local Users = require "sandbox.matrix.sections.users"

local ngx = ngx
local type, pairs, ipairs = type, pairs, ipairs
local format = string.format
local concat = table.concat
local CLEAR, constraint_filter, val = Users.CLEAR, Users.constraint_filter, Users.val

---------------------------------------------------------------------------
-- Courses
---------------------------------------------------------------------------

local STYLES = { "Instructor", "Self paced", "Blended" }
local TOP_TABS = { "News", "Lessons", "Custom", "CurrentLesson", "Agenda" }
local WEIGHTING = { "MaxScore", "Points", "Percent", "Equally" }
local CLASS_TABS = {
  "custom", "news", "lessons", "calendar", "blogs", "resources", "forums", "wikis", "chat", "attendance",
  "groups", "portfolios", "reviews", "syllabus_tab", "students_tab", "parents_tab", "teachers_tab",
}
local CLASS_ATTR_KIND = {
  name = "string", description = "string", style = "style", start_at = "date", finish_at = "date",
  private = "bool", top_tab = "top_tab", picture = "string", tabs = "tabs", course_code = "string",
  section_code = "string", semester = "string", display_in_catalog = "bool", weighting_style = "weighting",
  weighting_using_categories = "bool", catalog_category = "list",
}

local function tab_list(raw, name, allowed)
  local s
  if type(raw) == "table" then
    local parts = {}
    for _, x in ipairs(raw) do parts[#parts + 1] = lib.scalar(x, name) end
    s = concat(parts, ",")
  else
    s = lib.scalar(raw, name) or ""
  end
  local out = {}
  for piece in s:gmatch("[^,]+") do
    if not lib.is_blank(piece) then out[#out + 1] = lib.one_of(piece, allowed, name) end
  end
  return out
end

-- add_class/edit_class/... attributes -> changes; fails on unknown ones.
local function parse_class_attrs(attrs, allow_sync)
  local ch, custom = {}, {}
  for _, k in ipairs(lib.sorted_keys(attrs)) do
    local raw = attrs[k]
    local kind = CLASS_ATTR_KIND[k]
    if kind == "list" then
      local out = {}
      if type(raw) == "table" then
        for _, x in ipairs(raw) do out[#out + 1] = lib.scalar(x, k) end
      else
        for piece in (lib.scalar(raw, k) or ""):gmatch("[^,]+") do
          if not lib.is_blank(piece) then out[#out + 1] = lib.trim(piece) end
        end
      end
      ch[k] = out
    elseif kind == "tabs" then
      ch[k] = tab_list(raw, k, CLASS_TABS)
    elseif kind then
      local s = lib.scalar(raw, k)
      if lib.is_blank(s) then
        if kind == "bool" then ch[k] = false
        elseif k == "name" then lib.fail("name cannot be blank")
        elseif kind == "string" or kind == "date" then ch[k] = CLEAR
        end
      elseif kind == "string" then ch[k] = s
      elseif kind == "bool" then ch[k] = lib.bool_of(s, k)
      elseif kind == "date" then
        local d = lib.parse_date(s)
        if not d then lib.fail("Invalid " .. k .. ": " .. s) end
        ch[k] = d
      elseif kind == "style" then
        local norm = lib.trim(s):gsub("[-_]", " ")
        ch[k] = lib.one_of(norm, STYLES, k)
      elseif kind == "top_tab" then ch[k] = lib.one_of(s, TOP_TABS, k)
      elseif kind == "weighting" then ch[k] = lib.one_of(s, WEIGHTING, k)
      end
    elseif allow_sync and k == "sync" then
      ch.sync = lib.bool_of(raw, k, false)
    else
      local known = false
      for _, f in ipairs(S.class_fields) do
        if f == k then known = true end
      end
      if not known then lib.fail("Unknown class attribute: " .. k) end
      local s = lib.scalar(raw, k)
      custom[k] = lib.is_blank(s) and CLEAR or s
    end
  end
  return ch, custom
end

local function apply_class(c, ch, custom)
  for k, v in pairs(ch) do
    if k == "start_at" then c.start = val(v)
    elseif k == "finish_at" then c.finish = val(v)
    elseif k ~= "sync" then c[k] = val(v)
    end
  end
  for k, v in pairs(custom) do c.custom[k] = val(v) end
end

-- A copy of a class/template's structure (no people, no grades).
local function copy_class(src, template)
  local c = lib.new_class({
    name = src.name, description = src.description, style = src.style, course_code = src.course_code,
    section_code = src.section_code, semester = src.semester, start = src.start, finish = src.finish,
    picture = src.picture, private = src.private, top_tab = src.top_tab, tabs = lib.copy_list(src.tabs),
    display_in_catalog = src.display_in_catalog, weighting_style = src.weighting_style,
    weighting_using_categories = src.weighting_using_categories, template = template,
    catalog_category = lib.copy_list(src.catalog_category), certificate_id = src.certificate_id,
    mastery = src.mastery,
  })
  c.grademap = {}
  for i, g in ipairs(src.grademap) do
    c.grademap[i] = { grade = g.grade, minimum_percent = g.minimum_percent }
  end
  c.grading_periods = {}
  for i, p in ipairs(src.grading_periods) do
    c.grading_periods[i] = { name = p.name, percent = p.percent, start = p.start }
  end
  for i, x in ipairs(src.class_times) do
    c.class_times[i] = { day = x.day, from = x.from, to = x.to, location = x.location }
  end
  for k, v in pairs(src.custom) do c.custom[k] = v end
  for i, cu in ipairs(src.curricula) do c.curricula[i] = { id = cu.id, ignored = lib.copy_list(cu.ignored) } end
  local lesson_map, assignment_map = {}, {}
  for _, l in ipairs(src.lessons) do
    local nl = { id = lib.next_id("next_lesson"), name = l.name, start_at = l.start_at,
      competencies = lib.copy_list(l.competencies), sections = {} }
    lesson_map[l.id] = nl
    c.lessons[#c.lessons + 1] = nl
  end
  for _, a in ipairs(lib.class_assignments(src)) do
    local na = lib.new_assignment(c, {
      name = a.name, type = a.type, points = a.points, category = a.category, grading = a.grading,
      weight = a.weight, begin = a.begin, ["end"] = a["end"], given = a.given, gateway = a.gateway,
      gateway_threshold = a.gateway_threshold,
      lesson = a.lesson and lesson_map[a.lesson] and lesson_map[a.lesson].id,
      competencies = lib.copy_list(a.competencies),
    })
    assignment_map[a.id] = na.id
  end
  for _, l in ipairs(src.lessons) do
    local nl = lesson_map[l.id]
    for _, s in ipairs(l.sections) do
      nl.sections[#nl.sections + 1] = {
        id = lib.next_id("next_section"), name = s.name, type = s.type,
        assignment_id = s.assignment_id and assignment_map[s.assignment_id], class_id = s.class_id,
        certificate_id = s.certificate_id,
      }
    end
  end
  return c
end

local function archived_filter(ctx)
  local a = lib.arg_str(ctx, "archived")
  if lib.is_blank(a) then return nil end
  local b = C.to_bool(a)
  if b == nil then lib.fail("Invalid archived: " .. a) end
  return b
end

local function list_classes(ctx, template, pred)
  local archived = archived_filter(ctx)
  local items = lib.sorted_values(S.classes, function(c)
    if c.deleted or c.template ~= template then return false end
    if archived ~= nil and c.archived ~= archived then return false end
    return pred == nil or pred(c)
  end)
  return lib.page_of(ctx, items, lib.class_json)
end

local function has_student_from_org(org_id)
  return function(c)
    for uid, e in pairs(c.enrollments) do
      local u = S.users[uid]
      if u and not e.unenrolled and u.organization_id == org_id then return true end
    end
    return false
  end
end

local CLASS_CONSTRAINTS = {
  name = "name", course_code = "course_code", section_code = "section_code", archived = "archived",
}

local function class_match_filter(ctx)
  local cons = lib.arg_attrs(ctx, "constraints")
  return constraint_filter(cons, function(k)
    local f = CLASS_CONSTRAINTS[k]
    if not f then return nil end
    return function(c) return c[f] end, f == "archived"
  end)
end

def("Courses", "get_all_classes", { "archived", "page" }, function(ctx)
  return list_classes(ctx, false)
end, K.PAGED_STATEFUL)

def("Courses", "get_classes_with_ids", { "class_ids" }, function(ctx)
  local out = C.array()
  for _, id in ipairs(lib.arg_ids(ctx, "class_ids", true)) do out[#out + 1] = lib.class_json(lib.find_class(id)) end
  return out
end, K.STATEFUL)

def("Courses", "get_classes_for_organization", { "organization_id", "archived", "page" }, function(ctx)
  local org = lib.need_in(ctx, "organization_id", S.orgs, "organization")
  return list_classes(ctx, false, has_student_from_org(org.id))
end, K.PAGED_STATEFUL)

def("Courses", "get_classes_that_match", { "constraints", "page" }, function(ctx)
  local pred = class_match_filter(ctx)
  local items = lib.sorted_values(S.classes, function(c) return not c.deleted and not c.template and pred(c) end)
  return lib.page_of(ctx, items, lib.class_json)
end, K.PAGED_STATEFUL)

def("Courses", "get_classes_taught_by", { "user_id" }, function(ctx)
  local u = lib.need_user(ctx)
  local live = lib.sorted_values(S.classes, function(c) return not c.deleted and not c.template end)
  return lib.map_array(live, function(c)
    local t = lib.teacher_entry(c, u.id)
    if t then return lib.class_json(c, { "coteacher" }, { coteacher = t.coteacher }) end
  end)
end, K.STATEFUL)

def("Courses", "get_classes_enrolled_by", { "user_id" }, function(ctx)
  local u = lib.need_user(ctx)
  local items = lib.sorted_values(S.classes, function(c)
    local e = c.enrollments[u.id]
    return not c.deleted and not c.template and e ~= nil and not e.unenrolled
  end)
  return lib.map_array(items, lib.class_json)
end, K.STATEFUL)

local function certificate_url(ctx, cert_id, uid, cid)
  return ctx.req.vendor_url .. "/api/download_certificate?api_key=" .. ngx.escape_uri(ctx.key)
    .. "&certificate_id=" .. cert_id .. "&user_id=" .. uid .. "&class_id=" .. cid
end

local function time_arg(ctx, name)
  local s = lib.arg_str(ctx, name)
  if lib.is_blank(s) then return nil end
  local t = lib.parse_when(s)
  if not t then lib.fail("Invalid " .. name .. ": " .. s) end
  return t
end

def("Courses", "get_all_class_completions", { "completed_after", "completed_before", "class_id", "user_id" },
  function(ctx)
    local after, before = time_arg(ctx, "completed_after"), time_arg(ctx, "completed_before")
    local cid, uid = lib.arg_int(ctx, "class_id"), lib.arg_int(ctx, "user_id")
    if cid then lib.find_class(cid) end
    if uid then lib.find_user(uid) end
    local out = C.array()
    for _, c in ipairs(lib.sorted_values(S.classes, function(c) return not c.deleted and not c.template end)) do
      if not cid or c.id == cid then
        for _, sid in ipairs(c.enroll_order) do
          local e = c.enrollments[sid]
          local t = e and e.completed_at
          if t and not e.unenrolled and (not uid or uid == sid) and (not after or t > after)
              and (not before or t < before) then
            local certs = C.array()
            local cert = c.certificate_id and S.certificates[c.certificate_id]
            if cert then
              certs[1] = lib.cert_json(cert, { "certificate_file_url" }, {
                certificate_file_url = certificate_url(ctx, cert.id, sid, c.id),
              })
            end
            out[#out + 1] = C.ordered({ "class", "student", "certificates" }, {
              class = lib.class_json(c), student = lib.student_json(e), certificates = certs,
            })
          end
        end
      end
    end
    return out
  end, K.STATEFUL)

def("Courses", "download_certificate", { "certificate_id", "user_id", "class_id" }, function(ctx)
  local cert = lib.need_in(ctx, "certificate_id", S.certificates, "certificate")
  local u = lib.need_user(ctx)
  local cid = lib.arg_int(ctx, "class_id")
  local found
  for _, c in ipairs(lib.sorted_values(S.classes, function(c) return not c.deleted and not c.template end)) do
    local e = c.enrollments[u.id]
    if (not cid or c.id == cid) and c.certificate_id == cert.id and e and e.completed_at
        and not e.unenrolled then
      found = c
      break
    end
  end
  if not found then lib.fail("Certificate " .. cert.id .. " was not awarded to user " .. u.id) end
  -- a placeholder PDF document (not a rendered certificate)
  local body = concat({
    "%PDF-1.4", "% MATRIX LMS sandbox certificate",
    "% certificate " .. cert.id .. " (" .. cert.name .. "), user " .. u.id .. ", class " .. found.id,
    "%%EOF", "",
  }, "\n")
  return lib.raw_reply("application/pdf", body, {
    ["Content-Disposition"] = format('attachment; filename="certificate-%d-%d.pdf"', cert.id, u.id),
  })
end, K.STATEFUL)

def("Courses", "get_teachers_for_class", { "class_id" }, function(ctx)
  local c = lib.need_class(ctx)
  return lib.map_array(c.teachers, function(t)
    local u = S.users[t.user_id]
    if u then return lib.user_json(u, { "coteacher" }, { coteacher = t.coteacher }) end
  end)
end, K.STATEFUL)

def("Courses", "get_students_for_class", { "class_id" }, function(ctx)
  local c = lib.need_class(ctx)
  return lib.map_array(c.enroll_order, function(uid)
    if S.users[uid] and c.enrollments[uid] then return lib.student_json(c.enrollments[uid]) end
  end)
end, K.STATEFUL)

def("Courses", "get_status_of_classes", { "user_id" }, function(ctx)
  local u = lib.need_user(ctx)
  local enrolled, deactivated, completed = C.array(), C.array(), C.array()
  for _, c in ipairs(lib.sorted_values(S.classes, function(c) return not c.deleted and not c.template end)) do
    local e = c.enrollments[u.id]
    if e and not e.unenrolled then
      if e.completed_at then completed[#completed + 1] = c.id
      elseif e.deactivated then deactivated[#deactivated + 1] = c.id
      else enrolled[#enrolled + 1] = c.id
      end
    end
  end
  return C.ordered({ "enrolled", "deactivated", "completed" }, {
    enrolled = enrolled, deactivated = deactivated, completed = completed,
  })
end, K.STATEFUL)

local function active(c, uid)
  local e = c.enrollments[uid]
  return e ~= nil and not e.unenrolled
end

def("Courses", "add_students_to_class", { "class_id", "user_ids", "options" }, function(ctx)
  local c = lib.need_class(ctx)
  local users = lib.users_arg(ctx)
  local opts = lib.arg_hash(ctx, "options")
  local notify = lib.opt_bool(ctx, opts, "send_notification", false)
  local ignore = lib.opt_bool(ctx, opts, "ignore_already_enrolled", false)
  for _, u in ipairs(users) do
    if active(c, u.id) and not ignore then
      lib.fail(format("User %d is already enrolled in class %d", u.id, c.id))
    end
  end
  return lib.change_users(ctx, users, notify, "enrolled_in_class", { class_id = c.id }, function(u)
    if active(c, u.id) then return false end
    lib.enroll(c, u.id, { enroll_type = "API", enrolled_by_id = S.admin_id })
    return true
  end)
end, K.STATEFUL)

def("Courses", "remove_students_from_class", { "class_id", "user_ids", "options" }, function(ctx)
  local c = lib.need_class(ctx)
  local users = lib.users_arg(ctx)
  local notify = lib.opt_bool(ctx, lib.arg_hash(ctx, "options"), "send_notification", false)
  local t = lib.now()
  return lib.change_users(ctx, users, notify, "unenrolled_from_class", { class_id = c.id }, function(u)
    if not active(c, u.id) then return false end
    local e = c.enrollments[u.id]
    e.unenrolled, e.unenrolled_at, e.unenrolled_by_id = true, t, S.admin_id
    return true
  end)
end, K.STATEFUL)

-- deactivate/reactivate/complete/uncomplete: every user must be enrolled.
local function enrollment_change(change)
  return function(ctx)
    local c = lib.need_class(ctx)
    local users = lib.users_arg(ctx)
    lib.arg_hash(ctx, "options")
    for _, u in ipairs(users) do
      if not active(c, u.id) then lib.fail(format("User %d is not enrolled in class %d", u.id, c.id)) end
    end
    local t = lib.now()
    for _, u in ipairs(users) do change(c, c.enrollments[u.id], t) end
    return true
  end
end

def("Courses", "deactivate_students_in_class", { "class_id", "user_ids", "options" },
  enrollment_change(function(_, e, t)
    if not e.deactivated then e.deactivated, e.deactivated_at = true, t end
  end), K.STATEFUL)

def("Courses", "reactivate_students_in_class", { "class_id", "user_ids", "options" },
  enrollment_change(function(_, e, t)
    if e.deactivated then e.deactivated, e.reactivated_at = false, t end
  end), K.STATEFUL)

def("Courses", "complete_students_in_class", { "class_id", "user_ids", "options" },
  enrollment_change(function(c, e, t)
    if not e.completed_at then
      e.completed_at = t
      e.percent = lib.student_percent(c, e.user_id)
      e.grade = lib.letter_for(c, e.percent)
    end
  end), K.STATEFUL)

def("Courses", "uncomplete_students_in_class", { "class_id", "user_ids", "options" },
  enrollment_change(function(_, e)
    e.completed_at, e.percent, e.grade = nil, nil, nil
  end), K.STATEFUL)

def("Courses", "add_teachers_to_class", { "class_id", "user_ids", "options" }, function(ctx)
  local c = lib.need_class(ctx)
  local users = lib.users_arg(ctx)
  local notify = lib.opt_bool(ctx, lib.arg_hash(ctx, "options"), "send_notification", false)
  return lib.change_users(ctx, users, notify, "added_as_teacher", { class_id = c.id }, function(u)
    return lib.add_teacher(c, u.id)
  end)
end, K.STATEFUL)

def("Courses", "remove_teachers_from_class", { "class_id", "user_ids" }, function(ctx)
  local c = lib.need_class(ctx)
  local remove = {}
  for _, u in ipairs(lib.users_arg(ctx)) do remove[u.id] = true end
  local kept, n = {}, 0
  for _, t in ipairs(c.teachers) do
    if remove[t.user_id] then n = n + 1 else kept[#kept + 1] = t end
  end
  if kept[1] and n > 0 then kept[1].coteacher = false end
  c.teachers = kept
  return n
end, K.STATEFUL)

def("Courses", "add_class", { "attributes" }, function(ctx)
  local ch, custom = parse_class_attrs(lib.arg_attrs(ctx, "attributes"), false)
  if lib.is_blank(val(ch.name)) then lib.fail("Missing required attribute: name") end
  local c = lib.new_class({ start = val(ch.start_at) })
  apply_class(c, ch, custom)
  return c.id
end, K.STATEFUL)

def("Courses", "add_class_from_template", { "class_template_id", "attributes" }, function(ctx)
  local tpl = lib.need_class(ctx, "class_template_id", "template")
  local ch, custom = parse_class_attrs(lib.arg_attrs(ctx, "attributes"), true)
  local c = copy_class(tpl, false)
  if ch.sync then c.parent_id = tpl.id end
  apply_class(c, ch, custom)
  return c.id
end, K.STATEFUL)

def("Courses", "add_child_class", { "parent_class_id", "attributes" }, function(ctx)
  local parent = lib.need_class(ctx, "parent_class_id")
  local ch, custom = parse_class_attrs(lib.arg_attrs(ctx, "attributes"), false)
  local c = copy_class(parent, false)
  c.parent_id = parent.id
  apply_class(c, ch, custom)
  return c.id
end, K.STATEFUL)

def("Courses", "edit_class", { "class_id", "attributes" }, function(ctx)
  local c = lib.need_class(ctx)
  local ch, custom = parse_class_attrs(lib.arg_attrs(ctx, "attributes"), false)
  apply_class(c, ch, custom)
  return c.id
end, K.STATEFUL)

local function classes_change(kind, change)
  return function(ctx)
    local list = {}
    for i, id in ipairs(lib.arg_ids(ctx, "class_ids", true)) do list[i] = lib.find_class(id, kind) end
    for _, c in ipairs(list) do change(c) end
    return true
  end
end

def("Courses", "archive_classes", { "class_ids" }, classes_change("class", function(c) c.archived = true end),
  K.STATEFUL)
def("Courses", "reactivate_classes", { "class_ids" },
  classes_change("class", function(c) c.archived = false end), K.STATEFUL)
def("Courses", "delete_classes", { "class_ids" }, classes_change("class", function(c) c.deleted = true end),
  K.STATEFUL)
def("Courses", "restore_classes", { "class_ids" }, classes_change("trash", function(c) c.deleted = false end),
  K.STATEFUL)

---------------------------------------------------------------------------
-- Course Templates
---------------------------------------------------------------------------

def("Course Templates", "add_class_template", { "attributes" }, function(ctx)
  local ch, custom = parse_class_attrs(lib.arg_attrs(ctx, "attributes"), false)
  if lib.is_blank(val(ch.name)) then lib.fail("Missing required attribute: name") end
  local c = lib.new_class({ template = true, start = val(ch.start_at) })
  apply_class(c, ch, custom)
  return c.id
end, K.STATEFUL)

return {
  active = active,
  apply_class = apply_class,
  class_match_filter = class_match_filter,
  classes_change = classes_change,
  has_student_from_org = has_student_from_org,
  list_classes = list_classes,
  parse_class_attrs = parse_class_attrs,
  tab_list = tab_list,
  time_arg = time_arg,
}
