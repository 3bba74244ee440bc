--- Paging strategies: each turns a list call into a lazy iterator that
-- holds one page at a time.  A vendor's declaration names its strategy
-- (`paging = { strategy = "link", ... }`).
--   link         RFC 8288 Link rel="next" (Canvas Catalog)
--   page_number  JSON:API page[number] up to meta.total-pages (Cerego)
--   offset       offset/limit until a short page, the limit kept within the cap (Coursepath)
--   page         page=1, 2, ... until an empty page (MATRIX; items under a root key when declared)
-- @module lmskit.paging
local core = require "lmskit.core"

local paging = {}

--- Most pages one list reads when the server declares no end (Link
-- without rel="last", Cerego without meta.total-pages, MATRIX pages,
-- Coursepath offsets): a server that never ends cannot hold a walk
-- forever.  The client option `max_pages` changes it.
paging.MAX_PAGES = 10000

-- A short mark of a page's items (first id, last id, count), nil when an
-- item has no id: a server that ignores the page asked answers the same
-- items again, and the same mark shows it.  Kept short (not every id) so
-- a long walk holds little.
local function page_mark(items)
  local n = #items
  if n == 0 then return nil end
  local first, last = items[1], items[n]
  if type(first) ~= "table" or type(last) ~= "table" then return nil end
  local a, b = rawget(first, "id"), rawget(last, "id")
  if a == nil or b == nil then return nil end
  return tostring(a) .. "\31" .. tostring(b) .. "\31" .. n
end

-- Watches one walk whose end the server has not declared: refuses a page
-- already read (`visit(key)`, key nil when pages are numbered by us), a
-- page whose items repeat an earlier page's (`check(items)`), and more
-- than max_pages pages.  Failures are decode errors naming the list.
local function guard(api, spec)
  local keys, marks, count = {}, {}, 0
  local limit = api.max_pages or paging.MAX_PAGES
  local function fail(message)
    api:fail(spec, { kind = "decode", method = "GET", message = message })
  end
  local g = {}
  function g.visit(key)
    if key ~= nil then
      if keys[key] then fail("paging leads to a page already read; not followed (a loop)") end
      keys[key] = true
    end
    count = count + 1
    if count > limit then
      fail(("more than %d pages and the server declares no end; stopped (max_pages)"):format(limit))
    end
  end
  function g.check(items)
    local mark = page_mark(items)
    if not mark then return end
    if marks[mark] then
      fail(("page %d repeats page %d: the server does not move on; stopped"):format(count, marks[mark]))
    end
    marks[mark] = count
  end
  return g
end

