-- sandbox.matrix.sections.news_feeds: the doc's "News feeds" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def

local ipairs = ipairs

---------------------------------------------------------------------------
-- News feeds
---------------------------------------------------------------------------

K.POST_KEYS = {
  "id", "function", "kind", "scope", "class_id", "group_id", "message", "sticky", "notify", "submitter_id",
  "students", "teachers", "parents", "managers", "created_at",
}

local function poster(kind, scope)
  return function(ctx)
    local target
    if scope == "class" then target = lib.need_class(ctx)
    elseif scope == "group" then target = lib.need_in(ctx, "group_id", S.groups, "group")
    end
    local message = lib.arg_str(ctx, "message", true)
    local opts = lib.arg_hash(ctx, "options")
    local sticky = lib.opt_bool(ctx, opts, "sticky", false)
    if sticky and kind == "message" and scope == "site" then
      lib.fail("The sticky option is not available for post_site_message")
    end
    local sub = lib.opt_str(ctx, opts, "submitter_id")
    local submitter = S.admin_id
    if not lib.is_blank(sub) then submitter = lib.find_user(lib.to_int_or_fail(sub, "submitter_id")).id end
    local p = {
      id = lib.next_id("next_post"), ["function"] = ctx.fdef.name, kind = kind, scope = scope,
      class_id = scope == "class" and target.id or nil, group_id = scope == "group" and target.id or nil,
      message = message, sticky = sticky, submitter_id = submitter, created_at = lib.iso_ms(lib.now()),
    }
    if kind == "announcement" then p.notify = lib.opt_bool(ctx, opts, "notify", false) end
    if scope == "site" then
      for _, k in ipairs({ "students", "teachers", "parents", "managers" }) do
        p[k] = lib.opt_bool(ctx, opts, k, false)
      end
    end
    S.posts[#S.posts + 1] = p
    return true
  end
end

local CLASS_POST = { "class_id", "message", "options" }
local GROUP_POST = { "group_id", "message", "options" }
def("News feeds", "post_class_announcement", CLASS_POST, poster("announcement", "class"), K.STATEFUL)
def("News feeds", "post_class_message", CLASS_POST, poster("message", "class"), K.STATEFUL)
def("News feeds", "post_group_announcement", GROUP_POST, poster("announcement", "group"), K.STATEFUL)
def("News feeds", "post_group_message", GROUP_POST, poster("message", "group"), K.STATEFUL)
def("News feeds", "post_site_announcement", { "message", "options" }, poster("announcement", "site"),
  K.STATEFUL)
def("News feeds", "post_site_message", { "message", "options" }, poster("message", "site"), K.STATEFUL)

return true
