-- sandbox.catalog.certificates: the doc's Certificates resource.
-- Decisions where the doc is silent: sandbox/lua/sandbox/catalog/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.catalog.lib"
local S = lib.S

local type = type

---------------------------------------------------------------------------
-- Certificates
---------------------------------------------------------------------------

local function create_certificate(req)
  local body, p = lib.body_params(req, "certificate")
  if not body then return end
  local errs = C.new_errors()
  local listing_id = lib.listing_id(errs, p)
  local name = lib.required_string(errs, p, "name")
  local template = lib.required_string(errs, p, "template")
  local active = lib.optional_bool(errs, p.active, "active", true)
  local orientation = "Landscape"
  if type(p.pdf_settings) == "table" and not C.is_blank(p.pdf_settings.orientation) then
    orientation = lib.str_value(p.pdf_settings.orientation)
    if orientation ~= "Landscape" and orientation ~= "Portrait" then
      errs.add("pdf_settings", "orientation is not included in the list")
    end
  end
  if errs.any() then return C.unprocessable(errs) end
  local id = lib.next_id("next_certificate")
  local ts = lib.now()
  local c = {
    id = id, listing_id = listing_id, name = name, active = active,
    template = template, orientation = orientation, created_at = ts, updated_at = ts,
  }
  S.certificates[id] = c
  -- the doc's Location for certificates has no /api/v1 in it
  return C.reply(201, lib.one("certificate", lib.certificate_json(c)), {
    Location = req.vendor_url .. "/certificates/" .. id,
  })
end

return {
  routes = { collection = { POST = create_certificate } },
}
