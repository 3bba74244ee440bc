-- Files for the specs: reading one whole, writing text to a new temporary
-- file, and a fresh path nothing exists at.
local files = {}

--- The whole content of a file (binary).
function files.read(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("*a")
  f:close()
  return text
end

--- A new temporary path (ending in suffix) where no file exists yet.
function files.fresh_path(suffix)
  local path = os.tmpname()
  os.remove(path)
  return path .. (suffix or "")
end

--- Writes text to a new temporary file (its name ending in suffix, when
-- given); returns its path.
function files.with(text, suffix)
  local path = suffix and files.fresh_path(suffix) or os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

return files
