-- sandbox.catalog.applicants: the doc's Applicants resource.
-- Decisions where the doc is silent: sandbox/lua/sandbox/catalog/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.catalog.lib"
local S = lib.S


---------------------------------------------------------------------------
-- Applicants
---------------------------------------------------------------------------

local function list_applicants(req)
  local lid = lib.int_filter(req.args, "listing_id")
  local status = C.scalar_arg(req.args.status)
  if status == "" then status = nil end
  local items = C.in_id_order(S.applicants, S.next_applicant, function(a)
    if lid ~= nil and a.listing_id ~= lid then return false end
    if status ~= nil and a.status ~= status then return false end
    return true
  end)
  return lib.index(req, "applicants", items, lib.applicant_json)
end

return {
  routes = {
    collection = { GET = list_applicants },
    member = { GET = lib.show("applicants", "applicant", lib.applicant_json) },
  },
}
