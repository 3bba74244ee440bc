-- sandbox.coursepath.courses: the doc's Courses; handlers are fn(req, actor, ids...).
-- Decisions where the doc is silent: sandbox/lua/sandbox/coursepath/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.coursepath.lib"
local S = lib.S


---------------------------------------------------------------------------
-- Handlers: fn(req, actor, ids...)
---------------------------------------------------------------------------

local H = {}

-- Courses

function H.list_courses(req)
  return lib.list(req, C.in_id_order(S.courses, lib.course_count() + 1), lib.LIMIT_COURSES, lib.course_json)
end

function H.show_course(_, _, cid)
  local c = S.courses[cid]
  if not c then return lib.not_found() end
  return C.reply(200, lib.course_json(c))
end

function H.member_courses(req, _, mid)
  if not S.members[mid] then return lib.not_found() end
  local items = C.in_id_order(S.courses, lib.course_count() + 1, function(c)
    return S.cms[c.id][mid] ~= nil
  end)
  return lib.list(req, items, lib.LIMIT_COURSES, lib.course_json)
end

return {
  H = H,
}
