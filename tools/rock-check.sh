#!/bin/sh
# make rock-check VERSION ROCKSPEC LUAS...: for each Lua LuaRocks builds for,
# installs the rock into a scratch tree offline (--deps-mode=none: lua-cjson
# and argparse come from Debian, see the README), loads the module from that
# tree with that Lua and checks its version against the rockspec's, loads
# every module of lua/lmskit/ from that tree (a module the install missed
# fails here), then runs the installed `lmskit --version` as it is (no
# `luarocks path` step).
set -eu
version=$1 rockspec=$2
shift 2
[ -f "$rockspec" ] || { echo "rock-check: no $rockspec for version $version" >&2; exit 1; }
top=$(pwd)
# every module of the source tree, by name (lmskit.apis.catalog, lmskit.bulk ...)
modules=$(cd lua && find lmskit -name '*.lua' | sed 's|\.lua$||; s|/init$||; s|/|.|g' | sort | tr '\n' ' ')
scratch=$top/build/rock-cwd # an empty directory: nothing there to load by mistake
rm -rf "$scratch" && mkdir -p "$scratch"
for v in "$@"; do
  tree=$top/build/rocktree-$v
  rm -rf "$tree"
  luarocks --lua-version="$v" make --tree "$tree" --deps-mode=none "$rockspec" > "build/rock-$v.log" 2>&1 ||
    { cat "build/rock-$v.log"; exit 1; }
  (cd "$scratch" && LUA_PATH="$tree/share/lua/$v/?.lua;$tree/share/lua/$v/?/init.lua;;" \
     LUA_CPATH="$tree/lib/lua/$v/?.so;;" "lua$v" - "$version" $modules <<'LUA'
local want = ...
local names = { select(2, ...) }
local l = require "lmskit"
local core = require "lmskit.core"
local where = debug.getinfo(l.catalog, "S").source -- Lua 5.1 has no package.searchpath
assert(where:find("rocktree", 1, true), "lmskit is not the rock's: " .. where)
assert(core.version == l.version)
assert(l.version == want, ("lmskit.version %s is not the rockspec's %s"):format(l.version, want))
for _, name in ipairs(names) do require(name) end -- only the tree has them: a missing one fails
print(("rock: lmskit %s installs and loads on %s, with all %d modules"):format(l.version, _VERSION, #names))
LUA
  )
  out=$(cd "$scratch" && env -u LUA_PATH -u LUA_CPATH "$tree/bin/lmskit" --version)
  [ "$out" = "lmskit $version" ] || { echo "rock-check: the installed lmskit --version said '$out'" >&2; exit 1; }
  echo "rock: the installed lmskit command runs on Lua $v ($out)"
done
