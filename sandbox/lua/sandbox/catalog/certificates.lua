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
  local body = lib.read_body(req)
  if not body then return end
  local p = lib.root_params(body, "certificate")
  local errs = C.new_errors()
  local listing_id
  if C.is_blank(p.listing_id) then
    errs.add("listing_id", "can't be blank")
  else
    listing_id = C.to_int(p.listing_id)
    if not listing_id or not S.listings[listing_id] then
      errs.add("listing_id", "does not exist")
    end
  end
  local name = lib.str_value(p.name)
  if C.is_blank(p.name) then
    errs.add("name", "can't be blank")
  elseif not name then
    errs.add("name", "is invalid")
  end
  local template = lib.str_value(p.template)
  if C.is_blank(p.template) then
    errs.add("template", "can't be blank")
  elseif not template then
    errs.add("template", "is invalid")
  end
  local active = true
  if not C.is_null(p.active) and p.active ~= "" then
    active = C.to_bool(p.active)
    if active == nil then errs.add("active", "is invalid") end
  end
  local orientation = "Landscape"
  if type(p.pdf_settings) == "table" and not C.is_blank(p.pdf_settings.orientation) then
    orientation = lib.str_value(p.pdf_settings.orientation)
    if orientation ~= "Landscape" and orientation ~= "Portrait" then
      errs.add("pdf_settings", "orientation is not included in the list")
    end
  end
  if errs.any() then return C.unprocessable(errs) end
  local id = S.next_certificate
  S.next_certificate = id + 1
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
  create_certificate = create_certificate,
}
