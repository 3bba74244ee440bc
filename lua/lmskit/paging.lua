--- Paging strategies: each turns a list call into a lazy iterator that
-- holds one page at a time.  A vendor's declaration names its strategy
-- (`paging = { strategy = "link", ... }`).
--   link         RFC 8288 Link rel="next" (Canvas Catalog)
--   page_number  JSON:API page[number] up to meta.total-pages (Cerego)
--   offset       offset/limit until a short page (Coursepath)
--   page         page=1, 2, ... until an empty page (MATRIX)
-- @module lmskit.paging
local core = require "lmskit.core"

local paging = {}

-- Reads the item array of a decoded page, or raises a decode error.
local function page_items(api, spec, body, root)
  local items = body
  if root then items = type(body) == "table" and body[root] end
  if type(items) ~= "table" then
    api._core:fail { kind = "decode", method = "GET", url = api:_url_of(spec),
                     message = ("expected a %q array in the page"):format(root or "top-level") }
  end
  return items
end
paging.page_items = page_items

-- The iterator shared by every strategy: `fetch(state)` returns the next
-- page's items (nil when there is none); items are handed out in order.
local function iterate(fetch, api)
  if api and api:_dry() then return function() return nil end end -- a dry run lists nothing
  local items, i, n = nil, 0, 0
  local done = false
  return function()
    while true do
      if i < n then
        i = i + 1
        return items[i]
      end
      if done then return nil end
      items = fetch()
      if not items then
        done = true
        return nil
      end
      n, i = #items, 0
      if n == 0 then done = true end
    end
  end
end

--- RFC 8288 Link paging (Canvas Catalog): follow rel="next" until absent.
-- The next link must stay on the client's origin (credentials never leave
-- it) and must change from page to page (a server loop cannot spin us).
function paging.link(api, spec, root)
  local pending = spec
  return iterate(function()
    if not pending then return nil end
    local current = pending
    pending = nil
    local body, headers = api:send(current)
    local items = page_items(api, current, body, root)
    local link = headers and headers.link
    local next_ref = link and #items > 0 and (core.links(link) or {}).next
    if next_ref then
      local here = api:_url_of(current)
      local url = api._core:resolve(next_ref, here)
      if not url or not api:same_origin(url) then
        api._core:fail { kind = "decode", method = "GET", url = here,
                         message = "paging link leads to another origin; not followed" }
      end
      if url == here then
        api._core:fail { kind = "decode", method = "GET", url = here,
                         message = "paging link points back to the same page" }
      end
      pending = { method = "GET", url = url, headers = spec.headers, as = spec.as,
                  account = spec.account }
    end
    return items
  end, api)
end

-- Copies a spec with a new query (each page is its own request).
local function with_query(spec, query)
  local copy = {}
  for k, v in pairs(spec) do copy[k] = v end
  copy.query = query
  return copy
end

--- JSON:API page numbers (Cerego): page[number] = 1, 2, ... while the
-- page is not empty and below meta["total-pages"].  links.next is only a
-- signal that more exists: it names another host in Cerego's docs, so it
-- is never followed and the token never goes there.
function paging.page_number(api, spec, _, adecl)
  local query = {}
  for k, v in pairs(spec.query or {}) do query[k] = v end
  local page = {}
  for k, v in pairs(type(query.page) == "table" and query.page or {}) do page[k] = v end
  page.number = page.number or 1
  page.size = page.size or adecl.page_size or api._decl.paging.default_size
  query.page = page
  local more = true
  return iterate(function()
    if not more then return nil end
    local body = api:send(with_query(spec, query))
    local items, meta, links = api:_unwrap_list(body)
    items = page_items(api, spec, items)
    local total = type(meta) == "table" and tonumber(meta["total-pages"])
    more = #items > 0 and (total and page.number < total or
                           (not total and type(links) == "table" and links.next ~= nil))
    page = { number = page.number + 1, size = page.size }
    query.page = page
    return items
  end, api)
end

--- Page numbers until an empty page (MATRIX: page=1, 2, ...; 100 rows
-- a page, and "if the page number goes beyond the last page of results,
-- an empty set of results is returned").
function paging.page(api, spec)
  local page = 1
  return iterate(function()
    local query = {}
    for k, v in pairs(spec.query or {}) do query[k] = v end
    query.page = page
    page = page + 1
    return page_items(api, spec, (api:send(with_query(spec, query))))
  end, api)
end

--- offset/limit (Coursepath): ask for `limit` items from `offset`; a page
-- shorter than the limit is the last.
function paging.offset(api, spec, root, adecl)
  local p = api._decl.paging
  local query = {}
  for k, v in pairs(spec.query or {}) do query[k] = v end
  local limit = query[p.limit] or adecl.page_size or p.default_size
  query[p.limit] = limit
  query[p.offset] = query[p.offset] or 0
  local more = true
  return iterate(function()
    if not more then return nil end
    local items = page_items(api, spec, api:send(with_query(spec, query)), root)
    more = #items >= limit
    local nextq = {}
    for k, v in pairs(query) do nextq[k] = v end
    nextq[p.offset] = query[p.offset] + #items
    query = nextq
    return items
  end, api)
end

return paging
