-- sandbox.matrix.sections.certificates: the doc's "Certificates" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local lib = require "sandbox.matrix.lib"
local S, def = lib.S, lib.def


def("Certificates", "get_all_certificates", {}, function()
  return lib.map_array(lib.sorted_values(S.certificates), lib.cert_json)
end)

def("Certificates", "get_certificates_with_ids", { "certificate_ids" }, function(ctx)
  return lib.map_array(lib.list_in(ctx, "certificate_ids", S.certificates, "certificate"), function(x)
    return lib.cert_json(x)
  end)
end)

return true
