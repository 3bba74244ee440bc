# lmskit -- build, test and demo.  `make test` and `make demo` work on a fresh
# Debian machine: `deps` installs what is missing (apt-get, as root or sudo).
#
# Every runtime has its own build: build/<runtime>/lmskit/core.so, with
# <runtime> one of 5.1 5.2 5.3 5.4 luajit (a module built for one Lua does
# not load into another).  LUA_VERSION picks the runtime of `make build`,
# `make test-unit` and the rock; `make test` runs the suite on all five.

RUNTIMES    := 5.1 5.2 5.3 5.4 luajit
# The interpreter and pkg-config name of a runtime: lua5.1 .. lua5.4, luajit.
lua_name     = $(if $(filter luajit,$(1)),luajit,lua$(1))

# LuaRocks passes LUA (the interpreter it builds for): take the runtime from it.
ifdef LUA
ifndef LUA_VERSION
LUA_VERSION := $(shell $(LUA) -e 'print(rawget(_G, "jit") and "luajit" or _VERSION:sub(5))' 2>/dev/null)
endif
endif
ifeq ($(strip $(LUA_VERSION)),)
LUA_VERSION := 5.4
endif
LUA         ?= $(call lua_name,$(LUA_VERSION))
BUSTED      ?= $(LUA) /usr/bin/busted
CC          ?= cc
CSTD        := -std=c11 -D_GNU_SOURCE
WARN        := -Wall -Wextra -Werror
LUA_INCDIR  ?= $(shell pkg-config --cflags-only-I $(call lua_name,$(LUA_VERSION)) 2>/dev/null)
DEP_CFLAGS  := $(shell pkg-config --cflags libcurl openssl yajl 2>/dev/null)
DEP_LIBS    := $(shell pkg-config --libs libcurl openssl yajl 2>/dev/null) -lcsv -lpthread -lm
CFLAGS      ?= -O2 -g
SO_FLAGS    := -fPIC -fvisibility=hidden -shared

# A runtime's include flags: LUA_INCDIR for the one being built (LuaRocks
# sets it), pkg-config for the others.
lua_cflags   = $(if $(filter $(LUA_VERSION),$(1)),$(LUA_INCDIR),$(shell pkg-config --cflags-only-I $(call lua_name,$(1)) 2>/dev/null))

