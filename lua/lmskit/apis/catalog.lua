--- Canvas Catalog v1 (shared/vendor-docs/canvas-catalog-v1.txt): declarations only.
-- Every endpoint of the doc: catalogs, certificates, courses, enrollments,
-- orders, programs, user registrations and waitlist applicants.
-- Field types follow the doc's "Parameters" tables; "!" marks "required".

-- Listing fields shared by courses and programs (the doc lists them for both).
local listing = {
  title = "string!", description = "string!", path = "string!", teaser = "string!",
  enrollment_open = "boolean", visibility = "string", enrollment_cap = "integer",
  enrollment_fee = "decimal", days_to_complete = "integer", account_id = "integer",
  list_order = "integer", waitlist = "boolean",
}

local course = { canvas_course_id = "integer!", credits = "decimal" }
local program = { requirement_ids = "array", sequential = "boolean" }
for k, v in pairs(listing) do course[k] = v; program[k] = v end

-- How to find the effect of a create whose outcome is unknown (the
-- connection died after the request went out; see lmskit.reconcile): the
-- doc does not say a listing's path is unique, so a listing is matched by
-- path and title (and a course by its Canvas course too).
local course_effect = { lookup = "list", match = {
  listing_path = "path", title = "title", ["canvas_course.id"] = "canvas_course_id" } }
local program_effect = { lookup = "list", match = { listing_path = "path", title = "title" } }

-- Enrollments and user registrations are listed in id order and the API
-- deletes neither: a look-up reads only the pages it has not seen full.
local tail = { page = "page", size = "per_page", per = 100 }

-- Date range filters of orders and user registrations (ISO 8601, UTC).
local since = { from = "datetime", to = "datetime" }

-- Courses and programs, the two kinds of listing: the same five actions,
-- each over its own body and the way to find its effect.
local function listings(plural, singular, body, effect)
  return {
    path = "/" .. plural, root = singular, roots = plural,
    actions = {
      list = { "GET", paged = true },
      get = { "GET", "/:id" },
      create = { "POST", body = body, effect = effect },
      update = { "PUT", "/:id", body = body, partial = true },
      delete = { "DELETE", "/:id" },
    },
  }
end

return {
  name = "catalog",
  title = "Canvas Catalog",
  base_path = "/api/v1",
  -- The doc shows one host per school (www.my-catalog.edu): no default.
  options = { token = "string" },
  auth = { strategy = "token", secret = "token" },
  paging = {
    strategy = "link",
    page_param = "page", -- rel="last" names the last page: the rest is fetched ahead
    params = { page = "integer", per_page = "integer" }, -- per_page: default 20, max 100
  },
  resources = {
    catalogs = {
      path = "/catalogs", roots = "catalogs",
      actions = { list = { "GET", paged = true } },
    },
    certificates = {
      path = "/certificates", root = "certificate",
      actions = {
        -- no read of certificates exists: an unknown outcome stays unknown
        create = { "POST", body = {
          listing_id = "integer!", name = "string!", active = "boolean",
          template = "string!", pdf_settings = "object", -- { orientation = "Landscape" | "Portrait" }
        } },
      },
    },
    courses = listings("courses", "course", course, course_effect),
    enrollments = {
      path = "/enrollments", root = "enrollment", roots = "enrollments",
      actions = {
        list = { "GET", paged = true, query = { listing_id = "integer" } },
        get = { "GET", "/:id" },
        create = { "POST", body = { listing_id = "integer!", canvas_user_id = "integer!" },
                   top = { create_order = "boolean" },
                   effect = { lookup = "list", query = { listing_id = "listing_id" },
                              match = { ["user.id"] = "canvas_user_id" }, append_only = tail } },
      },
    },
    orders = {
      path = "/orders", root = "order", roots = "orders",
      actions = {
        list = { "GET", paged = true, query = {
          from = "datetime", to = "datetime", canvas_user_id = "integer|string|array",
          completed = "boolean",
        } },
        get = { "GET", "/:id" },
      },
    },
    programs = listings("programs", "program", program, program_effect),
    user_registrations = {
      -- The id is the Canvas user id.  The doc lists the fields without a
      -- root key but its example body has one: we send the root key.
      path = "/user_registrations", root = "user_registration", roots = "user_registrations",
      actions = {
        list = { "GET", paged = true, query = since },
        get = { "GET", "/:id" },
        create = { "POST", body = {
          name = "string!", email = "string!", catalog_id = "integer", custom_fields = "object",
        }, effect = { lookup = "list", match = { email = "email" }, append_only = tail } },
      },
    },
    applicants = {
      path = "/applicants", root = "applicant", roots = "applicants",
      actions = {
        list = { "GET", paged = true, query = { listing_id = "integer", status = "string" } },
        get = { "GET", "/:id" },
      },
    },
  },
}
