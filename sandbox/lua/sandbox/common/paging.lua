-- sandbox.common.paging: paging (page / per_page, Total, Per-Page, RFC 8288 Link).

local J = require "sandbox.common.json"
local Args = require "sandbox.common.args"

local type, tostring = type, tostring
local concat = table.concat
local format = string.format
local C = J.C
local unescape = Args.unescape

---------------------------------------------------------------------------
-- Paging (page / per_page, Total, Per-Page, RFC 8288 Link)
---------------------------------------------------------------------------

C.DEFAULT_PER_PAGE = 20
C.MAX_PER_PAGE = 100

local function last_scalar(v)
  if type(v) == "table" then v = v[#v] end
  if type(v) == "string" then return v end
  return nil
end

local function positive_int(v)
  local s = last_scalar(v)
  if not s then return nil end
  local n = C.to_int(s)
  if n and n > 0 then return n end
  return nil
end

-- URL of page n of the current request: same scheme, host:port and raw
-- path; page=n first, then every other original query arg (raw, in order).
function C.page_url(req, n)
  local kept = {}
  if req.raw_query then
    for piece in req.raw_query:gmatch("[^&]+") do
      local name = piece:match("^([^=]*)")
      if unescape(name) ~= "page" then kept[#kept + 1] = piece end
    end
  end
  local q = "page=" .. format("%d", n)
  if #kept > 0 then q = q .. "&" .. concat(kept, "&") end
  return req.base_url .. req.raw_path .. "?" .. q
end

-- Slices `items` (an array in output order) for the requested page.
-- Returns the page as a JSON array and the headers to send with it.
function C.paginate(req, items)
  local per_page = positive_int(req.args.per_page) or C.DEFAULT_PER_PAGE
  if per_page > C.MAX_PER_PAGE then per_page = C.MAX_PER_PAGE end
  local page = positive_int(req.args.page) or 1
  if page > 1e9 then page = 1e9 end
  local total = #items
  local pages = math.ceil(total / per_page)
  local slice = C.array()
  local first = (page - 1) * per_page + 1
  for i = first, math.min(total, first + per_page - 1) do
    slice[#slice + 1] = items[i]
  end
  local headers = { Total = tostring(total), ["Per-Page"] = tostring(per_page) }
  if pages > 1 then
    local links = {}
    local function add(n, rel)
      links[#links + 1] = "<" .. C.page_url(req, n) .. '>; rel="' .. rel .. '"'
    end
    -- like api-pagination (kaminari): a page past the end gets only
    -- first/prev (prev clamped to the last page), no next/last
    if req.link_loop then -- A -> B -> A: page 2 and after lead back to page 1
      add(page == 1 and 2 or 1, "next")
    elseif page < pages then
      add(page + 1, "next")
      if not req.next_only then add(pages, "last") end
    end
    if page > 1 then
      add(1, "first")
      add(math.min(page - 1, pages), "prev")
    end
    if #links > 0 then headers.Link = concat(links, ", ") end
  end
  return slice, headers
end

return true
