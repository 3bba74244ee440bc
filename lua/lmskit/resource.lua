--- Turns a vendor's resource declaration into methods.
-- An action is declared as data:
--   get    = { "GET", "/:id" }
--   list   = { "GET", "", paged = true, query = { listing_id = "integer" } }
--   create = { "POST", "", body = { title = "string!" }, top = { create_order = "boolean" } }
--   update = { "PUT", "/:id", body = fields, partial = true }  -- "!" not enforced
--   enroll = { "POST", "/:course_id/members/:member_id/coursemember" }
-- Route parameters (":id") are the method's positional arguments, in
-- order; a final table holds the query (GET, DELETE) or the body fields,
-- plus the vendor's per-call options (Coursepath `as`, Coggno `lms`).
-- Bodies are wrapped in the resource's root key when it has one, and
-- responses are unwrapped from it.  Other action flags:
--   single = true     the vendor answers a one-element array; return the element
--   array = true      the vendor may answer a one-item list as a bare object
--                     (Coggno); always return an array
--   page_size = n     this list's default page size (offset/page_number paging)
--   idempotent = b    whether repeating it changes nothing (default: by method)
--   effect = {...}    how to find its effect after an unknown outcome (reconcile.lua)
--   notifies = true   it mails people: never sent again once its outcome is unknown
-- @module lmskit.resource
local params = require "lmskit.params"
local usage = require("lmskit.usage").raise
local paging = require "lmskit.paging"
local reconcile = require "lmskit.reconcile"

local resource = {}

local Resource = {}
Resource.__index = Resource

