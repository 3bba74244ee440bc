-- sandbox.coursepath.courses: the doc's Courses; handlers are fn(req, actor, ids...).
-- Decisions where the doc is silent: sandbox/lua/sandbox/coursepath/DECISIONS.md.

local C = require "sandbox.common"
local ST = require "sandbox.coursepath.state"
local V = require "sandbox.coursepath.views"

local LIMIT_COURSES, S = ST.LIMIT_COURSES, ST.S
local course_count, course_json, list, not_found = V.course_count, V.course_json, V.list, V.not_found

---------------------------------------------------------------------------
-- Handlers: fn(req, actor, ids...)
---------------------------------------------------------------------------

local H = {}

-- Courses

function H.list_courses(req)
  return list(req, C.in_id_order(S.courses, course_count() + 1), LIMIT_COURSES, course_json)
end

function H.show_course(_, _, cid)
  local c = S.courses[cid]
  if not c then return not_found() end
  return C.reply(200, course_json(c))
end

function H.member_courses(req, _, mid)
  if not S.members[mid] then return not_found() end
  local items = C.in_id_order(S.courses, course_count() + 1, function(c)
    return S.cms[c.id][mid] ~= nil
  end)
  return list(req, items, LIMIT_COURSES, course_json)
end

return {
  H = H,
}
