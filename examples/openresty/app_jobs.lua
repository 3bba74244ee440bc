--- Jobs the example app runs in a pool thread (lmskit.nginx.run): plain
-- lmskit code, concurrent inside the thread.
local lmskit = require "lmskit"

local jobs = {}

--- Enrolls user_ids in listing_id with a Catalog client made from
-- options, 8 at a time; returns how many were enrolled and how many failed.
function jobs.enroll(options, listing_id, user_ids)
  local catalog = lmskit.catalog(options)
  local done, failed = 0, 0
  lmskit.run({ concurrency = 8 }, function(spawn)
    for _, id in ipairs(user_ids or {}) do
      spawn(function()
        local ok = pcall(catalog.enrollments.create, catalog.enrollments,
                         { listing_id = listing_id, canvas_user_id = id })
        if ok then done = done + 1 else failed = failed + 1 end
      end)
    end
  end)
  catalog:close()
  return done, failed
end

return jobs
