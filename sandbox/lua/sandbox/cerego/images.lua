-- sandbox.cerego.images: the doc's Images: "Get an image".
-- Decisions where the doc is silent: sandbox/lua/sandbox/cerego/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.cerego.lib"
local S = lib.S

local tonumber = tonumber

---------------------------------------------------------------------------
-- Images
---------------------------------------------------------------------------

local function show_image(_, key)
  local img = key:match("^%d+$") and #key < 16 and S.images[tonumber(key)]
  if not img then return lib.not_found("Couldn't find Image with 'id'=" .. key) end
  return C.reply(200, lib.document(lib.image_json(img)))
end

return {
  show_image = show_image,
}
