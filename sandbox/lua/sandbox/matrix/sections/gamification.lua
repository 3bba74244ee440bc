-- sandbox.matrix.sections.gamification: the doc's "Gamification" section (its functions, in doc order).
-- Decisions where the doc is silent: sandbox/lua/sandbox/matrix/DECISIONS.md.

local C = require "sandbox.common"
local lib = require "sandbox.matrix.lib"
local K, S, def = lib.K, lib.S, lib.def

local ipairs = ipairs

---------------------------------------------------------------------------
-- Gamification
---------------------------------------------------------------------------

K.GAME_KEYS = {
  "id", "name", "description", "levels", "enable_leaderboard", "leaderboard_size", "show_to_students",
  "include_completed_students",
}

local function game_json(g)
  local levels = lib.map_array(g.levels, function(l)
    return C.ordered({ "name", "points" }, { name = l[1], points = l[2] })
  end)
  return C.ordered(K.GAME_KEYS, {
    id = g.id, name = g.name, description = g.description, levels = levels,
    enable_leaderboard = g.enable_leaderboard, leaderboard_size = g.leaderboard_size,
    show_to_students = g.show_to_students, include_completed_students = g.include_completed_students,
  })
end

local function player_json(g, uid)
  local p = g.players[uid] or { points = 0, badges = {} }
  local level = g.levels[1] and g.levels[1][1]
  for _, l in ipairs(g.levels) do
    if p.points >= l[2] then level = l[1] end
  end
  local badges = lib.map_array(p.badges, function(b)
    return C.ordered({ "id", "name", "awarded_at" }, {
      id = b.id, name = b.name, awarded_at = lib.iso_time(b.awarded_at),
    })
  end)
  return C.ordered({ "user_id", "points", "level", "badges" }, {
    user_id = uid, points = p.points, level = level, badges = badges,
  })
end

def("Gamification", "get_games_for_site", {}, function()
  return lib.map_array(lib.sorted_values(S.games, function(g) return g.class_id == nil end), game_json)
end)

def("Gamification", "get_games_for_class", { "class_id" }, function(ctx)
  local c = lib.need_class(ctx)
  return lib.map_array(lib.sorted_values(S.games, function(g) return g.class_id == c.id end), game_json)
end)

def("Gamification", "get_status_for_all_players", { "game_id" }, function(ctx)
  local g = lib.need_in(ctx, "game_id", S.games, "game")
  return lib.map_array(lib.sorted_keys_num(g.players), function(uid)
    if S.users[uid] then return player_json(g, uid) end
  end)
end)

def("Gamification", "get_status_for_players", { "game_id", "user_ids" }, function(ctx)
  local g = lib.need_in(ctx, "game_id", S.games, "game")
  return lib.map_array(lib.users_arg(ctx), function(u) return player_json(g, u.id) end)
end)

return true