-- The identity of a page URL: its path and sorted query, the page
-- parameter (1 when absent) kept apart, so "?per_page=1" and
-- "?page=1&per_page=1" are the same page.
local function page_key(url, param)
  local base, query = url:match("^([^?#]*)%??([^#]*)")
  local n, rest = "1", {}
  for piece in (query or ""):gmatch("[^&]+") do
    local name, value = piece:match("^([^=]*)=?(.*)$")
    if param and name == param then n = tostring(tonumber(value) or value) else rest[#rest + 1] = piece end
  end
  table.sort(rest)
  return (base or url) .. "?" .. table.concat(rest, "&") .. "#" .. n
end

--- Reads the item array of a decoded page (under `root` when given), or
-- raises a `decode` error naming the list's URL.
-- @function page_items
-- @param api the vendor client
-- @tparam table spec the page's request spec (for the message)
-- @param body the decoded page
-- @tparam[opt] string root the key holding the array
-- @treturn table the items
local function page_items(api, spec, body, root)
  local items = body
  if root then items = type(body) == "table" and body[root] end
  if type(items) ~= "table" then
    api:fail(spec, { kind = "decode", method = "GET",
                     message = ("expected a %q array in the page"):format(root or "top-level") })
  end
  return items
end
paging.page_items = page_items

-- The iterator shared by every strategy: `fetch(state)` returns the next
-- page's items (nil when there is none); items are handed out in order.
local function iterate(fetch, api)
  if api and api:is_dry() then return function() return nil end end -- a dry run lists nothing
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

-- Pages from..to fetched `window` at a time, concurrently, and handed
-- out in order: memory stays at `window` pages whatever the collection.
-- The window's size is counted, never taken with `#`: slots already
-- handed out are cleared, and `#` of a table with holes is any border.
local function windowed(api, spec_for, from, to, extract)
  local window = api.prefetch
  local buffer, head, size, nextp = nil, 1, 0, from
  return function()
    if head > size then
      if nextp > to then return nil end
      local last = math.min(to, nextp + window - 1)
      local specs = {}
      for n = nextp, last do specs[n - nextp + 1] = spec_for(n) end
      buffer, head, size = api:send_all(specs), 1, last - nextp + 1
      nextp = last + 1
    end
    local result = buffer[head]
    buffer[head] = nil -- the page goes with its items: only the window is held
    head = head + 1
    if not result[1] then error(result[2], 0) end
    return (extract(result[2]))
  end
end

-- The page number a spec asks for (1 when it names none); nil when the
-- spec is an absolute URL (a followed link): prefetching starts only from
-- the caller's own first request.
local function current_page(spec, param)
  if spec.url then return nil end
  return tonumber(spec.query and spec.query[param]) or 1
end

-- A copy of spec asking for page n.
local function with_page(spec, param, n)
  local copy, q = {}, {}
  for k, v in pairs(spec) do copy[k] = v end
  for k, v in pairs(spec.query or {}) do q[k] = v end
  q[param] = n
  copy.query = q
  return copy
end

--- RFC 8288 Link paging (Canvas Catalog): follow rel="next" until absent.
-- The next link must stay on the client's origin (credentials never leave
-- it) and must lead to a page not read yet (A -> B -> A is refused), and
-- at most max_pages pages are followed: a server loop cannot spin us.
-- When the first page's rel="last" names the last page number (and
-- rel="next" is page+1), the rest is fetched ahead by page number,
-- `prefetch` pages at a time, still handed out in order.
function paging.link(api, spec, root)
  local pending = spec
  local rest
  local param = api.decl.paging.page_param
  local watch = guard(api, spec)
  watch.visit(page_key(api:url_of(spec), param))
  return iterate(function()
    if rest then return rest() end
    if not pending then return nil end
    local current = pending
    pending = nil
    local body, headers = api:send(current)
    local items = page_items(api, current, body, root)
    watch.check(items)
    local link = headers and headers.link
    local rels = link and #items > 0 and core.links(link) or {}
    local next_ref = rels.next
    local last = param and rels.last and tonumber(rels.last:match("[?&]" .. param .. "=(%d+)"))
    local page = param and current_page(current, param)
    if last and page and next_ref and next_ref:match("[?&]" .. param .. "=" .. (page + 1) .. "%f[^%d]")
       and api:same_origin(api:resolve(rels.last, api:url_of(current)) or "") then
      -- the last page is known: fetch the rest ahead by page number, in order
      pending = nil
      rest = windowed(api, function(n) return with_page(spec, param, n) end, page + 1, last,
                      function(b) return page_items(api, spec, b, root) end)
      return items
    end
    if next_ref then
      local here = api:url_of(current)
      local url = api:resolve(next_ref, here)
      if not url or not api:same_origin(url) then
        api:fail(current, { kind = "decode", method = "GET", url = here,
                            message = "paging link leads to another origin; not followed" })
      end
      watch.visit(page_key(url, param))
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
-- is never followed and the token never goes there.  Without a
-- total-pages the walk ends at the first empty page or the first page
-- without links.next, refuses a page that repeats an earlier one, and
-- reads at most max_pages pages.
function paging.page_number(api, spec, _, adecl)
  local query = {}
  for k, v in pairs(spec.query or {}) do query[k] = v end
  local first = {}
  for k, v in pairs(type(query.page) == "table" and query.page or {}) do first[k] = v end
  local size = first.size or adecl.page_size or api.decl.paging.default_size
  local function spec_for(n)
    local q = {}
    for k, v in pairs(query) do q[k] = v end
    q.page = { number = n, size = size }
    return with_query(spec, q)
  end
  local function extract(body)
    local items, meta, links = api:unwrap_list(body)
    return page_items(api, spec, items), meta, links
  end
  local number, rest = first.number or 1, nil
  local more = true
  local watch = guard(api, spec)
  return iterate(function()
    if rest then return rest() end
    if not more then return nil end
    watch.visit(nil)
    local items, meta, links = extract((api:send(spec_for(number))))
    watch.check(items)
    local total = type(meta) == "table" and tonumber(meta["total-pages"])
    number = number + 1
    if total then -- the rest is known: fetch it ahead, in order
      rest = windowed(api, spec_for, number, total, extract)
    else
      more = #items > 0 and type(links) == "table" and links.next ~= nil
    end
    return items
  end, api)
end

--- Page numbers until an empty page (MATRIX: page=1, 2, ...; 100 rows
-- a page, and "if the page number goes beyond the last page of results,
-- an empty set of results is returned").  A function whose pages are
-- objects names the array's key (`root`, get_resources: {resources=[...],
-- count=N}).  One that also takes an offset (adecl.offset names the
-- argument; the server lets it win over page) is walked from the caller's
-- offset on by that offset instead: asking page 2, 3, ... with the same
-- offset would answer the same rows forever.
function paging.page(api, spec, root, adecl)
  local by = adecl and adecl.offset
  local offset = by and spec.query and tonumber(spec.query[by])
  local page = 1
  local watch = guard(api, spec)
  return iterate(function()
    local query = {}
    for k, v in pairs(spec.query or {}) do query[k] = v end
    if offset then query[by] = offset else query.page = page end
    page = page + 1
    watch.visit(nil)
    local items = page_items(api, spec, (api:send(with_query(spec, query))), root)
    watch.check(items)
    if offset then offset = offset + #items end
    return items
  end, api)
end

--- offset/limit (Coursepath): ask for `limit` items from `offset`, then
-- from offset + what came back.  When the declaration says a list's
-- page_size is also the most the server returns (max_is_page_size), a
-- larger limit is clamped to it: a server that caps silently would
-- otherwise answer a "short" page that is not the last.  A page shorter
-- than the limit asked ends the list, unless its length is one of the
-- vendor's possible caps (paging.caps): then the server may have capped
-- it, and one more page is asked (an empty one ends the list).
function paging.offset(api, spec, root, adecl)
  local p = api.decl.paging
  local query = {}
  for k, v in pairs(spec.query or {}) do query[k] = v end
  local size = adecl.page_size or p.default_size
  local limit = tonumber(query[p.limit]) or size
  if p.max_is_page_size and limit > size then limit = size end
  query[p.limit] = limit
  query[p.offset] = query[p.offset] or 0
  local capped = {}
  for _, n in ipairs(p.caps or {}) do capped[n] = true end
  local more = true
  local watch = guard(api, spec)
  return iterate(function()
    if not more then return nil end
    watch.visit(nil)
    local items = page_items(api, spec, api:send(with_query(spec, query)), root)
    watch.check(items)
    local n = #items
    more = n >= limit or (n > 0 and capped[n] == true)
    local nextq = {}
    for k, v in pairs(query) do nextq[k] = v end
    nextq[p.offset] = query[p.offset] + n
    query = nextq
    return items
  end, api)
end

return paging
