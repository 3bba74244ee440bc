--- MATRIX LMS's part of tools/soak.lua.  The workflow is enroll unless
-- --action (or LMSKIT_SOAK_ACTION) names another:
--   enroll    add N learners by userid (add_user, which updates an account
--             with the same userid) and enroll them into class 1, 100 a
--             call at most (add_students_to_class, ignore_already_enrolled)
--   invite    send login instructions to N seeded users (update_user with
--             send_login_instructions): never twice, unknown when lost
--   unenroll  remove N seeded students of class 1
--   grades    set assignment 1's grade of N seeded students of class 1
-- The simulator's 120 calls a minute limit is raised for the soak (the
-- client's limiter too): the limit has specs of its own, and 10,000 rows
-- at 120 calls a minute would take hours.
local sandbox = require "sandbox"

local M = { prefix = "/matrix/api/", action = os.getenv("LMSKIT_SOAK_ACTION") or "enroll" }

function M.client(opts)
  local o = { rate = { calls = 1000000, per = 1 } }
  for k, v in pairs(opts or {}) do o[k] = v end
  return sandbox.matrix(o)
end

-- n seeded students (ids), enrolled into class 1 when `enroll`.
local function seeded(client, n, enroll)
  local r = sandbox.control("POST", "matrix/seed", { users = n })
  local ids = {}
  for id = r.first_id, r.last_id do ids[#ids + 1] = id end
  for i = 1, enroll and #ids or 0, 100 do
    local chunk = {}
    for j = i, math.min(#ids, i + 99) do chunk[#chunk + 1] = ids[j] end
    client.classes:add_students_to_class(1, chunk, { ignore_already_enrolled = true })
  end
  return ids
end

-- Active (not unenrolled) students of class 1, by id.
local function roster(client)
  local active = {}
  for _, s in ipairs(client.classes:get_students_for_class(1)) do
    if not s.unenrolled then active[s.id] = (active[s.id] or 0) + 1 end
  end
  return active
end

local modes = {}

modes.enroll = {
  rows = function(_, n)
    local rows = {}
    for i = 1, n do
      rows[i] = { class_id = "1", userid = "soak" .. i, first_name = "Soak", last_name = "Learner " .. i,
                  email = ("soak%d@example.edu"):format(i) }
    end
    return rows
  end,
  -- the row's account enrolled in class 1, plus every extra account made
  -- for the same learner (a duplicate)
  state = function(client, rows)
    local id_of, accounts = {}, {}
    for u in client.users:get_all_users() do
      if u.userid then id_of[u.userid:lower()] = u.id end
      local name = (u.first_name or "") .. " " .. (u.last_name or "")
      accounts[name] = (accounts[name] or 0) + 1
    end
    local active = roster(client)
    local present = {}
    for i, row in ipairs(rows) do
      local id = id_of[row.userid:lower()]
      local extra = math.max(0, (accounts[row.first_name .. " " .. row.last_name] or 0) - 1)
      present[i] = (id and active[id] or 0) + extra
    end
    return present
  end,
}

modes.invite = {
  rows = function(client, n)
    local rows = {}
    for i, id in ipairs(seeded(client, n, false)) do rows[i] = { userid = "seeduser" .. id } end
    return rows
  end,
  -- login-instruction mails to the row's user
  state = function(_, rows)
    local sent = {}
    for _, m in ipairs(sandbox.control("GET", "matrix/mail").mail) do
      if m.kind == "login_instructions" then sent[m.userid] = (sent[m.userid] or 0) + 1 end
    end
    local present = {}
    for i, row in ipairs(rows) do present[i] = sent[row.userid] or 0 end
    return present
  end,
}

modes.unenroll = {
  rows = function(client, n)
    local rows = {}
    for i, id in ipairs(seeded(client, n, true)) do rows[i] = { class_id = "1", user_id = tostring(id) } end
    return rows
  end,
  -- 1 while the row's student is still enrolled (M.inverse: done means 0)
  state = function(client, rows)
    local active = roster(client)
    local present = {}
    for i, row in ipairs(rows) do present[i] = active[tonumber(row.user_id)] and 1 or 0 end
    return present
  end,
}

modes.grades = {
  rows = function(client, n)
    local rows = {}
    for i, id in ipairs(seeded(client, n, true)) do
      rows[i] = { assignment_id = "1", user_id = tostring(id), grade = "B+" }
    end
    return rows
  end,
  -- 1 when the row's grade is in the gradebook
  state = function(client, rows)
    local grade_of = {}
    for _, row in ipairs(client.grades:get_grades_for_class(1)) do
      for _, a in ipairs(row.grading_periods[1].assignments) do
        if a.id == 1 then grade_of[row.user_id] = a.grade end
      end
    end
    local present = {}
    for i, row in ipairs(rows) do present[i] = grade_of[tonumber(row.user_id)] == row.grade and 1 or 0 end
    return present
  end,
}

local function mode_of(action)
  return assert(modes[action or M.action], "matrix soak: action enroll, invite, unenroll or grades")
end

function M.rows(client, n, action)
  sandbox.control("POST", "matrix/config", { limit = 1000000, window = 1, lockout = 0 })
  return mode_of(action).rows(client, n)
end

function M.state(client, rows, action) return mode_of(action).state(client, rows) end

-- For unenroll the effect is an absence: done rows must be gone.
M.inverse = { unenroll = true }

return M
