--- Coursepath's workflows (see lmskit.workflows): enroll, invite,
-- unenroll.  Invitations mail people and no read shows them: one whose
-- outcome is unknown stays unknown (never sent again, not by a retry nor
-- by a rerun), unless the user asks for it again (`resend`).
-- @module lmskit.workflows.coursepath
local core = require "lmskit.core"
local tasks = require "lmskit.tasks"
local wf = require "lmskit.workflows.engine"

local M = {}

local MEMBER_COLUMNS = { "name", "company", "department", "country", "externalId", "association",
                         "identification", "registration" }

-- The member id of a row: member_id, or looked up by email.
local function member_of(client, row)
  if wf.present(row.member_id) then return row.member_id end
  local email = wf.need(row, "email")
  local member = client.members:list { email = email }() -- the first match, if any
  if member then return member.id end
  error(core.error { kind = "not_found", message = "no member with email " .. email }, 0)
end

local function enrollment(row)
  if wf.present(row.member_id) then
    return { resource = "courses", action = "enroll", args = { row.course_id, row.member_id } }
  end
  local fields = { email = row.email }
  for _, c in ipairs(MEMBER_COLUMNS) do if wf.present(row[c]) then fields[c] = row[c] end end
  -- creates the member, or reuses the one with that email, and enrolls her
  return { resource = "courses", action = "add_member", args = { row.course_id }, fields = fields }
end

local REMOVAL = { done = "removed", found = "absent" }

local function removal(row, member)
  return { resource = "courses", action = "unenroll", args = { row.course_id, member } }
end

local function key(row) return wf.key(row, "course_id", { "member_id", "email" }) end

-- Checks a row names a course and a member (by id or by email).
local function need_course_member(row)
  wf.need(row, "course_id")
  wf.either(row, { "member_id", "email" })
end

M.enroll = {
  summary = "enroll members into a course: course_id, and member_id or email (+name, company, ...; created if new)",
  required = { "course_id" },
  one_of = { { "member_id", "email" } },
  key = key,
  run = function(client, row)
    need_course_member(row)
    return (wf.write(client, enrollment(row)))
  end,
  verify = function(client, row) return wf.check(client, enrollment(row)) end,
}

M.invite = {
  summary = "send invitations: member_id or email; course_id or program_id (optional); " ..
            "mail_subject, mail_body, mail_action override the text",
  one_of = { { "member_id", "email" } },
  -- the invite calls declare notifies: never sent again once their outcome
  -- is unknown, and bulk journals such a row as started before it runs
  notifies = true,
  -- who is invited where (a journal of an earlier version, keyed by
  -- every column, is still honoured: lmskit.bulk looks its keys up too)
  key = function(row)
    local who = wf.present(row.member_id) and row.member_id or row.email
    if not wf.present(who) then return nil end
    return (row.course_id or "") .. "\31" .. (row.program_id or "") .. "\31" .. who
  end,
  run = function(client, row)
    wf.either(row, { "member_id", "email" })
    local member = member_of(client, row)
    local mail = {}
    for _, part in ipairs { "subject", "body", "action" } do
      if wf.present(row["mail_" .. part]) then mail[part] = row["mail_" .. part] end
    end
    local fields = next(mail) and { mail = mail } or {}
    local w
    if wf.present(row.course_id) then
      w = { resource = "courses", action = "invite", args = { row.course_id, member }, fields = fields }
    elseif wf.present(row.program_id) then
      w = { resource = "programs", action = "invite", args = { row.program_id, member }, fields = fields }
    else
      w = { resource = "members", action = "invite", args = { member }, fields = fields }
    end
    return (wf.write(client, w, { done = "sent" }))
  end,
  -- no read shows an invitation: an unknown one stays unknown
  verify = function() return nil end,
}

M.unenroll = {
  summary = "remove members from a course (this deletes their learning results): course_id, member_id or email",
  confirm = "Coursepath deletes all learning results of each member removed from a course.",
  required = { "course_id" },
  one_of = { { "member_id", "email" } },
  key = key,
  run = function(client, row)
    need_course_member(row)
    return (wf.write(client, removal(row, member_of(client, row)), REMOVAL))
  end,
  verify = function(client, row)
    local ok, member = tasks.pcall(member_of, client, row)
    if not ok then -- no such member: none is in the course
      return core.is_error(member) and member.kind == "not_found" and "done" or nil
    end
    return wf.check(client, removal(row, member))
  end,
}

return M
