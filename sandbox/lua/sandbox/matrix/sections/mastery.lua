-- sandbox.matrix.sections.mastery: the doc's "Mastery" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def
local Courses = require "sandbox.matrix.sections.courses"

local ipairs = ipairs
local format = string.format
local sort = table.sort
local active = Courses.active

local function classification(p)
  if p == nil then return nil end
  if p >= 80 then return "Mastered" end
  if p >= 60 then return "Developing" end
  return "Beginning"
end

-- Proficiency ids (flattened, in tree order) of a class's curricula.
local function class_proficiencies(c, curriculum_id)
  local out = {}
  local function walk(pid, ignored)
    if not ignored[pid] then out[#out + 1] = pid end
    for _, cid in ipairs(S.proficiencies[pid].children) do walk(cid, ignored) end
  end
  for _, cu in ipairs(c.curricula) do
    if S.curricula[cu.id] and (not curriculum_id or cu.id == curriculum_id) then
      local ignored = {}
      for _, x in ipairs(cu.ignored) do ignored[x] = true end
      for _, root in ipairs(S.curricula[cu.id].roots) do walk(root, ignored) end
    end
  end
  return out
end

-- Mastery of one student in one proficiency: average percent of the
-- counted grades of the class's assignments tagged with it (children
-- roll up into their parent).
local function proficiency_mastery(classes, pid, uid)
  local ids = { pid }
  for _, cid in ipairs(S.proficiencies[pid].children) do ids[#ids + 1] = cid end
  local sum, n = 0, 0
  local rows = C.array()
  for _, c in ipairs(classes) do
    for _, a in ipairs(lib.class_assignments(c)) do
      local tagged = false
      for _, x in ipairs(a.competencies or {}) do
        for _, y in ipairs(ids) do
          if x == y then tagged = true end
        end
      end
      local rec = S.grades[a.id] and S.grades[a.id][uid]
      if tagged and rec and rec.counted and rec.percent then
        sum, n = sum + rec.percent, n + 1
        rows[#rows + 1] = C.ordered({ "id", "percent", "classification" }, {
          id = a.id, percent = rec.percent, classification = classification(rec.percent),
        })
      end
    end
  end
  local p = n > 0 and lib.round2(sum / n) or nil
  return p, C.ordered({ "id", "percent", "classification", "mastered", "assignments" }, {
    id = pid, percent = p, classification = classification(p), mastered = p ~= nil and p >= 80,
    assignments = rows,
  })
end

local function average(list)
  local sum, n = 0, 0
  for _, x in ipairs(list) do
    if x ~= nil then sum, n = sum + x, n + 1 end
  end
  if n == 0 then return nil end
  return lib.round2(sum / n)
end

local function class_mastery(c, student_ids)
  local pids = class_proficiencies(c)
  local per_prof = {}
  local students = C.array()
  for _, uid in ipairs(student_ids) do
    local details, pcts = C.array(), {}
    for i, pid in ipairs(pids) do
      local p, d = proficiency_mastery({ c }, pid, uid)
      details[#details + 1] = d
      if p then pcts[#pcts + 1] = p end
      per_prof[i] = per_prof[i] or {}
      if p then per_prof[i][#per_prof[i] + 1] = p end
    end
    local avg = average(pcts)
    students[#students + 1] = C.ordered({ "id", "percent", "classification", "proficiencies" }, {
      id = uid, percent = avg, classification = classification(avg), proficiencies = details,
    })
  end
  local profs = C.array()
  for i, pid in ipairs(pids) do
    local avg = average(per_prof[i] or {})
    profs[#profs + 1] = C.ordered({ "id", "percent", "classification" }, {
      id = pid, percent = avg, classification = classification(avg),
    })
  end
  return C.ordered({ "proficiencies", "students" }, { proficiencies = profs, students = students })
end

def("Mastery", "get_mastery_for_class", { "class_id" }, function(ctx)
  local c = lib.need_class(ctx)
  local ids = {}
  for _, uid in ipairs(c.enroll_order) do
    if S.users[uid] and active(c, uid) then ids[#ids + 1] = uid end
  end
  return class_mastery(c, ids)
end, K.STATEFUL)

def("Mastery", "get_mastery_for_class_students", { "class_id", "student_ids" }, function(ctx)
  local c = lib.need_class(ctx)
  local ids = lib.arg_ids(ctx, "student_ids", true)
  for _, uid in ipairs(ids) do
    lib.find_user(uid)
    if not active(c, uid) then lib.fail(format("User %d is not a student in class %d", uid, c.id)) end
  end
  return class_mastery(c, ids)
end, K.STATEFUL)

local function user_classes(uid)
  return lib.sorted_values(S.classes, function(c)
    return not c.deleted and not c.template and active(c, uid)
  end)
end

def("Mastery", "get_active_curricula_for_user", { "user_id" }, function(ctx)
  local u = lib.need_user(ctx)
  local seen, ids = {}, {}
  for _, c in ipairs(user_classes(u.id)) do
    for _, cu in ipairs(c.curricula) do
      if not seen[cu.id] and S.curricula[cu.id] then
        seen[cu.id] = true
        ids[#ids + 1] = cu.id
      end
    end
  end
  sort(ids)
  local out = C.array()
  for _, id in ipairs(ids) do out[#out + 1] = lib.curriculum_json(S.curricula[id]) end
  return out
end, K.STATEFUL)

def("Mastery", "get_mastery_for_user", { "user_id", "curriculum_id" }, function(ctx)
  local u = lib.need_user(ctx)
  local cu = lib.need_in(ctx, "curriculum_id", S.curricula, "curriculum")
  local classes = user_classes(u.id)
  local seen, pids = {}, {}
  for _, c in ipairs(classes) do
    for _, pid in ipairs(class_proficiencies(c, cu.id)) do
      if not seen[pid] then
        seen[pid] = true
        pids[#pids + 1] = pid
      end
    end
  end
  local profs, details, pcts = C.array(), C.array(), {}
  for _, pid in ipairs(pids) do
    local p, d = proficiency_mastery(classes, pid, u.id)
    details[#details + 1] = d
    if p then pcts[#pcts + 1] = p end
    profs[#profs + 1] = C.ordered({ "id", "classification" },
      { id = pid, classification = classification(p) })
  end
  local avg = average(pcts)
  local mastery = C.array()
  mastery[1] = C.ordered({ "percent", "classification", "proficiencies" }, {
    percent = avg, classification = classification(avg), proficiencies = details,
  })
  return C.ordered({ "proficiencies", "mastery" }, { proficiencies = profs, mastery = mastery })
end, K.STATEFUL)

return true