# Lua 5.1, 5.2 and LuaJIT build through Debian's lua-compat53: its header
# and its compat-5.3.c, from the directory its own pkg-config file names
# (/usr/include/lua5.1, /usr/include/lua5.2).  LuaJIT speaks the 5.1 API;
# its headers come first (-I) and 5.1's compat directory is searched only
# after them (-idirafter), so compat-5.3.h is found there but lua.h is
# LuaJIT's own.
compat_dir   = $(shell pkg-config --variable=includedir lua$(1)-compat53-string 2>/dev/null)
COMPAT_SRC   = -DCOMPAT53_PREFIX=lmskit_compat $(call compat_dir,$(1))/compat-5.3.c
COMPAT       = $(if $(filter 5.1 5.2,$(1)),$(call COMPAT_SRC,$(1)),$(if $(filter luajit,$(1)),-idirafter $(call compat_dir,5.1) $(call COMPAT_SRC,5.1)))
SRC_CORE    := $(wildcard src/core/*.c)
SRC_LUA     := $(wildcard src/lua/*.c)
HEADERS     := $(wildcard src/core/*.h src/lua/*.h)
SOURCES     := $(SRC_CORE) $(SRC_LUA)
# The binding's one C++ unit (src/lua/json_simd.cpp: simdjson has no C
# interface), compiled on its own, without exceptions or RTTI, and linked
# into core.so with libsimdjson and libstdc++.
, := ,
SRC_CXX     := $(wildcard src/lua/*.cpp)
CXXSTD      := -std=c++17 -fno-exceptions -fno-rtti
SIMD_CFLAGS := $(shell pkg-config --cflags simdjson 2>/dev/null)
SIMD_LIBS   := $(shell pkg-config --libs simdjson 2>/dev/null) -lstdc++
# $(call cxx_unit,COMPILER AND FLAGS,OBJECT)
cxx_unit     = $(1) $(CXXSTD) $(WARN) $(SIMD_CFLAGS) -fPIC -fvisibility=hidden -c -o $(2) $(SRC_CXX)

# Debian packages the project needs (build, test on every runtime, sandbox,
# docs).  LuaJIT is Debian's luajit2 (OpenResty's branch of LuaJIT 2.1; the
# package `luajit` conflicts with libnginx-mod-http-lua).
DEB_PACKAGES := build-essential pkg-config \
  lua5.1 liblua5.1-0-dev lua5.2 liblua5.2-dev lua5.3 liblua5.3-dev lua5.4 liblua5.4-dev \
  luajit2 libluajit2-5.1-dev \
  lua-cjson lua-busted lua-check lua-compat53-dev lua-argparse lua-ldoc luarocks \
  libcurl4-openssl-dev libssl-dev libcsv-dev libyajl-dev libsimdjson-dev nginx-light libnginx-mod-http-lua \
  openssl curl valgrind clang

SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LIBASAN  := $(shell $(CC) -print-file-name=libasan.so 2>/dev/null)

.PHONY: all deps build build-runtimes build-asan test test-built test-unit test-runtimes test-asan \
        test-valgrind lint demo demo-run bench bench-quick doc docs doc-count clean rock-build rock-install rock-check
.PHONY: build-ubsan-clang test-ubsan-clang test-ubsan-clang-run test-wipe check-fresh dist rock install bench-openresty

all: build

deps:
	@sh tools/deps.sh $(DEB_PACKAGES)

build: build/$(LUA_VERSION)/lmskit/core.so

build-runtimes: $(foreach r,$(RUNTIMES),build/$(r)/lmskit/core.so)

# build/5.1/lmskit/core.so .. build/luajit/lmskit/core.so
# Each build keeps the command that made it in a stamp file beside it
# (build/<runtime>/flags, build-asan/flags, build-ubsan-clang/flags),
# rewritten only when the command changes: new CFLAGS, a new Lua version
# for the sanitizer builds, pkg-config's answer once deps installed the
# packages -- each rebuilds, and a stale build never survives one.
# $(call stamp,FILE,COMMAND)
define stamp
	@mkdir -p $(dir $(1))
	@printf '%s\n' '$(2)' | cmp -s - $(1) 2>/dev/null || printf '%s\n' '$(2)' > $(1)
endef
.PHONY: FORCE
FORCE:

core_cmd = $(call cxx_unit,$(CXX) $(CFLAGS) $(call lua_cflags,$(1)),build/$(1)/json_simd.o) && \
  $(CC) $(CSTD) $(WARN) $(CFLAGS) $(call lua_cflags,$(1)) $(DEP_CFLAGS) $(SO_FLAGS) \
  -o build/$(1)/lmskit/core.so $(SOURCES) build/$(1)/json_simd.o $(call COMPAT,$(1)) $(DEP_LIBS) $(SIMD_LIBS)

.PRECIOUS: build/%/flags
build/%/flags: FORCE
	$(call stamp,$@,$(call core_cmd,$*))

build/%/lmskit/core.so: $(SOURCES) $(SRC_CXX) $(HEADERS) Makefile build/%/flags
	@mkdir -p $(dir $@)
	$(call core_cmd,$*)

build-asan: build-asan/lmskit/core.so

ASAN_CMD = $(call cxx_unit,$(CXX) -O1 -g $(SANITIZE) $(LUA_INCDIR),build-asan/json_simd.o) && \
  $(CC) $(CSTD) $(WARN) -O1 -g $(SANITIZE) $(LUA_INCDIR) $(DEP_CFLAGS) $(SO_FLAGS) \
  -o build-asan/lmskit/core.so $(SOURCES) build-asan/json_simd.o $(call COMPAT,$(LUA_VERSION)) $(DEP_LIBS) $(SIMD_LIBS)

build-asan/flags: FORCE
	$(call stamp,$@,$(ASAN_CMD))

build-asan/lmskit/core.so: $(SOURCES) $(SRC_CXX) $(HEADERS) Makefile build-asan/flags
	@mkdir -p $(dir $@)
	$(ASAN_CMD)

# clang's ASan+UBSan over the same suite, with the float-cast-overflow
# check that gcc's UBSan lacks (NaN, an infinity or 1e300 cast to an
# integer).  clang from Debian (apt-get install clang); its runtime is
# shared (-shared-libsan) and preloaded, as libasan is for test-asan.
# test-ubsan-clang starts a sandbox unless one is running already.
CLANG          ?= clang
CLANG_SANITIZE := -fsanitize=address,undefined,float-cast-overflow \
  -fno-sanitize-recover=all -fno-omit-frame-pointer -shared-libsan
CLANG_LIBASAN   = $(shell $(CLANG) -print-file-name=libclang_rt.asan-x86_64.so 2>/dev/null)

build-ubsan-clang: build-ubsan-clang/lmskit/core.so

UBSAN_CLANG_CMD = $(call cxx_unit,$(CLANG)++ -O1 -g $(CLANG_SANITIZE) $(LUA_INCDIR),build-ubsan-clang/json_simd.o) && \
  $(CLANG) $(CSTD) $(WARN) -O1 -g $(CLANG_SANITIZE) $(LUA_INCDIR) $(DEP_CFLAGS) $(SO_FLAGS) \
  -o build-ubsan-clang/lmskit/core.so $(SOURCES) build-ubsan-clang/json_simd.o $(call COMPAT,$(LUA_VERSION)) $(DEP_LIBS) $(SIMD_LIBS)

build-ubsan-clang/flags: FORCE
	$(call stamp,$@,$(UBSAN_CLANG_CMD))

build-ubsan-clang/lmskit/core.so: $(SOURCES) $(SRC_CXX) $(HEADERS) Makefile build-ubsan-clang/flags
	@mkdir -p $(dir $@)
	$(UBSAN_CLANG_CMD)

test-ubsan-clang: build-ubsan-clang
	$(if $(LMSKIT_SANDBOX_URL),,sandbox/with) $(MAKE) --no-print-directory test-ubsan-clang-run

test-ubsan-clang-run:
	@mkdir -p build
	LMSKIT_CPATH=build-ubsan-clang LD_PRELOAD=$(CLANG_LIBASAN) LMSKIT_SLOWDOWN=3 \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tools/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(BUSTED) -o TAP > build/ubsan-clang.tap 2>&1 || { tail -60 build/ubsan-clang.tap; exit 1; }
	@grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error" build/ubsan-clang.tap \
	  && { grep -B2 -A30 "ERROR\|runtime error" build/ubsan-clang.tap; exit 1; } || true
	@echo "clang sanitizers: $$(grep -c '^ok' build/ubsan-clang.tap) specs clean under ASan+UBSan (float-cast-overflow)"

# C unit test: the core, built with -DLMK_TEST_HOOKS, shows every wipe
# to tests/test_wipe.c, which checks that each form of each credential is
# wiped (zeros) before it is freed.  No network, no sandbox.
build/tests/test_wipe: $(SRC_CORE) $(wildcard src/core/*.h) tests/test_wipe.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g -DLMK_TEST_HOOKS $(DEP_CFLAGS) \
	  -o $@ tests/test_wipe.c $(SRC_CORE) $(DEP_LIBS)

test-wipe: build/tests/test_wipe
	build/tests/test_wipe

lint:
	luacheck -q $(wildcard lua spec examples sandbox/lua bench tools) bin/lmskit

# The whole suite: lint, the LuaRocks install, the specs on every runtime,
# then the specs again (on $(LUA_VERSION)) under ASan+UBSan+LSan and under
# valgrind.  The last line counts the specs of every runtime together.
# deps first, then a new make: pkg-config's flags are read only once the
# packages are installed (a fresh machine has no libcurl.pc before deps).
test: deps
	@$(MAKE) --no-print-directory test-built

test-built: build-runtimes build-asan build-ubsan-clang lint rock-check test-wipe test-core test-c-hosts fuzz-smoke
	sandbox/with $(MAKE) --no-print-directory test-runtimes test-asan test-ubsan-clang-run test-valgrind
	@cat $(foreach r,$(RUNTIMES),build/$(r)/specs.tap) > build/runtimes.tap
	@echo "specs: $$(grep -c '^ok' build/runtimes.tap) passed, $$(grep -c '^not ok' build/runtimes.tap) failed"

# The version, one place: src/core/lmskit.h (lmskit.version, the
# User-Agent, `lmskit --version`); the rockspec's name and version match it.
VERSION  := $(shell sed -n 's/^\#define LMK_VERSION "\(.*\)"/\1/p' src/core/lmskit.h)
ROCKSPEC := rockspec/lmskit-$(VERSION)-1.rockspec
ROCK_LUAS := 5.1 5.2 5.3 5.4

# Every Lua LuaRocks builds for: install offline, load, run the command
# (tools/rock-check.sh).
rock-check:
	@sh tools/rock-check.sh $(VERSION) $(ROCKSPEC) $(ROCK_LUAS)

# A source tarball of HEAD (build/dist/lmskit-VERSION.tar.gz), and the
# source rock packed from it with the rockspec (build/dist/*.src.rock).
dist:
	@mkdir -p build/dist
	git archive --format=tar.gz --prefix=lmskit-$(VERSION)/ -o build/dist/lmskit-$(VERSION).tar.gz HEAD

rock: dist
	sed 's|file://build/|file://$(CURDIR)/build/|' $(ROCKSPEC) > build/dist/lmskit-$(VERSION)-1.rockspec
	cd build/dist && luarocks pack lmskit-$(VERSION)-1.rockspec
	@echo "rock: build/dist/lmskit-$(VERSION)-1.src.rock"

# Installs the module, its C core (built for LUA_VERSION) and the command
# under PREFIX (default /usr/local), staged under DESTDIR for packagers.
PREFIX     ?= /usr/local
LUA_ABI     = $(if $(filter luajit,$(LUA_VERSION)),5.1,$(LUA_VERSION))
INSTALL_LMOD = $(DESTDIR)$(PREFIX)/share/lua/$(LUA_ABI)
INSTALL_CMOD = $(DESTDIR)$(PREFIX)/lib/lua/$(LUA_ABI)
install: build install-lib
	$(MAKE) --no-print-directory rock-install INST_LIBDIR=$(INSTALL_CMOD) INST_LUADIR=$(INSTALL_LMOD)
	install -d $(DESTDIR)$(PREFIX)/bin
	sed '1s|.*|#!/usr/bin/env $(LUA)|' bin/lmskit > $(DESTDIR)$(PREFIX)/bin/lmskit
	chmod 0755 $(DESTDIR)$(PREFIX)/bin/lmskit

# ---- the C library: build/lib/liblmskit.so, for C hosts without Lua ----
# The core alone (src/core/*.c), exporting exactly the LMK_API functions of
# src/core/lmskit.h (tools/check-exports.sh checks it); its SONAME carries
# the major version (liblmskit.so.0).  `make install` puts it under
# PREFIX/lib with the header (PREFIX/include/lmskit.h) and
# PREFIX/lib/pkgconfig/lmskit.pc:  cc host.c $$(pkg-config --cflags --libs lmskit)
VERSION_MAJOR := $(firstword $(subst ., ,$(VERSION)))
LIB_DIR     := build/lib
LIB_SONAME  := liblmskit.so.$(VERSION_MAJOR)
LIB_REAL    := liblmskit.so.$(VERSION)
INSTALL_LIB  = $(DESTDIR)$(PREFIX)/lib
LIB_CMD = $(CC) $(CSTD) $(WARN) $(CFLAGS) $(DEP_CFLAGS) -DLMK_BUILD_SHARED $(SO_FLAGS) \
  -Wl,-soname,$(LIB_SONAME) -Wl,--no-undefined -o $(LIB_DIR)/$(LIB_REAL) $(SRC_CORE) $(DEP_LIBS)

.PHONY: lib install-lib test-c-lib test-c-hosts

lib: $(LIB_DIR)/liblmskit.so

$(LIB_DIR)/flags: FORCE
	$(call stamp,$@,$(LIB_CMD))

$(LIB_DIR)/$(LIB_REAL): $(SRC_CORE) $(wildcard src/core/*.h) Makefile $(LIB_DIR)/flags
	@mkdir -p $(LIB_DIR)
	$(LIB_CMD)

$(LIB_DIR)/liblmskit.so: $(LIB_DIR)/$(LIB_REAL)
	ln -sf $(LIB_REAL) $(LIB_DIR)/$(LIB_SONAME)
	ln -sf $(LIB_REAL) $@

install-lib: lib
	install -d $(INSTALL_LIB)/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 0755 $(LIB_DIR)/$(LIB_REAL) $(INSTALL_LIB)/$(LIB_REAL)
	ln -sf $(LIB_REAL) $(INSTALL_LIB)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(INSTALL_LIB)/liblmskit.so
	install -m 0644 src/core/lmskit.h $(DESTDIR)$(PREFIX)/include/lmskit.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' tools/lmskit.pc.in \
	  > $(INSTALL_LIB)/pkgconfig/lmskit.pc

# The library's exports, then an install into a DESTDIR under build/ and a
# small C program (tests/lib_link.c) built against it through pkg-config,
# as a user would, and run; then the same program as C++ (the header's
# extern "C").  No network.
C_STAGE    := $(CURDIR)/build/stage
C_PKG_ENV   = PKG_CONFIG_PATH=$(C_STAGE)/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$(C_STAGE)
test-c-lib: lib build-runtimes
	@sh tools/check-exports.sh src/core/lmskit.h $(LIB_DIR)/$(LIB_REAL) \
	  $(foreach r,$(RUNTIMES),build/$(r)/lmskit/core.so)
	@rm -rf $(C_STAGE)
	@$(MAKE) --no-print-directory install-lib DESTDIR=$(C_STAGE) PREFIX=/usr >/dev/null
	@mkdir -p build/tests
	$(C_PKG_ENV) sh -c '$(CC) $(CSTD) $(WARN) -o build/tests/lib_link tests/lib_link.c \
	  $$(pkg-config --cflags --libs lmskit) -Wl,-rpath,$(C_STAGE)/usr/lib'
	build/tests/lib_link
	$(C_PKG_ENV) sh -c '$(CXX) -x c++ -Wall -Wextra -Werror -o build/tests/lib_link_cxx tests/lib_link.c \
	  $$(pkg-config --cflags --libs lmskit) -Wl,-rpath,$(C_STAGE)/usr/lib'
	build/tests/lib_link_cxx

# The C hosts of examples/c/ against the sandbox (started unless one
# runs): minimal_host, the README's example; (a) epoll_host, the socket/timer API on its own epoll loop, built
# against the DESTDIR install through pkg-config; (b) frame_host, Lua 5.4
# embedded, lmskit.step(0) once per 4 ms frame (frame times printed, never
# asserted); (c) threads_host, 8 threads each with its own engine, built
# from the core's sources, and threads_lua_host, 8 threads each with its
# own lua_State loading an lmskit.core built with the same sanitizer, each
# under ThreadSanitizer and then AddressSanitizer (+UBSan, LeakSanitizer);
# any report fails.
C_HOSTS     := build/c-hosts
C_HOST_CC    = $(CLANG) $(CSTD) $(WARN) -O1 -g -fno-omit-frame-pointer -Isrc/core
C_TSAN_ENV  := TSAN_OPTIONS=halt_on_error=1:exitcode=66
C_ASAN_ENV  := ASAN_OPTIONS=detect_leaks=1:exitcode=23 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
C_LSAN_ENV  := LSAN_OPTIONS=suppressions=$(CURDIR)/tools/lsan.supp:print_suppressions=0
.PHONY: test-c-hosts-run
test-c-hosts: test-c-lib build/5.4/lmskit/core.so
	@mkdir -p $(C_HOSTS)
	$(C_PKG_ENV) sh -c '$(CC) $(CSTD) $(WARN) -O2 -o $(C_HOSTS)/epoll_host examples/c/epoll_host.c \
	  $$(pkg-config --cflags --libs lmskit) -Wl,-rpath,$(C_STAGE)/usr/lib'
	$(C_PKG_ENV) sh -c '$(CC) $(CSTD) $(WARN) -O2 -o $(C_HOSTS)/minimal_host examples/c/minimal_host.c \
	  $$(pkg-config --cflags --libs lmskit) -Wl,-rpath,$(C_STAGE)/usr/lib'
	$(CC) $(CSTD) $(WARN) -O2 $(shell pkg-config --cflags lua5.4) -o $(C_HOSTS)/frame_host \
	  examples/c/frame_host.c $(shell pkg-config --libs lua5.4)
	$(C_HOST_CC) -fsanitize=thread -o $(C_HOSTS)/threads_tsan examples/c/threads_host.c $(SRC_CORE) $(DEP_LIBS)
	$(C_HOST_CC) -fsanitize=address,undefined -fno-sanitize-recover=all -o $(C_HOSTS)/threads_asan \
	  examples/c/threads_host.c $(SRC_CORE) $(DEP_LIBS)
	@mkdir -p $(C_HOSTS)/tsan/lmskit $(C_HOSTS)/asan/lmskit
	$(call cxx_unit,$(CLANG)++ -O1 -g -fsanitize=thread $(call lua_cflags,5.4),$(C_HOSTS)/tsan/json_simd.o)
	$(C_HOST_CC) -fsanitize=thread $(call lua_cflags,5.4) $(DEP_CFLAGS) $(SO_FLAGS) \
	  -o $(C_HOSTS)/tsan/lmskit/core.so $(SOURCES) $(C_HOSTS)/tsan/json_simd.o $(DEP_LIBS) $(SIMD_LIBS)
	$(C_HOST_CC) -fsanitize=thread $(call lua_cflags,5.4) -o $(C_HOSTS)/threads_lua_tsan \
	  examples/c/threads_lua_host.c $(shell pkg-config --libs lua5.4) -lpthread
	$(call cxx_unit,$(CLANG)++ -O1 -g -fsanitize=address$(,)undefined -fno-sanitize-recover=all $(call lua_cflags,5.4),$(C_HOSTS)/asan/json_simd.o)
	$(C_HOST_CC) -fsanitize=address,undefined -fno-sanitize-recover=all $(call lua_cflags,5.4) $(DEP_CFLAGS) \
	  $(SO_FLAGS) -o $(C_HOSTS)/asan/lmskit/core.so $(SOURCES) $(C_HOSTS)/asan/json_simd.o $(DEP_LIBS) $(SIMD_LIBS)
	$(C_HOST_CC) -fsanitize=address,undefined -fno-sanitize-recover=all $(call lua_cflags,5.4) \
	  -o $(C_HOSTS)/threads_lua_asan examples/c/threads_lua_host.c $(shell pkg-config --libs lua5.4) -lpthread
	$(if $(LMSKIT_SANDBOX_URL),,sandbox/with) $(MAKE) --no-print-directory test-c-hosts-run

test-c-hosts-run:
	$(C_HOSTS)/minimal_host
	$(C_HOSTS)/epoll_host
	$(C_HOSTS)/frame_host $(CURDIR)/lua $(CURDIR)/build/5.4
	$(C_TSAN_ENV) $(C_HOSTS)/threads_tsan
	$(C_ASAN_ENV) $(C_HOSTS)/threads_asan
	$(C_TSAN_ENV) $(C_HOSTS)/threads_lua_tsan $(CURDIR)/lua $(CURDIR)/$(C_HOSTS)/tsan
	$(C_ASAN_ENV) $(C_LSAN_ENV) $(C_HOSTS)/threads_lua_asan $(CURDIR)/lua $(CURDIR)/$(C_HOSTS)/asan

# The suite on one runtime:  sandbox/with make test-unit LUA_VERSION=5.1
test-unit: build
	LMSKIT_CPATH=build/$(LUA_VERSION) $(BUSTED)

# The complete suite on each runtime against its own build, one count a
# runtime; fails when any spec failed on any runtime (after running all).
test-runtimes: build-runtimes
	@sh tools/test-runtimes.sh $(RUNTIMES)

# LeakSanitizer runs at exit; Lua closes its state (busted exits with
# os.exit(code, true)) so every lmskit object is collected by then.  (Lua
# unloads C modules at close, so a leak's frames in lmskit or libcurl may
# show as "<unknown module>"; preloading the module to keep them readable
# deadlocks at exit in p11-kit's destructor, so it is not done.)
test-asan:
	LMSKIT_CPATH=build-asan LD_PRELOAD=$(LIBASAN) LMSKIT_SLOWDOWN=3 \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tools/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(BUSTED) -o TAP > build/asan.tap 2>&1 || { tail -60 build/asan.tap; exit 1; }
	@grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error" build/asan.tap \
	  && { grep -B2 -A30 "ERROR\|runtime error" build/asan.tap; exit 1; } || true
	@echo "sanitizers: $$(grep -c '^ok' build/asan.tap) specs clean under ASan+UBSan+LSan"

test-valgrind: build
	LMSKIT_CPATH=build/$(LUA_VERSION) LMSKIT_SLOWDOWN=30 valgrind -q --error-exitcode=24 --leak-check=full \
	  --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	  --suppressions=tools/valgrind.supp \
	  $(BUSTED) -o TAP > build/valgrind.tap 2>&1 || { tail -60 build/valgrind.tap; exit 1; }
	@echo "valgrind: $$(grep -c '^ok' build/valgrind.tap) specs clean under valgrind (no errors, no definite leaks)"

# Benchmarks side by side with peers (bench/README.md); under 10 minutes.
bench:
	bench/run

# lmskit inside nginx: /ping latency while calls are in flight, calls/s
# against nginx's own proxy path (bench/openresty.lua; results in
# bench/results/openresty.md).
bench-openresty: build-runtimes
	sandbox/with env LUA_CPATH="build/5.4/?.so;;" LUA_PATH="lua/?.lua;lua/?/init.lua;tools/?.lua;;" lua5.4 bench/openresty.lua

bench-quick:
	bench/run --quick

# The README's two commands, each on a fresh Debian 12 root made with
# debootstrap (tools/check-fresh.sh; needs root and the Debian mirror).
check-fresh:
	sh tools/check-fresh.sh

demo: deps
	@$(MAKE) --no-print-directory build
	sandbox/with $(MAKE) --no-print-directory demo-run

DEMO_ROWS ?= 5000

# The demo jobs and one example per vendor, against a running sandbox:
# first a bulk enrollment of $(DEMO_ROWS) CSV rows through the command line.
demo-run:
	@mkdir -p build
	$(LUA) examples/make_learners_csv.lua $(DEMO_ROWS) build/demo-learners.csv
	rm -f build/demo.journal
	@echo "== Catalog: register and enroll $(DEMO_ROWS) learners from a CSV (bin/lmskit, journaled)"
	$(LUA) bin/lmskit catalog enroll --sandbox --csv build/demo-learners.csv --journal build/demo.journal \
	  --results build/demo-results.csv --concurrency 16
	@echo "== the same job again: every row is already in the journal"
	$(LUA) bin/lmskit catalog enroll --sandbox --csv build/demo-learners.csv --journal build/demo.journal -q
	@echo
	$(LUA) examples/catalog_demo.lua
	@echo; echo "== Coursepath: members from a CSV, enrolled into a course"
	$(LUA) examples/coursepath_enroll_csv.lua
	@echo; echo "== Coggno: users created into a group"
	$(LUA) examples/coggno_group_users.lua
	@echo; echo "== Cerego: published courses with their images"
	$(LUA) examples/cerego_published.lua
	@echo; echo "== MATRIX: grades from a CSV, an SIS sync, a report"
	$(LUA) examples/matrix_grades_csv.lua
	$(LUA) examples/matrix_sis_sync.lua
	$(LUA) examples/matrix_report.lua

# The reference, doc/index.html.  tools/gen_doc.lua writes build/doc-src/
# from the vendor declarations (constructors, resources, every method),
# then LDoc (config.ld) reads it with lua/lmskit and tools/doc/core.luadoc
# (lmskit.core, the C binding).  Any line LDoc prints but its own progress
# lines is a warning, and fails the build.
LDOC_PROGRESS := ^(reading configuration from config\.ld|found master module.*|output written to .*)$$

doc:
	@rm -rf build/doc-src doc
	@mkdir -p build/doc-src
	$(LUA) tools/gen_doc.lua build/doc-src
	@ldoc --fatalwarnings . > build/ldoc.log 2>&1; status=$$?; \
	  if grep -Ev '$(LDOC_PROGRESS)' build/ldoc.log; then echo "make doc: LDoc warned (above)"; exit 1; fi; \
	  if [ $$status -ne 0 ]; then cat build/ldoc.log; echo "make doc: LDoc failed"; exit 1; fi
	@echo "doc: doc/index.html, no LDoc warnings"

docs: doc

# How many public names the reference documents (tools/doc_count.lua):
# the names LDoc documents against those the loaded module has.
doc-count: build doc
	@LUA_PATH="tools/?.lua;;" ldoc --filter doc_count.ldoc_names . > build/doc-names.txt
	@$(LUA) tools/doc_count.lua build/doc-names.txt build/$(LUA_VERSION)

clean:
	rm -rf build build-asan build-ubsan-clang doc

# LuaRocks (build type "make"): rockspec/lmskit-$(VERSION)-1.rockspec
rock-build: build

rock-install: build
	install -d $(INST_LIBDIR)/lmskit
	install -m 0755 build/$(LUA_VERSION)/lmskit/core.so $(INST_LIBDIR)/lmskit/core.so
	# every Lua module, in its folder (lmskit/, lmskit/apis/, lmskit/client/ ...)
	cd lua && find lmskit -name '*.lua' -exec install -D -m 0644 {} '$(INST_LUADIR)/{}' \;

# ---- fuzzing and the pure-core unit tests (fuzz/README.md) ----
# `make fuzz` builds one libFuzzer target per core parser with clang
# (ASan + UBSan, float-cast-overflow included); `make fuzz-smoke` runs each
# over its seeds (fuzz/corpus/<name>/) for a bounded number of inputs;
# `make test-core` builds and runs tests/core_test.c,
# tests/engine_loop_test.c (the step budget, a host loop; loopback only)
# and tests/cursor_test.c (the paging cursor) under ASan + UBSan.
# FUZZ_RUNS / FUZZ_TIME bound each smoke run; new inputs go to a scratch
# corpus under build/fuzz/, never into the committed seeds.
FUZZ_DEB_PACKAGES := clang libclang-rt-dev
DEB_PACKAGES      += $(FUZZ_DEB_PACKAGES)
FUZZ_CC       ?= clang
FUZZ_DIR      := build/fuzz
FUZZ_C_TARGETS := link url encode redact retry jwt jwt_pem csv cursor
FUZZ_TARGETS  := $(FUZZ_C_TARGETS) json
FUZZ_SAN      := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS   := $(CSTD) $(WARN) -O1 -g $(FUZZ_SAN) $(DEP_CFLAGS)
FUZZ_CORE_SRC := $(wildcard src/core/*.c)
FUZZ_CORE_OBJ := $(patsubst src/core/%.c,$(FUZZ_DIR)/core/%.o,$(FUZZ_CORE_SRC))
FUZZ_BINS     := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_C_TARGETS))
# the json target decodes in a Lua 5.4 state: the binding is linked in too
FUZZ_LUA_INC  := $(shell pkg-config --cflags-only-I lua5.4 2>/dev/null)
FUZZ_LUA_SRC  := $(wildcard src/lua/*.c)
FUZZ_LUA_OBJ  := $(patsubst src/lua/%.c,$(FUZZ_DIR)/lua/%.o,$(FUZZ_LUA_SRC))
FUZZ_RUNS     ?= 20000
FUZZ_TIME     ?= 20

.PHONY: fuzz fuzz-smoke test-core

fuzz: $(FUZZ_BINS) $(FUZZ_DIR)/fuzz_json

$(FUZZ_CORE_OBJ): $(FUZZ_DIR)/core/%.o: src/core/%.c $(wildcard src/core/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BINS): $(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c $(wildcard fuzz/*.c fuzz/*.h) tests/same_origin.h $(FUZZ_CORE_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_CORE_OBJ) $(DEP_LIBS)

$(FUZZ_LUA_OBJ): $(FUZZ_DIR)/lua/%.o: src/lua/%.c $(wildcard src/lua/*.h src/core/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_LUA_INC) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/lua/json_simd.o: $(SRC_CXX) $(wildcard src/lua/*.h)
	@mkdir -p $(dir $@)
	$(call cxx_unit,$(FUZZ_CC)++ -O1 -g $(FUZZ_SAN) $(FUZZ_LUA_INC) -fsanitize=fuzzer-no-link,$@)

$(FUZZ_DIR)/fuzz_json: fuzz/fuzz_json.c fuzz/fuzz.h $(FUZZ_CORE_OBJ) $(FUZZ_LUA_OBJ) $(FUZZ_DIR)/lua/json_simd.o
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_LUA_INC) -fsanitize=fuzzer -o $@ $< $(FUZZ_CORE_OBJ) $(FUZZ_LUA_OBJ) \
	  $(FUZZ_DIR)/lua/json_simd.o $(DEP_LIBS) $(SIMD_LIBS) -llua5.4

# Each target over its seeds, then fresh inputs up to FUZZ_RUNS or
# FUZZ_TIME seconds; any crash or broken invariant fails the run.
fuzz-smoke: fuzz
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_DIR)/scratch/$$t $(FUZZ_DIR)/artifacts; \
	  $(FUZZ_DIR)/fuzz_$$t -runs=$(FUZZ_RUNS) -max_total_time=$(FUZZ_TIME) \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/$$t- -print_final_stats=1 \
	    $(FUZZ_DIR)/scratch/$$t fuzz/corpus/$$t > $(FUZZ_DIR)/smoke-$$t.log 2>&1 \
	    || { tail -40 $(FUZZ_DIR)/smoke-$$t.log; echo "fuzz-smoke: $$t FAILED"; exit 1; }; \
	  echo "fuzz-smoke: $$t $$(grep -o 'stat::number_of_executed_units: *[0-9]*' $(FUZZ_DIR)/smoke-$$t.log | grep -o '[0-9]*$$') runs clean"; \
	done

$(FUZZ_DIR)/core_test: tests/core_test.c tests/check.h $(FUZZ_CORE_SRC) $(wildcard src/core/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g $(SANITIZE) $(DEP_CFLAGS) -o $@ $< $(FUZZ_CORE_SRC) $(DEP_LIBS)

$(FUZZ_DIR)/engine_loop_test: tests/engine_loop_test.c tests/check.h $(FUZZ_CORE_SRC) $(wildcard src/core/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g $(SANITIZE) $(DEP_CFLAGS) -o $@ $< $(FUZZ_CORE_SRC) $(DEP_LIBS)

$(FUZZ_DIR)/cursor_test: tests/cursor_test.c tests/check.h tests/same_origin.h $(FUZZ_CORE_SRC) $(wildcard src/core/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g $(SANITIZE) $(DEP_CFLAGS) -o $@ $< $(FUZZ_CORE_SRC) $(DEP_LIBS)

test-core: $(FUZZ_DIR)/core_test $(FUZZ_DIR)/engine_loop_test $(FUZZ_DIR)/cursor_test
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(FUZZ_DIR)/core_test
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(FUZZ_DIR)/engine_loop_test
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(FUZZ_DIR)/cursor_test
