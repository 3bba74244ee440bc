-- sandbox.cerego.courses_read: the doc's Courses: "Get all courses" and "Get a course".
-- Decisions where the doc is silent: sandbox/lua/sandbox/cerego/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.cerego.lib"
local S = lib.S

local ngx = ngx
local type, pairs, ipairs = type, pairs, ipairs
local format, ceil = string.format, math.ceil
local concat, sort = table.concat, table.sort

---------------------------------------------------------------------------
-- Listing: filters, sort, paging, links
---------------------------------------------------------------------------

local SORT_FIELDS = {
  id = function(c) return c.id end,
  name = function(c) return c.name:lower() end,
  slug = function(c) return c.slug end,
  state = function(c) return c.state end,
  ["created-at"] = function(c) return c.created_at end,
  created_at = function(c) return c.created_at end,
  ["state-updated-at"] = function(c) return c.state_updated_at or -1e300 end,
  state_updated_at = function(c) return c.state_updated_at or -1e300 end,
  ["users-count"] = function(c) return c.users_count end,
  users_count = function(c) return c.users_count end,
}

-- Parses ?sort=; returns a list of { key_fn, descending } or nil, bad_field.
local function parse_sort(v)
  local keys = {}
  local s = C.scalar_arg(v)
  if s == nil then return keys end
  for part in s:gmatch("[^,]+") do
    part = part:match("^%s*(.-)%s*$")
    if part ~= "" then
      local desc = part:sub(1, 1) == "-"
      local name = desc and part:sub(2) or part
      local fn = SORT_FIELDS[name]
      if not fn then return nil, part end
      keys[#keys + 1] = { fn, desc }
    end
  end
  return keys
end

local function sort_courses(list, keys)
  sort(list, function(a, b)
    for _, k in ipairs(keys) do
      local x, y = k[1](a), k[1](b)
      if x ~= y then
        if k[2] then return x > y end
        return x < y
      end
    end
    return a.id < b.id
  end)
end

-- filter predicate from the query, nil + "nothing" when a filter can
-- never match
local function course_filter(args)
  local filter = type(args.filter) == "table" and args.filter or {}
  local partners
  local pv = lib.list_arg(filter.partner_id or filter["partner-id"])
  if pv then
    partners = {}
    for _, p in ipairs(pv) do
      local n = C.to_int(p)
      if n then partners[n] = true end
    end
  end
  local states = lib.list_arg(filter.state)
  states = states and lib.set_of(states)
  local tabs = lib.list_arg(args.tab)
  tabs = tabs and lib.set_of(tabs)
  local roles = lib.list_arg(filter.role)
  local role_ok
  if roles then
    local want = lib.set_of(roles)
    role_ok = function(role)
      if (want.student or want.learner) and role == "learner" then return true end
      if want.instructor and lib.TEACHING_ROLES[role] then return true end
      return false
    end
  end
  return function(c)
    if partners and not partners[c.partner_id] then return false end
    if states and not states[c.state] then return false end
    if tabs and not tabs[c.state] then return false end
    if role_ok and not role_ok(c.role) then return false end
    return true
  end
end

-- Rails' Hash#to_query-like encoding of one pair (brackets escaped)
local function query_pair(k, v)
  return ngx.escape_uri(k) .. "=" .. ngx.escape_uri(v)
end

-- Absolute link to page n on the vendor's own host (the doc's quirk):
-- the request's other query args, plus page[number]/page[size], sorted.
local function page_link(req, n, size)
  local pairs_ = {}
  if req.raw_query then
    for piece in req.raw_query:gmatch("[^&]+") do
      local k, v = piece:match("^([^=]*)=?(.*)$")
      k, v = C.unescape(k), C.unescape(v)
      if k ~= "" and k:sub(1, 5) ~= "page[" and k ~= "page" then
        pairs_[#pairs_ + 1] = query_pair(k, v)
      end
    end
  end
  pairs_[#pairs_ + 1] = query_pair("page[number]", format("%d", n))
  pairs_[#pairs_ + 1] = query_pair("page[size]", format("%d", size))
  sort(pairs_)
  return lib.LINK_BASE .. "/courses?" .. concat(pairs_, "&")
end

local function list_courses(req)
  local keys, bad = parse_sort(req.args.sort)
  if not keys then
    return lib.jsonapi_error(400, "'" .. bad .. "' is not a valid sort field")
  end
  local pred = course_filter(req.args)
  local items = {}
  for _, c in pairs(S.courses) do
    if pred(c) then items[#items + 1] = c end
  end
  sort_courses(items, keys)

  local page_arg = type(req.args.page) == "table" and req.args.page or {}
  local size = lib.positive_int(page_arg.size) or lib.M.DEFAULT_PAGE_SIZE
  if size > lib.M.MAX_PAGE_SIZE then size = lib.M.MAX_PAGE_SIZE end
  local number = lib.positive_int(page_arg.number) or 1
  if number > 1e9 then number = 1e9 end
  local total = #items
  local pages = ceil(total / size)

  local first = (number - 1) * size + 1
  if req.next_forever and first > total and pages > 0 then
    first = (pages - 1) * size + 1 -- a server that never ends: the last page again
  end
  local slice = {}
  for i = first, math.min(total, first + size - 1) do slice[#slice + 1] = items[i] end
  local data = C.array()
  for i, c in ipairs(slice) do data[i] = lib.course_json(c) end

  local lkeys, links = { "self" }, { self = page_link(req, number, size) }
  local function add(rel, n)
    lkeys[#lkeys + 1] = rel
    links[rel] = page_link(req, n, size)
  end
  if number > 1 then
    add("first", 1)
    if pages >= 1 then add("prev", math.min(number - 1, pages)) end
  end
  if number < pages or req.next_forever then add("next", number + 1) end
  if pages >= 1 and number ~= pages and not req.next_forever then add("last", pages) end

  local meta = not req.next_forever and C.ordered({ "total-pages", "total-count" }, {
    ["total-pages"] = pages, ["total-count"] = total,
  }) or nil
  return C.reply(200, lib.document(data, lib.included_for(slice), C.ordered(lkeys, links), meta))
end

return {
  list_courses = list_courses,
}
