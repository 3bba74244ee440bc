--- lmskit: script the APIs of learning management systems.
--
--     local lmskit = require "lmskit"
--     local catalog = lmskit.catalog { base_url = "https://www.my-catalog.edu",
--                                      token = os.getenv "CATALOG_TOKEN" }
--     for course in catalog.courses:list { per_page = 100 } do print(course.id, course.title) end
--
-- @module lmskit
local core = require "lmskit.core"
local client = require "lmskit.client"

local lmskit = {
  --- The version of lmskit, e.g. "0.1.0" (also in the User-Agent).
  version = core.version,
  --- The metatable of every error lmskit raises (`kind`, `status`, `message`,
  -- `method`, `url`); `lmskit.is_error(e)` tests for it.
  Error = core.Error,
  --- True when a value is an `lmskit.Error`: `lmskit.is_error(e)`.
  is_error = core.is_error,
  --- JSON with exact numbers (`lmskit.json`: encode, decode, array, null).
  json = require "lmskit.json",
  --- CSV rows keyed by the header (`lmskit.csv`: rows, read).
  csv = require "lmskit.csv",
  --- JSON Web Tokens signed in C (`lmskit.jwt`: sign, id).
  jwt = require "lmskit.jwt",
}

local tasks = require "lmskit.tasks"

--- Runs fn(spawn) as a task; calls made in tasks run concurrently on the
-- engine (opts.concurrency: calls in flight, default 16).  Returns when
-- every task has finished; raises the first error a task raised.
lmskit.run = tasks.run
--- Starts a task without waiting (drive it with lmskit.step).
lmskit.spawn = tasks.spawn
--- Advances tasks without blocking longer than timeout seconds (default 0);
-- for hosts with their own loop.  Returns the number of live tasks.
lmskit.step = tasks.step
--- Bounds what one lmskit.step does, for a host that steps once a frame:
-- at most n requests start their transfer (connection, TLS handshake) in
-- one step, the others in the next steps, in order, on the engine that
-- clients made without `engine =` share.  0 (the default) starts every
-- request at once.
function lmskit.budget(n)
  core.engine():budget(n)
end

--- Runs a journaled, resumable bulk job (see lmskit.bulk).
lmskit.bulk = require("lmskit.bulk").run
--- Runs a ready-made workflow: lmskit.workflow(vendor, action, client, opts).
lmskit.workflow = require("lmskit.workflows").run

-- Vendors with a declaration file under lua/lmskit/apis/ (listed in
-- lua/lmskit/apis/init.lua), each checked against lmskit.schema as it
-- loads.  Each constructor, lmskit.<vendor>(opts), is documented from its
-- declaration by tools/gen_doc.lua.
local schema = require "lmskit.schema"
for _, name in ipairs(require "lmskit.apis") do
  local decl = schema.assert(require("lmskit.apis." .. name), name)
  lmskit[name] = function(opts) return client.new(decl, opts) end
end

return lmskit
