--- The schema of an API declaration (lua/lmskit/apis/<vendor>.lua),
-- written down once: every key a declaration may hold, the type of each,
-- which are required, and what each must name elsewhere in it.  lmskit
-- checks every declaration as it loads it (lua/lmskit/init.lua): an
-- unknown key, a value of the wrong type or a missing required key is
-- refused with a message naming the vendor and the key's path
-- ("matrix: sections.users.add_user.efect: unknown key ...").
--
-- Who reads each key: lmskit.client (options, about, hosts,
-- base_url_option, base_path, auth, account_header, rate, format),
-- lmskit.resource (resources, call_options, body), lmskit.rpc (sections,
-- rpc_path, row_types, option_args), lmskit.paging (paging and a list's
-- page_size, root, offset), lmskit.reconcile (effect, idempotent,
-- notifies; its header says what each effect key does), lmskit.params
-- (field types: "string!", "integer|array").
-- @module lmskit.schema
local params = require "lmskit.params"
local rpc = require "lmskit.rpc"

local schema = {}

-- A failure: the path of the key and what is wrong with it.
local Failure = {}

local function fail(path, message)
  error(setmetatable({ path = path, message = message }, Failure), 0)
end

-- The path of key k under path: "a.b", "a[2]", 'a["user.id"]'.
local function join(path, k)
  if type(k) == "number" then return path .. "[" .. k .. "]" end
  if type(k) == "string" and k:match("^[%a_][%w_]*$") then
    return path == "" and k or path .. "." .. k
  end
  return path .. ("[%q]"):format(tostring(k))
end

-- A value as messages show it: its type, and a scalar's value.
local function shown(v)
  if type(v) == "string" then return ("string %q"):format(v) end
  if type(v) == "table" or type(v) == "function" then return type(v) end
  return type(v) .. " " .. tostring(v)
end

