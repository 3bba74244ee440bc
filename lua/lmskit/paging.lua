--- Paging strategies: each turns a list call into a lazy iterator that
-- holds one page at a time.  A strategy is chosen by name in a vendor's
-- declaration (`paging = { strategy = "link", ... }`).
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

--- RFC 8288 Link paging (Canvas Catalog): follow rel="next" until absent.
-- The next link must stay on the client's origin (credentials never leave
-- it) and must change from page to page (a server loop cannot spin us).
function paging.link(api, spec, root)
  local items, i, n = nil, 0, 0
  local pending = spec
  local previous_url
  return function()
    while true do
      if i < n then
        i = i + 1
        return items[i]
      end
      if not pending then return nil end
      local current = pending
      local body, headers = api:send(current)
      items = page_items(api, current, body, root)
      n, i, pending = #items, 0, nil
      local link = headers and headers.link
      if link and n > 0 then
        local rels = core.links(link)
        local next_ref = rels and rels.next
        if next_ref then
          local here = api:_url_of(current)
          local url = api._core:resolve(next_ref, here)
          if not url or not api:same_origin(url) then
            api._core:fail { kind = "decode", method = "GET", url = here,
                             message = "paging link leads to another origin; not followed" }
          end
          if url == previous_url or url == here then
            api._core:fail { kind = "decode", method = "GET", url = here,
                             message = "paging link points back to the same page" }
          end
          previous_url = here
          pending = { method = "GET", url = url, headers = spec.headers }
        end
      end
    end
  end
end

return paging
