-- sandbox.cerego.images: the doc's Images: "Get an image".
-- Decisions where the doc is silent: sandbox/lua/sandbox/cerego/DECISIONS.md.

local C = require "sandbox.common"
local ST = require "sandbox.cerego.state"
local V = require "sandbox.cerego.views"

local tonumber = tonumber
local S = ST.S
local document, image_json, not_found = V.document, V.image_json, V.not_found

---------------------------------------------------------------------------
-- Images
---------------------------------------------------------------------------

local function show_image(_, key)
  local img = key:match("^%d+$") and #key < 16 and S.images[tonumber(key)]
  if not img then return not_found("Couldn't find Image with 'id'=" .. key) end
  return C.reply(200, document(image_json(img)))
end

return {
  show_image = show_image,
}
