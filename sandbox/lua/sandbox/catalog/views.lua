-- sandbox.catalog.views: the JSON views of records and the helpers every handler uses.
-- Decisions where the doc is silent: sandbox/lua/sandbox/catalog/DECISIONS.md.

local C = require "sandbox.common"
local ST = require "sandbox.catalog.state"

local ipairs, tostring = ipairs, tostring
local APPLICANT_KEYS, CATALOG_KEYS, CERT_KEYS = ST.APPLICANT_KEYS, ST.CATALOG_KEYS, ST.CERT_KEYS
local COURSE_KEYS, ENROLL_KEYS, ENROLL_LISTING_KEYS = ST.COURSE_KEYS, ST.ENROLL_KEYS, ST.ENROLL_LISTING_KEYS
local ORDER_KEYS, PROGRAM_KEYS, REG_KEYS, S = ST.ORDER_KEYS, ST.PROGRAM_KEYS, ST.REG_KEYS, ST.S
local SETTINGS_KEYS, UDF_KEYS, catalog_ref = ST.SETTINGS_KEYS, ST.UDF_KEYS, ST.catalog_ref

---------------------------------------------------------------------------
-- JSON views
---------------------------------------------------------------------------

local function catalog_json(c)
  local parent = C.null
  if c.parent_id and S.catalogs[c.parent_id] then
    parent = catalog_ref(c.parent_id)
  end
  return C.ordered(CATALOG_KEYS, {
    id = c.id, name = c.name, parent = parent,
    created_at = C.fmt_time(c.created_at), updated_at = C.fmt_time(c.updated_at),
    canvas_domain = c.canvas_domain, canvas_id = c.canvas_id,
    settings = C.ordered(SETTINGS_KEYS, {
      privacy_policy_url = "http://www.canvaslms.com/policies/privacy-policy",
      terms_url = "http://www.canvaslms.com/policies/terms-of-use",
      currency = "USD", time_zone = nil, country = "US",
      email_from_name = "Canvas Catalog", allow_user_registration = true,
      title_tag = nil, meta_description = nil, custom_head_content = nil,
      custom_body_content = nil, show_listings_in_parent = true,
      order_id_prefix = nil, inherit_user_defined_fields = c.parent_id ~= nil,
      beta_canvas_domain = nil,
    }),
    user_defined_fields = C.array {
      C.ordered(UDF_KEYS, {
        name = "favorite_color", label = "Favorite Color", field_type = "text", required = false,
      }),
      C.ordered(UDF_KEYS, {
        name = "code_of_conduct", label = "Code of Conduct", field_type = "checkbox", required = true,
      }),
    },
    logo = c.logo, locale = c.locale, url = c.url,
  })
end

-- Nested requirement entries of a program (cycles are cut, depth bounded).
local requirements_json

local function requirement_json(id, seen, depth)
  local l = S.listings[id]
  if not l then return nil end
  if l.type == "Course" then
    return C.ordered({ "id", "type", "title", "canvas_course" }, {
      id = l.id, type = "Course", title = l.title,
      canvas_course = C.ordered({ "id" }, { id = l.canvas_course_id }),
    })
  end
  return C.ordered({ "id", "type", "title", "requirements" }, {
    id = l.id, type = "Program", title = l.title,
    requirements = requirements_json(l, seen, depth + 1),
  })
end

