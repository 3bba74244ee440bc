-- sandbox.catalog.state: the module table, key orders of the doc's objects, the state and its seed.
-- Decisions where the doc is silent: sandbox/lua/sandbox/catalog/DECISIONS.md.

local C = require "sandbox.common"
local CRED = require "lmskit.sandbox_credentials"

local ngx = ngx
local pairs, ipairs = pairs, ipairs
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

local S = {} -- the whole simulator state (kept by identity); see reset()

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

-- Takes the next id of a sequence kept in S (next_listing, next_order, ...).
local function next_id(counter)
  return C.take_id(S, counter)
end

local function new_listing(kind, fields)
  local id = next_id("next_listing")
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
  C.refill(S, {
    catalogs = {}, next_catalog = 1,
    listings = {}, next_listing = 1,
    certificates = {}, next_certificate = 1,
    enrollments = {}, next_enrollment = 1,
    orders = {}, next_order = 1,
    registrations = {}, next_user = 1001,
    applicants = {}, next_applicant = 1,
  })
  seed()
end

M.reset()

return {
  APPLICANT_KEYS = APPLICANT_KEYS,
  CATALOG_KEYS = CATALOG_KEYS,
  CERT_KEYS = CERT_KEYS,
  COURSE_KEYS = COURSE_KEYS,
  ENROLL_KEYS = ENROLL_KEYS,
  ENROLL_LISTING_KEYS = ENROLL_LISTING_KEYS,
  M = M,
  ORDER_KEYS = ORDER_KEYS,
  PROGRAM_KEYS = PROGRAM_KEYS,
  REG_KEYS = REG_KEYS,
  S = S,
  SETTINGS_KEYS = SETTINGS_KEYS,
  UDF_KEYS = UDF_KEYS,
  catalog_ref = catalog_ref,
  new_listing = new_listing,
  next_id = next_id,
  now = now,
}
