--- Turns an RPC vendor's function declarations (MATRIX) into methods.
-- Each section becomes a table whose methods take the doc's parameters
-- positionally; `client:call(name, args)` takes them by name, and sends
-- any function, declared or not.
-- @module lmskit.rpc
local params = require "lmskit.params"
local usage = require("lmskit.usage").raise
local paging = require "lmskit.paging"
local reconcile = require "lmskit.reconcile"

local rpc = {}

local Section = {}
Section.__index = Section

-- "class_id:integer?" -> { name = "class_id", type = "integer", optional = true };
-- "operations:array@data" is sent under the wire name "data".
local parsed_cache = setmetatable({}, { __mode = "k" })
local function parameters(fdecl)
  local list = parsed_cache[fdecl]
  if list then return list end
  list = {}
  for _, text in ipairs(fdecl) do
    local name, type_, optional, wire = text:match("^([%w_]+):([%w_|]+)(%??)@?([%w_]*)$")
    assert(name, "bad parameter declaration " .. text)
    list[#list + 1] = { name = name, type = type_, optional = optional == "?",
                        wire = wire ~= "" and wire or name }
  end
  parsed_cache[fdecl] = list
  return list
end
--- A function declaration's parameters, parsed: { name =, type =,
-- optional =, wire = } each, in order (lmskit.schema reads them too).
-- @function parameters
rpc.parameters = parameters

-- Coerces one argument to its declared type; `pairs` stay tables here.
-- A row type of the declaration (rows: name -> its fields) is an array
-- whose every item is a table giving each field.
local function coerce(what, p, value, rows)
  local fields = rows and rows[p.type]
  local spec = p.type
  if spec == "pairs" or fields then spec = spec == "pairs" and "object" or "array" end
  local v, why = params.coerce(spec, value)
  if v == nil then usage(("%s: parameter '%s': %s"):format(what, p.name, why)) end
  for i, row in ipairs(fields and v or {}) do
    for _, field in ipairs(fields) do
      if type(row) ~= "table" or row[field] == nil then
        usage(("%s: %s[%d] must be { %s = }"):format(what, p.name, i, table.concat(fields, " = , ")))
      end
    end
  end
  return v
end

-- Builds the wire arguments: pairs are spread into arguments of their own.
local function wire_args(what, plist, named, rows)
  local out = {}
  local known = {}
  for _, p in ipairs(plist) do
    known[p.name] = true
    local v = named[p.name]
    if v == nil then
      if not p.optional then usage(("%s: missing parameter '%s'"):format(what, p.name)) end
    else
      v = coerce(what, p, v, rows)
      if p.type == "pairs" then
        for k, x in pairs(v) do
          if out[k] ~= nil then usage(("%s: '%s' given twice"):format(what, tostring(k))) end
          out[k] = x
        end
      else
        out[p.wire] = v
      end
    end
  end
  for k in pairs(named) do
    if not known[k] and k ~= "page" then usage(("%s: unknown parameter '%s'"):format(what, tostring(k))) end
  end
  if named.page ~= nil then out.page = named.page end
  return out
end

--- Sends one function call; paged functions without an explicit page
-- return an iterator over every page.
function rpc.invoke(api, name, fdecl, named)
  local what = name
  local args = fdecl and wire_args(what, parameters(fdecl), named, api.decl.row_types) or named
  for option, arg in pairs(api.decl.option_args or {}) do -- options every call carries
    if api.options[option] then args[arg] = api.options[option] end
  end
  local spec = { path = api.decl.rpc_path .. name }
  local send = fdecl and fdecl.send
  if send == "json" then
    spec.method, spec.json = "POST", args
  elseif send == "form" then
    spec.method, spec.form = "POST", args
  else
    spec.method, spec.query = "GET", args
  end
  if fdecl and fdecl.paged and named.page == nil then
    return paging[api.decl.paging.strategy](api, spec, fdecl.root, fdecl)
  end
  if spec.method == "GET" then return (api:send(spec)) end
  spec.idempotent = reconcile.idempotent(spec.method, fdecl, named)
  return (reconcile.send(api, nil, fdecl or {}, named, nil, spec))
end

--- Creates the section object `api.<section>`.
function rpc.section(api, section, functions)
  local self = setmetatable({ _name = section }, Section)
  for name, fdecl in pairs(functions) do
    local plist = parameters(fdecl)
    self[name] = function(s, ...)
      if getmetatable(s) ~= Section then
        usage(("%s: call it with ':' (matrix.%s:%s(...))"):format(name, section, name))
      end
      local n = select("#", ...)
      if n > #plist then usage(("%s: takes %d arguments, got %d"):format(name, #plist, n)) end
      local named = {}
      for i, p in ipairs(plist) do named[p.name] = (select(i, ...)) end
      return rpc.invoke(api, name, fdecl, named)
    end
  end
  return self
end

--- Index of every declared function by name.
function rpc.index(decl)
  local index = {}
  for _, functions in pairs(decl.sections or {}) do
    for name, fdecl in pairs(functions) do index[name] = fdecl end
  end
  return index
end

function Section:__tostring()
  return "lmskit section " .. self._name
end

return rpc