-- The shape of an action that declares no fields (one table, so that
-- params.check compiles it once), and the route values of a route with
-- no ":param" (read only, as every spec's `params`).
local NONE = {}

-- Names of ":param" segments of a route, in order.
local function route_params(route)
  local names = {}
  for name in route:gmatch("/:([%w_]+)") do names[#names + 1] = name end
  return names
end

-- Splits positional route arguments from the trailing argument table
-- (read with select: a call makes no table of its arguments).
local function bind_args(what, names, ...)
  local bound = names[1] and {} or NONE
  for i, name in ipairs(names) do
    local v = (select(i, ...))
    if type(v) ~= "string" and type(v) ~= "number" then
      usage(("%s: argument #%d (%s) must be a string or number"):format(what, i, name))
    end
    bound[name] = v
  end
  local extra, more = select(#names + 1, ...)
  if extra ~= nil and type(extra) ~= "table" then
    usage(("%s: argument #%d must be a table"):format(what, #names + 1))
  end
  if more ~= nil then usage(what .. ": too many arguments") end
  return bound, extra or {}
end

-- Moves the vendor's per-call options (decl.call_options: arg name ->
-- spec field) out of the arguments into the spec; returns the rest and
-- the options taken (a look-up after an unknown outcome reuses them).
local function take_call_options(api, args, spec)
  local options = api.decl.call_options
  if not options then return args, nil end
  local rest, taken = {}, {}
  for k, v in pairs(args) do
    local field = options[k]
    if field then spec[field], taken[k] = v, v else rest[k] = v end
  end
  return rest, taken
end

-- The call's values by name, for the look-up of a write's effect: route
-- parameters and the fields given (converted to their declared types).
-- Read only: with no route parameter, the converted fields themselves.
local function call_values(bound, args)
  if next(bound) == nil then return args end
  local values = {}
  for k, v in pairs(args) do values[k] = v end
  for k, v in pairs(bound) do values[k] = v end
  return values
end

-- Query fields a paged list accepts on top of its declared filters.
local function list_query_spec(api, adecl)
  local spec = {}
  for k, v in pairs(adecl.query or {}) do spec[k] = v end
  for k, v in pairs(api.decl.paging.params or {}) do spec[k] = v end
  return spec
end

-- True when args give a `top` field of the action.
local function has_top(adecl, args)
  local top = adecl.top
  if top then
    for k in pairs(args) do if top[k] then return true end end
  end
  return false
end

-- Builds the body: declared fields under the root key, `top` fields beside.
local function build_body(what, rdecl, adecl, args)
  local fields, top = args, NONE -- (no top field given: nothing to split; check copies)
  if has_top(adecl, args) then
    fields, top = {}, {}
    for k, v in pairs(args) do
      if adecl.top[k] then top[k] = v else fields[k] = v end
    end
  end
  local checked, why = params.check(adecl.body or NONE, fields, what, adecl.partial)
  if not checked then usage(why) end
  local checked_top = {} -- (no `top` declared: nothing to check)
  if adecl.top then
    checked_top, why = params.check(adecl.top, top, what)
    if not checked_top then usage(why) end
  end
  local converted = checked -- every field by name, as its declared type made it (read only)
  if next(checked_top) ~= nil then
    converted = {}
    for k, v in pairs(checked_top) do converted[k] = v end
    for k, v in pairs(checked) do converted[k] = v end
  end
  local root = rdecl.root
  if root and next(checked_top) == nil then return { [root] = checked }, converted end -- (made at its size)
  local body = checked_top
  if root then body[root] = checked else
    for k, v in pairs(checked) do body[k] = v end
  end
  return body, converted
end

-- Fills spec.query (reads, deletes) or the body (writes) from args;
-- returns the fields as converted to their declared types.  `qspec`: the
-- query fields the action accepts (made once per action).
local function fill_spec(api, what, rdecl, adecl, args, spec, qspec)
  if spec.method == "GET" or spec.method == "DELETE" or spec.method == "HEAD" then
    local query, why = params.check(qspec, args, what)
    if not query then usage(why) end
    spec.query = query
    return query
  end
  local body, converted = build_body(what, rdecl, adecl, args)
  if api.decl.body == "form" then spec.form = body else spec.json = body end
  return converted
end

-- Unwraps a single response: root key, JSON:API data, one-element arrays.
local function unwrap_one(api, rdecl, adecl, body)
  if type(body) ~= "table" then return body end
  if rdecl.root and body[rdecl.root] ~= nil then body = body[rdecl.root] end
  body = api:unwrap(body)
  if adecl.single and type(body) == "table" and #body == 1 then body = body[1] end
  if adecl.array and type(body) == "table" and #body == 0 and next(body) ~= nil then
    body = { body }
  end
  return body
end

-- Creates the method for one action.
local function make_action(api, name, rdecl, action, adecl)
  local method, suffix = adecl[1], adecl[2] or ""
  local route = rdecl.path .. suffix
  local names = route_params(route)
  local what = name .. ":" .. action
  local strategy = adecl.paged and paging[adecl.paging or api.decl.paging.strategy]
  local qspec = adecl.paged and list_query_spec(api, adecl) or adecl.query or NONE
  return function(self, ...)
    if getmetatable(self) ~= Resource then
      usage(what .. ": call it with ':' (" .. name .. ":" .. action .. "(...))")
    end
    local bound, args = bind_args(what, names, ...)
    local spec = { method = method, path = route, params = bound }
    local options
    args, options = take_call_options(api, args, spec)
    local converted = fill_spec(api, what, rdecl, adecl, args, spec, qspec)
    if strategy then return strategy(api, spec, rdecl.roots, adecl) end
    if method == "GET" or method == "HEAD" then return unwrap_one(api, rdecl, adecl, api:send(spec)) end
    local values = call_values(bound, converted)
    spec.idempotent = reconcile.idempotent(method, adecl, values)
    local body, settled = reconcile.send(api, self, adecl, values, options, spec)
    if settled then return body end
    return unwrap_one(api, rdecl, adecl, body)
  end
end

--- Creates the resource object `api.<name>` from its declaration.
function resource.new(api, name, rdecl)
  local self = setmetatable({ _api = api, _name = name }, Resource)
  for action, adecl in pairs(rdecl.actions) do
    self[action] = make_action(api, name, rdecl, action, adecl)
  end
  if rdecl.actions.list and rdecl.actions.list.paged then
    -- all{...}: every item of every page in one array (small collections)
    self.all = function(s, ...)
      local out = {}
      for item in s:list(...) do out[#out + 1] = item end
      return out
    end
  end
  return self
end

function Resource:__tostring()
  return "lmskit resource " .. self._name
end

return resource
