--- Paging strategies: each turns a list call into a lazy iterator over
-- its items.  A vendor's declaration names its strategy
-- (`paging = { strategy = "link", ... }`).
--   link         RFC 8288 Link rel="next" (Canvas Catalog)
--   page_number  JSON:API page[number] up to meta.total-pages (Cerego)
--   offset       offset/limit until a short page, the limit kept within the cap (Coursepath)
--   page         page=1, 2, ... until an empty page (MATRIX; items under a root key when declared)
-- The decisions (the next request, the pages fetched ahead, the order
-- pages come back in, the loop guard and max_pages) are the C core's
-- paging cursor (src/core/cursor.c, `core.cursor`); this module turns a
-- declaration into a cursor, sends what it asks, reads each page's items
-- and what the cursor needs from them, and yields the items.
-- @module lmskit.paging
local core = require "lmskit.core"
local tasks = require "lmskit.tasks"

local paging = {}

--- Most pages one list reads when the server declares no end (Link
-- without rel="last", Cerego without meta.total-pages, MATRIX pages,
-- Coursepath offsets): a server that never ends cannot hold a walk
-- forever.  The client option `max_pages` changes it.
paging.MAX_PAGES = 10000

-- The client as paging uses it: its request path (lmskit.client's narrow
-- interface, client/request_path.lua), in one place.
local client = {}
function client.core(api) return api.core end
function client.url_of(api, spec) return api:url_of(spec) end
function client.send(api, spec) return api:send(spec) end
function client.dry(api) return api:is_dry() end
function client.declared(api) return api.decl.paging end
function client.unwrap_list(api, body) return api:unwrap_list(body) end
function client.cursor_opts(api, opts)
  opts.prefetch = api.prefetch
  opts.max_pages = api.max_pages or paging.MAX_PAGES
  return opts
end

-- A short mark of a page's items (first id, last id, count), nil when an
-- item has no id: a server that ignores the page asked answers the same
-- items again, and the same mark shows it (the cursor compares them).
-- Kept short (not every id) so a long walk holds little.
local function page_mark(items)
  local n = #items
  if n == 0 then return nil end
  local first, last = items[1], items[n]
  if type(first) ~= "table" or type(last) ~= "table" then return nil end
  local a, b = rawget(first, "id"), rawget(last, "id")
  if a == nil or b == nil then return nil end
  return tostring(a) .. "\31" .. tostring(b) .. "\31" .. n
end

