--- Ready-made bulk workflows: enroll, invite, grades, unenroll (and
-- Cerego's courses).
--
--     lmskit.workflow("coursepath", "enroll", cp, { rows = "learners.csv", journal = "j" })
--
-- Each workflow is safe to repeat for a row (the bulk journal relies on
-- it): "already exists" and "already gone" count as success, reported as
-- the outcomes "exists" and "absent".  MATRIX workflows gather rows into
-- calls of up to 100 users (its functions take arrays and "succeed
-- completely or fail completely").
-- @module lmskit.workflows
local core = require "lmskit.core"
local tasks = require "lmskit.tasks"

local workflows = {}

local function usage(message)
  error(core.error { kind = "usage", message = message }, 0)
end

-- The value of a required column, or a usage error naming it.
local function need(row, column)
  local v = row[column]
  if v == nil or v == "" then usage("column '" .. column .. "' is empty") end
  return v
end

local function present(v) return v ~= nil and v ~= "" end

-- Runs fn; an lmskit.Error accepted by `accept(err)` becomes `outcome`.
local function tolerate(outcome, accept, fn, ...)
  local ok, value = tasks.pcall(fn, ...)
  if ok then return value end
  if core.is_error(value) and accept(value) then return outcome end
  error(value, 0)
end

local function is_kind(kind, pattern)
  return function(err)
    return err.kind == kind and (not pattern or (err.message or ""):lower():find(pattern) ~= nil)
  end
end

-- Gathers rows of one group (a class, an assignment) into calls of up to
-- `size` items: the first row of a batch waits `linger` seconds for
-- others, a full batch goes at once; every row of a batch shares its
-- outcome.  Runs inside bulk's tasks.
local function batcher(size, linger, send)
  local open = {}
  return function(group, item)
    local batch = open[group]
    if not batch then
      batch = { items = {}, leader = true }
      open[group] = batch
    end
    local items = batch.items
    items[#items + 1] = item
    local leader = #items == 1
    local function flush()
      if batch.sent then return end
      batch.sent = true
      if open[group] == batch then open[group] = nil end
      local ok, err = tasks.pcall(send, group, items)
      batch.done, batch.err = true, not ok and err or nil
    end
    if #items >= size then flush()
    elseif leader then
      tasks.sleep(linger)
      flush()
    end
    while not batch.done do tasks.sleep(0.01) end
    if batch.err then error(batch.err, 0) end
    return "ok"
  end
end

-- Canvas Catalog -----------------------------------------------------------

-- Canvas user ids by email, loaded once per client when a registration
-- reports the email as taken (the API has no lookup by email).
local function catalog_user_id(client, email)
  local map = client._email_ids
  if not map then
    map = {}
    for r in client.user_registrations:list { per_page = 100 } do
      if r.email then map[r.email:lower()] = r.canvas_user_id end
    end
    client._email_ids = map
  end
  return map[email:lower()]
end

workflows.catalog = {
  enroll = {
    summary = "enroll users into a listing: listing_id, and canvas_user_id or name+email (registered first)",
    key = function(row)
      return row.listing_id and (row.listing_id .. "\31" .. (row.canvas_user_id or row.email or ""))
    end,
    run = function(client, row)
      local listing = need(row, "listing_id")
      local user = row.canvas_user_id
      if not present(user) then
        local email = need(row, "email")
        local reg = tolerate(false, is_kind("validation", "taken"), client.user_registrations.create,
          client.user_registrations, { name = present(row.name) and row.name or email, email = email })
        user = reg and reg.canvas_user_id or catalog_user_id(client, email)
        if not user then usage("email " .. email .. " is taken but no registration has it") end
      end
      return tolerate("exists", is_kind("validation", "already enrolled"), function()
        client.enrollments:create { listing_id = listing, canvas_user_id = user }
        return "ok"
      end)
    end,
  },
  unenroll = {
    summary = "not available: Canvas Catalog's API has no call that drops an enrollment",
    key = { "listing_id", "canvas_user_id" },
    run = function() usage("Canvas Catalog's API (v1) documents no way to drop an enrollment") end,
  },
}

-- Cerego -------------------------------------------------------------------

-- A partner id as the integer's digits ("021" and 21 are one partner).
local function cerego_partner(v)
  local n = tonumber(v)
  return n and n == math.floor(n) and ("%d"):format(n) or tostring(v)
end

-- The lower-cased names of a partner's courses -> how many, read once per
-- job and partner before the job's first create there (the API has no
-- look-up by name).  Tasks of the same partner wait for the one reading.
local function cerego_names(client, job, partner)
  job.cerego_names = job.cerego_names or {}
  local cache = job.cerego_names
  local entry = cache[partner]
  if entry then
    while entry.loading do tasks.sleep(0.01) end
    if entry.names then return entry.names end
  end
  entry = { loading = true }
  cache[partner] = entry
  local ok, err = tasks.pcall(function()
    local names = {}
    for c in client.courses:list { filter = { partner_id = partner }, page = { size = 100 } } do
      local name = tostring(c.name):lower()
      names[name] = (names[name] or 0) + 1
    end
    entry.names = names
  end)
  entry.loading = false
  if not ok then
    cache[partner] = nil
    error(err, 0)
  end
  return entry.names
end

workflows.cerego = {
  courses = {
    summary = "create courses: name, partner_id (+description, slug); a course already there " ..
              "(same slug, or without one the same name in the partner) counts as done",
    key = function(row)
      if present(row.slug) then return "slug\31" .. row.slug end
      return row.name and row.partner_id and
        ("name\31" .. tostring(row.name):lower() .. "\31" .. cerego_partner(row.partner_id))
    end,
    run = function(client, row, job)
      local fields = { name = need(row, "name"), partner_id = need(row, "partner_id") }
      local partner = cerego_partner(fields.partner_id)
      if present(row.description) then fields.description = row.description end
      if present(row.slug) then
        -- the slug is the key: Cerego refuses a second course with it
        fields.slug = row.slug
        local ok, err = tasks.pcall(client.courses.create, client.courses, fields)
        if ok then return "ok" end
        if not (core.is_error(err) and is_kind("validation", "slug has already been taken")(err)) then
          error(err, 0)
        end
        local course = client.courses:get(row.slug)
        if tostring(course.name):lower() == fields.name:lower()
           and cerego_partner(course.partner and course.partner.id) == partner then
          return "exists"
        end
        error(err, 0) -- another course holds the slug
      end
      if cerego_names(client, job, partner)[fields.name:lower()] then return "exists" end
      client.courses:create(fields)
      return "ok"
    end,
  },
}

-- Coursepath ---------------------------------------------------------------

local MEMBER_COLUMNS = { "name", "company", "department", "country", "externalId", "association",
                         "identification", "registration" }

-- The member id of a row: member_id, or looked up by email.
local function coursepath_member(client, row)
  if present(row.member_id) then return row.member_id end
  local email = need(row, "email")
  local member = client.members:list { email = email }() -- the first match, if any
  if member then return member.id end
  error(core.error { kind = "not_found", message = "no member with email " .. email }, 0)
end

workflows.coursepath = {
  enroll = {
    summary = "enroll members into a course: course_id, and member_id or email (+name, company, ...; created if new)",
    key = function(row) return row.course_id and (row.course_id .. "\31" .. (row.member_id or row.email or "")) end,
    run = function(client, row)
      local course = need(row, "course_id")
      if present(row.member_id) then
        client.courses:enroll(course, row.member_id)
        return "ok"
      end
      local fields = { email = need(row, "email") }
      for _, c in ipairs(MEMBER_COLUMNS) do if present(row[c]) then fields[c] = row[c] end end
      client.courses:add_member(course, fields) -- creates or reuses the member by email
      return "ok"
    end,
  },
  invite = {
    summary = "send invitations: member_id or email; course_id or program_id (optional); " ..
              "mail_subject, mail_body, mail_action override the text",
    -- an invitation whose outcome is unknown is reported so and never sent
    -- again (the invite calls declare notifies): not by a retry, not by a
    -- rerun of the journal
    notifies = true,
    -- who is invited where (a journal of an earlier version, keyed by
    -- every column, is still honoured: lmskit.bulk looks its keys up too)
    key = function(row)
      local who = present(row.member_id) and row.member_id or row.email
      if not present(who) then return nil end
      return (row.course_id or "") .. "\31" .. (row.program_id or "") .. "\31" .. who
    end,
    run = function(client, row)
      local member = coursepath_member(client, row)
      local mail = {}
      for _, part in ipairs { "subject", "body", "action" } do
        if present(row["mail_" .. part]) then mail[part] = row["mail_" .. part] end
      end
      local args = next(mail) and { mail = mail } or {}
      if present(row.course_id) then client.courses:invite(row.course_id, member, args)
      elseif present(row.program_id) then client.programs:invite(row.program_id, member, args)
      else client.members:invite(member, args) end
      return "ok"
    end,
  },
  unenroll = {
    summary = "remove members from a course (this deletes their learning results): course_id, member_id or email",
    confirm = "Coursepath deletes all learning results of each member removed from a course.",
    key = function(row) return row.course_id and (row.course_id .. "\31" .. (row.member_id or row.email or "")) end,
    run = function(client, row)
      local course = need(row, "course_id")
      local member = coursepath_member(client, row)
      return tolerate("absent", is_kind("not_found"), function()
        client.courses:unenroll(course, member)
        return "ok"
      end)
    end,
  },
}

-- Coggno -------------------------------------------------------------------

-- A user of the acting account by login ("Retrieve User" takes a login;
-- the login defaults to the email), or nil when there is none.
local function coggno_user(client, login)
  local ok, user = tasks.pcall(client.users.get, client.users, login)
  if ok then return user end
  if core.is_error(user) and user.kind == "not_found" then return nil end
  error(user, 0)
end

workflows.coggno = {
  enroll = {
    summary = "create users into a group: group_id, email, first_name, last_name, password (6-40), login",
    key = function(row) return row.group_id and (row.group_id .. "\31" .. (row.email or row.login or "")) end,
    run = function(client, row)
      local group = need(row, "group_id")
      local fields = { email = need(row, "email"), first_name = need(row, "first_name"),
                       last_name = need(row, "last_name"), password = need(row, "password"), group_id = group }
      if present(row.login) then fields.login = row.login end
      local ok, err = tasks.pcall(client.users.create, client.users, fields)
      if ok then return "ok" end
      -- the doc: "If such a user is registered already then returns a
      -- validation error 422", and names no code: any 422 is checked by
      -- looking the user up by login; found, it is added to the group
      if not (core.is_error(err) and err.kind == "validation" and err.status == 422) then
        error(err, 0)
      end
      local user = coggno_user(client, fields.login or fields.email)
      if not user then error(err, 0) end -- invalid, or registered outside this LMS
      client.group_users:add(group, { id = user.id })
      return "exists"
    end,
  },
  unenroll = {
    summary = "remove users from a group: group_id, and user_id or login",
    key = function(row) return row.group_id and (row.group_id .. "\31" .. (row.user_id or row.login or "")) end,
    run = function(client, row)
      local group = need(row, "group_id")
      local user = present(row.user_id) and row.user_id or need(row, "login")
      return tolerate("absent", is_kind("not_found"), function()
        client.group_users:remove(group, user)
        return "ok"
      end)
    end,
  },
}

-- MATRIX -------------------------------------------------------------------
-- Exactly once under faults through the declarations (vendor/matrix.lua):
-- add_user by userid and add_students_to_class with ignore_already_enrolled
-- are idempotent, set_grades_for_assignment too; remove_students_from_class
-- is settled through the class roster.  Login instructions (invite) are
-- never sent twice: a lost answer leaves the row unknown, and bulk never
-- redoes an unknown row.

-- One batcher per client and purpose, created on first use.
local function matrix_batcher(client, name, send)
  client._batchers = client._batchers or {}
  local b = client._batchers[name]
  if not b then
    b = batcher(100, 0.05, send)
    client._batchers[name] = b
  end
  return b
end

-- The user id of a row: user_id, or added/matched by userid (add_user
-- updates an account with the same userid instead of creating one).
local function matrix_user(client, row)
  if present(row.user_id) then return tonumber(row.user_id) or row.user_id end
  local attributes = { userid = need(row, "userid") }
  for _, c in ipairs { "first_name", "last_name", "email", "password", "student_id" } do
    if present(row[c]) then attributes[c] = row[c] end
  end
  return client.users:add_user(attributes).id
end

workflows.matrix = {
  enroll = {
    summary = "enroll users into classes, 100 a call: class_id, and user_id or userid (+first_name, last_name, email)",
    key = function(row) return row.class_id and (row.class_id .. "\31" .. (row.user_id or row.userid or "")) end,
    run = function(client, row)
      local class = need(row, "class_id")
      local user = matrix_user(client, row)
      return matrix_batcher(client, "enroll", function(class_id, ids)
        client.classes:add_students_to_class(class_id, ids, { ignore_already_enrolled = true })
      end)(class, user)
    end,
  },
  grades = {
    summary = "set grades, 100 a call: assignment_id, user_id, grade (B+, 3.1, 15%, blank, X/M/I/AB)",
    key = { "assignment_id", "user_id" },
    run = function(client, row)
      local assignment = need(row, "assignment_id")
      local grade = row.grade or ""
      return matrix_batcher(client, "grades", function(assignment_id, grades)
        client.grades:set_grades_for_assignment(assignment_id, grades)
      end)(assignment, { user_id = need(row, "user_id"), grade = grade })
    end,
  },
  invite = {
    summary = "send login instructions: userid (+from_name); a lost answer is an unknown row, never mailed twice",
    key = { "userid" },
    run = function(client, row)
      local attributes = { userid = need(row, "userid"), send_login_instructions = true }
      if present(row.from_name) then attributes.from_name = row.from_name end
      client.users:update_user(attributes)
      return "ok"
    end,
  },
  unenroll = {
    summary = "remove users from classes, 100 a call: class_id, user_id",
    key = { "class_id", "user_id" },
    run = function(client, row)
      local class = need(row, "class_id")
      return matrix_batcher(client, "unenroll", function(class_id, ids)
        client.classes:remove_students_from_class(class_id, ids)
      end)(class, tonumber(need(row, "user_id")))
    end,
  },
}

--- Runs workflow `action` of `vendor` with `client` over opts.rows (the
-- other opts go to lmskit.bulk); each row runs as w.run(client, row, job),
-- `job` a table of this run's own.  Returns the bulk report.
--
-- What a workflow may declare besides `run` and `key`, for lmskit.bulk:
--   required = { "listing_id" }: columns every row must give (the input
--     is refused, naming them, before anything is sent);
--   one_of = { { "canvas_user_id", "email" } }: at least one of each group;
--   verify = function(client, row, job) -> "done" | "absent" | nil: looks
--     up whether a row's effect is at the server; a rerun calls it for the
--     rows whose outcome was unknown before running them again (nil:
--     cannot tell);
--   notifies = true: its rows mail people (never sent twice).
-- The caller's opts win over the declarations.
function workflows.run(vendor, action, client, opts)
  local w = workflows[vendor] and workflows[vendor][action]
  if not w then usage(("no workflow '%s' for %s"):format(tostring(action), tostring(vendor))) end
  if type(opts) ~= "table" then usage("lmskit.workflow(vendor, action, client, opts): opts must be a table") end
  if type(client) ~= "table" or type(client.send) ~= "function" then
    usage("lmskit.workflow(vendor, action, client, opts): client must be an lmskit client")
  end
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  o.key = o.key or w.key
  if o.notifies == nil then o.notifies = w.notifies end
  local job = {} -- what one run of the workflow remembers (Cerego: names read once)
  o.run = function(row) return w.run(client, row, job) end
  o.required, o.one_of = o.required or w.required, o.one_of or w.one_of
  if o.verify == nil and w.verify then o.verify = function(row) return w.verify(client, row, job) end end
  o.vendor, o.workflow = vendor, action -- the journal's header ties it to this workflow
  return require("lmskit.bulk").run(o)
end

return workflows
