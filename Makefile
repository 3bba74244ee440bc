# lmskit -- build, test and demo.  `make test` and `make demo` work on a fresh
# Debian machine: `deps` installs what is missing (apt-get, as root or sudo).

LUA_VERSION ?= 5.4
LUA         ?= lua$(LUA_VERSION)
BUSTED      ?= $(LUA) /usr/bin/busted
PKGS        := lua$(LUA_VERSION) libcurl openssl
CC          ?= cc
CSTD        := -std=c11 -D_GNU_SOURCE
WARN        := -Wall -Wextra -Werror
LUA_INCDIR  ?= $(shell pkg-config --cflags-only-I lua$(LUA_VERSION) 2>/dev/null)
DEP_CFLAGS  := $(shell pkg-config --cflags libcurl openssl 2>/dev/null)
DEP_LIBS    := $(shell pkg-config --libs libcurl openssl 2>/dev/null) -lcsv -lpthread -lm
CFLAGS      ?= -O2 -g
SO_FLAGS    := -fPIC -fvisibility=hidden -shared

# Lua 5.1/5.2 build through Debian's lua-compat53 (header and its .c).
COMPAT      = $(if $(filter 5.1 5.2,$(1)),-DCOMPAT53_PREFIX=lmskit_compat /usr/include/lua$(1)/compat-5.3.c)
SRC_CORE    := $(wildcard src/core/*.c)
SRC_LUA     := $(wildcard src/lua/*.c)
HEADERS     := $(wildcard src/core/*.h src/lua/*.h)
SOURCES     := $(SRC_CORE) $(SRC_LUA)

# Debian packages the project needs (build, test, sandbox, docs).
DEB_PACKAGES := build-essential pkg-config lua$(LUA_VERSION) liblua$(LUA_VERSION)-dev \
  lua-cjson lua-busted lua-check lua-compat53-dev lua-argparse lua-ldoc luarocks \
  libcurl4-openssl-dev libssl-dev libcsv-dev nginx-light libnginx-mod-http-lua \
  openssl curl valgrind lua5.1 liblua5.1-0-dev

SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LIBASAN  := $(shell $(CC) -print-file-name=libasan.so 2>/dev/null)

.PHONY: all deps build build-asan test test-built test-unit test-lua51 test-asan test-valgrind lint \
        demo demo-run bench bench-quick docs clean rock-build rock-install rock-check

all: build

deps:
	@sh tools/deps.sh $(DEB_PACKAGES)

build: build/lmskit/core.so

build/lmskit/core.so: $(SOURCES) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) $(LUA_INCDIR) $(DEP_CFLAGS) $(SO_FLAGS) \
	  -o $@ $(SOURCES) $(call COMPAT,$(LUA_VERSION)) $(DEP_LIBS)

# The same module for Lua 5.1 (compat-5.3), checked by spec/lua51_smoke.lua.
build-lua51/lmskit/core.so: $(SOURCES) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) $(shell pkg-config --cflags lua5.1) $(DEP_CFLAGS) $(SO_FLAGS) \
	  -o $@ $(SOURCES) $(call COMPAT,5.1) $(DEP_LIBS)

test-lua51: build-lua51/lmskit/core.so
	LMSKIT_CPATH=build-lua51 lua5.1 spec/lua51_smoke.lua

build-asan: build-asan/lmskit/core.so

build-asan/lmskit/core.so: $(SOURCES) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g $(SANITIZE) $(LUA_INCDIR) $(DEP_CFLAGS) $(SO_FLAGS) \
	  -o $@ $(SOURCES) $(DEP_LIBS)

lint:
	luacheck -q $(wildcard lua spec examples sandbox/lua bench tools) bin/lmskit

# The whole suite: lint, the LuaRocks install, specs, then the specs again
# under ASan+UBSan+LSan and under valgrind.
# deps first, then a new make: pkg-config's flags are read only once the
# packages are installed (a fresh machine has no libcurl.pc before deps).
test: deps
	@$(MAKE) --no-print-directory test-built

test-built: build build-asan build-lua51/lmskit/core.so lint rock-check
	sandbox/with $(MAKE) --no-print-directory test-unit test-lua51 test-asan test-valgrind
	@echo "specs: $$(grep -c '^ok' build/valgrind.tap) passed, $$(grep -c '^not ok' build/valgrind.tap) failed"

# Installs the rock into a scratch tree (offline; lua-cjson comes from
# Debian) and loads it from there.
rock-check:
	rm -rf build/rocktree
	luarocks --lua-version=$(LUA_VERSION) make --tree build/rocktree --deps-mode=none \
	  rockspec/lmskit-scm-1.rockspec >build/rock.log 2>&1 || { cat build/rock.log; exit 1; }
	cd /tmp && LUA_PATH="$(CURDIR)/build/rocktree/share/lua/$(LUA_VERSION)/?.lua;$(CURDIR)/build/rocktree/share/lua/$(LUA_VERSION)/?/init.lua;;" \
	  LUA_CPATH="$(CURDIR)/build/rocktree/lib/lua/$(LUA_VERSION)/?.so;;" \
	  $(LUA) -e 'local l = require "lmskit"; assert(package.searchpath("lmskit.core", package.cpath):find("rocktree")); print("rock: lmskit " .. l.version .. " installs and loads")'
	eval "$$(luarocks --lua-version=$(LUA_VERSION) --tree build/rocktree path)" && cd /tmp && \
	  $(CURDIR)/build/rocktree/bin/lmskit --help >/dev/null && echo "rock: bin/lmskit installs and runs"

test-unit:
	LMSKIT_CPATH=build $(BUSTED)

# LeakSanitizer runs at exit; Lua closes its state (busted exits with
# os.exit(code, true)) so every lmskit object is collected by then.  (Lua
# unloads C modules at close, so a leak's frames in lmskit or libcurl may
# show as "<unknown module>"; preloading the module to keep them readable
# deadlocks at exit in p11-kit's destructor, so it is not done.)
test-asan:
	LMSKIT_CPATH=build-asan LD_PRELOAD=$(LIBASAN) \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tools/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(BUSTED) -o TAP > build/asan.tap 2>&1 || { tail -60 build/asan.tap; exit 1; }
	@grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error" build/asan.tap \
	  && { grep -B2 -A30 "ERROR\|runtime error" build/asan.tap; exit 1; } || true
	@echo "sanitizers: $$(grep -c '^ok' build/asan.tap) specs clean under ASan+UBSan+LSan"

test-valgrind:
	LMSKIT_CPATH=build valgrind -q --error-exitcode=24 --leak-check=full \
	  --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	  --suppressions=tools/valgrind.supp \
	  $(BUSTED) -o TAP > build/valgrind.tap 2>&1 || { tail -60 build/valgrind.tap; exit 1; }
	@echo "valgrind: $$(grep -c '^ok' build/valgrind.tap) specs clean under valgrind (no errors, no definite leaks)"

# Benchmarks side by side with peers (bench/README.md); under 10 minutes.
bench:
	bench/run

bench-quick:
	bench/run --quick

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
	bin/lmskit catalog enroll --sandbox --csv build/demo-learners.csv --journal build/demo.journal \
	  --results build/demo-results.csv --concurrency 16
	@echo "== the same job again: every row is already in the journal"
	bin/lmskit catalog enroll --sandbox --csv build/demo-learners.csv --journal build/demo.journal -q
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

docs:
	ldoc .

clean:
	rm -rf build build-asan build-lua51 doc

# LuaRocks (build type "make"): rockspec/lmskit-scm-1.rockspec
rock-build: build

rock-install: build
	install -d $(INST_LIBDIR)/lmskit $(INST_LUADIR)/lmskit/vendor
	install -m 0755 build/lmskit/core.so $(INST_LIBDIR)/lmskit/core.so
	install -m 0644 lua/lmskit/*.lua $(INST_LUADIR)/lmskit/
	install -m 0644 lua/lmskit/vendor/*.lua $(INST_LUADIR)/lmskit/vendor/

# ---- fuzzing and the pure-core unit tests (fuzz/README.md) ----
# `make fuzz` builds one libFuzzer target per core parser with clang
# (ASan + UBSan, float-cast-overflow included); `make fuzz-smoke` runs each
# over its seeds (fuzz/corpus/<name>/) for a bounded number of inputs;
# `make test-core` builds and runs tests/core_test.c under ASan + UBSan.
# FUZZ_RUNS / FUZZ_TIME bound each smoke run; new inputs go to a scratch
# corpus under build/fuzz/, never into the committed seeds.
FUZZ_DEB_PACKAGES := clang libclang-rt-dev
DEB_PACKAGES      += $(FUZZ_DEB_PACKAGES)
FUZZ_CC       ?= clang
FUZZ_DIR      := build/fuzz
FUZZ_TARGETS  := link url encode redact retry jwt jwt_pem csv
FUZZ_SAN      := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS   := $(CSTD) $(WARN) -O1 -g $(FUZZ_SAN) $(DEP_CFLAGS)
FUZZ_CORE_SRC := $(wildcard src/core/*.c)
FUZZ_CORE_OBJ := $(patsubst src/core/%.c,$(FUZZ_DIR)/core/%.o,$(FUZZ_CORE_SRC))
FUZZ_BINS     := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))
FUZZ_RUNS     ?= 20000
FUZZ_TIME     ?= 20

.PHONY: fuzz fuzz-smoke test-core

fuzz: $(FUZZ_BINS)

$(FUZZ_CORE_OBJ): $(FUZZ_DIR)/core/%.o: src/core/%.c $(wildcard src/core/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BINS): $(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c $(wildcard fuzz/*.c fuzz/*.h) $(FUZZ_CORE_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_CORE_OBJ) $(DEP_LIBS)

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

$(FUZZ_DIR)/core_test: tests/core_test.c $(FUZZ_CORE_SRC) $(wildcard src/core/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g $(SANITIZE) $(DEP_CFLAGS) -o $@ $< $(FUZZ_CORE_SRC) $(DEP_LIBS)

test-core: $(FUZZ_DIR)/core_test
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(FUZZ_DIR)/core_test
