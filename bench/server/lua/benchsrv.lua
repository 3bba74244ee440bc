-- benchsrv: the bench server's handlers (nginx + ngx_lua).
--
--   GET  /api/v1/courses?page=N&per_page=P   a Catalog-shaped paged collection
--   POST /api/v1/enrollments                 201 + a small JSON enrollment
--   /slow/...                                the same, 20 ms later (ngx.sleep)
--   GET  /_bench/ping                        readiness
--
-- Every call needs `Authorization: Token token="bench-token"` (401 otherwise).
-- The page bodies of the main collection are built once per worker in
-- init_worker, so serving a page is a table lookup.  A big collection (the
-- memory job) is built page by page from one item template, never stored.
-- All JSON text comes out of lua-cjson.
local cjson = require "cjson.safe"

local ngx = ngx
local concat, tostring, tonumber, floor, min = table.concat, tostring, tonumber, math.floor, math.min

local M = {}

local TOKEN = 'Token token="bench-token"'
local SLOW_SECONDS = 0.02
local SENTINEL = "918273645" -- stands for the item id in the item template

local collections = {} -- name -> { size, origin, pages = { [per_page] = { [n] = body } } }
local item_parts       -- the item template split around SENTINEL
local enroll_seq = 0

-- A course object shaped like the Canvas Catalog doc's "Listing courses".
local function course(id)
  return {
    id = id, visibility = "listed", enrollment_open = true, enrollment_cap = cjson.null,
    description = "description_" .. id, enrollment_fee = "0.0",
    created_at = "2016/03/10 20:28:50 +0000", credits = "3.0",
    updated_at = "2016/03/10 20:28:50 +0000", short_description = "teaser_" .. id,
    listing_path = "course-path-" .. id, currency = "USD",
    catalog = { id = 1, name = "Bench Catalog" }, type = "Course",
    title = "Course " .. id, list_order = cjson.null, waitlist = false,
    canvas_course = { id = id },
  }
end

local function split(s, sep)
  local parts, i = {}, 1
  while true do
    local a, b = s:find(sep, i, true)
    if not a then parts[#parts + 1] = s:sub(i) return parts end
    parts[#parts + 1] = s:sub(i, a - 1)
    i = b + 1
  end
end

local function page_count(size, per_page)
  return math.max(1, floor((size + per_page - 1) / per_page))
end

-- The body of page n: {"courses":[...]} with items (n-1)*per_page+1 ...
local function build_page(size, per_page, n)
  local first = (n - 1) * per_page + 1
  local last = min(size, n * per_page)
  if first > last then return '{"courses":[]}' end
  local items = {}
  for id = first, last do items[#items + 1] = concat(item_parts, tostring(id)) end
  return '{"courses":[' .. concat(items, ",") .. "]}"
end

-- RFC 8288 Link header with absolute URLs, in the doc's order.
local function link_header(origin, path, n, last, per_page)
  local function u(p) return ("<%s%s?page=%d&per_page=%d>"):format(origin, path, p, per_page) end
  local links = {}
  if n < last then
    links[#links + 1] = u(n + 1) .. '; rel="next"'
    links[#links + 1] = u(last) .. '; rel="last"'
  end
  if n > 1 then
    links[#links + 1] = u(1) .. '; rel="first"'
    links[#links + 1] = u(min(n - 1, last)) .. '; rel="prev"'
  end
  if #links == 0 then return nil end
  return concat(links, ", ")
end

function M.init(opts)
  -- the template: cjson encodes one course whose id-derived fields all carry
  -- SENTINEL; an item is the template's parts joined with its id
  local tmpl = cjson.encode(course(tonumber(SENTINEL)))
  item_parts = split(tmpl, SENTINEL)
  assert(#item_parts > 1, "item template has no id")
  -- sanity: a built item decodes to the same object as a directly encoded one
  local check = cjson.decode(concat(item_parts, "42"))
  assert(check.id == 42 and check.title == "Course 42" and check.canvas_course.id == 42)

  for name, c in pairs(opts) do
    local col = { size = c.size, origin = c.origin, cache = c.cache, pages = {} }
    if c.cache then
      local per_page = 100
      local t = {}
      for n = 1, page_count(c.size, per_page) do t[n] = build_page(c.size, per_page, n) end
      col.pages[per_page] = t
    end
    collections[name] = col
  end
end

local function reply(status, body, headers)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json; charset=utf-8"
  ngx.header["Content-Length"] = #body
  if headers then for k, v in pairs(headers) do ngx.header[k] = v end end
  ngx.print(body)
  return ngx.exit(status)
end

local function courses(col, prefix)
  local args = ngx.req.get_uri_args(8)
  local per_page = tonumber(args.per_page) or 20
  per_page = floor(per_page)
  if per_page < 1 then per_page = 20 end
  if per_page > 100 then per_page = 100 end
  local n = floor(tonumber(args.page) or 1)
  if n < 1 then n = 1 end
  local last = page_count(col.size, per_page)
  local cached = col.pages[per_page]
  local body = cached and cached[n] or build_page(col.size, per_page, n)
  return reply(200, body, {
    Link = link_header(col.origin, prefix .. "/api/v1/courses", n, last, per_page),
    Total = tostring(col.size),
    ["Per-Page"] = tostring(per_page),
  })
end

local function enroll()
  ngx.req.read_body()
  local body = ngx.req.get_body_data()
  local doc = body and cjson.decode(body)
  local e = type(doc) == "table" and doc.enrollment
  local lid = type(e) == "table" and tonumber(e.listing_id)
  local uid = type(e) == "table" and tonumber(e.canvas_user_id)
  if not lid or not uid then
    return reply(422, cjson.encode { errors = { enrollment = { "listing_id and canvas_user_id are required" } } })
  end
  enroll_seq = enroll_seq + 1
  return reply(201, cjson.encode { enrollment = {
    id = enroll_seq, user = { id = uid },
    listing = { id = lid, title = "Course " .. lid, type = "Course", canvas_course_id = lid },
    enrolled_at = ngx.utctime():gsub("-", "/") .. " +0000", status = "active",
  } })
end

function M.handle(name)
  local col = collections[name]
  local uri = ngx.var.uri
  if uri == "/_bench/ping" then return reply(200, '{"ok":true}') end
  local prefix = ""
  if uri:sub(1, 6) == "/slow/" then
    prefix = "/slow"
    uri = uri:sub(6)
  end
  if ngx.var.http_authorization ~= TOKEN then
    return reply(401, '{"errors":[{"message":"Invalid API key"}]}')
  end
  if prefix ~= "" then ngx.sleep(SLOW_SECONDS) end
  local method = ngx.req.get_method()
  if uri == "/api/v1/courses" then
    if method ~= "GET" then return reply(405, '{"errors":[{"message":"method not allowed"}]}') end
    return courses(col, prefix)
  elseif uri == "/api/v1/enrollments" then
    if method ~= "POST" then return reply(405, '{"errors":[{"message":"method not allowed"}]}') end
    return enroll()
  end
  return reply(404, '{"errors":[{"message":"not found"}]}')
end

return M
