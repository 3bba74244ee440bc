-- sandbox.catalog.catalogs: the doc's Catalogs resource.
-- Decisions where the doc is silent: sandbox/lua/sandbox/catalog/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.catalog.lib"
local S = lib.S


---------------------------------------------------------------------------
-- Catalogs
---------------------------------------------------------------------------

local function list_catalogs(req)
  return lib.index(req, "catalogs", C.in_id_order(S.catalogs, S.next_catalog), lib.catalog_json)
end

return {
  routes = { collection = { GET = list_catalogs } },
}
