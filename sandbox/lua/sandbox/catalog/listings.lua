-- sandbox.catalog.listings: the doc's Courses and Programs (listings share one id sequence).
-- Decisions where the doc is silent: sandbox/lua/sandbox/catalog/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.catalog.lib"
local S = lib.S

local type, pairs, ipairs = type, pairs, ipairs

---------------------------------------------------------------------------
-- Listings (courses and programs share one id sequence)
---------------------------------------------------------------------------

local VISIBILITIES = { listed = true, unlisted = true, hidden = true }

-- true if program `pid` (transitively) requires listing `target`
local function requires(pid, target, seen)
  local p = S.listings[pid]
  if not p or p.type ~= "Program" then return false end
  seen = seen or {}
  if seen[pid] then return false end
  seen[pid] = true
  for _, rid in ipairs(p.requirement_ids) do
    if rid == target or requires(rid, target, seen) then return true end
  end
  return false
end

local LISTING_FIELDS = {
  { "title", "string" }, { "description", "string" }, { "path", "string" },
  { "teaser", "string" }, { "enrollment_open", "bool" },
  { "visibility", "visibility" }, { "enrollment_cap", "int" },
  { "enrollment_fee", "decimal" }, { "days_to_complete", "int" },
  { "account_id", "account" }, { "list_order", "int" }, { "waitlist", "bool" },
  { "canvas_course_id", "int", course = true }, { "credits", "decimal", course = true },
  { "requirement_ids", "ids", program = true }, { "sequential", "bool", program = true },
}
local REQUIRED = {
  Course = { title = true, description = true, path = true, teaser = true, canvas_course_id = true },
  Program = { title = true, description = true, path = true, teaser = true },
}

-- Reads one present field of type ftype into changes[name], or adds its
-- errors to errs (the checks of the doc's field types).
local function read_field(changes, errs, name, ftype, v, current)
  if ftype == "string" then
    local s = lib.str_value(v)
    if v == C.null or s == nil then
      if v == C.null then changes[name] = C.null else errs.add(name, "is invalid") end
    else
      changes[name] = s
    end
  elseif ftype == "bool" then
    if v == C.null or v == "" then
      changes[name] = false
    else
      local b = C.to_bool(v)
      if b == nil then errs.add(name, "is invalid") else changes[name] = b end
    end
  elseif ftype == "int" or ftype == "decimal" then
    if C.is_null(v) or v == "" then
      changes[name] = C.null
    else
      local n
      if ftype == "int" then n = C.to_int(v) else n = C.to_decimal(v) end
      if n ~= nil then
        changes[name] = n
      elseif ftype == "int" and C.to_decimal(v) then
        errs.add(name, "must be an integer")
      else
        errs.add(name, "is not a number")
      end
    end
  elseif ftype == "visibility" then
    if type(v) ~= "string" or not VISIBILITIES[v] then
      errs.add(name, "is not included in the list")
    else
      changes[name] = v
    end
  elseif ftype == "account" then
    if C.is_null(v) or v == "" then
      changes[name] = 1
    else
      local n = C.to_int(v)
      if n == nil or not S.catalogs[n] then errs.add(name, "is invalid") else changes[name] = n end
    end
  elseif ftype == "ids" then
    local list = {}
    if C.is_null(v) or v == "" then
      list = {}
    elseif type(v) ~= "table" then
      errs.add(name, "is invalid")
    else
      for i = 1, #v do
        local x = v[i]
        if not (type(x) == "string" and x == "") then
          local n = C.to_int(x)
          local l = n and S.listings[n]
          if not l or (current and (n == current.id or requires(n, current.id))) then
            errs.add(name, "is invalid")
          else
            list[#list + 1] = n
          end
        end
      end
    end
    changes[name] = list
  end
end

-- Validates params for a listing of `kind`; `current` is the listing when
-- updating (nil when creating).  Returns changes table, or nil + errors.
local function listing_changes(kind, params, current)
  local errs = C.new_errors()
  local changes = {}
  local required = REQUIRED[kind]
  for _, spec in ipairs(LISTING_FIELDS) do
    local name, ftype = spec[1], spec[2]
    -- a field that does not exist for this kind is ignored, like an
    -- unpermitted param in Rails
    if not ((spec.course and kind ~= "Course") or (spec.program and kind ~= "Program")) then
      local v = params[name]
      local present = v ~= nil
      if required[name] and C.is_blank(v) and (current == nil or present) then
        errs.add(name, "can't be blank")
      elseif present then
        read_field(changes, errs, name, ftype, v, current)
      end
    end
  end
  if errs.any() then return nil, errs end
  return changes
end

local function apply_changes(l, changes)
  for k, v in pairs(changes) do
    if v == C.null then v = nil end
    if k == "enrollment_fee" and v == nil then v = 0 end
    if k == "account_id" and v == nil then v = 1 end
    l[k] = v
  end
  l.updated_at = lib.now()
end

local function listing_pred(kind)
  return function(l) return l.type == kind end
end

local function find_listing(kind, id)
  local l = S.listings[id]
  if l and l.type == kind then return l end
  return nil
end

local function remove_listing(id)
  S.listings[id] = nil
  for _, l in pairs(S.listings) do
    if l.type == "Program" then
      l.requirement_ids = C.kept(l.requirement_ids, function(rid) return rid ~= id end)
    end
  end
end

local function listing_resource(kind, root, plural)
  local res = {}
  function res.list(req)
    return lib.index(req, plural, C.in_id_order(S.listings, S.next_listing, listing_pred(kind)), lib.listing_json)
  end
  function res.create(req)
    local body, p = lib.body_params(req, root)
    if not body then return end
    local changes, errs = listing_changes(kind, p, nil)
    if not changes then return C.unprocessable(errs) end
    local l = lib.new_listing(kind, {})
    apply_changes(l, changes)
    l.created_at = l.updated_at
    return C.reply(201, lib.one(root, lib.listing_json(l)), {
      Location = req.vendor_url .. "/api/v1/" .. plural .. "/" .. l.id,
    })
  end
  function res.show(_, id)
    local l = find_listing(kind, id)
    if not l then return C.not_found() end
    return C.reply(200, lib.one(root, lib.listing_json(l)))
  end
  function res.update(req, id)
    local l = find_listing(kind, id)
    if not l then return C.not_found() end
    local body, p = lib.body_params(req, root)
    if not body then return end
    local changes, errs = listing_changes(kind, p, l)
    if not changes then return C.unprocessable(errs) end
    apply_changes(l, changes)
    return C.no_content()
  end
  function res.destroy(_, id)
    local l = find_listing(kind, id)
    if not l then return C.not_found() end
    remove_listing(id)
    return C.no_content()
  end
  return res
end

-- The routes of a listing kind: its collection and its members.
local function listing_routes(kind, root, plural)
  local res = listing_resource(kind, root, plural)
  return {
    collection = { GET = res.list, POST = res.create },
    member = { GET = res.show, PUT = res.update, DELETE = res.destroy },
  }
end

return {
  courses = listing_routes("Course", "course", "courses"),
  programs = listing_routes("Program", "program", "programs"),
}
