--- Coursepath v1 (shared/vendor-docs/coursepath-v1.txt): declarations only.
-- Every call is made on behalf of a member: a JWT (HS256, the only
-- algorithm Coursepath accepts) with jti, iat and email claims, minted
-- fresh for every attempt.  Pass `as = "learner@school.edu"` in a call's
-- argument table to act as another member for that call.

-- Member fields the doc names ("such as name, company, department,
-- country, externalId, etc."); email is the only required one.
local member = {
  email = "string!", name = "string", company = "string", department = "string",
  country = "string", externalId = "string", association = "string",
  identification = "string", registration = "string",
}
local member_update = {}
for k, v in pairs(member) do member_update[k] = v:gsub("!$", "") end

-- "You can filter the results by passing query string parameters such as".
local member_filters = {
  email = "string", company = "string", department = "string", country = "string",
  externalId = "string", association = "string", identification = "string",
  registration = "string",
}

-- Invitation text overrides: { mail = { subject = , body = , action = } }
-- is sent as mail[subject], mail[body], mail[action].
local invite = { mail = "object" }

return {
  name = "coursepath",
  title = "Coursepath",
  base_path = "/api/v1",
  base_url_option = "academy_url",
  options = { academy_url = "string", secret = "string", email = "string", claims = "table" },
  auth = {
    strategy = "jwt", alg = "HS256", secret = "secret",
    subject = "email", subject_claim = "email", required = { "email" },
  },
  call_options = { as = "as" },
  -- "By default we limit the results to 100, 250 or 500 objects, depending
  -- on the API endpoint": each list declares its page size, which is also
  -- the most it returns (a larger limit is clamped to it); a short page of
  -- one of those lengths may be capped, so it is not taken as the last.
  paging = { strategy = "offset", offset = "offset", limit = "limit", default_size = 100,
             max_is_page_size = true, caps = { 100, 250, 500 },
             params = { offset = "integer", limit = "integer" } },
  resources = {
    courses = {
      path = "/courses",
      actions = {
        list = { "GET", paged = true, page_size = 250 },
        get = { "GET", "/:id" },
        members = { "GET", "/:id/members", paged = true, page_size = 100, query = member_filters },
        -- creates the member (or finds her by email) and adds her as learner
        add_member = { "POST", "/:id/members", body = member },
        enrollment = { "GET", "/:course_id/members/:member_id/coursemember" },
        enroll = { "POST", "/:course_id/members/:member_id/coursemember" },
        -- Beware (the doc): this also deletes all learning results of that member.
        unenroll = { "DELETE", "/:course_id/members/:member_id/coursemember" },
        invite = { "POST", "/:course_id/members/:member_id/invite", body = invite },
      },
    },
    members = {
      path = "/members",
      actions = {
        me = { "GET", "/me" },
        get = { "GET", "/:id" },
        list = { "GET", paged = true, page_size = 100, query = member_filters },
        create = { "POST", body = member },
        update = { "POST", "/:id", body = member_update },
        courses = { "GET", "/:id/courses", paged = true, page_size = 250 },
        groups = { "GET", "/:id/groups", paged = true, page_size = 500 },
        add_to_group = { "POST", "/:id/groups", body = { name = "string!" } },
        -- without name: removes the member from all groups
        remove_from_group = { "DELETE", "/:id/groups", query = { name = "string" } },
        invite = { "POST", "/:id/invite", body = invite },
      },
    },
    programs = {
      path = "/programs",
      actions = {
        add_member = { "POST", "/:id/members", body = member },
        enroll = { "POST", "/:program_id/members/:member_id/programmember" },
        unenroll = { "DELETE", "/:program_id/members/:member_id/programmember" },
        invite = { "POST", "/:program_id/members/:member_id/invite", body = invite },
      },
    },
    groups = {
      path = "/groups",
      actions = {
        list = { "GET", paged = true, page_size = 500 },
        members = { "GET", "/:id/members", paged = true, page_size = 100 },
      },
    },
  },
}
