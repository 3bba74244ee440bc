--- Cerego v3 (shared/vendor-docs/cerego-v3.md): declarations only.
-- JSON:API documents: resources read as tables whose attributes and
-- included relationships are reachable directly (course.name,
-- course.image.url).  The doc's list links name another host
-- (http://localhost:3001/v3/...): paging is by page number up to
-- meta["total-pages"] and those links are never followed.

-- Course fields of "Create a course" and "Update a course".
local create = { name = "string!", partner_id = "integer!", description = "string", slug = "string" }
local update = { name = "string", description = "string", slug = "string", state = "string" }

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
    -- (lmskit sends the token anyway; Cerego ignores it there).
    echo = {
      path = "/echo",
      actions = { send = { "POST", body = { echo = "string" } } },
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
        create = { "POST", body = create },
        update = { "PUT", "/:id", body = update },
        -- The doc: a course must be unpublished or archived to be deleted.
        delete = { "DELETE", "/:id" },
      },
    },
    images = {
      path = "/v3/images",
      actions = { get = { "GET", "/:id" } },
    },
  },
}
