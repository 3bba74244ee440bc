--- Runs the lmskit command in a pseudo-terminal (script(1) from
-- util-linux), as a person meets it.  Shared by the command-line specs.
local runtime = require "support.runtime"

local M = {}

--- A string quoted for sh.
function M.shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

--- Runs `lmskit <args>` in a pseudo-terminal with the given environment
-- (a table of variables); returns what the terminal showed and the exit
-- status.  Under the sanitizers (make test-asan preloads libasan) only
-- lmskit's process gets the preload: script(1) itself leaks a string at
-- exit.  `typing`, if given, is a shell command whose output is typed at
-- the terminal (e.g. "sleep 2; printf '\\003'": Ctrl-C two seconds in).
function M.lmskit(args, env, typing)
  local vars = {}
  for k, v in pairs(env or {}) do vars[#vars + 1] = k .. "=" .. M.shell_quote(v) end
  local preload = os.getenv("LD_PRELOAD")
  if preload then vars[#vars + 1] = "LD_PRELOAD=" .. M.shell_quote(preload) end
  local command = "env " .. table.concat(vars, " ") .. " " .. runtime.lua .. " bin/lmskit " .. args
  local p = io.popen((typing and "(" .. typing .. ") | " or "") .. "env -u LD_PRELOAD script -qfec " ..
                     M.shell_quote(command) .. " /dev/null 2>&1; echo \"exit=$?\"")
  local out = p:read("*a")
  p:close()
  return out, tonumber(out:match("exit=(%d+)%s*$"))
end

return M
