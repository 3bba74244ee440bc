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

-- How each write's effect is found after an unknown outcome (the
-- connection died after the request went out, or a 5xx; see
-- lmskit.reconcile).  A person's natural key is the login, which defaults
-- to the email (the doc: "Login name, uses email if not set"); the doc's
-- user objects carry no email.  Coggno mails nobody in the doc: no write
-- is declared `notifies`.
local login = { "login", "email" }

-- A user create: found through "Retrieve User" (it takes a login; 404
-- when absent), or with group_id through "Retrieve Group User", since the
-- create also adds the user to that group.  A user already there under
-- that login counts as done (a second create would be refused with 422).
local user_effect = {
  { when = "group_id", lookup = "group_users.get", args = { "group_id", login },
    match = { login = login }, missing = "absent" },
  { lookup = "get", args = { login }, match = { login = login }, missing = "absent" },
}

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
  -- HTTP Basic: the key is the user, the password is empty; a key's
  -- prefix says which host it belongs to
  auth = { strategy = "basic", secret = "api_key", user = "api_key", password = "",
           prefix_by_host = { test = "test_", live = "live_" } },
  account_header = { name = "Coggno-LMS", option = "lms" },
  call_options = { lms = "account" },
  body = "form",
  paging = { strategy = "none" },
  resources = {
    companies = {
      path = "/companies",
      actions = {
        -- found by its owner's login in the connected companies
        create = { "POST", body = {
          email = "string!", first_name = "string!", last_name = "string!", password = "string!",
          name = "string", login = "string",
        }, idempotent = false, effect = { lookup = "list", match = { login = login } } },
        list = { "GET", array = true },
      },
    },
    groups = {
      path = "/groups",
      actions = {
        -- names need not be unique: only a group of that name that was not
        -- there just before the write is its effect
        create = { "POST", body = { name = "string!", description = "string" }, idempotent = false,
                   effect = { lookup = "list", match = { name = "name" }, fresh = "id" } },
        list = { "GET", array = true },
        get = { "GET", "/:id" },
        delete = { "DELETE", "/:id", idempotent = true }, -- again after an unknown outcome: 404 is done
        -- the doc's example form (DELETE /groups -d name=...) deletes one group
        -- of that name: a second send would delete the next one, and no read
        -- tells one deletion from two, so an unknown outcome stays unknown
        delete_by_name = { "DELETE", query = { name = "string!" }, idempotent = false, effect = false },
      },
    },
    users = {
      path = "/users",
      actions = {
        list = { "GET", array = true },
        get = { "GET", "/:id", single = true }, -- id or login; answered as [user]
        create = { "POST", body = new_user, idempotent = false, effect = user_effect },
        delete = { "DELETE", "/:id", idempotent = true }, -- again after an unknown outcome: 404 is done
        licenses = { "GET", "/:id/licenses" },
      },
    },
    group_users = {
      path = "/groups/:group_id/users",
      actions = {
        list = { "GET", array = true },
        get = { "GET", "/:id", single = true }, -- id or login; answered as [user]
        -- user id (the doc: "ID *", example: id=); found through "Retrieve
        -- Group User", which answers the user only while in the group
        add = { "POST", body = { id = "string!" }, idempotent = false,
                effect = { lookup = "get", args = { "group_id", "id" }, match = {}, missing = "absent" } },
        -- again after an unknown outcome: 404 is done; gone when "Retrieve
        -- Group User" answers 404
        remove = { "DELETE", "/:id", idempotent = true,
                   effect = { lookup = "get", args = { "group_id", "id" }, missing = "done" } },
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
