--- Counts the public names of lmskit that the LDoc reference documents.
--
-- Two halves, since LDoc runs on its own Lua (5.1 or 5.2) while the public
-- names are read from the loaded module, which needs the C core:
--
--     LUA_PATH="tools/?.lua;;" ldoc --filter doc_count.ldoc_names . > build/doc-names.txt
--     lua5.4 tools/doc_count.lua build/doc-names.txt      # `make doc-count` does both
--
-- The public names are: the fields of `lmskit`; the fields of every module
-- lmskit.<m> (lua/lmskit/*.lua, lua/lmskit/*/init.lua, the API
-- declarations excepted: they are data); the methods of a vendor client;
-- the fields of lmskit.core and the methods of each userdata type it
-- registers; and every method of every resource or section of each vendor
-- client.  Names starting with "_" are private.  A name is documented when
-- LDoc has an item of that name in that module (`Type:method` for methods).
-- Prints the counts and the names left undocumented; run from the
-- repository's root.
local M = {}

--- LDoc filter: prints "doc <module>.<item>" for every item LDoc documents.
function M.ldoc_names(module_list)
  for mod in module_list:iter() do
    for item in mod.items:iter() do
      print("doc\t" .. mod.name .. "." .. item.name)
    end
  end
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do
    if type(k) == "string" and not k:match("^_") then keys[#keys + 1] = k end
  end
  table.sort(keys)
  return keys
end

-- The modules under lua/lmskit: name -> true.
local function lmskit_modules()
  local mods = {}
  local ls = assert(io.popen("ls -1 lua/lmskit"))
  for entry in ls:lines() do
    local name = entry:match("^([%w_]+)%.lua$")
    if name and name ~= "init" then
      mods[#mods + 1] = "lmskit." .. name
    elseif entry:match("^[%w_]+$") and entry ~= "apis" then
      local f = io.open("lua/lmskit/" .. entry .. "/init.lua")
      if f then
        f:close()
        mods[#mods + 1] = "lmskit." .. entry
      end
    end
  end
  ls:close()
  table.sort(mods)
  return mods
end

-- Options that let a vendor client be created (nothing is sent): a
-- credential of the right shape and every option the declaration requires.
local function sample_options(decl)
  local opts = { base_url = "https://lms.example" }
  local auth = decl.auth
  if auth.secret then
    local prefixes = auth.prefix_by_host or {}
    opts[auth.secret] = (prefixes[decl.hosts and decl.hosts.default] or "") .. "sample-credential"
  end
  for _, name in ipairs(auth.required or {}) do opts[name] = "someone@school.example" end
  return opts
end
M.sample_options = sample_options

--- The public names, grouped: { library = {...}, vendor = {...} }.
function M.public_names()
  local library, vendor = {}, {}
  local lmskit = require "lmskit"
  for _, k in ipairs(sorted_keys(lmskit)) do library[#library + 1] = "lmskit." .. k end
  for _, mod in ipairs(lmskit_modules()) do
    local t = require(mod)
    if type(t) == "table" then
      for _, k in ipairs(sorted_keys(t)) do library[#library + 1] = mod .. "." .. k end
    end
  end
  local core = require "lmskit.core"
  for _, k in ipairs(sorted_keys(core)) do library[#library + 1] = "lmskit.core." .. k end
  local registry = debug.getregistry()
  for _, name in ipairs(sorted_keys(registry)) do
    local mt = registry[name]
    if name:match("^lmskit%.") and type(mt) == "table" and type(mt.__index) == "table" then
      for _, m in ipairs(sorted_keys(mt.__index)) do
        library[#library + 1] = "lmskit.core." .. name:sub(#"lmskit." + 1) .. ":" .. m
      end
    end
  end
  for _, name in ipairs(require "lmskit.apis") do
    local client = lmskit[name](sample_options(require("lmskit.apis." .. name)))
    if name == (require "lmskit.apis")[1] then
      for _, m in ipairs(sorted_keys(getmetatable(client).__index)) do
        library[#library + 1] = "lmskit.client.Client:" .. m
      end
    end
    for _, k in ipairs(sorted_keys(client)) do
      local object = client[k]
      local kind = type(object) == "table" and tostring(object):match("^lmskit (%a+) ")
      if kind == "resource" or kind == "section" then
        for _, m in ipairs(sorted_keys(object)) do
          if type(object[m]) == "function" then
            vendor[#vendor + 1] = ("lmskit.%s.%s:%s"):format(name, k, m)
          end
        end
      end
    end
    client:close()
  end
  return { library = library, vendor = vendor }
end

local function main(names_file, cpath)
  package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
  package.cpath = (cpath or "build/5.4") .. "/?.so;" .. package.cpath
  local documented = {}
  for line in assert(io.open(names_file)):lines() do
    local name = line:match("^doc\t(.+)$")
    if name then documented[name] = true end
  end
  local groups = M.public_names()
  local total, total_doc = 0, 0
  for _, group in ipairs { "library", "vendor" } do
    local names, n, missing = groups[group], 0, {}
    for _, name in ipairs(names) do
      if documented[name] then n = n + 1 else missing[#missing + 1] = name end
    end
    print(("%s: %d of %d public names documented"):format(group, n, #names))
    for _, name in ipairs(missing) do print("  undocumented: " .. name) end
    total, total_doc = total + #names, total_doc + n
  end
  print(("all: %d of %d public names documented"):format(total_doc, total))
end

if arg and arg[0] and arg[0]:match("doc_count%.lua$") then
  if not arg[1] then
    io.stderr:write("usage: lua tools/doc_count.lua NAMES_FILE [CPATH]\n")
    os.exit(2)
  end
  main(arg[1], arg[2])
end

return M
