--- Cerego v3 (shared/vendor-docs/cerego-v3.md): declarations only.
-- JSON:API documents: resources read as tables whose attributes and
-- included relationships are reachable directly (course.name,
-- course.image.url).  The doc's list links name another host
-- (http://localhost:3001/v3/...): paging is by page number up to
-- meta["total-pages"] and those links are never followed.

-- Course fields of "Create a course" and "Update a course".
local create = { name = "string!", partner_id = "integer!", description = "string", slug = "string" }
local update = { name = "string", description = "string", slug = "string", state = "string" }

-- How to find the effect of a write whose outcome is unknown (the
-- connection died after the request went out, or a 5xx; see
-- lmskit.reconcile).  Nothing in Cerego's doc mails or notifies anyone.
--
-- A course's natural key is its slug when the call gives one (the doc:
-- "Unique name for the course"; a course reads by slug as well as by id),
-- else its name in its partner.  The doc promises no unique name: when
-- several courses of the partner carry the name, the outcome stays
-- unknown and the error says so.  Partner ids come back as strings
-- ("21"); they are compared as the integers they are.
local create_effect = {
  { when = "slug", lookup = "get", args = { "slug" }, missing = "absent",
    match = { slug = "slug", name = "name", ["partner.id"] = "partner_id" } },
  { lookup = "list", query = { filter = { partner_id = "partner_id" }, page = { size = 100 } },
    match = { name = "name", ["partner.id"] = "partner_id" }, unique = true,
    hint = "give each course a slug to tell them apart" },
}
-- An update is repeated as it stands (PUT); only one that renamed the slug
-- its path named can meet a 404 when repeated: it is found at its new slug
-- (or, without one, at its id) with the fields it set.
local update_effect = { lookup = "get", args = { { "slug", "id" } }, missing = "absent",
  partial = true, exact = true,
  match = { slug = "slug", name = "name", description = "description", state = "state" } }
-- A delete is repeated as it stands; done when the course no longer reads.
local delete_effect = { lookup = "get", args = { "id" }, missing = "done" }

return {
  name = "cerego",
  title = "Cerego",
  base_path = "/api",
  hosts = {
    option = "env", default = "production", names = "production, stable, testing",
    production = "https://cerego.com",
    stable = "https://stable.cerego.com",
    testing = "https://testing.cerego.com",
  },
  options = { token = "string", env = "string" },
  auth = { strategy = "bearer", secret = "token" },
  format = "jsonapi",
  paging = {
    strategy = "page_number",
    default_size = 15, -- the doc's default
    params = { page = "object" }, -- { number = n, size = n } -> page[number]=n&page[size]=n
  },
  resources = {
    -- "To test your connection": POST /api/echo, the only call without a token
    -- (lmskit sends the token anyway; Cerego ignores it there).  It changes
    -- nothing, so it is repeated like a read.
    echo = {
      path = "/echo",
      actions = { send = { "POST", body = { echo = "string" }, idempotent = true } },
    },
    courses = {
      path = "/v3/courses",
      actions = {
        list = { "GET", paged = true, query = {
          filter = "object", -- partner_id, role (student|instructor), state
          tab = "string",    -- published | unpublished | archived
          sort = "string",   -- e.g. "name", "-created-at"
        } },
        get = { "GET", "/:id" },
        create = { "POST", body = create, idempotent = false, effect = create_effect },
        update = { "PUT", "/:id", body = update, idempotent = true, effect = update_effect },
        -- The doc: a course must be unpublished or archived to be deleted.
        delete = { "DELETE", "/:id", idempotent = true, effect = delete_effect },
      },
    },
    images = {
      path = "/v3/images",
      actions = { get = { "GET", "/:id" } },
    },
  },
}
