-- sandbox.matrix.sections.job_titles: the doc's "Job titles" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def
local Users = require "sandbox.matrix.sections.users"
local Organizations = require "sandbox.matrix.sections.organizations"

local ipairs = ipairs
local format = string.format
local constraint_filter, val = Users.constraint_filter, Users.val
local apply_simple, parse_simple_attrs = Organizations.apply_simple, Organizations.parse_simple_attrs

---------------------------------------------------------------------------
-- Job titles
---------------------------------------------------------------------------

local JOB_TITLE_ATTRS = { name = "string", description = "string", picture = "string" }

def("Job titles", "get_all_job_titles", {}, function()
  return lib.map_array(lib.sorted_values(S.job_titles), lib.job_title_json)
end, K.STATEFUL)

def("Job titles", "get_job_titles_with_ids", { "job_title_ids" }, function(ctx)
  return lib.map_array(lib.list_in(ctx, "job_title_ids", S.job_titles, "job title"), lib.job_title_json)
end, K.STATEFUL)

def("Job titles", "get_job_titles_that_match", { "constraints", "page" }, function(ctx)
  local pred = constraint_filter(lib.arg_attrs(ctx, "constraints"), function(k)
    local key = k:gsub(" ", "_")
    if key == "id" or key == "job_title_id" then return function(j) return j.id end end
    if key == "name" then return function(j) return j.name end end
    return nil
  end)
  return lib.page_of(ctx, lib.sorted_values(S.job_titles, pred), lib.job_title_json)
end, K.PAGED_STATEFUL)

def("Job titles", "add_job_title", { "attributes" }, function(ctx)
  local ch = parse_simple_attrs(lib.arg_attrs(ctx, "attributes"), JOB_TITLE_ATTRS, "job title")
  if lib.is_blank(val(ch.name)) then lib.fail("Missing required attribute: name") end
  local j = { id = lib.next_id("next_job_title") }
  apply_simple(j, ch)
  S.job_titles[j.id] = j
  return j.id
end, K.STATEFUL)

def("Job titles", "edit_job_title", { "job_title_id", "attributes" }, function(ctx)
  local j = lib.need_in(ctx, "job_title_id", S.job_titles, "job title")
  apply_simple(j, parse_simple_attrs(lib.arg_attrs(ctx, "attributes"), JOB_TITLE_ATTRS, "job title"))
  return j.id
end, K.STATEFUL)

def("Job titles", "delete_job_titles", { "job_title_ids" }, function(ctx)
  local list = lib.list_in(ctx, "job_title_ids", S.job_titles, "job title")
  for _, j in ipairs(list) do
    for _, u in ipairs(lib.sorted_values(S.users)) do
      if u.job_title_id == j.id then
        lib.fail(format("Cannot delete job title %d: user %d has it", j.id, u.id))
      end
    end
  end
  for _, j in ipairs(list) do S.job_titles[j.id] = nil end
  return true
end, K.STATEFUL)

return true
