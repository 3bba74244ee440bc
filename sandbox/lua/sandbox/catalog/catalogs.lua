-- sandbox.catalog.catalogs: the doc's Catalogs resource.
-- Decisions where the doc is silent: sandbox/lua/sandbox/catalog/DECISIONS.md.

local C = require "sandbox.common"
local ST = require "sandbox.catalog.state"
local V = require "sandbox.catalog.views"

local S = ST.S
local catalog_json, index = V.catalog_json, V.index

---------------------------------------------------------------------------
-- Catalogs
---------------------------------------------------------------------------

local function list_catalogs(req)
  return index(req, "catalogs", C.in_id_order(S.catalogs, S.next_catalog), catalog_json)
end

return {
  list_catalogs = list_catalogs,
}
