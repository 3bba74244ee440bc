--- Coggno's workflows (see lmskit.workflows): enroll (users created into
-- a group), unenroll.
--
-- "Already registered": the doc says a create of a user "registered
-- already ... returns a validation error 422" and names no code.  So any
-- 422 from a create is first settled through the create's look-up (the
-- user in the group by login: `exists`); if the user is not in the group,
-- the user is looked up by login ("Retrieve User"; the login defaults to
-- the email) and, found, added to the group (`created`: the enrollment is
-- new).  A 422 for a user no read finds (invalid fields, or registered
-- outside this LMS) fails the row with Coggno's message.
-- @module lmskit.workflows.coggno
local core = require "lmskit.core"
local tasks = require "lmskit.tasks"
local wf = require "lmskit.workflows.engine"

local M = {}

local function login_of(row)
  return wf.present(row.login) and row.login or row.email
end

local function create(row)
  local fields = { email = row.email, first_name = row.first_name, last_name = row.last_name,
                   password = row.password, group_id = wf.int(row.group_id) }
  if wf.present(row.login) then fields.login = row.login end
  return { resource = "users", action = "create", fields = fields }
end

-- A user of the acting account by login, or nil when there is none.
local function user_of(client, login)
  local ok, user = tasks.pcall(client.users.get, client.users, login)
  if ok then return user end
  if core.is_error(user) and user.kind == "not_found" then return nil end
  error(user, 0)
end

M.enroll = {
  summary = "create users into a group: group_id, email, first_name, last_name, password (6-40), login",
  required = { "group_id", "email", "first_name", "last_name", "password" },
  key = function(row) return wf.key(row, "group_id", { "email", "login" }) end,
  run = function(client, row)
    for _, c in ipairs(M.enroll.required) do wf.need(row, c) end
    local ok, how = tasks.pcall(wf.write, client, create(row))
    if ok then return how end
    local err = how
    -- a refusal (not a lost answer) the look-up did not find in the group
    if not (core.is_error(err) and err.kind == "validation" and err.status == 422 and err.sent == nil) then
      error(err, 0)
    end
    local user = user_of(client, login_of(row))
    if not user then error(err, 0) end -- invalid, or registered outside this LMS
    return (wf.write(client, { resource = "group_users", action = "add", args = { row.group_id },
                               fields = { id = user.id } }))
  end,
  verify = function(client, row) return wf.check(client, create(row)) end,
}

local function removal(row)
  local user = wf.present(row.user_id) and row.user_id or row.login
  return { resource = "group_users", action = "remove", args = { row.group_id, user } }
end

M.unenroll = {
  summary = "remove users from a group: group_id, and user_id or login",
  required = { "group_id" },
  one_of = { { "user_id", "login" } },
  key = function(row) return wf.key(row, "group_id", { "user_id", "login" }) end,
  run = function(client, row)
    wf.need(row, "group_id")
    wf.either(row, { "user_id", "login" })
    return (wf.write(client, removal(row), { done = "removed", found = "absent" }))
  end,
  verify = function(client, row) return wf.check(client, removal(row)) end,
}

return M
