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

-- Every write, and what settles it when its outcome is unknown (the
-- request went out, the answer never came; see lmskit.reconcile).  A
-- JWT is single-use, so nothing is ever re-sent with the same token: a
-- retry is a new attempt with a new token, and only where repeating is
-- safe (idempotent) or a read has shown the effect absent.
--   members:create            email -> members:list { email }
--   courses:add_member        (course, email) -> courses:members(course, { email })
--   courses:enroll            (course, member) -> courses:enrollment(course, member)
--   courses:unenroll          DELETE; (course, member) -> enrollment answers 404
--   members:add_to_group      (member, name) -> members:groups(member), exact name
--   members:remove_from_group DELETE; (member, name) -> groups lack it (all: none left)
--   members:update            idempotent: sets the given fields, a repeat sets them again
--   programs:enroll           idempotent: the URL names the one membership (a set);
--                             the API has no read of program members to look in
--   programs:add_member       no read of program members: an unknown outcome stays unknown
--   programs:unenroll         DELETE, repeated; no read: a last unknown stays unknown
--   members/courses/programs:invite  mails the member: notifies, never sent again once
--                             the outcome is unknown (and no read of invitations exists)
local by_email = { email = "email" }

return {
  name = "coursepath",
  title = "Coursepath",
  base_path = "/api/v1",
  base_url_option = "academy_url",
  options = { academy_url = "string", secret = "string", email = "string", claims = "table" },
  -- what the options the rest of the declaration does not explain do (for the reference)
  about = { claims = "Extra claims put in every JWT; lmskit sets `jti`, `iat` and `email` itself." },
  auth = {
    strategy = "jwt", alg = "HS256", secret = "secret",
    subject = "email", required = { "email" },
    -- the claims minted for every attempt: a fresh id (each jti is
    -- accepted once), the time (only a recent iat is), and the subject
    -- (the call's `as`, else the `email` option) as `email`
    claims = { jti = "id", iat = "now", email = "subject" },
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
        add_member = { "POST", "/:id/members", body = member,
                       effect = { lookup = "members", args = { "id" }, query = by_email,
                                  match = by_email } },
        enrollment = { "GET", "/:course_id/members/:member_id/coursemember" },
        enroll = { "POST", "/:course_id/members/:member_id/coursemember",
                   effect = { lookup = "enrollment", args = { "course_id", "member_id" }, missing = "absent",
                              match = { courseId = "course_id", memberId = "member_id" } } },
        -- Beware (the doc): this also deletes all learning results of that member.
        unenroll = { "DELETE", "/:course_id/members/:member_id/coursemember",
                     effect = { lookup = "enrollment", args = { "course_id", "member_id" },
                                missing = "done" } },
        invite = { "POST", "/:course_id/members/:member_id/invite", body = invite, notifies = true },
      },
    },
    members = {
      path = "/members",
      actions = {
        me = { "GET", "/me" },
        get = { "GET", "/:id" },
        list = { "GET", paged = true, page_size = 100, query = member_filters },
        create = { "POST", body = member,
                   effect = { lookup = "list", query = by_email, match = by_email } },
        update = { "POST", "/:id", body = member_update, idempotent = true },
        courses = { "GET", "/:id/courses", paged = true, page_size = 250 },
        groups = { "GET", "/:id/groups", paged = true, page_size = 500 },
        -- group names are case-sensitive: "Sales" is not "sales"
        add_to_group = { "POST", "/:id/groups", body = { name = "string!" },
                         effect = { lookup = "groups", args = { "id" }, match = { name = "name" },
                                    exact = true } },
        -- without name: removes the member from all groups
        remove_from_group = { "DELETE", "/:id/groups", query = { name = "string" },
                              effect = { lookup = "groups", args = { "id" },
                                         lacks = { field = "name", values = "name", all = true }, exact = true } },
        invite = { "POST", "/:id/invite", body = invite, notifies = true },
      },
    },
    programs = {
      path = "/programs",
      actions = {
        add_member = { "POST", "/:id/members", body = member },
        enroll = { "POST", "/:program_id/members/:member_id/programmember", idempotent = true },
        unenroll = { "DELETE", "/:program_id/members/:member_id/programmember" },
        invite = { "POST", "/:program_id/members/:member_id/invite", body = invite, notifies = true },
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
