--- The one way the Lua layer says "this call is wrong": an `lmskit.Error`
-- of kind `usage`, raised before anything is sent.  (The error is a
-- value, not a string: no level or position is added to it.)
-- @module lmskit.usage
local core = require "lmskit.core"

local usage = {}

--- Raises an `lmskit.Error` of kind `usage` with the message (nothing has
-- been sent).
-- @string message what is wrong
function usage.raise(message)
  error(core.error { kind = "usage", message = message }, 0)
end

--- Raises the usage error of a missing option; err.option names it, so a
-- front end (the command line) can say where to set it.
-- @string vendor the vendor's name
-- @string name the option
function usage.required(vendor, name)
  error(core.error { kind = "usage", message = ("%s: option '%s' is required"):format(vendor, name),
                     option = name }, 0)
end

return usage
