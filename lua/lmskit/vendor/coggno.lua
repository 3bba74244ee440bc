--- Coggno v1 (shared/vendor-docs/coggno-v1.txt): declarations only.
-- HTTP Basic with the API key as the user and no password; form-encoded
-- bodies, JSON replies; no paging.  `mode` picks the host: test
-- (https://beta.coggno.com) or live (https://coggno.com/capp); without it
-- the key's prefix decides; a base_url is recognised as live when its path
-- ends in /capp and as test otherwise.  A test_ key is never sent to the
-- live host nor a live_ key to the test host, whatever picked the host
-- (mode, base_url or the key), and mode and base_url must agree.  `lms = <id>` (per client or per call)
-- acts as a connected account through the Coggno-LMS header.
-- "List Group Users" answers a bare object when the group has one user
-- (the doc's own example): every list is declared `array = true`, so a
-- list always returns an array.

local new_user = {
  email = "string!", first_name = "string!", last_name = "string!",
  password = "string!", -- 6-40 characters (checked by Coggno: 422)
  login = "string",     -- defaults to the email
  group_id = "integer", -- also adds the user to this group
}

return {
  name = "coggno",
  title = "Coggno",
  base_path = "/api/v1",
  hosts = {
    option = "mode", default = "test", names = "test, live",
    test = "https://beta.coggno.com",
    live = "https://coggno.com/capp",
    -- a base_url is recognised as live when its path ends in /capp (the
    -- doc's live endpoint; the sandbox's /coggno-live/capp), else as test
    -- (https://beta.coggno.com has no path): its key must match it too
    recognise = { { "live", "/capp$" } },
  },
  options = { api_key = "string", mode = "string", lms = "number" },
  auth = { strategy = "basic_key", secret = "api_key", prefix_by_host = { test = "test_", live = "live_" } },
  account_header = { name = "Coggno-LMS", option = "lms" },
  call_options = { lms = "account" },
  body = "form",
  paging = { strategy = "none" },
  resources = {
    companies = {
      path = "/companies",
      actions = {
        create = { "POST", body = {
          email = "string!", first_name = "string!", last_name = "string!", password = "string!",
          name = "string", login = "string",
        } },
        list = { "GET", array = true },
      },
    },
    groups = {
      path = "/groups",
      actions = {
        create = { "POST", body = { name = "string!", description = "string" } },
        list = { "GET", array = true },
        get = { "GET", "/:id" },
        delete = { "DELETE", "/:id" },
      },
    },
    users = {
      path = "/users",
      actions = {
        list = { "GET", array = true },
        get = { "GET", "/:id", single = true }, -- id or login; answered as [user]
        create = { "POST", body = new_user },
        delete = { "DELETE", "/:id" },
        licenses = { "GET", "/:id/licenses" },
      },
    },
    group_users = {
      path = "/groups/:group_id/users",
      actions = {
        list = { "GET", array = true },
        get = { "GET", "/:id", single = true }, -- id or login; answered as [user]
        add = { "POST", body = { id = "string!" } }, -- user id (the doc: "ID *", example: id=)
        remove = { "DELETE", "/:id" },
      },
    },
    documents = {
      path = "/documents",
      actions = {
        list = { "GET", array = true },
        licenses = { "GET", "/:id/licenses" },
      },
    },
  },
}
