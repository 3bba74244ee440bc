--- Ready-made bulk workflows: enroll, invite, grades, unenroll (and
-- Cerego's courses), one file per vendor under lmskit/workflows/, over a
-- shared engine (lmskit.workflows.engine).
--
--     lmskit.workflow("coursepath", "enroll", cp, { rows = "learners.csv", journal = "j" })
--
-- The report is the truth.  Each row ends in exactly one of:
--   * done, with how: `created` (this job made it), `exists` (it was there
--     already), `updated` (grades), `removed` / `absent` (removals: this
--     job removed it / it was gone already), `sent` (invitations);
--   * failed, with the vendor's reason and what can help (bulk's `fix`:
--     input, credentials, retry);
--   * unknown: the outcome could not be established; the message says
--     what was tried.
-- A row is never reported failed while its effect is there: after any
-- failed or unknown write the workflow looks the effect up, through the
-- look-up the vendor declaration names for that write (lmskit.reconcile),
-- before it reports the row.
--
-- A workflow is a table:
--   summary   one line for --help
--   run(client, row, job)     does the row; returns its how, or raises
--   verify(client, row, job)  for a row whose outcome was unknown (or that
--             started and never finished) before a rerun runs it again:
--             "done" (the effect is there: do not run it), "absent" (run
--             it again: not there, or, for grades, running it again is
--             harmless), nil (cannot tell: lmskit.bulk keeps a row that
--             notifies people unknown, not sent again, and runs any other
--             again, its write settled through its look-up as on a first
--             run).  Invitations answer nil (no read shows a mail) unless
--             the job was started with `resend = true`: then "absent".
--   required  columns every row must give: { "listing_id" }
--   one_of    alternatives, one of each must be given:
--             { { "canvas_user_id", "email" } }
--   key       the row's identity (a function, or its columns)
--   notifies  its rows mail people (bulk journals them as started first)
--   batch     { size = 100, group = "class_id" }: rows of a group go to
--             the vendor `size` a call.  bulk runs `size` times as many
--             rows at once as calls in flight (`workers`): a row waiting
--             for its batch is a task holding no call slot, so batches
--             fill to the vendor's size whatever the concurrency.
--   confirm   asked before it runs on a terminal (destructive)
-- `job` is a table of the run's own (batchers, Cerego's names).
-- @module lmskit.workflows
local tasks = require "lmskit.tasks"

local workflows = {}

--- The vendors with workflows: every vendor lmskit has a declaration of
-- (lmskit.apis), each with its file lmskit/workflows/<vendor>.lua.
workflows.vendors = require "lmskit.apis"

local known = {}
for _, v in ipairs(workflows.vendors) do known[v] = true end

-- workflows.<vendor>: its workflows by action, loaded on first use.
setmetatable(workflows, { __index = function(t, vendor)
  if not known[vendor] then return nil end
  local w = require("lmskit.workflows." .. vendor)
  rawset(t, vendor, w)
  return w
end })

local usage = require("lmskit.usage").raise

--- The lmskit.bulk options that run workflow `action` of `vendor` with
-- `client` over opts.rows (the other opts go to lmskit.bulk as they are,
-- and win over the workflow's declarations; opts.resend: verify answers
-- "absent" for invitations, so that a rerun sends again those whose
-- outcome is unknown, and bulk sends a changed one again).  Adds run,
-- verify (one argument: the row), required, one_of, key, notifies,
-- vendor and workflow (the journal's header ties it to this workflow),
-- and for a batching workflow workers (rows at once: concurrency x batch
-- size) and batch.
function workflows.options(vendor, action, client, opts)
  local w = workflows[vendor] and workflows[vendor][action]
  if not w then
    local there = {}
    for name in pairs(workflows[vendor] or {}) do there[#there + 1] = name end
    table.sort(there)
    usage(("no workflow '%s' for %s (%s)"):format(tostring(action), tostring(vendor),
      #there > 0 and "its workflows: " .. table.concat(there, ", ")
        or "the vendors with workflows: " .. table.concat(workflows.vendors, ", ")))
  end
  if type(opts) ~= "table" then usage("lmskit.workflow(vendor, action, client, opts): opts must be a table") end
  if type(client) ~= "table" or type(client.send) ~= "function" then
    usage("lmskit.workflow(vendor, action, client, opts): client must be an lmskit client")
  end
  if opts.concurrency ~= nil then tasks.check_concurrency("lmskit.workflow", opts.concurrency) end
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  o.key = o.key or w.key
  if o.notifies == nil then o.notifies = w.notifies end
  o.required, o.one_of = o.required or w.required, o.one_of or w.one_of
  o.vendor, o.workflow = vendor, action
  local job = {} -- what one run of the workflow remembers
  o.run = function(row) return w.run(client, row, job) end
  local resend = opts.resend
  o.verify = o.verify or function(row)
    if resend and w.notifies then return "absent" end
    if not w.verify then return nil end
    return w.verify(client, row, job)
  end
  if w.batch then
    o.batch = w.batch
    o.workers = o.workers or math.max(1, o.concurrency or 16) * w.batch.size
    job.workers = o.workers
  end
  return o
end

--- Runs workflow `action` of `vendor` with `client` over opts.rows (see
-- workflows.options); returns the bulk report.
function workflows.run(vendor, action, client, opts)
  local o = workflows.options(vendor, action, client, opts)
  -- a batch answer that counts the users it changed tells "already there"
  -- only when the call went out once: the client's retries are watched
  local stop = o.batch and require("lmskit.workflows.engine").watch_retries(client)
  local ok, report = pcall(require("lmskit.bulk").run, o)
  if stop then stop() end
  if not ok then error(report, 0) end
  return report
end

return workflows
