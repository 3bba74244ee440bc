-- sandbox.matrix.sections.resources: the doc's "Resources" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def
local Users = require "sandbox.matrix.sections.users"

local min = math.min
local constraint_filter = Users.constraint_filter

---------------------------------------------------------------------------
-- Resources, Certificates
---------------------------------------------------------------------------

def("Resources", "get_resources", { "constraints", "page", "offset" }, function(ctx)
  local cons = lib.arg_attrs(ctx, "constraints")
  local offset_raw = cons.offset
  if offset_raw == nil then offset_raw = ctx.args.offset end
  cons.offset = nil
  cons.user_id = nil -- perspective only; every seeded library is visible to the admin
  cons.subject = nil -- K-20 subjects are not enabled
  local libs
  if cons.libraries ~= nil then
    libs = {}
    for piece in (lib.scalar(cons.libraries, "libraries") or ""):gmatch("[^,]+") do
      if not lib.is_blank(piece) then libs[lib.trim(piece):lower()] = true end
    end
    cons.libraries = nil
  end
  local pred = constraint_filter(cons, function(k)
    if k == "name" or k == "type" then return function(r) return r[k] end end
    return nil
  end)
  local items = lib.sorted_values(S.resources, function(r)
    if libs and not libs.all and not libs[r.library:lower()] then return false end
    return pred(r)
  end)
  local first
  local off = lib.scalar(offset_raw, "offset")
  if not lib.is_blank(off) then
    local n = C.to_int(off)
    if not n or n < 0 then lib.fail("Invalid offset: " .. off) end
    first = n + 1
  else
    first = (lib.page_number(ctx) - 1) * lib.M.PAGE_SIZE + 1
  end
  local out = C.array()
  for i = first, min(#items, first + lib.M.PAGE_SIZE - 1) do
    local r = items[i]
    out[#out + 1] = C.ordered(K.RESOURCE_KEYS, {
      id = r.id, type = r.type, name = r.name, library = r.library, creator_id = r.creator_id,
      created_at = lib.iso_time(r.created_at), url = ctx.req.vendor_url .. "/resources/" .. r.id,
    })
  end
  return C.ordered({ "resources", "count" }, { resources = out, count = #items })
end, K.PAGED)

return true
