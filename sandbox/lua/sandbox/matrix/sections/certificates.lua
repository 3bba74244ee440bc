-- sandbox.matrix.sections.certificates: the doc's "Certificates" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local B = require "sandbox.matrix.base"
local ST = require "sandbox.matrix.state"
local V = require "sandbox.matrix.views"
local R = require "sandbox.matrix.registry"

local map_array, sorted_values = B.map_array, B.sorted_values
local S = ST.S
local cert_json, list_in = V.cert_json, V.list_in
local def = R.def

def("Certificates", "get_all_certificates", {}, function()
  return map_array(sorted_values(S.certificates), cert_json)
end)

def("Certificates", "get_certificates_with_ids", { "certificate_ids" }, function(ctx)
  return map_array(list_in(ctx, "certificate_ids", S.certificates, "certificate"), function(x)
    return cert_json(x)
  end)
end)

return true