-- The sorted keys of t that are strings, joined by ", ".
local function names_of(t)
  local list = {}
  for k in pairs(t) do if type(k) == "string" then list[#list + 1] = k end end
  table.sort(list)
  return table.concat(list, ", ")
end

-- ---------------------------------------------------------------------
-- Checkers: each is function(value, path), silent when value fits, else
-- fail(path, why).

-- A value of Lua type t ("a string").
local function of_type(t, what)
  return function(v, path)
    if type(v) ~= t then fail(path, ("must be %s, not %s"):format(what, shown(v))) end
  end
end
local text = of_type("string", "a string")
local flag = of_type("boolean", "a boolean")
local number = of_type("number", "a number")

-- A whole number of at least 1.
local function count(v, path)
  if type(v) ~= "number" or v ~= math.floor(v) or v < 1 then
    fail(path, "must be a whole number of at least 1, not " .. shown(v))
  end
end

-- One of the given strings.
local function one_of(...)
  local allowed, list = {}, { ... }
  for _, s in ipairs(list) do allowed[s] = true end
  return function(v, path)
    if not allowed[v] then
      fail(path, ("must be one of %s, not %s"):format(table.concat(list, ", "), shown(v)))
    end
  end
end

-- A field type of lmskit.params ("integer!", "integer|array").
local function field_type(v, path)
  local why = params.spec_error(v)
  if why then fail(path, why) end
end

-- A table whose keys are names (any) and whose values fit `value`.
local function map(value)
  return function(v, path)
    if type(v) ~= "table" then fail(path, "must be a table, not " .. shown(v)) end
    for k, x in pairs(v) do
      if type(k) ~= "string" then fail(join(path, k), "a key here must be a name") end
      value(x, join(path, k))
    end
  end
end

-- A list (items 1..n and nothing else), each item fitting `item`.
local function list(item)
  return function(v, path)
    if type(v) ~= "table" then fail(path, "must be a list, not " .. shown(v)) end
    local n = #v
    for k in pairs(v) do
      if type(k) ~= "number" or k < 1 or k > n or k ~= math.floor(k) then
        fail(join(path, k), "unknown key (a list holds items 1.." .. n .. " only)")
      end
    end
    for i = 1, n do item(v[i], join(path, i)) end
  end
end

-- A table of known keys (fields: key -> checker), the `required` ones
-- present; with `items`, its list part (1..n) too, each fitting `items`.
local function record(fields, required, items)
  return function(v, path)
    if type(v) ~= "table" then fail(path, "must be a table, not " .. shown(v)) end
    local n = items and #v or 0
    for k, x in pairs(v) do
      local check = fields[k]
      if not check and type(k) == "number" and k >= 1 and k <= n and k == math.floor(k) then check = items end
      if not check then fail(join(path, k), "unknown key (known: " .. names_of(fields) .. ")") end
      check(x, join(path, k))
    end
    for _, k in ipairs(required or {}) do
      if v[k] == nil then fail(join(path, k), "is required and missing") end
    end
  end
end

-- By the value's Lua type: checkers = { string = ..., table = ... };
-- `what` says what the value may be.
local function by_type(what, checkers)
  return function(v, path)
    local check = checkers[type(v)]
    if not check then fail(path, ("must be %s, not %s"):format(what, shown(v))) end
    check(v, path)
  end
end

-- ---------------------------------------------------------------------
-- The schema, from the inside out.

local FIELDS = map(field_type) -- body, query and top fields: name -> type

-- idempotent and notifies: a boolean, or an argument path or a list of
-- paths (true when one holds a true value).
local condition = by_type("a boolean, an argument path or a list of paths",
  { boolean = flag, string = text, table = list(text) })

-- A call value by name, or the first given of a list of names.
local value_name = by_type("a call value's name or a list of names", { string = text, table = list(text) })

-- An effect's query: names of call values, literals, nested tables.
local query_value
local query = function(v, path) map(query_value)(v, path) end
query_value = by_type("a call value's name, a number, a boolean or a table",
  { string = text, number = number, boolean = flag, table = query })

local set_rule = record({ field = text, values = text, all = flag }, { "field", "values" })

--- The keys of one look-up of a write's effect (lmskit.reconcile).
schema.effect = record({
  when = text, lookup = text, args = list(value_name), query = query,
  match = map(value_name), contains = set_rule, lacks = set_rule,
  missing = one_of("absent", "done"), partial = flag, exact = flag, unique = flag, hint = text,
  append_only = record({ page = text, size = text, per = count }, { "page", "size", "per" }),
  fresh = text, where = map(by_type("a literal", { boolean = flag, string = text, number = number })),
  returns = text,
  upsert = by_type("a table argument's name or true", { string = text, boolean = function(v, path)
    if v ~= true then fail(path, "must be a table argument's name or true, not false") end
  end }),
}, { "lookup" })

-- effect = false (no read finds it), one look-up, or alternatives.
local effect = by_type("false, a look-up or a list of look-ups", {
  boolean = function(v, path) if v then fail(path, "must be false, a look-up or a list of them") end end,
  table = function(v, path)
    if v[1] ~= nil then list(schema.effect)(v, path) else schema.effect(v, path) end
  end,
})

--- The paging strategies lmskit.paging implements ("none": no list pages).
schema.STRATEGIES = { "link", "page_number", "offset", "page", "none" }
local strategy = one_of((table.unpack or _G.unpack)(schema.STRATEGIES))

--- The keys of a resource's action: { "GET", "/:id", paged = true, ... }.
schema.action = record({
  one_of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"), text,
  paged = flag, paging = strategy, page_size = count, query = FIELDS, body = FIELDS, top = FIELDS,
  partial = flag, single = flag, array = flag,
  idempotent = condition, notifies = condition, effect = effect,
}, { 1 })

--- The keys of a resource: its path, root keys and actions.
schema.resource = record({ path = text, root = text, roots = text, actions = map(schema.action) },
                         { "path", "actions" })

--- The keys of an RPC function: its parameters ("class_id:integer?") in
-- order, then how it travels and what its writes do.
schema.rpc_function = record({
  paged = flag, root = text, offset = text, send = one_of("form", "json"),
  idempotent = condition, notifies = condition, effect = effect,
}, nil, text)

-- hosts: option, default, names, recognise; every other key a host name
-- whose value is its https:// URL.
local function hosts(v, path)
  if type(v) ~= "table" then fail(path, "must be a table, not " .. shown(v)) end
  local known = {
    option = text, default = text, names = text,
    recognise = list(function(r, p)
      list(text)(r, p)
      if #r ~= 2 then fail(p, "must be { host, pattern }") end
    end),
  }
  for k, x in pairs(v) do
    local p = join(path, k)
    if known[k] then known[k](x, p)
    elseif type(k) ~= "string" or type(x) ~= "string" or not x:match("^https://") then
      fail(p, "unknown key (known: " .. names_of(known) .. "; any other names a host and must be "
        .. "its https:// URL)")
    end
  end
  for _, k in ipairs { "option", "default", "names" } do
    if v[k] == nil then fail(join(path, k), "is required and missing") end
  end
end

--- The keys of a declaration.
schema.declaration = record({
  name = text, title = text, base_path = text, base_url_option = text, hosts = hosts,
  options = map(one_of("string", "number", "boolean", "table", "function")),
  about = map(text),
  auth = record({
    strategy = one_of("token", "bearer", "basic", "jwt", "query", "none"),
    secret = text, param = text, alg = text, subject = text,
    -- basic: the option sent as the user, and the password (a literal)
    user = text, password = text,
    -- jwt: the claims minted for every attempt, name -> what it holds
    claims = map(one_of("id", "now", "subject")),
    required = list(text), prefix_by_host = map(text),
  }, { "strategy" }),
  account_header = record({ name = text, option = text }, { "name", "option" }),
  call_options = map(one_of("as", "account")),
  body = one_of("form", "json"),
  format = one_of("jsonapi"),
  paging = record({
    strategy = strategy, page_param = text, params = FIELDS, default_size = count,
    offset = text, limit = text, max_is_page_size = flag, caps = list(count),
  }, { "strategy" }),
  rate = record({ calls = number, per = number, lockout = number, signal = text, margin = number },
                { "calls", "per" }),
  resources = map(schema.resource),
  rpc_path = text,
  sections = map(map(schema.rpc_function)),
  row_types = map(list(text)),
  option_args = map(text),
}, { "name", "title", "options", "auth", "paging", "resources" })

-- ---------------------------------------------------------------------
-- What keys must name elsewhere in the declaration (checked once its
-- shape fits).

-- Fails unless the option `name` is declared (path: the key naming it).
local function option_named(decl, name, path)
  if name ~= nil and decl.options[name] == nil then
    fail(path, ("names option '%s', which `options` does not declare"):format(tostring(name)))
  end
end

-- The options other keys name, the hosts names, the auth strategy's needs.
local function check_options(decl)
  local auth = decl.auth
  if auth.strategy ~= "none" then
    if not auth.secret then fail("auth.secret", "is required and missing (strategy " .. auth.strategy .. ")") end
    option_named(decl, auth.secret, "auth.secret")
  end
  if auth.strategy == "query" and not auth.param then fail("auth.param", "is required and missing") end
  if auth.strategy == "jwt" then
    for _, k in ipairs { "alg", "claims" } do
      if not auth[k] then fail("auth." .. k, "is required and missing (strategy jwt)") end
    end
  end
  if auth.strategy == "basic" then
    if not auth.user then fail("auth.user", "is required and missing (strategy basic)") end
    if auth.password == nil then fail("auth.password", "is required and missing (strategy basic)") end
  end
  option_named(decl, auth.user, "auth.user")
  option_named(decl, auth.subject, "auth.subject")
  for i, name in ipairs(auth.required or {}) do option_named(decl, name, join("auth.required", i)) end
  option_named(decl, decl.base_url_option, "base_url_option")
  option_named(decl, decl.account_header and decl.account_header.option, "account_header.option")
  for name in pairs(decl.about or {}) do option_named(decl, name, join("about", name)) end
  for name in pairs(decl.option_args or {}) do option_named(decl, name, join("option_args", name)) end
  local h = decl.hosts
  if h then
    option_named(decl, h.option, "hosts.option")
    if type(h[h.default]) ~= "string" then fail("hosts.default", "names no host of `hosts`") end
    for i, r in ipairs(h.recognise or {}) do
      if type(h[r[1]]) ~= "string" then fail(join("hosts.recognise", i), "names no host of `hosts`") end
    end
  end
  for host in pairs(auth.prefix_by_host or {}) do
    if not (h and type(h[host]) == "string") then
      fail(join("auth.prefix_by_host", host), "names no host of `hosts`")
    end
  end
  local p = decl.paging
  if p.strategy == "offset" then
    for _, k in ipairs { "offset", "limit" } do
      if not p[k] then fail("paging." .. k, "is required and missing (strategy offset)") end
    end
  end
end

-- Fails unless every look-up of an effect names a read there is: an
-- action of the resource, "resource.action", or an RPC function.
local function check_lookups(decl, eff, path, rdecl, functions)
  if type(eff) ~= "table" then return end
  for i, e in ipairs(eff[1] ~= nil and eff or { eff }) do
    local at = eff[1] ~= nil and join(path, i) or path
    local owner, action = e.lookup:match("^([%w_]+)%.([%w_]+)$")
    local found
    if functions then found = functions[e.lookup]
    elseif owner then found = decl.resources[owner] and decl.resources[owner].actions[action]
    else found = rdecl.actions[e.lookup] end
    if not found then fail(at .. ".lookup", ("names no read of %s: '%s'"):format(decl.name, e.lookup)) end
  end
end

-- Paged actions need a paging strategy; effects need reads there are.
local function check_resources(decl)
  for rname, rdecl in pairs(decl.resources) do
    for aname, adecl in pairs(rdecl.actions) do
      local path = join(join(join("resources", rname), "actions"), aname)
      if adecl.paged and (adecl.paging or decl.paging.strategy) == "none" then
        fail(path .. ".paged", "a paged list needs a paging strategy (paging.strategy is none)")
      end
      check_lookups(decl, adecl.effect, path .. ".effect", rdecl)
    end
  end
end

-- Every parameter parses and names a type there is (a field type,
-- "pairs" or a declared row type); sections need rpc_path.
local function check_sections(decl)
  if not decl.sections then return end
  if not decl.rpc_path then fail("rpc_path", "is required and missing (the declaration has sections)") end
  local functions = rpc.index(decl)
  for sname, fns in pairs(decl.sections) do
    for fname, fdecl in pairs(fns) do
      local path = join(join("sections", sname), fname)
      local ok, plist = pcall(rpc.parameters, fdecl)
      if not ok then fail(path, "a parameter is not \"name:type\" (\"class_id:integer?\"): " .. tostring(plist)) end
      local names = {}
      for i, p in ipairs(plist) do
        names[p.name] = true
        if p.type ~= "pairs" and not (decl.row_types and decl.row_types[p.type]) then
          local why = params.spec_error(p.type)
          if why then fail(join(path, i), why .. "; or pairs, or a row type of `row_types`") end
        end
      end
      if fdecl.offset and not names[fdecl.offset] then
        fail(path .. ".offset", ("names no parameter of %s: '%s'"):format(fname, fdecl.offset))
      end
      if fdecl.paged and decl.paging.strategy == "none" then
        fail(path .. ".paged", "a paged function needs a paging strategy (paging.strategy is none)")
      end
      check_lookups(decl, fdecl.effect, path .. ".effect", nil, functions)
    end
  end
end

--- Checks a declaration against the schema.  Returns true, or nil and a
-- message naming the vendor and the path of the first key that does not
-- fit: "<vendor>: <path>: <why>".
-- @tparam table decl the declaration (lua/lmskit/apis/<vendor>.lua)
-- @tparam[opt] string name the name it is listed under (decl.name must match)
function schema.check(decl, name)
  local vendor = name or (type(decl) == "table" and type(decl.name) == "string" and decl.name) or "?"
  local ok, err = pcall(function()
    schema.declaration(decl, "")
    if name and decl.name ~= name then fail("name", ("must be '%s' (its file's name)"):format(name)) end
    check_options(decl)
    check_resources(decl)
    check_sections(decl)
  end)
  if ok then return true end
  if getmetatable(err) ~= Failure then error(err, 0) end
  return nil, ("%s: %s: %s"):format(vendor, err.path == "" and "(the declaration)" or err.path, err.message)
end

--- Like schema.check, but raises the message (lmskit.apis.<vendor> ...)
-- as an error; returns the declaration.
function schema.assert(decl, name)
  local ok, why = schema.check(decl, name)
  if not ok then error("lmskit.apis." .. why, 0) end
  return decl
end

return schema
