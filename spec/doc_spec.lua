-- The reference keeps up with the code: lmskit.core's doc file names
-- every function and method the binding registers (and nothing else), the
-- generator documents every method a vendor client has and every option
-- its constructor accepts, and the generator's view of a declaration
-- agrees with what lmskit makes of it.  No network: nothing is sent.
local core = require "lmskit.core"
local lmskit = require "lmskit"
local options = require "lmskit.options"
local reconcile = require "lmskit.reconcile"
local gen = require "gen_doc"
local doc_count = require "doc_count"
local files = require "support.files"

local CORE_DOC = "tools/doc/core.luadoc"

-- The items of an LDoc file: the name of the first @function, @table or
-- @field tag of each comment block ("Client:request", "version", ...).
local function ldoc_items(text)
  local items, first_tag = {}, nil
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    if line:match("^%-%-") then
      local tag, name = line:match("^%-%-%s*@(%w+)%s+([^%s]+)")
      if tag and not first_tag then
        first_tag = tag
        if tag == "function" or tag == "table" or tag == "field" then items[name] = true end
      end
    else
      first_tag = nil
    end
  end
  return items
end

local function sorted(set)
  local list = {}
  for k in pairs(set) do list[#list + 1] = k end
  table.sort(list)
  return list
end

-- What lmskit.core registers: its module fields, and "Type:method" for
-- each method of each userdata type (luaL_newmetatable "lmskit.Type").
local function core_names()
  local names = {}
  for k in pairs(core) do names[k] = true end
  local registry = debug.getregistry()
  for key, mt in pairs(registry) do
    if type(key) == "string" and key:match("^lmskit%.") and type(mt) == "table"
       and type(mt.__index) == "table" then
      for method in pairs(mt.__index) do names[key:sub(#"lmskit." + 1) .. ":" .. method] = true end
    end
  end
  return names
end

-- The methods of a vendor client: "resource:method" for each function of
-- each resource or RPC section object.
local function client_methods(name)
  local client = lmskit[name](doc_count.sample_options(require("lmskit.apis." .. name)))
  local methods = {}
  for key, object in pairs(client) do
    local kind = type(object) == "table" and tostring(object):match("^lmskit (%a+) ")
    if kind == "resource" or kind == "section" then
      for method, fn in pairs(object) do
        if type(fn) == "function" then methods[key .. ":" .. method] = true end
      end
    end
  end
  client:close()
  return methods
end

-- A fresh directory for the generator's files.
local function temp_dir()
  local dir = os.tmpname()
  os.remove(dir)
  local ok = os.execute("mkdir '" .. dir .. "'")
  assert(ok == true or ok == 0, "cannot create " .. dir)
  return dir
end

describe("the reference", function()
  it("documents every function and method lmskit.core registers, and nothing else", function()
    local documented = ldoc_items(files.read(CORE_DOC))
    local registered = core_names()
    local missing, stale = {}, {}
    for name in pairs(registered) do
      if not documented[name] then missing[#missing + 1] = name end
    end
    for name in pairs(documented) do
      if not registered[name] then stale[#stale + 1] = name end
    end
    table.sort(missing)
    table.sort(stale)
    assert.same({}, missing, "registered by lmskit.core but missing from " .. CORE_DOC)
    assert.same({}, stale, "documented in " .. CORE_DOC .. " but not registered by lmskit.core")
    -- every type with methods, and the module's own functions, were seen
    assert.is_true(registered["Client:request"] and registered["Engine:step"] and registered["client"])
  end)

  it("generates a file per vendor naming every method its client has", function()
    local dir = temp_dir()
    local written = gen.write(dir)
    local vendors = gen.vendors()
    assert.equal(#vendors + 1, #written)
    for _, name in ipairs(vendors) do
      local text = files.read(dir .. "/" .. name .. ".luadoc")
      assert.truthy(text:find("\n%-%- @module lmskit%." .. name .. "\n"), name)
      local documented = ldoc_items(text)
      local from_decl = {}
      for _, m in ipairs(gen.methods(gen.declaration(name))) do
        from_decl[m.object .. ":" .. m.name] = true
      end
      local methods = client_methods(name)
      assert.same(sorted(methods), sorted(from_decl), name .. ": the generator's methods are the client's")
      assert.same(sorted(methods), sorted(documented), name .. ": the generated file documents each method")
    end
    for _, path in ipairs(written) do os.remove(path) end
    os.remove(dir)
  end)

  it("documents every vendor constructor with every option it accepts", function()
    local text = gen.constructors_doc()
    local documented = ldoc_items(text)
    for _, name in ipairs(gen.vendors()) do
      assert.equal("function", type(lmskit[name]), name)
      assert.is_true(documented[name], name)
      local decl = gen.declaration(name)
      local block = (text .. "\n"):match("\n%-%- @function " .. name .. "\n(.-)\n\n") or ""
      local accepted = {}
      for option in pairs(options.types) do accepted[option] = true end
      for option in pairs(decl.options) do accepted[option] = true end
      for option in pairs(accepted) do
        assert.truthy(block:find("opts%." .. option .. " "), name .. ": option " .. option)
        -- and the client really accepts it (a wrong type is refused by name, not as unknown)
        local opts = doc_count.sample_options(decl)
        opts[option] = coroutine.create(function() end) -- no option is a thread
        local ok, err = pcall(lmskit[name], opts)
        assert.is_false(ok)
        assert.falsy(tostring(err):find("unknown option", 1, true), name .. ": " .. option)
      end
      local opts = doc_count.sample_options(decl)
      opts.no_such_option = true
      assert.has_error(function() lmskit[name](opts) end)
    end
  end)

  it("describes every common client option", function()
    for option in pairs(options.types) do assert.is_string(options.about[option], option) end
    for option in pairs(options.rules) do assert.equal("number", options.types[option], option) end
    for option in pairs(options.defaults) do assert.is_string(options.types[option], option) end
  end)

  it("says which declared calls are repeated as lmskit.reconcile decides it", function()
    for _, name in ipairs(gen.vendors()) do
      for _, m in ipairs(gen.methods(gen.declaration(name))) do
        local method = m.kind == "rpc" and (m.decl.send and "POST" or "GET") or m.decl[1]
        local what = name .. " " .. m.object .. ":" .. m.name
        assert.equal(reconcile.idempotent(method, m.decl, {}), gen.idempotent(method, m.decl) == true, what)
      end
    end
  end)
end)
