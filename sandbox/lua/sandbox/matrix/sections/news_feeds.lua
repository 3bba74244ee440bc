-- sandbox.matrix.sections.news_feeds: the doc's "News feeds" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local B = require "sandbox.matrix.base"
local ST = require "sandbox.matrix.state"
local V = require "sandbox.matrix.views"
local R = require "sandbox.matrix.registry"

local ipairs = ipairs
local arg_hash, arg_str, fail, is_blank, iso_ms = B.arg_hash, B.arg_str, B.fail, B.is_blank, B.iso_ms
local now, opt_bool, opt_str, to_int_or_fail = B.now, B.opt_bool, B.opt_str, B.to_int_or_fail
local K, S, next_id = ST.K, ST.S, ST.next_id
local find_user, need_class, need_in = V.find_user, V.need_class, V.need_in
local def = R.def

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
    if scope == "class" then target = need_class(ctx)
    elseif scope == "group" then target = need_in(ctx, "group_id", S.groups, "group")
    end
    local message = arg_str(ctx, "message", true)
    local opts = arg_hash(ctx, "options")
    local sticky = opt_bool(ctx, opts, "sticky", false)
    if sticky and kind == "message" and scope == "site" then
      fail("The sticky option is not available for post_site_message")
    end
    local sub = opt_str(ctx, opts, "submitter_id")
    local submitter = S.admin_id
    if not is_blank(sub) then submitter = find_user(to_int_or_fail(sub, "submitter_id")).id end
    local p = {
      id = next_id("next_post"), ["function"] = ctx.fdef.name, kind = kind, scope = scope,
      class_id = scope == "class" and target.id or nil, group_id = scope == "group" and target.id or nil,
      message = message, sticky = sticky, submitter_id = submitter, created_at = iso_ms(now()),
    }
    if kind == "announcement" then p.notify = opt_bool(ctx, opts, "notify", false) end
    if scope == "site" then
      for _, k in ipairs({ "students", "teachers", "parents", "managers" }) do
        p[k] = opt_bool(ctx, opts, k, false)
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
