-- sandbox.catalog: stateful simulator of the Canvas Catalog API v1
-- (vendor doc: shared/vendor-docs/canvas-catalog-v1.txt).
--
-- Mounted by the router under /catalog, so a client's base URL is
-- https://127.0.0.1:<port>/catalog and the paths are /api/v1/... below it.
-- State lives in module-level tables (one nginx worker); reset() restores
-- the seed fixtures.

local C = require "sandbox.common"
local CRED = require "lmskit.sandbox_credentials"

local ngx = ngx
local type, pairs, ipairs, tostring = type, pairs, ipairs, tostring
local format = string.format

local M = {}

M.name = "catalog"
M.TOKEN = CRED.catalog.token

---------------------------------------------------------------------------
-- Output shapes (key order as in the vendor doc's examples)
---------------------------------------------------------------------------

local CATALOG_KEYS = {
  "id", "name", "parent", "created_at", "updated_at", "canvas_domain",
  "canvas_id", "settings", "user_defined_fields", "logo", "locale", "url",
}
local SETTINGS_KEYS = {
  "privacy_policy_url", "terms_url", "currency", "time_zone", "country",
  "email_from_name", "allow_user_registration", "title_tag",
  "meta_description", "custom_head_content", "custom_body_content",
  "show_listings_in_parent", "order_id_prefix", "inherit_user_defined_fields",
  "beta_canvas_domain",
}
local UDF_KEYS = { "name", "label", "field_type", "required" }
local LISTING_COMMON_KEYS = {
  "id", "visibility", "enrollment_open", "enrollment_cap", "description",
  "enrollment_fee", "created_at", "credits", "updated_at",
  "short_description", "listing_path", "currency", "catalog", "type",
  "title", "list_order", "waitlist",
}
local COURSE_KEYS, PROGRAM_KEYS = {}, {}
for i, k in ipairs(LISTING_COMMON_KEYS) do COURSE_KEYS[i] = k PROGRAM_KEYS[i] = k end
COURSE_KEYS[#COURSE_KEYS + 1] = "canvas_course"
PROGRAM_KEYS[#PROGRAM_KEYS + 1] = "sequential"
PROGRAM_KEYS[#PROGRAM_KEYS + 1] = "requirements"

local CERT_KEYS = {
  "id", "listing_id", "name", "active", "template", "pdf_settings",
  "created_at", "updated_at",
}
local ENROLL_KEYS = { "id", "user", "listing", "enrolled_at", "status" }
local ENROLL_LISTING_KEYS = { "id", "title", "type", "canvas_course_id" }
local ORDER_KEYS = {
  "id", "full_id", "catalog_id", "catalog", "user", "listings", "promotions",
  "payments", "total", "currency", "purchased_at", "created_at",
}
local REG_KEYS = {
  "canvas_user_id", "catalog", "name", "email", "custom_fields",
  "created_at", "updated_at",
}
local APPLICANT_KEYS = {
  "id", "user", "listing", "notified_of_opening_at", "status", "created_at",
  "updated_at",
}

---------------------------------------------------------------------------
-- State
---------------------------------------------------------------------------

local S -- the whole simulator state; see reset()

local function now()
  return ngx.time()
end

local function t(s) -- fixture timestamps
  return assert(C.parse_time(s))
end


local function catalog_ref(id)
  local c = S.catalogs[id] or S.catalogs[1]
  return C.ordered({ "id", "name" }, { id = c.id, name = c.name })
end

local function new_listing(kind, fields)
  local id = S.next_listing
  S.next_listing = id + 1
  local ts = fields.created_at or now()
  local l = {
    id = id, type = kind,
    title = nil, description = nil, path = nil, teaser = nil,
    enrollment_open = true, visibility = "listed", enrollment_cap = nil,
    enrollment_fee = 0, days_to_complete = nil, account_id = 1,
    list_order = nil, waitlist = false, canvas_course_id = nil,
    credits = nil, requirement_ids = {}, sequential = false,
    created_at = ts, updated_at = ts,
  }
  for k, v in pairs(fields) do l[k] = v end
  S.listings[id] = l
  return l
end

local function seed()
  S.catalogs[1] = {
    id = 1, name = "Sandbox Catalog", parent_id = nil,
    created_at = t("2015-08-27T22:03:42Z"), updated_at = t("2015-08-27T22:03:42Z"),
    canvas_domain = "canvas.sandbox.test", canvas_id = 1,
    logo = "http://logos.sandbox.test/logo-1.png", locale = "en",
    url = "http://catalog.sandbox.test",
  }
  S.catalogs[2] = {
    id = 2, name = "Sandbox Subcatalog", parent_id = 1,
    created_at = t("2015-08-28T10:00:00Z"), updated_at = t("2015-08-28T10:00:00Z"),
    canvas_domain = "canvas.sandbox.test", canvas_id = 2,
    logo = "http://logos.sandbox.test/logo-2.png", locale = "en",
    url = "http://catalog.sandbox.test/sub",
  }
  S.next_catalog = 3

  local ts = t("2016-03-10T20:28:50Z")
  new_listing("Course", {
    title = "Course 1", description = "description_1", path = "course-path-1",
    teaser = "teaser_1", canvas_course_id = 1, credits = 3, enrollment_fee = 100,
    created_at = ts,
  })
  new_listing("Course", {
    title = "Course 2", description = "description_2", path = "course-path-2",
    teaser = "teaser_2", canvas_course_id = 2, credits = 3, enrollment_fee = 50,
    created_at = ts,
  })

  -- user registration for canvas user 1
  S.registrations[1] = {
    canvas_user_id = 1, catalog_id = 1, name = "User 1", email = "user1@example.com",
    custom_fields = { favorite_color = "#BADA55" },
    created_at = t("2016-02-12T15:08:06Z"), updated_at = t("2016-02-12T15:08:06Z"),
  }

  -- orders: users 1, 1, 2; order 2 (user 1) is not completed
  local function order(id, user, listing_id, amount, promo, pay_status, created)
    local l = S.listings[listing_id]
    local total = amount + (promo and promo.amount or 0)
    S.orders[id] = {
      id = id, catalog_id = 1,
      user = user,
      listings = { { id = l.id, canvas_course_id = l.canvas_course_id, title = l.title, amount = amount } },
      promotions = promo and { promo } or {},
      payments = { { reference_id = format("sandbox-%d", id), status = pay_status, amount = total } },
      total = total,
      purchased_at = (pay_status == "success") and created or nil,
      created_at = created,
    }
  end
  local u1 = { id = 1, name = "User 1", email = "user1@example.com" }
  local u2 = { id = 2, name = "User 2", email = "user2@example.com" }
  order(1, u1, 1, 100, { id = 1, code = "PROMO1", amount = -10 }, "success", t("2016-01-15T10:00:00Z"))
  order(2, u1, 2, 50, nil, "pending", t("2017-06-01T12:00:00Z"))
  order(3, u2, 1, 100, nil, "success", t("2018-03-20T08:30:00Z"))
  S.next_order = 4

  S.applicants[1] = {
    id = 1, user = { id = 3, name = "Applicant One", email = "applicant1@example.com" },
    listing_id = 1, status = "waitlist", notified_of_opening_at = nil,
    created_at = t("2015-08-18T19:55:05Z"), updated_at = t("2015-08-18T19:55:05Z"),
  }
  S.applicants[2] = {
    id = 2, user = { id = 4, name = "Applicant Two", email = "applicant2@example.com" },
    listing_id = 2, status = "accepted", notified_of_opening_at = t("2015-08-20T09:00:00Z"),
    created_at = t("2015-08-18T19:55:06Z"), updated_at = t("2015-08-20T09:00:00Z"),
  }
  S.next_applicant = 3
end

function M.reset()
  S = {
    catalogs = {}, next_catalog = 1,
    listings = {}, next_listing = 1,
    certificates = {}, next_certificate = 1,
    enrollments = {}, next_enrollment = 1,
    orders = {}, next_order = 1,
    registrations = {}, next_user = 1001,
    applicants = {}, next_applicant = 1,
  }
  seed()
end

M.reset()

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
  local listings = C.array()
  for _, x in ipairs(o.listings) do
    listings[#listings + 1] = C.ordered({ "id", "canvas_course_id", "title", "amount" }, {
      id = x.id, canvas_course_id = x.canvas_course_id, title = x.title,
      amount = C.fmt_decimal(x.amount),
    })
  end
  local promotions = C.array()
  for _, p in ipairs(o.promotions) do
    promotions[#promotions + 1] = C.ordered({ "id", "code", "amount" }, {
      id = p.id, code = p.code, amount = C.fmt_decimal(p.amount),
    })
  end
  local payments = C.array()
  for _, p in ipairs(o.payments) do
    payments[#payments + 1] = C.ordered({ "reference_id", "status", "amount" }, {
      reference_id = p.reference_id, status = p.status, amount = C.fmt_decimal(p.amount),
    })
  end
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

-- The root-key object of a request body ({"course": {...}}), or {}.
local function root_params(body, root)
  local p = body[root]
  if type(p) ~= "table" then return {} end
  return p
end

-- Reads the body; replies 400 on invalid JSON.  Returns body or nil.
local function read_body(req)
  local body = C.body(req)
  if not body then
    C.invalid_json()
    return nil
  end
  return body
end


-- Optional integer filter from the query: nil when absent, false when
-- present but not an integer (matches nothing).
local function int_filter(args, name)
  local v = args[name]
  if v == nil then return nil end
  local n = C.to_int(C.scalar_arg(v) or "")
  if n == nil then return false end
  return n
end

-- from/to date filters; replies 400 and returns nil on a bad value.
local function date_filters(req)
  local out = {}
  for _, name in ipairs({ "from", "to" }) do
    local v = C.scalar_arg(req.args[name])
    if v ~= nil and v ~= "" then
      local ts = C.parse_time(v)
      if not ts then
        C.error(400, "Invalid date/time for " .. name .. " (use YYYY-MM-DDTHH:MM:SSZ)")
        return nil
      end
      out[name] = ts
    end
  end
  return out
end

local function in_range(ts, range)
  if range.from and (ts == nil or ts < range.from) then return false end
  if range.to and (ts == nil or ts > range.to) then return false end
  return true
end

local function str_value(v)
  if type(v) == "string" then return v end
  if type(v) == "number" then return C.fmt_decimal(v):gsub("%.0$", "") end
  return nil
end

---------------------------------------------------------------------------
-- Listings (courses and programs share one id sequence)
---------------------------------------------------------------------------

local VISIBILITIES = { listed = true, unlisted = true, hidden = true }

-- true if program `pid` (transitively) requires listing `target`
local function requires(pid, target, seen)
  local p = S.listings[pid]
  if not p or p.type ~= "Program" then return false end
  seen = seen or {}
  if seen[pid] then return false end
  seen[pid] = true
  for _, rid in ipairs(p.requirement_ids) do
    if rid == target or requires(rid, target, seen) then return true end
  end
  return false
end

local LISTING_FIELDS = {
  { "title", "string" }, { "description", "string" }, { "path", "string" },
  { "teaser", "string" }, { "enrollment_open", "bool" },
  { "visibility", "visibility" }, { "enrollment_cap", "int" },
  { "enrollment_fee", "decimal" }, { "days_to_complete", "int" },
  { "account_id", "account" }, { "list_order", "int" }, { "waitlist", "bool" },
  { "canvas_course_id", "int", course = true }, { "credits", "decimal", course = true },
  { "requirement_ids", "ids", program = true }, { "sequential", "bool", program = true },
}
local REQUIRED = {
  Course = { title = true, description = true, path = true, teaser = true, canvas_course_id = true },
  Program = { title = true, description = true, path = true, teaser = true },
}

-- Validates params for a listing of `kind`; `current` is the listing when
-- updating (nil when creating).  Returns changes table, or nil + errors.
local function listing_changes(kind, params, current)
  local errs = C.new_errors()
  local changes = {}
  local required = REQUIRED[kind]
  for _, spec in ipairs(LISTING_FIELDS) do
    local name, ftype = spec[1], spec[2]
    -- a field that does not exist for this kind is ignored, like an
    -- unpermitted param in Rails
    if not ((spec.course and kind ~= "Course") or (spec.program and kind ~= "Program")) then
      local v = params[name]
      local present = v ~= nil
      if required[name] and C.is_blank(v) and (current == nil or present) then
        errs.add(name, "can't be blank")
      elseif present then
        if ftype == "string" then
          local s = str_value(v)
          if v == C.null or s == nil then
            if v == C.null then changes[name] = C.null else errs.add(name, "is invalid") end
          else
            changes[name] = s
          end
        elseif ftype == "bool" then
          if v == C.null or v == "" then
            changes[name] = false
          else
            local b = C.to_bool(v)
            if b == nil then errs.add(name, "is invalid") else changes[name] = b end
          end
        elseif ftype == "int" then
          if C.is_null(v) or v == "" then
            changes[name] = C.null
          else
            local n = C.to_int(v)
            if n == nil then
              errs.add(name, C.to_decimal(v) and "must be an integer" or "is not a number")
            else
              changes[name] = n
            end
          end
        elseif ftype == "decimal" then
          if C.is_null(v) or v == "" then
            changes[name] = C.null
          else
            local n = C.to_decimal(v)
            if n == nil then errs.add(name, "is not a number") else changes[name] = n end
          end
        elseif ftype == "visibility" then
          if type(v) ~= "string" or not VISIBILITIES[v] then
            errs.add(name, "is not included in the list")
          else
            changes[name] = v
          end
        elseif ftype == "account" then
          if C.is_null(v) or v == "" then
            changes[name] = 1
          else
            local n = C.to_int(v)
            if n == nil or not S.catalogs[n] then errs.add(name, "is invalid") else changes[name] = n end
          end
        elseif ftype == "ids" then
          local list = {}
          if C.is_null(v) or v == "" then
            list = {}
          elseif type(v) ~= "table" then
            errs.add(name, "is invalid")
          else
            for i = 1, #v do
              local x = v[i]
              if not (type(x) == "string" and x == "") then
                local n = C.to_int(x)
                local l = n and S.listings[n]
                if not l or (current and (n == current.id or requires(n, current.id))) then
                  errs.add(name, "is invalid")
                else
                  list[#list + 1] = n
                end
              end
            end
          end
          changes[name] = list
        end
      end
    end
  end
  if errs.any() then return nil, errs end
  return changes
end

local function apply_changes(l, changes)
  for k, v in pairs(changes) do
    if v == C.null then v = nil end
    if k == "enrollment_fee" and v == nil then v = 0 end
    if k == "account_id" and v == nil then v = 1 end
    l[k] = v
  end
  l.updated_at = now()
end

local function listing_pred(kind)
  return function(l) return l.type == kind end
end

local function find_listing(kind, id)
  local l = S.listings[id]
  if l and l.type == kind then return l end
  return nil
end

local function remove_listing(id)
  S.listings[id] = nil
  for _, l in pairs(S.listings) do
    if l.type == "Program" then
      local kept = {}
      for _, rid in ipairs(l.requirement_ids) do
        if rid ~= id then kept[#kept + 1] = rid end
      end
      l.requirement_ids = kept
    end
  end
end

local function listing_resource(kind, root, plural)
  local res = {}
  function res.list(req)
    return index(req, plural, C.in_id_order(S.listings, S.next_listing, listing_pred(kind)), listing_json)
  end
  function res.create(req)
    local body = read_body(req)
    if not body then return end
    local changes, errs = listing_changes(kind, root_params(body, root), nil)
    if not changes then return C.unprocessable(errs) end
    local l = new_listing(kind, {})
    apply_changes(l, changes)
    l.created_at = l.updated_at
    return C.reply(201, one(root, listing_json(l)), {
      Location = req.vendor_url .. "/api/v1/" .. plural .. "/" .. l.id,
    })
  end
  function res.show(_, id)
    local l = find_listing(kind, id)
    if not l then return C.not_found() end
    return C.reply(200, one(root, listing_json(l)))
  end
  function res.update(req, id)
    local l = find_listing(kind, id)
    if not l then return C.not_found() end
    local body = read_body(req)
    if not body then return end
    local changes, errs = listing_changes(kind, root_params(body, root), l)
    if not changes then return C.unprocessable(errs) end
    apply_changes(l, changes)
    return C.no_content()
  end
  function res.destroy(_, id)
    local l = find_listing(kind, id)
    if not l then return C.not_found() end
    remove_listing(id)
    return C.no_content()
  end
  return res
end

local courses = listing_resource("Course", "course", "courses")
local programs = listing_resource("Program", "program", "programs")

---------------------------------------------------------------------------
-- Catalogs
---------------------------------------------------------------------------

local function list_catalogs(req)
  return index(req, "catalogs", C.in_id_order(S.catalogs, S.next_catalog), catalog_json)
end

---------------------------------------------------------------------------
-- Certificates
---------------------------------------------------------------------------

local function create_certificate(req)
  local body = read_body(req)
  if not body then return end
  local p = root_params(body, "certificate")
  local errs = C.new_errors()
  local listing_id
  if C.is_blank(p.listing_id) then
    errs.add("listing_id", "can't be blank")
  else
    listing_id = C.to_int(p.listing_id)
    if not listing_id or not S.listings[listing_id] then
      errs.add("listing_id", "does not exist")
    end
  end
  local name = str_value(p.name)
  if C.is_blank(p.name) then
    errs.add("name", "can't be blank")
  elseif not name then
    errs.add("name", "is invalid")
  end
  local template = str_value(p.template)
  if C.is_blank(p.template) then
    errs.add("template", "can't be blank")
  elseif not template then
    errs.add("template", "is invalid")
  end
  local active = true
  if not C.is_null(p.active) and p.active ~= "" then
    active = C.to_bool(p.active)
    if active == nil then errs.add("active", "is invalid") end
  end
  local orientation = "Landscape"
  if type(p.pdf_settings) == "table" and not C.is_blank(p.pdf_settings.orientation) then
    orientation = str_value(p.pdf_settings.orientation)
    if orientation ~= "Landscape" and orientation ~= "Portrait" then
      errs.add("pdf_settings", "orientation is not included in the list")
    end
  end
  if errs.any() then return C.unprocessable(errs) end
  local id = S.next_certificate
  S.next_certificate = id + 1
  local ts = now()
  local c = {
    id = id, listing_id = listing_id, name = name, active = active,
    template = template, orientation = orientation, created_at = ts, updated_at = ts,
  }
  S.certificates[id] = c
  -- the doc's Location for certificates has no /api/v1 in it
  return C.reply(201, one("certificate", certificate_json(c)), {
    Location = req.vendor_url .. "/certificates/" .. id,
  })
end

---------------------------------------------------------------------------
-- Orders
---------------------------------------------------------------------------

local function user_info(canvas_user_id)
  local r = S.registrations[canvas_user_id]
  if r then return { id = canvas_user_id, name = r.name, email = r.email } end
  return { id = canvas_user_id }
end

local function create_order_for(canvas_user_id, l)
  local id = S.next_order
  S.next_order = id + 1
  local ts = now()
  local fee = l.enrollment_fee or 0
  local payments = {}
  if fee > 0 then
    payments[1] = { reference_id = format("sandbox-%d", id), status = "success", amount = fee }
  end
  S.orders[id] = {
    id = id, catalog_id = l.account_id or 1,
    user = user_info(canvas_user_id),
    listings = { {
      id = l.id, canvas_course_id = (l.type == "Course") and l.canvas_course_id or nil,
      title = l.title, amount = fee,
    } },
    promotions = {}, payments = payments, total = fee,
    purchased_at = ts, created_at = ts,
  }
  return S.orders[id]
end

local function user_id_filter(v)
  if v == nil then return nil end
  local set, any = {}, false
  local list = (type(v) == "table") and v or { v }
  for _, x in ipairs(list) do
    if type(x) == "string" then
      for part in x:gmatch("[^,]+") do
        local n = C.to_int(part)
        if n then set[n] = true end
        any = true
      end
    end
  end
  if not any then return nil end
  return set
end

local function list_orders(req)
  local range = date_filters(req)
  if not range then return end
  local users = user_id_filter(req.args.canvas_user_id)
  local completed = C.scalar_arg(req.args.completed)
  local only_completed = completed ~= nil and C.to_bool(completed) ~= false
  local items = C.in_id_order(S.orders, S.next_order, function(o)
    if not in_range(o.created_at, range) then return false end
    if users and not users[o.user.id] then return false end
    if only_completed and o.purchased_at == nil then return false end
    return true
  end)
  return index(req, "orders", items, order_json)
end

local function show_order(_, id)
  local o = S.orders[id]
  if not o then return C.not_found() end
  return C.reply(200, one("order", order_json(o)))
end

---------------------------------------------------------------------------
-- Enrollments
---------------------------------------------------------------------------

local function create_enrollment(req)
  local body = read_body(req)
  if not body then return end
  local p = root_params(body, "enrollment")
  local errs = C.new_errors()
  local listing_id, user_id
  if C.is_blank(p.listing_id) then
    errs.add("listing_id", "can't be blank")
  else
    listing_id = C.to_int(p.listing_id)
    if not listing_id or not S.listings[listing_id] then
      errs.add("listing_id", "does not exist")
    end
  end
  if C.is_blank(p.canvas_user_id) then
    errs.add("canvas_user_id", "can't be blank")
  else
    user_id = C.to_int(p.canvas_user_id)
    if not user_id then errs.add("canvas_user_id", "is not a number") end
  end
  local create_order = false
  if not C.is_null(body.create_order) and body.create_order ~= "" then
    create_order = C.to_bool(body.create_order)
    if create_order == nil then errs.add("create_order", "is invalid") end
  end
  if listing_id and user_id and not errs.any() then
    for _, e in pairs(S.enrollments) do
      if e.listing_id == listing_id and e.canvas_user_id == user_id and e.status == "active" then
        errs.add("canvas_user_id", "is already enrolled in this listing")
        break
      end
    end
  end
  if errs.any() then return C.unprocessable(errs) end
  local l = S.listings[listing_id]
  local id = S.next_enrollment
  S.next_enrollment = id + 1
  local e = {
    id = id, listing_id = listing_id, canvas_user_id = user_id,
    listing_snapshot = { title = l.title, type = l.type, canvas_course_id = l.canvas_course_id },
    enrolled_at = now(), status = "active",
  }
  S.enrollments[id] = e
  if create_order then create_order_for(user_id, l) end
  return C.reply(201, one("enrollment", enrollment_json(e)))
end

local function list_enrollments(req)
  local lid = int_filter(req.args, "listing_id")
  local items = C.in_id_order(S.enrollments, S.next_enrollment, function(e)
    return lid == nil or e.listing_id == lid
  end)
  return index(req, "enrollments", items, enrollment_json)
end

local function show_enrollment(_, id)
  local e = S.enrollments[id]
  if not e then return C.not_found() end
  return C.reply(200, one("enrollment", enrollment_json(e)))
end

---------------------------------------------------------------------------
-- User registrations (the id is the canvas_user_id)
---------------------------------------------------------------------------

local function registrations_sorted(pred)
  local ids = {}
  for id, r in pairs(S.registrations) do
    if pred == nil or pred(r) then ids[#ids + 1] = id end
  end
  table.sort(ids)
  local out = {}
  for i, id in ipairs(ids) do out[i] = S.registrations[id] end
  return out
end

local function create_registration(req)
  local body = read_body(req)
  if not body then return end
  -- the doc lists the params without a root key but its example body
  -- uses {"user_registration": {...}}: accept both forms
  local p = body
  if type(body.user_registration) == "table" then p = body.user_registration end
  local errs = C.new_errors()
  local name = str_value(p.name)
  if C.is_blank(p.name) then
    errs.add("name", "can't be blank")
  elseif not name then
    errs.add("name", "is invalid")
  end
  local email = str_value(p.email)
  if C.is_blank(p.email) then
    errs.add("email", "can't be blank")
  elseif not email or not email:match("^[^@%s]+@[^@%s]+$") then
    errs.add("email", "is invalid")
  else
    local lower = email:lower()
    for _, r in pairs(S.registrations) do
      if r.email:lower() == lower then
        errs.add("email", "has already been taken")
        break
      end
    end
  end
  local catalog_id = 1
  if not C.is_blank(p.catalog_id) then
    catalog_id = C.to_int(p.catalog_id)
    if not catalog_id or not S.catalogs[catalog_id] then
      errs.add("catalog_id", "is invalid")
    end
  end
  local custom = p.custom_fields
  if C.is_null(custom) then
    custom = nil
  elseif type(custom) ~= "table" then
    errs.add("custom_fields", "is invalid")
  end
  if errs.any() then return C.unprocessable(errs) end
  local id = S.next_user
  S.next_user = id + 1
  local ts = now()
  local r = {
    canvas_user_id = id, catalog_id = catalog_id, name = name, email = email,
    custom_fields = custom, created_at = ts, updated_at = ts,
  }
  S.registrations[id] = r
  return C.reply(201, one("user_registration", registration_json(r)))
end

local function list_registrations(req)
  local range = date_filters(req)
  if not range then return end
  local items = registrations_sorted(function(r) return in_range(r.created_at, range) end)
  return index(req, "user_registrations", items, registration_json)
end

local function show_registration(_, id)
  local r = S.registrations[id]
  if not r then return C.not_found() end
  return C.reply(200, one("user_registration", registration_json(r)))
end

---------------------------------------------------------------------------
-- Applicants
---------------------------------------------------------------------------

local function list_applicants(req)
  local lid = int_filter(req.args, "listing_id")
  local status = C.scalar_arg(req.args.status)
  if status == "" then status = nil end
  local items = C.in_id_order(S.applicants, S.next_applicant, function(a)
    if lid ~= nil and a.listing_id ~= lid then return false end
    if status ~= nil and a.status ~= status then return false end
    return true
  end)
  return index(req, "applicants", items, applicant_json)
end

local function show_applicant(_, id)
  local a = S.applicants[id]
  if not a then return C.not_found() end
  return C.reply(200, one("applicant", applicant_json(a)))
end

---------------------------------------------------------------------------
-- Routing
---------------------------------------------------------------------------

-- resource -> { collection = {METHOD = fn}, member = {METHOD = fn(req, id)} }
local ROUTES = {
  catalogs = { collection = { GET = list_catalogs } },
  certificates = { collection = { POST = create_certificate } },
  courses = {
    collection = { GET = courses.list, POST = courses.create },
    member = { GET = courses.show, PUT = courses.update, DELETE = courses.destroy },
  },
  enrollments = {
    collection = { GET = list_enrollments, POST = create_enrollment },
    member = { GET = show_enrollment },
  },
  orders = {
    collection = { GET = list_orders },
    member = { GET = show_order },
  },
  programs = {
    collection = { GET = programs.list, POST = programs.create },
    member = { GET = programs.show, PUT = programs.update, DELETE = programs.destroy },
  },
  user_registrations = {
    collection = { GET = list_registrations, POST = create_registration },
    member = { GET = show_registration },
  },
  applicants = {
    collection = { GET = list_applicants },
    member = { GET = show_applicant },
  },
}

local METHOD_ORDER = { "GET", "POST", "PUT", "DELETE" }

local function allowed(tbl)
  local out = {}
  for _, m in ipairs(METHOD_ORDER) do
    if tbl[m] then out[#out + 1] = m end
  end
  return out
end

-- "Token token="..."" (the documented form) -> token, else nil
local function parse_token(h)
  if type(h) ~= "string" then return nil end
  return h:match('^%s*Token%s+token="([^"]*)"%s*$')
end

local function authorized()
  return parse_token(ngx.req.get_headers()["authorization"]) == M.TOKEN
end

-- req.segs: decoded path segments below the /catalog prefix.
function M.handle(req)
  local segs = req.segs
  if segs[1] ~= "api" or segs[2] ~= "v1" or #segs < 3 or #segs > 4 then
    return C.not_found()
  end
  local route = ROUTES[segs[3]]
  if not route then return C.not_found() end
  local method = req.method
  if method == "HEAD" then method = "GET" end
  local handlers, id
  if #segs == 3 then
    handlers = route.collection
  else
    handlers = route.member
    if not handlers then return C.not_found() end
    local raw = segs[4]
    if raw:match("^%d+$") and #raw < 16 then id = tonumber(raw) end
  end
  if not handlers then return C.not_found() end
  local fn = handlers[method]
  if not fn then return C.method_not_allowed(allowed(handlers)) end
  if not authorized() then
    return C.error(401, "Invalid API token")
  end
  if #segs == 4 and not id then return C.not_found() end
  return fn(req, id)
end

---------------------------------------------------------------------------
-- Control API: /_sandbox/catalog/...
---------------------------------------------------------------------------

M.MAX_SEED = 100000

function M.control(req, rest)
  if rest[1] == "seed" and #rest == 1 then
    if req.method ~= "POST" then return C.method_not_allowed({ "POST" }) end
    local body = C.body(req)
    if not body then return C.invalid_json() end
    local n = C.to_int(body.courses or 0)
    if not n or n < 0 or n > M.MAX_SEED then
      return C.error(400, "courses must be an integer between 0 and " .. M.MAX_SEED)
    end
    local first_id, last_id
    for i = 1, n do
      local l = new_listing("Course", {
        title = "Seed course " .. i,
        description = "Seeded course " .. i,
        path = "seed-course-" .. i,
        teaser = "Seed teaser " .. i,
        credits = 1,
      })
      l.canvas_course_id = 100000 + l.id
      first_id = first_id or l.id
      last_id = l.id
    end
    return C.reply(200, C.ordered({ "ok", "count", "first_id", "last_id" }, {
      ok = true, count = n, first_id = first_id, last_id = last_id,
    }))
  end
  return C.not_found()
end

return M
