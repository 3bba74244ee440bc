--- Starts and stops the example nginx server of examples/openresty/ (the
-- spec spec/openresty_spec.lua and bench/openresty.lua use it): its
-- nginx.conf with the placeholders filled in, in a directory of its own,
-- talking to the sandbox's Catalog; stopped by its pid.
local host = {}

-- The text of a file (nil when it cannot be read).
local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end
host.read = read

-- True when the shell command succeeded (os.execute's result differs
-- between Lua 5.1 and later).
local function succeeds(cmd)
  local r = os.execute(cmd)
  return r == true or r == 0
end
host.succeeds = succeeds

-- Stops the nginx of pid, and waits for it (5 s, then SIGKILL).
local function stop(pid)
  succeeds(("kill -QUIT %d 2>/dev/null"):format(pid))
  for _ = 1, 100 do
    if not succeeds(("kill -0 %d 2>/dev/null"):format(pid)) then return end
    succeeds("sleep 0.05")
  end
  succeeds(("kill -KILL %d 2>/dev/null"):format(pid))
end

--- Starts the example server: opts.root (the lmskit checkout, with
-- build/luajit built), opts.port, opts.catalog_url, opts.token,
-- opts.ca_file, opts.threads (the pool's size, default as in the example),
-- opts.http_extra and opts.server_extra (more nginx configuration).
-- Returns { pid, dir, port, stop = function }: stop() ends it and removes
-- its directory.  Started without the sanitizer a spec run may preload.
function host.start(opts)
  local root = opts.root
  local so = io.open(root .. "/build/luajit/lmskit/core.so", "rb")
  assert(so, "build/luajit/lmskit/core.so missing: nginx's Lua is LuaJIT (make build-runtimes)"):close()
  local dir = os.tmpname()
  os.remove(dir)
  assert(succeeds(("mkdir -p '%s/tmp'"):format(dir)))
  local conf = read(root .. "/examples/openresty/nginx.conf")
  conf = conf:gsub("@DIR@", dir):gsub("@LMSKIT@", root):gsub("@PORT@", tostring(opts.port))
  if opts.threads then -- the pool, its VMs and lmskit.nginx.threads alike
    conf = conf:gsub("threads=%d+", "threads=" .. opts.threads)
               :gsub("lua_worker_thread_vm_pool_size %d+", "lua_worker_thread_vm_pool_size " .. opts.threads)
               :gsub("lms%.threads = %d+", "lms.threads = " .. opts.threads)
  end
  -- more configuration (a bench's own locations): http-level text before
  -- the server block, server-level text after its /ping location
  if opts.http_extra then
    conf = conf:gsub("(\n    server {\n)", function(s) return "\n" .. opts.http_extra .. s end)
  end
  if opts.server_extra then
    conf = conf:gsub("(location = /ping [^\n]*\n)", function(s) return s .. opts.server_extra .. "\n" end)
  end
  -- started by root, nginx's workers would run as nobody, who may not read
  -- this checkout: as the sandbox does (sandbox/run), they stay root here
  local id = io.popen("id -u; id -gn")
  local uid, group = id:read("*l"), id:read("*l")
  id:close()
  if uid == "0" then conf = ("user root %s;\n"):format(group) .. conf end
  local f = assert(io.open(dir .. "/nginx.conf", "wb"))
  f:write(conf)
  f:close()
  local cmd = ("env -u LD_PRELOAD -u ASAN_OPTIONS CATALOG_URL='%s' CATALOG_TOKEN='%s' CATALOG_CA='%s' " ..
               "nginx -p '%s/' -c '%s/nginx.conf' -e '%s/error.log' 2>'%s/start.err'")
              :format(opts.catalog_url, opts.token, opts.ca_file, dir, dir, dir, dir)
  assert(succeeds(cmd), "nginx did not start: " .. tostring(read(dir .. "/start.err")))
  for _ = 1, 100 do
    local text = read(dir .. "/nginx.pid")
    local pid = text and tonumber(text:match("%d+"))
    if pid then
      return { pid = pid, dir = dir, port = opts.port, stop = function()
        stop(pid)
        succeeds(("rm -rf '%s'"):format(dir))
      end }
    end
    succeeds("sleep 0.05")
  end
  error("nginx wrote no pid file in " .. dir)
end

return host
