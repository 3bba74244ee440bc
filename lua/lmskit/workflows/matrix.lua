--- MATRIX LMS's workflows (see lmskit.workflows): enroll, grades,
-- unenroll, 100 rows a call whatever the job's concurrency (the functions
-- take arrays and "succeed completely or fail completely"); invite
-- (login instructions).
--
-- Exactly once under faults through the declarations (apis/matrix.lua):
-- add_user by userid and add_students_to_class with
-- ignore_already_enrolled are idempotent, set_grades_for_assignment too;
-- remove_students_from_class is settled through the class roster, one
-- read for a whole batch.  Login instructions are never sent twice: a
-- lost answer leaves the row unknown.
-- @module lmskit.workflows.matrix
local core = require "lmskit.core"
local wf = require "lmskit.workflows.engine"

local M = {}

local SIZE = 100 -- users a call: the doc's functions take arrays; 100 keeps a form body small

-- The job's batcher for `name` (one per job and purpose).
local function batcher(job, name, send)
  job.batchers = job.batchers or {}
  local b = job.batchers[name]
  if not b then
    b = wf.batcher { size = SIZE, send = send, workers = job.workers }
    job.batchers[name] = b
  end
  return b
end

-- The same result for each of n items.
local function each(n, v)
  local out = {}
  for i = 1, n do out[i] = v end
  return out
end

-- add_user's attributes from a row (userid is its natural key).
local function user_attributes(row)
  local attributes = { userid = row.userid }
  for _, c in ipairs { "first_name", "last_name", "email", "password", "student_id" } do
    if wf.present(row[c]) then attributes[c] = row[c] end
  end
  return { fn = "add_user", args = { attributes = attributes } }
end

-- The user id of a row: user_id, or added/matched by userid (add_user
-- updates an account with the same userid instead of creating one).
local function user_of(client, row)
  if wf.present(row.user_id) then return wf.int(row.user_id) end
  wf.need(row, "userid")
  local _, user = wf.write(client, user_attributes(row))
  return type(user) == "table" and user.id or user
end

local function enrollment(class, ids)
  return { fn = "add_students_to_class",
           args = { class_id = wf.int(class), user_ids = ids, options = { ignore_already_enrolled = true } } }
end

local function removal(class, ids)
  return { fn = "remove_students_from_class", args = { class_id = wf.int(class), user_ids = ids } }
end

-- A refusal that did nothing (the vendor checks the whole array first).
local function refused(err)
  return core.is_error(err) and (err.kind == "validation" or err.kind == "not_found") and err.sent == nil
end

