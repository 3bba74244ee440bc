--- JSON:API documents (Cerego v3) as plain-feeling Lua values.
-- A resource keeps `id`, `type`, `attributes`, `relationships`, `links`
-- and `meta` as the vendor sent them; its attributes are also readable
-- directly (`course.name`, `course["users-count"]` or `course.users_count`),
-- and a relationship reads as the related resource from `included`
-- (`course.image.url`).
-- @module lmskit.jsonapi
local jsonapi = {}

-- Wraps one resource object with a metatable bound to the document's
-- included index.
local function wrap(resource, meta)
  if type(resource) ~= "table" then return resource end
  return setmetatable(resource, meta)
end

-- Builds the metatable for one document: attribute and relationship
-- lookups resolve against this document's `included` array.
local function document_meta(included)
  local index = {}
  local meta = {}
  local function resolve(ref)
    if type(ref) ~= "table" or ref.id == nil then return ref end
    local key = tostring(ref.type) .. "\0" .. tostring(ref.id)
    return index[key] or ref
  end
  meta.__index = function(t, k)
    if type(k) ~= "string" then return nil end
    local attributes = rawget(t, "attributes")
    if type(attributes) == "table" then
      local v = attributes[k]
      if v == nil then v = attributes[(k:gsub("_", "-"))] end
      if v ~= nil then return v end
    end
    local relationships = rawget(t, "relationships")
    local rel = type(relationships) == "table" and
      (relationships[k] or relationships[(k:gsub("_", "-"))])
    if type(rel) == "table" and type(rel.data) == "table" then
      if rel.data.id ~= nil then return resolve(rel.data) end
      local list = {}
      for i, ref in ipairs(rel.data) do list[i] = resolve(ref) end
      return list
    end
    return nil
  end
  meta.__name = "lmskit.jsonapi.Resource"
  for _, r in ipairs(type(included) == "table" and included or {}) do
    if type(r) == "table" then
      index[tostring(r.type) .. "\0" .. tostring(r.id)] = wrap(r, meta)
    end
  end
  return meta
end

--- Unwraps a document's `data`: a wrapped resource, or an array of them.
-- Returns data, the document's meta and links.
function jsonapi.data(doc)
  if type(doc) ~= "table" or doc.data == nil then return doc end -- not a document (echo)
  local meta = document_meta(doc.included)
  local data = doc.data
  if type(data) == "table" and data.id == nil and data.type == nil then
    for i, r in ipairs(data) do data[i] = wrap(r, meta) end
    return data, doc.meta, doc.links
  end
  return wrap(data, meta), doc.meta, doc.links
end

return jsonapi
