--- Canvas Catalog's workflows (see lmskit.workflows).
-- enroll: a listing and a Canvas user, or an email registered first.  A
-- registration refused as "email taken" is looked up fresh through the
-- registrations' declared look-up (an append-only list: only the pages not
-- seen full are read again), never through a list read once and kept: a
-- registration made a moment ago, or one whose answer was lost, is found.
-- @module lmskit.workflows.catalog
local wf = require "lmskit.workflows.engine"

local M = {}

local function registration(row)
  local email = row.email
  return { resource = "user_registrations", action = "create",
           fields = { name = wf.present(row.name) and row.name or email, email = email } }
end

local function enrollment(listing, user)
  return { resource = "enrollments", action = "create",
           fields = { listing_id = wf.int(listing), canvas_user_id = wf.int(user) } }
end

M.enroll = {
  summary = "enroll users into a listing: listing_id, and canvas_user_id or name+email (registered first)",
  required = { "listing_id" },
  one_of = { { "canvas_user_id", "email" } },
  key = function(row) return wf.key(row, "listing_id", { "canvas_user_id", "email" }) end,
  run = function(client, row)
    local listing = wf.need(row, "listing_id")
    local user = row.canvas_user_id
    if wf.either(row, { "canvas_user_id", "email" }) == "email" then
      local _, reg = wf.write(client, registration(row))
      user = type(reg) == "table" and reg.canvas_user_id or nil
      if user == nil then
        error(require("lmskit.core").error { kind = "decode",
          message = "the registration of " .. row.email .. " carries no canvas_user_id" }, 0)
      end
    end
    return (wf.write(client, enrollment(listing, user)))
  end,
  verify = function(client, row)
    local user = row.canvas_user_id
    if not wf.present(user) then
      local reg = wf.lookup(client, registration(row))
      if reg == nil then return nil end
      if not reg then return "absent" end
      user = reg.canvas_user_id
    end
    return wf.check(client, enrollment(row.listing_id, user))
  end,
}

-- No unenroll: Canvas Catalog's API (v1) documents no call that drops an
-- enrollment (only courses and programs can be deleted), so none is
-- offered (lmskit.workflow and the command line name the workflows there are).

return M