-- Sends one batch: make(items) describes the call, keys are the items'
-- user ids (what its look-up finds).  An answer that is a number counts
-- the users it changed: none means they were there already (`found`),
-- unless the client sent the call more than once (then an earlier try
-- may have changed them: `done`); all or some (which ones no answer
-- says): `done`.  Any other answer is `done` for all.  A failure is settled per item through one
-- look-up; a refusal of the whole batch (the functions "succeed
-- completely or fail completely": one unknown user id refuses all) is
-- sent again in halves, so that only the items it was about fail, each
-- with the vendor's message about it.
local function send_batch(client, make, items, keys, how)
  local w = make(items)
  local ok, answer, again = wf.call_watched(client, w)
  if ok then
    return each(#items, (type(answer) == "number" and answer == 0 and again == false) and how.found or how.done)
  end
  local err = answer
  local split = refused(err) and #items > 1
  local out = wf.settle_each(client, w, err, keys, how)
  if not (split and err.sent == nil) then return out end
  local rest = {} -- the items not done, by their place in the batch
  for i, r in ipairs(out) do if type(r) == "table" then rest[#rest + 1] = i end end
  local half = math.ceil(#rest / 2)
  for _, part in ipairs { { 1, half }, { half + 1, #rest } } do
    local sub_items, sub_keys, at = {}, {}, {}
    for k = part[1], part[2] do
      local i = rest[k]
      sub_items[#sub_items + 1], sub_keys[#sub_keys + 1], at[#at + 1] = items[i], keys[i], i
    end
    if #sub_items > 0 then
      for k, r in ipairs(send_batch(client, make, sub_items, sub_keys, how)) do out[at[k]] = r end
    end
  end
  return out
end

-- Verifies rows of one class together: one roster read for a batch.
local function check_batch(client, job, name, class, id, call)
  return batcher(job, name, function(class_id, ids)
    return wf.check_each(client, call(class_id, ids), ids)
  end):add(class, function() return id end)
end

local ENROLL = { done = "created", found = "exists" }
local REMOVAL = { done = "removed", found = "absent" }

M.enroll = {
  summary = "enroll users into classes, 100 a call: class_id, and user_id or userid (+first_name, last_name, email)",
  required = { "class_id" },
  one_of = { { "user_id", "userid" } },
  batch = { size = SIZE, group = "class_id" },
  key = function(row) return wf.key(row, "class_id", { "user_id", "userid" }) end,
  run = function(client, row, job)
    local class = wf.need(row, "class_id")
    wf.either(row, { "user_id", "userid" })
    return batcher(job, "enroll", function(class_id, ids)
      return send_batch(client, function(some) return enrollment(class_id, some) end, ids, ids, ENROLL)
    end):add(class, function() return user_of(client, row) end)
  end,
  verify = function(client, row, job)
    local id = wf.int(row.user_id)
    if not wf.present(row.user_id) then
      local user = wf.lookup(client, user_attributes(row))
      if user == nil then return nil end
      if not user then return "absent" end
      id = user.id
    end
    return check_batch(client, job, "verify enroll", row.class_id, id, enrollment)
  end,
}

M.grades = {
  summary = "set grades, 100 a call: assignment_id, user_id, grade (B+, 3.1, 15%, blank, X/M/I/AB)",
  required = { "assignment_id", "user_id" },
  batch = { size = SIZE, group = "assignment_id" },
  key = { "assignment_id", "user_id" },
  run = function(client, row, job)
    local assignment = wf.need(row, "assignment_id")
    local grade = { user_id = wf.int(wf.need(row, "user_id")), grade = row.grade or "" }
    return batcher(job, "grades", function(assignment_id, grades)
      local users = {}
      for i, g in ipairs(grades) do users[i] = g.user_id end
      -- no read finds grades by assignment: a failure stands as it is
      return send_batch(client, function(some)
        return { fn = "set_grades_for_assignment", args = { assignment_id = wf.int(assignment_id), grades = some } }
      end, grades, users, { done = "updated" })
    end):add(assignment, function() return grade end)
  end,
  -- no read finds a grade by assignment; setting it again is harmless
  -- (idempotent): a row whose outcome is unknown is run again
  verify = function() return "absent" end,
}

M.invite = {
  summary = "send login instructions: userid (+from_name); a lost answer is an unknown row, never mailed twice",
  required = { "userid" },
  key = { "userid" },
  notifies = true,
  run = function(client, row)
    local attributes = { userid = wf.need(row, "userid"), send_login_instructions = true }
    if wf.present(row.from_name) then attributes.from_name = row.from_name end
    return (wf.write(client, { fn = "update_user", args = { attributes = attributes } }, { done = "sent" }))
  end,
  -- no read shows a mail: an unknown one stays unknown
  verify = function() return nil end,
}

M.unenroll = {
  summary = "remove users from classes, 100 a call: class_id, user_id",
  required = { "class_id", "user_id" },
  batch = { size = SIZE, group = "class_id" },
  key = { "class_id", "user_id" },
  run = function(client, row, job)
    local class = wf.need(row, "class_id")
    local id = wf.int(wf.need(row, "user_id"))
    return batcher(job, "unenroll", function(class_id, ids)
      return send_batch(client, function(some) return removal(class_id, some) end, ids, ids, REMOVAL)
    end):add(class, function() return id end)
  end,
  verify = function(client, row, job)
    return check_batch(client, job, "verify unenroll", row.class_id, wf.int(row.user_id), removal)
  end,
}

return M
