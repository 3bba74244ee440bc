rockspec_format = "3.0"
package = "lmskit"
version = "0.1.0-1"
-- lmskit has no public host yet: the source is the tarball `make dist`
-- writes (git archive of HEAD).  `luarocks pack` needs its absolute path:
-- `make rock` writes this rockspec with it to build/dist/ and packs the
-- source rock there.  A release points url at its published tarball.
source = {
  url = "file://build/dist/lmskit-0.1.0.tar.gz",
  dir = "lmskit-0.1.0",
}
description = {
  summary = "Script the APIs of learning management systems from Lua, safely and fast",
  detailed = [[
lmskit is a Lua module with a C core (libcurl, OpenSSL) for scripting the
REST APIs of learning management systems: Canvas Catalog, Cerego,
Coursepath, Coggno and MATRIX LMS.  HTTPS only with verified peers,
secrets redacted everywhere, lazy paging, errors as values with a kind.
]],
  license = "MIT",
  labels = { "lms", "http", "curl", "api" },
}
dependencies = {
  "lua >= 5.1",
  "lua-cjson",
  "argparse", -- for bin/lmskit (Debian: lua-argparse)
}
external_dependencies = {
  -- Debian keeps curl.h under a multiarch include dir LuaRocks does not
  -- search, so the check is on the library; the Makefile takes the flags
  -- from pkg-config.
  CURL = { library = "curl" },
  OPENSSL = { header = "openssl/evp.h" },
  LIBCSV = { header = "csv.h" },
  YAJL = { header = "yajl/yajl_parse.h" },
  SIMDJSON = { header = "simdjson.h" }, -- and a C++ compiler (g++)
}
build = {
  type = "make",
  build_target = "rock-build",
  install_target = "rock-install",
  build_variables = {
    CFLAGS = "$(CFLAGS)",
    LUA_INCDIR = "-I$(LUA_INCDIR)",
    LUA = "$(LUA)",
  },
  -- the command line: LuaRocks wraps it so it finds this tree's modules
  install = { bin = { lmskit = "bin/lmskit" } },
  install_variables = {
    LUA = "$(LUA)", -- the runtime whose build/<runtime>/ core.so is installed
    INST_LIBDIR = "$(LIBDIR)",
    INST_LUADIR = "$(LUADIR)",
    INST_BINDIR = "$(BINDIR)",
  },
}
