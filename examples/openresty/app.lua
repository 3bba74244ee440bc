--- An example app of lmskit inside nginx: each handler is ordinary code;
-- lmskit.nginx runs its calls on the `lmskit` thread pool, so the worker
-- goes on serving while they are in flight.  See nginx.conf beside it.
local lms = require "lmskit.nginx"
local json = require "lmskit.json"

local app = {}

-- The Catalog client's options, from the environment (nginx.conf's `env`).
local function catalog()
  return { base_url = os.getenv("CATALOG_URL"), token = os.getenv("CATALOG_TOKEN"),
           ca_file = os.getenv("CATALOG_CA"), retries = 2 }
end

-- The HTTP status this app answers for an lmskit error kind.
local STATUS = { not_found = 404, validation = 422, usage = 500 }

-- Answers status with a JSON body.
local function reply(status, body)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  ngx.say(json.encode(body))
end

-- Answers an lmskit.Error: its kind and (redacted) message, never more.
local function reply_error(err)
  if not (type(err) == "table" and err.kind) then error(err, 0) end
  reply(STATUS[err.kind] or 502, { error = err.kind, message = err.message })
end

--- GET /course/<id>: the course, or the error's kind.
function app.course(id)
  local ok, course = pcall(lms.call, "catalog", catalog(), "courses.get", id)
  if not ok then return reply_error(course) end
  reply(200, course)
end

--- GET /courses: how many courses, and their ids in order.
function app.courses()
  local ok, courses = pcall(lms.call, "catalog", catalog(), "courses.all", { per_page = 50 })
  if not ok then return reply_error(courses) end
  local ids = json.array()
  for i, c in ipairs(courses) do ids[i] = c.id end
  reply(200, { count = #courses, ids = ids })
end

--- Access phase: 403 unless the course exists.
function app.guard(id)
  local ok, err = pcall(lms.call, "catalog", catalog(), "courses.get", id)
  if not ok then
    if type(err) == "table" and err.kind == "not_found" then return ngx.exit(403) end
    return ngx.exit(502)
  end
end

--- POST /enroll {"listing_id": 1, "user_ids": [..]}: enrolls them in one
-- pool thread (app_jobs.enroll, concurrently there); answers the counts.
function app.enroll()
  local body = json.decode(ngx.req.get_body_data() or "{}")
  local ok, done, failed = pcall(lms.run, "app_jobs", "enroll", catalog(), body.listing_id, body.user_ids)
  if not ok then return reply_error(done) end
  reply(200, { enrolled = done, failed = failed })
end

-- The timer: lists the courses after the request that started it ended.
local function on_timer(premature)
  if premature then return end
  local ok, courses = pcall(lms.call, "catalog", catalog(), "courses.all", { per_page = 50 })
  local dict = ngx.shared.lmskit_example
  dict:set("timer", ok and ("courses " .. #courses) or ("error " .. tostring(courses.kind)))
end

--- GET /timer: starts the timer and answers at once.
function app.start_timer()
  ngx.shared.lmskit_example:delete("timer")
  assert(ngx.timer.at(0, on_timer))
  reply(202, { started = true })
end

--- GET /timer/result: what the timer found, once it has.
function app.timer_result()
  reply(200, { result = ngx.shared.lmskit_example:get("timer") or json.null })
end

return app
