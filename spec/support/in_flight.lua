--- Counts the requests tasks have in flight, read whenever one is
-- submitted (where the count can only have grown): on the engine, and on
-- one client of its own.  For spec/support/*_job.lua, which run as their
-- own process: it wraps lmskit.tasks.await and the core clients' submit
-- for the rest of the process.
local tasks = require "lmskit.tasks"

local in_flight = {}

--- Starts counting; `client` (an lmskit client, or nil) is counted on its
-- own too.  Returns a table whose `most` and `most_client` are the
-- largest counts seen so far.
function in_flight.watch(client)
  local seen = { most = 0, most_client = 0 }
  local mine = client and client._path.core
  local open = setmetatable({}, { __mode = "k" }) -- the client's requests not yet seen done
  local await, patched = tasks.await, {}
  tasks.await = function(core_client, wire, limit)
    local index = getmetatable(core_client).__index
    if not patched[index] then
      patched[index] = true
      local submit = index.submit
      index.submit = function(self, spec)
        local request = submit(self, spec)
        local running = self:engine():running()
        if running > seen.most then seen.most = running end
        if self == mine then
          open[request] = true
          local n = 0
          for r in pairs(open) do -- (a request read is closed: done)
            local ok, done = pcall(r.done, r)
            if not ok or done then open[r] = nil else n = n + 1 end
          end
          if n > seen.most_client then seen.most_client = n end
        end
        return request
      end
    end
    return await(core_client, wire, limit)
  end
  return seen
end

return in_flight
