-- wrk script for bench/peers/wrk_runner.sh (wrk's own LuaJIT API).
-- BENCH_WRK_MODE=post: POST /api/v1/enrollments with the token and a JSON
-- body; BENCH_WRK_MODE=pages: GET the pages of the collection in turn.
-- done() writes "requests duration_us non2xx socket_errors" to stdout.
local mode = os.getenv("BENCH_WRK_MODE") or "post"
local prefix = os.getenv("BENCH_WRK_PREFIX") or ""
local pages = tonumber(os.getenv("BENCH_WRK_PAGES") or "100")
local auth = 'Token token="bench-token"'

if mode == "post" then
  wrk.method = "POST"
  wrk.path = prefix .. "/api/v1/enrollments"
  wrk.headers["Authorization"] = auth
  wrk.headers["Content-Type"] = "application/json"
  -- a fixed body, as lua-cjson would write it (wrk's Lua has no JSON library)
  wrk.body = '{"enrollment":{"listing_id":1,"canvas_user_id":1}}'
else
  local page = 0
  request = function()
    page = page % pages + 1
    return wrk.format("GET", prefix .. "/api/v1/courses?per_page=100&page=" .. page,
                      { ["Authorization"] = auth })
  end
end

done = function(summary)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %d\n", summary.requests, summary.duration,
                         e.status, e.connect + e.read + e.write + e.timeout))
end
