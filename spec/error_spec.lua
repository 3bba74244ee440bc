-- lmskit.Error's text: whole and exact however long its parts are (the
-- message, a URL with a hundred ids, a vendor's long body).
local core = require "lmskit.core"

describe("lmskit.Error tostring", function()
  for _, size in ipairs { 0, 1, 100, 1023, 1024, 1100, 5000, 70000 } do
    it("is exact with a " .. size .. "-byte message and URL", function()
      local message, url = ("m"):rep(size), "https://h.example/x?" .. ("i"):rep(size)
      local err = core.error { kind = "validation", status = 400, message = message,
                               method = "GET", url = url }
      for _ = 1, 3 do
        collectgarbage()
        assert.equal("lmskit.Error validation (400): " .. message .. " [GET " .. url .. "]", tostring(err))
      end
    end)
  end

  it("names a missing kind and leaves out what is not given", function()
    assert.equal("lmskit.Error ?", tostring(core.error {}))
    assert.equal("lmskit.Error usage: m", tostring(core.error { kind = "usage", message = "m" }))
  end)
end)
