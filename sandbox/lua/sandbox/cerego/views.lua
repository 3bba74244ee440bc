-- sandbox.cerego.views: the JSON:API views, error replies and query helpers.
-- Decisions where the doc is silent: sandbox/lua/sandbox/cerego/DECISIONS.md.

local C = require "sandbox.common"
local ST = require "sandbox.cerego.state"

local ipairs, tostring = ipairs, tostring
local concat = table.concat
local COURSE_ATTR_KEYS, COURSE_META_KEYS = ST.COURSE_ATTR_KEYS, ST.COURSE_META_KEYS
local IMAGE_ATTR_KEYS, IMAGE_RESOURCE_KEYS = ST.IMAGE_ATTR_KEYS, ST.IMAGE_RESOURCE_KEYS
local NOTIFICATION_KEYS, RESOURCE_KEYS, S = ST.NOTIFICATION_KEYS, ST.RESOURCE_KEYS, ST.S
local STATUS_TITLES, TEACHING_ROLES, fmt_time = ST.STATUS_TITLES, ST.TEACHING_ROLES, ST.fmt_time

---------------------------------------------------------------------------
-- JSON views
---------------------------------------------------------------------------

local function strings(list)
  local out = C.array()
  for i, s in ipairs(list) do out[i] = s end
  return out
end

local function ref(id, rtype)
  if id == nil then return C.ordered({ "data" }, {}) end
  return C.ordered({ "data" }, {
    data = C.ordered({ "id", "type" }, { id = tostring(id), type = rtype }),
  })
end

local function course_json(c)
  local settings
  if c.settings then
    settings = C.ordered({ "notifications" }, {
      notifications = C.ordered(NOTIFICATION_KEYS, c.settings),
    })
  end
  return C.ordered(RESOURCE_KEYS, {
    id = tostring(c.id),
    type = "courses",
    attributes = C.ordered(COURSE_ATTR_KEYS, {
      ["created-at"] = fmt_time(c.created_at),
      name = c.name, description = c.description, slug = c.slug,
      ["users-count"] = c.users_count,
      ["admin-users-count"] = c.admin_users_count,
      ["student-users-count"] = c.student_users_count,
      ["goal-list-count"] = c.goal_list_count,
      ["goals-count"] = c.goals_count,
      ["reports-count"] = c.reports_count,
      state = c.state,
      ["state-updated-at"] = fmt_time(c.state_updated_at),
      ["instructor-names"] = strings(c.instructor_names),
      ["ic-items-count"] = c.ic_items_count,
      ["assignments-count"] = c.assignments_count,
      ["external-id"] = c.external_id,
    }),
    relationships = C.ordered({ "partner", "image" }, {
      partner = ref(c.partner_id, "partners"),
      image = ref(c.image_id, "images"),
    }),
    links = C.ordered({ "self" }, { self = "/v3/courses/" .. c.slug }),
    meta = C.ordered(COURSE_META_KEYS, {
      settings = settings,
      role = c.role,
      ["can-edit"] = TEACHING_ROLES[c.role] == true,
      lti = c.lti,
      progress = c.progress,
      ["percent-started"] = c.percent_started,
      ["last-study-time"] = fmt_time(c.last_study_time),
      ["payment-required"] = c.payment_required,
      cost = c.cost,
    }),
  })
end

local function image_json(img)
  return C.ordered(IMAGE_RESOURCE_KEYS, {
    id = tostring(img.id),
    type = "images",
    attributes = C.ordered(IMAGE_ATTR_KEYS, {
      ["created-at"] = fmt_time(img.created_at),
      url = img.url, ["orig-url"] = img.orig_url, ["orig-owner"] = img.orig_owner,
      ["license-id"] = img.license_id, ["alt-tag"] = img.alt_tag,
    }),
    links = C.ordered({ "self" }, { self = "/v3/images/" .. img.id }),
  })
end

-- Images of `courses`, each once, in order of first use.
local function included_for(courses)
  local out, seen = C.array(), {}
  for _, c in ipairs(courses) do
    local img = c.image_id and S.images[c.image_id]
    if img and not seen[img.id] then
      seen[img.id] = true
      out[#out + 1] = image_json(img)
    end
  end
  return out
end

-- Top-level document; `included` is left out when empty.
local function document(data, included, links, meta)
  local keys, vals = { "data" }, { data = data }
  if included and #included > 0 then
    keys[#keys + 1] = "included"
    vals.included = included
  end
  if links then
    keys[#keys + 1] = "links"
    vals.links = links
  end
  if meta then
    keys[#keys + 1] = "meta"
    vals.meta = meta
  end
  return C.ordered(keys, vals)
end

local function course_document(c)
  return document(course_json(c), included_for({ c }))
end

---------------------------------------------------------------------------
-- Errors (JSON:API error documents)
---------------------------------------------------------------------------

local function jsonapi_error(status, detail, headers)
  return C.reply(status, C.ordered({ "errors" }, {
    errors = C.array {
      C.ordered({ "status", "title", "detail" }, {
        status = tostring(status), title = STATUS_TITLES[status], detail = detail,
      }),
    },
  }), headers)
end

local function not_found(detail)
  return jsonapi_error(404, detail or "The requested resource was not found")
end

local function method_not_allowed(allowed)
  return jsonapi_error(405, "Method not allowed", { Allow = concat(allowed, ", ") })
end

local function bad_json()
  return jsonapi_error(400, "The request body is not valid JSON")
end

-- Validation errors: list of { field, message }, sent as one 422 document.
local function new_errors()
  local list = {}
  local e = {}
  function e.add(field, message)
    list[#list + 1] = { field, message }
  end
  function e.any() return #list > 0 end
  function e.reply()
    local errors = C.array()
    for _, fe in ipairs(list) do
      local field = fe[1]
      local human = field:gsub("_id$", ""):gsub("[_-]", " ")
      human = human:sub(1, 1):upper() .. human:sub(2)
      errors[#errors + 1] = C.ordered({ "status", "title", "detail", "source" }, {
        status = "422", title = STATUS_TITLES[422],
        detail = human .. " " .. fe[2],
        source = C.ordered({ "pointer" }, {
          pointer = "/data/attributes/" .. field:gsub("_", "-"),
        }),
      })
    end
    return C.reply(422, C.ordered({ "errors" }, { errors = errors }))
  end
  return e
end

---------------------------------------------------------------------------
-- Query helpers
---------------------------------------------------------------------------


local function positive_int(v)
  local n = C.to_int(C.scalar_arg(v) or "")
  if n and n > 0 then return n end
  return nil
end

-- comma-separated values of a query arg, or nil when absent/empty
local function list_arg(v)
  local s = C.scalar_arg(v)
  if s == nil then return nil end
  local out = {}
  for part in s:gmatch("[^,]+") do
    part = part:match("^%s*(.-)%s*$")
    if part ~= "" then out[#out + 1] = part end
  end
  if #out == 0 then return nil end
  return out
end

local function set_of(list)
  local set = {}
  for _, x in ipairs(list) do set[x] = true end
  return set
end

return {
  bad_json = bad_json,
  course_document = course_document,
  course_json = course_json,
  document = document,
  image_json = image_json,
  included_for = included_for,
  jsonapi_error = jsonapi_error,
  list_arg = list_arg,
  method_not_allowed = method_not_allowed,
  new_errors = new_errors,
  not_found = not_found,
  positive_int = positive_int,
  set_of = set_of,
}
