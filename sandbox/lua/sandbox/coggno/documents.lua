-- sandbox.coggno.documents: the doc's Documents and their licenses.
-- Decisions where the doc is silent: sandbox/lua/sandbox/coggno/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.coggno.lib"

local ipairs = ipairs

-- Documents

local function list_documents(ctx)
  local S, acct = ctx.S, ctx.account
  return lib.list(C.in_id_order(S.documents, S.next_document, function(d) return d.company_id == acct.id end),
    lib.document_json)
end

local function document_licenses(ctx, dref)
  local S = ctx.S
  local d = S.documents[lib.small_int(dref) or -1]
  if not d or d.company_id ~= ctx.account.id then return lib.not_found("No such document: " .. dref) end
  local out = C.array()
  for _, l in ipairs(S.licenses) do
    if l.document_id == d.id then
      local v = lib.license_values(l)
      v.user = lib.user_brief(S.users[l.user_id])
      out[#out + 1] = C.ordered(lib.LICENSE_USER_KEYS, v)
    end
  end
  return C.reply(200, C.ordered({ "document", "licenses" }, {
    document = C.ordered(lib.DOCUMENT_BRIEF_KEYS, { id = d.id, title = d.title }),
    licenses = out,
  }))
end

return {
  document_licenses = document_licenses,
  list_documents = list_documents,
}
