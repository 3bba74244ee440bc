std = "lua54"
max_line_length = 120
files["spec"] = { std = "+busted" }
files["sandbox/lua"] = { std = "luajit", globals = { "ngx" } }
exclude_files = { "build", "build-asan", "**/.run/**" }
files["bench/server/lua"] = { std = "luajit", globals = { "ngx" } }
-- wrk's Lua API: the script sets these globals for wrk to call
files["bench/peers/wrk_script.lua"] = { std = "luajit", globals = { "wrk", "request", "response", "done", "setup", "init" } }
-- the OpenResty example runs in nginx's LuaJIT, with its `ngx` API
files["examples/openresty"] = { std = "luajit", globals = { "ngx" } }
