-- bench/peers/jobs.lua: what the sequential Lua peers (luasec_runner.lua,
-- luacurl_runner.lua) share: their arguments and the job's base URL, the
-- two jobs (walk the course pages by the Link header's rel="next"; POST
-- COUNT enrollments one after another), each checked, and the one JSON
-- result line.  A peer gives only how it sends a request:
--   get(url) -> status, body, Link header (or nil)
--   post(url, json) -> status, body
-- Runs under Lua 5.1 and 5.4 (lua-cjson, LuaSocket for the clock).
local cjson = require "cjson"
local socket = require "socket" -- gettime only

local jobs = {}

--- The job, the count and the job's base URL from arg and BENCH_* (usage
-- names the runner), and the CA to trust.
function jobs.args(runner, accepted)
  local job, count = arg[1], tonumber(arg[2])
  assert(job and count, "usage: " .. runner .. " JOB COUNT")
  local url, ca = assert(os.getenv "BENCH_URL"), assert(os.getenv "BENCH_CA")
  local bases = { pages = url, enroll = url, pages_slow = url .. "/slow",
                  enroll_slow = url .. "/slow", memory = os.getenv "BENCH_BIG_URL" }
  for name in pairs(accepted or {}) do bases[name] = url end
  local base = bases[job]
  assert(base, "unknown job " .. job)
  return job, count, base, ca
end

-- Walks every page of courses from base; checks count items came, in id
-- order, the last one's id being count.
local function walk(base, count, get)
  local n, last_id, pages = 0, 0, 0
  local next_url = base .. "/api/v1/courses?per_page=100"
  local max_pages = math.floor(count / 100) + 2 -- bounded
  while next_url do
    pages = pages + 1
    assert(pages <= max_pages, "too many pages")
    local code, body, link = get(next_url)
    assert(code == 200, "status " .. tostring(code))
    for _, c in ipairs(cjson.decode(body).courses) do
      n = n + 1
      last_id = c.id
    end
    -- the usual script idiom: the URL of the link whose rel is "next"
    next_url = link and link:match('<([^>]*)>%s*;%s*rel="next"')
  end
  assert(n == count and last_id == count,
         ("walked %d items (last id %s), expected %d"):format(n, tostring(last_id), count))
  return n
end

-- POSTs count enrollments one after another, checking each reply.
local function enroll(base, count, post)
  local ok = 0
  for i = 1, count do
    local code, reply = post(base .. "/api/v1/enrollments",
                             cjson.encode { enrollment = { listing_id = 1, canvas_user_id = i } })
    assert(code == 201, "status " .. tostring(code))
    local e = cjson.decode(reply).enrollment
    assert(e.user.id == i and e.status == "active", "bad enrollment reply")
    ok = ok + 1
  end
  return ok
end

--- Runs the job (pages, pages_slow and memory walk; the others enroll),
-- timed, and prints the result line for peer with its notes.
function jobs.run(job, count, base, peer, notes, get, post)
  local items
  local t0 = socket.gettime()
  if job == "pages" or job == "pages_slow" or job == "memory" then
    items = walk(base, count, get)
  else
    items = enroll(base, count, post)
  end
  local seconds = socket.gettime() - t0
  print(cjson.encode { peer = peer, job = job, items = items, seconds = seconds, notes = notes })
end

return jobs
