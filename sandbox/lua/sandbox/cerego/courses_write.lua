-- sandbox.cerego.courses_write: the doc's Courses: create, update and delete.
-- Decisions where the doc is silent: sandbox/lua/sandbox/cerego/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.cerego.lib"
local S = lib.S

local type, pairs, tonumber = type, pairs, tonumber

---------------------------------------------------------------------------
-- Create / update
---------------------------------------------------------------------------

-- Parameters from any accepted body form, with dashed keys normalised
-- to underscores.
local function course_params(body)
  local src = body
  local partner_rel
  if type(body.data) == "table" then
    src = type(body.data.attributes) == "table" and body.data.attributes or {}
    local rel = body.data.relationships
    if type(rel) == "table" and type(rel.partner) == "table"
        and type(rel.partner.data) == "table" then
      partner_rel = rel.partner.data.id
    end
  elseif type(body.course) == "table" then
    src = body.course
  end
  local p = {}
  for k, v in pairs(src) do
    if type(k) == "string" then p[(k:gsub("-", "_"))] = v end
  end
  if p.partner_id == nil and partner_rel ~= nil then p.partner_id = partner_rel end
  return p
end

local function str_value(v)
  if type(v) == "string" then return v end
  if type(v) == "number" then return (C.fmt_decimal(v):gsub("%.0$", "")) end
  return nil
end

-- Rails' parameterize (ASCII): lowercase, runs of other chars -> "-"
local function parameterize(s)
  local out = s:lower():gsub("[^a-z0-9_-]+", "-"):gsub("%-%-+", "-")
  out = out:gsub("^%-+", ""):gsub("%-+$", "")
  if out == "" then out = "course" end
  return out
end

local function check_slug(errs, v, current)
  local s = str_value(v)
  if C.is_blank(v) then
    errs.add("slug", "can't be blank")
  elseif not s or not s:match("^[%w_-]+$") or s:match("^%d+$") then
    errs.add("slug", "is invalid")
  else
    local owner = S.slugs[s]
    if owner and (current == nil or owner ~= current.id) then
      errs.add("slug", "has already been taken")
    else
      return s
    end
  end
  return nil
end

-- Validates p; `current` is the course when updating.  Returns changes
-- or nil, errors.
local function course_changes(p, current)
  local errs = lib.new_errors()
  local ch = {}
  if current == nil or p.name ~= nil then
    local name = str_value(p.name)
    if C.is_blank(p.name) then
      errs.add("name", "can't be blank")
    elseif not name then
      errs.add("name", "is invalid")
    else
      ch.name = name
    end
  end
  if current == nil then
    if C.is_blank(p.partner_id) then
      errs.add("partner_id", "can't be blank")
    else
      local n = C.to_int(p.partner_id)
      if not n then
        errs.add("partner_id", "is not a number")
      elseif n < 1 then
        errs.add("partner_id", "must be greater than 0")
      else
        ch.partner_id = n
      end
    end
  end
  if p.description ~= nil then
    if C.is_null(p.description) then
      ch.description = C.null
    else
      local d = str_value(p.description)
      if not d then errs.add("description", "is invalid") else ch.description = d end
    end
  end
  if p.slug ~= nil and not (current == nil and C.is_null(p.slug)) then
    ch.slug = check_slug(errs, p.slug, current)
  end
  if current ~= nil and p.state ~= nil then
    if type(p.state) ~= "string" or not lib.STATES[p.state] then
      errs.add("state", "is not included in the list")
    else
      ch.state = p.state
    end
  end
  if errs.any() then return nil, errs end
  return ch
end

-- A course's params from the body, or nil once invalid JSON is answered.
local function read_params(req)
  local body = C.body_or_reply(req, lib.bad_json)
  if not body then return nil end
  return course_params(body)
end

local function set_slug(c, slug)
  if c.slug then S.slugs[c.slug] = nil end
  c.slug = slug
  S.slugs[slug] = c.id
end

local function create_course(req)
  local p = read_params(req)
  if not p then return end
  local ch, errs = course_changes(p, nil)
  if not ch then return errs.reply() end
  local id = S.next_id
  local slug = ch.slug
  if not slug then
    slug = parameterize(ch.name)
    if S.slugs[slug] or slug:match("^%d+$") then slug = slug .. "-" .. id end
  end
  local desc = ch.description
  if desc == C.null then desc = nil end
  local c = lib.add_course {
    id = id, name = ch.name, description = desc, slug = slug,
    partner_id = ch.partner_id, image_id = nil, state = "unpublished",
    created_at = lib.now(), users_count = 1, admin_users_count = 1,
    student_users_count = 0, ic_items_count = nil, assignments_count = 0,
    role = "instructor", settings = lib.default_settings(), progress = 0,
    percent_started = 0, payment_required = false,
  }
  return C.reply(201, lib.course_document(c))
end

local function find_course(key)
  if key:match("^%d+$") then
    if #key > 15 then return nil end
    return S.courses[tonumber(key)]
  end
  local id = S.slugs[key]
  return id and S.courses[id]
end

local function course_not_found(key)
  return lib.not_found("Couldn't find Course with 'id'=" .. key)
end

local function show_course(_, key)
  local c = find_course(key)
  if not c then return course_not_found(key) end
  return C.reply(200, lib.course_document(c))
end

local function update_course(req, key)
  local c = find_course(key)
  if not c then return course_not_found(key) end
  local p = read_params(req)
  if not p then return end
  local ch, errs = course_changes(p, c)
  if not ch then return errs.reply() end
  if ch.name then c.name = ch.name end
  if ch.description == C.null then
    c.description = nil
  elseif ch.description then
    c.description = ch.description
  end
  if ch.slug and ch.slug ~= c.slug then set_slug(c, ch.slug) end
  if ch.state and ch.state ~= c.state then
    c.state = ch.state
    c.state_updated_at = lib.now()
  end
  return C.reply(200, lib.course_document(c))
end

local function delete_course(_, key)
  local c = find_course(key)
  if not c then return course_not_found(key) end
  if c.state ~= "unpublished" and c.state ~= "archived" then
    return C.reply(422, C.ordered({ "errors" }, {
      errors = C.array {
        C.ordered({ "status", "title", "detail", "source" }, {
          status = "422", title = lib.STATUS_TITLES[422],
          detail = "A course must be unpublished or archived to be deleted",
          source = C.ordered({ "pointer" }, { pointer = "/data/attributes/state" }),
        }),
      },
    }))
  end
  S.courses[c.id] = nil
  S.slugs[c.slug] = nil
  return C.no_content()
end

return {
  create_course = create_course,
  delete_course = delete_course,
  show_course = show_course,
  update_course = update_course,
}