requirements_json = function(program, seen, depth)
  seen = seen or {}
  depth = depth or 0
  local out = C.array()
  if seen[program.id] or depth > 16 then return out end
  seen[program.id] = true
  for _, rid in ipairs(program.requirement_ids) do
    local r = requirement_json(rid, seen, depth)
    if r then out[#out + 1] = r end
  end
  seen[program.id] = nil
  return out
end

-- Program credits: sum over its requirements (recursively); nil when no
-- requirement carries credits.
local function program_credits(program, seen)
  seen = seen or {}
  if seen[program.id] then return nil end
  seen[program.id] = true
  local sum, any = 0, false
  for _, rid in ipairs(program.requirement_ids) do
    local l = S.listings[rid]
    if l then
      local c
      if l.type == "Course" then c = l.credits else c = program_credits(l, seen) end
      if c then sum, any = sum + c, true end
    end
  end
  seen[program.id] = nil
  return any and sum or nil
end

local function listing_json(l)
  local v = {
    id = l.id, visibility = l.visibility, enrollment_open = l.enrollment_open,
    enrollment_cap = l.enrollment_cap, description = l.description,
    enrollment_fee = C.fmt_decimal(l.enrollment_fee or 0),
    created_at = C.fmt_time(l.created_at), updated_at = C.fmt_time(l.updated_at),
    short_description = l.teaser, listing_path = l.path, currency = "USD",
    catalog = catalog_ref(l.account_id), type = l.type, title = l.title,
    list_order = l.list_order, waitlist = l.waitlist,
  }
  if l.type == "Course" then
    v.credits = C.fmt_decimal(l.credits)
    v.canvas_course = C.ordered({ "id" }, { id = l.canvas_course_id })
    return C.ordered(COURSE_KEYS, v)
  end
  v.credits = C.fmt_decimal(program_credits(l))
  v.sequential = l.sequential
  v.requirements = requirements_json(l)
  return C.ordered(PROGRAM_KEYS, v)
end

local function certificate_json(c)
  return C.ordered(CERT_KEYS, {
    id = c.id, listing_id = c.listing_id, name = c.name, active = c.active,
    template = c.template,
    pdf_settings = C.ordered({ "orientation" }, { orientation = c.orientation }),
    created_at = C.fmt_time(c.created_at), updated_at = C.fmt_time(c.updated_at),
  })
end

local function enrollment_json(e)
  local l = S.listings[e.listing_id] or e.listing_snapshot
  return C.ordered(ENROLL_KEYS, {
    id = e.id,
    user = C.ordered({ "id" }, { id = e.canvas_user_id }),
    listing = C.ordered(ENROLL_LISTING_KEYS, {
      id = e.listing_id, title = l.title, type = l.type,
      canvas_course_id = (l.type == "Course") and l.canvas_course_id or nil,
    }),
    enrolled_at = C.fmt_time(e.enrolled_at),
    status = e.status,
  })
end

local function order_json(o)
  local listings = C.map_array(o.listings, function(x)
    return C.ordered({ "id", "canvas_course_id", "title", "amount" }, {
      id = x.id, canvas_course_id = x.canvas_course_id, title = x.title,
      amount = C.fmt_decimal(x.amount),
    })
  end)
  local promotions = C.map_array(o.promotions, function(p)
    return C.ordered({ "id", "code", "amount" }, { id = p.id, code = p.code, amount = C.fmt_decimal(p.amount) })
  end)
  local payments = C.map_array(o.payments, function(p)
    return C.ordered({ "reference_id", "status", "amount" }, {
      reference_id = p.reference_id, status = p.status, amount = C.fmt_decimal(p.amount),
    })
  end)
  return C.ordered(ORDER_KEYS, {
    id = o.id, full_id = tostring(o.id), catalog_id = o.catalog_id,
    catalog = catalog_ref(o.catalog_id),
    user = C.ordered({ "id", "name", "email" }, o.user),
    listings = listings, promotions = promotions, payments = payments,
    total = C.fmt_decimal(o.total), currency = "USD",
    purchased_at = C.fmt_time(o.purchased_at), created_at = C.fmt_time(o.created_at),
  })
end

local function registration_json(r)
  return C.ordered(REG_KEYS, {
    canvas_user_id = r.canvas_user_id, catalog = catalog_ref(r.catalog_id),
    name = r.name, email = r.email, custom_fields = r.custom_fields,
    created_at = C.fmt_time(r.created_at), updated_at = C.fmt_time(r.updated_at),
  })
end

local function applicant_json(a)
  local l = S.listings[a.listing_id]
  return C.ordered(APPLICANT_KEYS, {
    id = a.id,
    user = C.ordered({ "id", "name", "email" }, a.user),
    listing = C.ordered({ "id", "title" }, { id = a.listing_id, title = l and l.title }),
    notified_of_opening_at = C.fmt_time(a.notified_of_opening_at),
    status = a.status,
    created_at = C.fmt_time(a.created_at), updated_at = C.fmt_time(a.updated_at),
  })
end

---------------------------------------------------------------------------
-- Helpers for handlers
---------------------------------------------------------------------------

local function one(root, view)
  return C.ordered({ root }, { [root] = view })
end

local function index(req, root, items, view)
  local page, headers = C.paginate(req, items)
  for i, x in ipairs(page) do page[i] = view(x) end
  return C.reply(200, one(root, page), headers)
end

-- A member GET handler: the object of that id in the state's `collection`
-- (looked up at each call: a reset refills the state) as {root: view(x)},
-- or 404.
local function show(collection, root, view)
  return function(_, id)
    local x = S[collection][id]
    if not x then return C.not_found() end
    return C.reply(200, one(root, view(x)))
  end
end

return {
  applicant_json = applicant_json,
  catalog_json = catalog_json,
  certificate_json = certificate_json,
  enrollment_json = enrollment_json,
  index = index,
  listing_json = listing_json,
  one = one,
  order_json = order_json,
  registration_json = registration_json,
  show = show,
}