-- Raises a decode error for the list (url false: the caller's request).
local function fail(api, spec, message, url)
  client.core(api):fail { kind = "decode", method = "GET", url = url or client.url_of(api, spec),
                          message = message }
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
    fail(api, spec, ("expected a %q array in the page"):format(root or "top-level"))
  end
  return items
end
paging.page_items = page_items

-- What the cursor needs from a page: its count and mark, plus extra.
local function seen_of(items, extra)
  local seen = extra or {}
  seen.count, seen.mark = #items, page_mark(items)
  return seen
end

-- The pages of one walk in flight: each request the cursor asks is sent
-- as its own task (one alone, with nothing else in flight, is sent here,
-- its errors raised as they come), so up to `prefetch` pages stay in
-- flight while the caller reads: a slot the caller frees is asked again
-- at once.  Each answer is read and reported to the cursor as it comes;
-- a failure is kept and raised in its page's place.
local function flight(api, cur, read)
  local f = { pages = {}, n = 0, arrived = 0 }

  -- Reads one answer (ok, body, headers or false, err) into its page.
  local function land(a, ok, body, headers)
    local items, seen = body, nil
    if ok then ok, items, seen = pcall(read, a.spec, body, headers) end
    f.pages[a.index] = items -- the items, or the error raised in its place
    cur:arrived(a.index, ok and seen or nil)
  end

  -- Sends every request the cursor asks now (request(how, n) its spec);
  -- `behind` (a page was just taken) spawns them all, never sending one
  -- here before the caller has the page it took.
  function f.launch(request, behind)
    local asks = {}
    for index, how, n in function() return cur:ask() end do
      asks[#asks + 1] = { index = index, spec = request(how, n) }
    end
    if #asks == 1 and f.n == 0 and not behind then
      local a = asks[1]
      local items, seen = read(a.spec, client.send(api, a.spec))
      f.pages[a.index] = items
      cur:arrived(a.index, seen)
      return true
    end
    for _, a in ipairs(asks) do
      f.n = f.n + 1
      tasks.spawn(function()
        land(a, tasks.pcall(client.send, api, a.spec))
        f.n, f.arrived = f.n - 1, f.arrived + 1
        local w = f.waiter
        if w then f.waiter = nil; tasks.release(w, true) end
        if f.outside then tasks.wake(f.outside) end
      end)
    end
    return #asks > 0
  end

  -- Waits until one more page in flight has arrived.
  function f.wait()
    assert(f.n > 0, "lmskit.paging: the cursor asks nothing and waits")
    local before = f.arrived
    if tasks.current() then
      while f.arrived == before do
        f.waiter = tasks.semaphore(0)
        tasks.acquire(f.waiter)
      end
    else
      f.outside = f.outside or {}
      while f.arrived == before do tasks.step_until(f.outside) end
    end
  end
  return f
end

-- The iterator shared by every strategy: walks the cursor, sending what it
-- asks (`request(how, n)` is the spec of a page; `read(spec, body,
-- headers)` its items and what the cursor needs), and yields the items of
-- the pages it hands back, in order.  A dry run lists nothing.
local function walk(api, spec, cur, request, read)
  if client.dry(api) then return function() return nil end end
  local f, items, i = flight(api, cur, read), {}, 0
  local function next_page()
    while true do
      local what, index, message, url = cur:take()
      if what == "page" then
        local got = f.pages[index]
        f.pages[index] = nil -- the page goes with its items: only the window is held
        if cur:ahead() then f.launch(request, true) end -- its slot is asked again at once
        return got
      elseif what == "over" then
        return nil
      elseif what == "fail" then
        if index then error(f.pages[index], 0) end
        fail(api, spec, message, url)
      end
      if not f.launch(request) then f.wait() end
    end
  end
  local done = false
  return function()
    while true do
      if i < #items then
        i = i + 1
        return items[i]
      end
      if done then return nil end
      items, i = next_page(), 0
      if not items or #items == 0 then
        done, items = true, {}
      end
    end
  end
end

-- The page number a spec asks for (1 when it names none); nil when the
-- spec is an absolute URL (a followed link): fetching ahead starts only
-- from the caller's own first request.
local function current_page(spec, param)
  if spec.url then return nil end
  return tonumber(spec.query and spec.query[param]) or 1
end

-- Copies a spec with a new query (each page is its own request).
local function with_query(spec, query)
  local copy = {}
  for k, v in pairs(spec) do copy[k] = v end
  copy.query = query
  return copy
end

-- A copy of a query (none: empty), with name set to value when given.
local function query_with(query, name, value)
  local q = {}
  for k, v in pairs(query or {}) do q[k] = v end
  if name ~= nil then q[name] = value end
  return q
end

-- The reader of pages that are item arrays (under `root` when given):
-- a page's items and what the cursor needs from them.
local function read_items(api, spec, root)
  return function(_, body)
    local items = page_items(api, spec, body, root)
    return items, seen_of(items)
  end
end

--- RFC 8288 Link paging (Canvas Catalog): follow rel="next" until absent.
-- The next link must stay on the client's origin (credentials never leave
-- it) and must lead to a page not read yet (A -> B -> A is refused), and
-- at most max_pages pages are followed: a server loop cannot spin us.
-- When the first page's rel="last" names the last page number (and
-- rel="next" is page+1), the rest is fetched ahead by page number,
-- `prefetch` pages at a time, still handed out in order.
function paging.link(api, spec, root)
  local param = client.declared(api).page_param
  local cur = core.cursor(client.core(api), client.cursor_opts(api, {
    strategy = "link", page_param = param, first_url = client.url_of(api, spec),
    first = param and current_page(spec, param) or 0 }))
  local function request(how, n)
    if how == "first" then return spec end
    if how == "number" then return with_query(spec, query_with(spec.query, param, n)) end
    return { method = "GET", url = n, headers = spec.headers, as = spec.as, account = spec.account }
  end
  local function read(sent, body, headers)
    local items = page_items(api, sent.url and sent or spec, body, root)
    return items, seen_of(items, { link = headers and headers.link })
  end
  return walk(api, spec, cur, request, read)
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
  local size = first.size or adecl.page_size or client.declared(api).default_size
  local cur = core.cursor(client.core(api), client.cursor_opts(api, {
    strategy = "page_number", first = tonumber(first.number) or 1 }))
  local function request(_, n)
    local q = {}
    for k, v in pairs(query) do q[k] = v end
    q.page = { number = n, size = size }
    return with_query(spec, q)
  end
  local function read(_, body)
    local items, meta, links = client.unwrap_list(api, body)
    items = page_items(api, spec, items)
    local total = type(meta) == "table" and tonumber(meta["total-pages"])
    if total then total = math.max(0, math.min(math.floor(total), 2 ^ 31 - 1)) end
    return items, seen_of(items, { total = total or nil, more = type(links) == "table" and links.next ~= nil })
  end
  return walk(api, spec, cur, request, read)
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
  local cur = core.cursor(client.core(api), client.cursor_opts(api, {
    strategy = "page", by_offset = offset ~= nil, first = offset or 1 }))
  local function request(how, n)
    return with_query(spec, query_with(spec.query, how == "offset" and by or "page", n))
  end
  return walk(api, spec, cur, request, read_items(api, spec, root))
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
  local p = client.declared(api)
  local query = query_with(spec.query)
  local size = adecl.page_size or p.default_size
  local limit = tonumber(query[p.limit]) or size
  if p.max_is_page_size and limit > size then limit = size end
  query[p.limit] = limit
  local cur = core.cursor(client.core(api), client.cursor_opts(api, {
    strategy = "offset", first = tonumber(query[p.offset]) or 0, limit = limit, caps = p.caps }))
  local function request(_, n)
    return with_query(spec, query_with(query, p.offset, n))
  end
  return walk(api, spec, cur, request, read_items(api, spec, root))
end

return paging
