-- sandbox.matrix.sections.job_titles: the doc's "Job titles" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local B = require "sandbox.matrix.base"
local ST = require "sandbox.matrix.state"
local V = require "sandbox.matrix.views"
local R = require "sandbox.matrix.registry"
local Users = require "sandbox.matrix.sections.users"
local Organizations = require "sandbox.matrix.sections.organizations"

local ipairs = ipairs
local format = string.format
local arg_attrs, fail, is_blank, map_array, page_of = B.arg_attrs, B.fail, B.is_blank, B.map_array, B.page_of
local sorted_values = B.sorted_values
local K, S, next_id = ST.K, ST.S, ST.next_id
local job_title_json, list_in, need_in = V.job_title_json, V.list_in, V.need_in
local def = R.def
local constraint_filter, val = Users.constraint_filter, Users.val
local apply_simple, parse_simple_attrs = Organizations.apply_simple, Organizations.parse_simple_attrs

---------------------------------------------------------------------------
-- Job titles
---------------------------------------------------------------------------

local JOB_TITLE_ATTRS = { name = "string", description = "string", picture = "string" }

def("Job titles", "get_all_job_titles", {}, function()
  return map_array(sorted_values(S.job_titles), job_title_json)
end, K.STATEFUL)

def("Job titles", "get_job_titles_with_ids", { "job_title_ids" }, function(ctx)
  return map_array(list_in(ctx, "job_title_ids", S.job_titles, "job title"), job_title_json)
end, K.STATEFUL)

def("Job titles", "get_job_titles_that_match", { "constraints", "page" }, function(ctx)
  local pred = constraint_filter(arg_attrs(ctx, "constraints"), function(k)
    local key = k:gsub(" ", "_")
    if key == "id" or key == "job_title_id" then return function(j) return j.id end end
    if key == "name" then return function(j) return j.name end end
    return nil
  end)
  return page_of(ctx, sorted_values(S.job_titles, pred), job_title_json)
end, K.PAGED_STATEFUL)

def("Job titles", "add_job_title", { "attributes" }, function(ctx)
  local ch = parse_simple_attrs(arg_attrs(ctx, "attributes"), JOB_TITLE_ATTRS, "job title")
  if is_blank(val(ch.name)) then fail("Missing required attribute: name") end
  local j = { id = next_id("next_job_title") }
  apply_simple(j, ch)
  S.job_titles[j.id] = j
  return j.id
end, K.STATEFUL)

def("Job titles", "edit_job_title", { "job_title_id", "attributes" }, function(ctx)
  local j = need_in(ctx, "job_title_id", S.job_titles, "job title")
  apply_simple(j, parse_simple_attrs(arg_attrs(ctx, "attributes"), JOB_TITLE_ATTRS, "job title"))
  return j.id
end, K.STATEFUL)

def("Job titles", "delete_job_titles", { "job_title_ids" }, function(ctx)
  local list = list_in(ctx, "job_title_ids", S.job_titles, "job title")
  for _, j in ipairs(list) do
    for _, u in ipairs(sorted_values(S.users)) do
      if u.job_title_id == j.id then
        fail(format("Cannot delete job title %d: user %d has it", j.id, u.id))
      end
    end
  end
  for _, j in ipairs(list) do S.job_titles[j.id] = nil end
  return true
end, K.STATEFUL)

return true
