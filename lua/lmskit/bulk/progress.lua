--- The progress display of a bulk job, on stderr: a bar redrawn in place
-- on a terminal (at most every 0.1 s), otherwise a plain line every few
-- seconds, and a last line when the job ends.
--
--     [=========                     ] 310/1000 rows  52 rows/s  2 failed 1 unknown ETA 0:13
-- @module lmskit.bulk.progress
local core = require "lmskit.core"

local progress = {}

-- The line that shows the counts `s` (done, failed, unknown) out of
-- `total` rows, `started` (core.now()) being when the job began.
local function line(s, total, started, tty)
  local elapsed = core.now() - started
  local rate = s.done / math.max(elapsed, 1e-3)
  local eta = ""
  if total and rate > 0 and s.done < total then
    local left = (total - s.done) / rate
    eta = (" ETA %d:%02d"):format(math.floor(left / 60), math.floor(left % 60))
  end
  local count = total and ("%d/%d"):format(s.done, total) or tostring(s.done)
  local bar = ""
  if tty and total and total > 0 then
    local width = 30
    local filled = math.floor(width * s.done / total)
    bar = "[" .. string.rep("=", filled) .. string.rep(" ", width - filled) .. "] "
  end
  local unknown = s.unknown > 0 and (" %d unknown"):format(s.unknown) or ""
  return ("%s%s rows  %.0f rows/s  %d failed%s%s"):format(bar, count, rate, s.failed, unknown, eta)
end

--- A display of `total` rows; `enabled` false shows nothing.  Returns an
-- object: p.update(s) after each row, p.finish(s) once at the end.
function progress.new(enabled, total)
  if enabled == false then return { update = function() end, finish = function() end } end
  local tty = core.isatty(2)
  local started, last = core.now(), 0
  return {
    update = function(s)
      local now = core.now()
      if tty then
        if now - last >= 0.1 then
          io.stderr:write("\r", line(s, total, started, tty), "\27[K")
          last = now
        end
      elseif now - last >= 2 then
        io.stderr:write(line(s, total, started, tty), "\n")
        last = now
      end
    end,
    finish = function(s)
      io.stderr:write(tty and "\r" or "", line(s, total, started, tty), tty and "\27[K\n" or "\n")
    end,
  }
end

return progress
