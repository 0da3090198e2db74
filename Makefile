# Lua 5.4/5.5 signal module: make, make test, make sanitize, make install.
#
# The platform comes from uname: Linux builds src/linux.c, any other
# system (macOS, the BSDs) the portable core src/posix.c. PORTABLE=1
# builds the portable core on Linux too, in build-portable/ (make test
# PORTABLE=1 runs the suite on the code paths macOS uses). make cross
# compiles the module for macOS with Zig's cc (tools/cross.sh).
#
# For another Lua than the system's 5.4: LUA_VERSION=5.5, LUA=its
# interpreter, LUA_INCDIR=the directory of its lua.h; LUA_LIB=how the
# test hosts link it (default -llua$(LUA_VERSION), or a liblua.a).

LUA_VERSION ?= 5.4
LUA ?= lua$(LUA_VERSION)
LUA_INCDIR ?= $(firstword $(wildcard /usr/include/lua$(LUA_VERSION) /usr/local/include/lua$(LUA_VERSION)) /usr/include)
LUA_LIB ?= -llua$(LUA_VERSION)

PREFIX ?= /usr/local
DESTDIR ?=
LUADIR ?= $(PREFIX)/share/lua/$(LUA_VERSION)
LIBDIR ?= $(PREFIX)/lib/lua/$(LUA_VERSION)

CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS = -Wall -Wextra -Wpedantic -Wshadow -Wmissing-prototypes \
           -Wstrict-prototypes -Wconversion -Wno-sign-conversion
ALL_CFLAGS = -std=c11 -fPIC $(WARNINGS) $(CFLAGS) -I$(LUA_INCDIR)
LDLIBS = -pthread -ldl

UNAME := $(shell uname -s 2>/dev/null)
ifeq ($(PORTABLE),1)
PLATFORM = posix
PLATFORM_CFLAGS = -DLSIG_PORTABLE
SUFFIX = -portable
# the specs then test that what macOS lacks is nil (spec/helpers.lua)
export SIGNAL_PORTABLE = 1
else ifeq ($(UNAME),Linux)
PLATFORM = linux
else
PLATFORM = posix
endif
# macOS loads a module as a bundle whose Lua symbols the interpreter
# provides (as the rockspec's macosx override says).
ifeq ($(UNAME),Darwin)
LIBFLAG ?= -bundle -undefined dynamic_lookup
endif
LIBFLAG ?= -shared
ALL_CFLAGS += $(PLATFORM_CFLAGS)

BUILD ?= build$(SUFFIX)
# Every C file in src/ is part of the module, but for one platform file
# of the two (src/linux.c, src/posix.c): this is the only list.
PLATFORM_SRC = src/linux.c src/posix.c
SRC = $(filter-out $(PLATFORM_SRC),$(wildcard src/*.c)) src/$(PLATFORM).c
HDR = $(wildcard src/*.h)
OBJ = $(SRC:src/%.c=$(BUILD)/obj/%.o)
MODULE = $(BUILD)/signal/core.so

.PHONY: all module rock cross test test-gc test-stress test-cycles test-container test-matrix test-lua-suite werror sanitize tsan test-threads valgrind install uninstall clean hosts

all: $(MODULE) hosts

# The module alone (luarocks builds this).
module: $(MODULE)

$(BUILD)/obj/%.o: src/%.c $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(MODULE): $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LIBFLAG) -o $@ $(OBJ) $(LDLIBS)

# Small C programs the tests use as hosts: they link liblua themselves,
# exporting its symbols (-Wl,-E) for the module they load when it is
# a static liblua.a.
HOSTS = $(BUILD)/host_close $(BUILD)/host_twostates $(BUILD)/host_fork \
        $(BUILD)/host_values $(BUILD)/host_sigqueue $(BUILD)/host_threads \
        $(BUILD)/host_alloc $(BUILD)/host_cycles \
        $(BUILD)/host_reaper $(BUILD)/host_flood
hosts: $(HOSTS)

$(BUILD)/host_%: spec/hosts/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARNINGS) $(CFLAGS) -I$(LUA_INCDIR) -o $@ $< \
	  -Wl,-E $(LUA_LIB) -ldl -lm -pthread

test:
	sh tools/deps.sh test
	sh tools/luadeps.sh
	$(MAKE) all
	LUA=$(LUA) SIGNAL_BUILD=$(BUILD) sh spec/run.sh

# The module compiled for x86_64-macos and aarch64-macos (and what can
# be of the BSDs) with Zig's cc, every warning an error: tools/cross.sh.
cross:
	sh tools/deps.sh cross
	WARNINGS="$(WARNINGS)" sh tools/cross.sh

# A build from scratch in build-werror/ where any compiler warning is
# an error (CI runs it).
werror:
	sh tools/deps.sh build
	rm -rf build-werror$(SUFFIX)
	$(MAKE) BUILD=build-werror$(SUFFIX) CFLAGS="-O2 -g -Werror" all

# Every supported Lua release built from source (LUA_SOURCES), with
# the C test dependencies (DEPS_SOURCES), and the suite run on each:
# see tools/matrix.sh. Builds are cached in build-matrix/.
test-matrix:
	sh tools/deps.sh matrix
	sh tools/matrix.sh

# Lua's own test suite of every supported release (and the system's
# lua5.4) with the module loaded, with a 1 ms timer, and with a flood of
# signals from another process: each must end in "final OK" (SPEC 5.6).
# See tools/luasuite.sh; builds are cached in build-luasuite/.
test-lua-suite:
	sh tools/deps.sh matrix
	sh tools/luasuite.sh

# The whole suite against a module built with AddressSanitizer and
# UndefinedBehaviorSanitizer (lua5.4 is not instrumented: the runtimes
# are preloaded); any report fails it.
SANFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
           -fno-sanitize-recover=all
sanitize:
	sh tools/deps.sh test
	$(MAKE) BUILD=build-asan$(SUFFIX) CFLAGS="$(SANFLAGS)" all
	sh tools/sanitize.sh build-asan$(SUFFIX)

# The threaded host, module and host built with ThreadSanitizer; a
# report fails it. ThreadSanitizer holds signals back and merges them,
# so only lost handlers on the Lua thread and races are checked here.
# Then states opened and closed under a storm (host_cycles, two hosts
# side by side, twice), where a report is an exit status of 66.
TSANFLAGS = -O1 -g -fsanitize=thread
tsan:
	sh tools/deps.sh test
	$(MAKE) BUILD=build-tsan$(SUFFIX) CFLAGS="$(TSANFLAGS)" all
	sh tools/threads.sh build-tsan$(SUFFIX) $(or $(RUNS),5) 5000 lossy
	TSAN_OPTIONS=exitcode=66 sh tools/cycles.sh 300 2 build-tsan$(SUFFIX)

# The threaded host many times: make test-threads RUNS=1000
test-threads: all
	sh tools/threads.sh $(BUILD) $(or $(RUNS),100)

# The whole suite with the collector never resting, in every process
# (a pause of 1%: each cycle starts as the last ends; a zero would mean
# "unchanged"). Some minutes: allocation runs about 30 times slower.
test-gc:
	sh tools/deps.sh test
	$(MAKE) all
	LUA_INIT_$(subst .,_,$(LUA_VERSION))='collectgarbage("incremental", 1, 1000)' LUA=$(LUA) sh spec/run.sh

# The whole suite STRESS_RUNS times beside two CPU-bound processes;
# reports the failures per test (tools/stress.sh). It starts with the
# states-closed-under-a-storm host at full size (test-cycles).
STRESS_RUNS ?= 5
test-stress:
	sh tools/deps.sh test
	$(MAKE) all
	sh tools/cycles.sh 1000 3
	sh tools/stress.sh $(STRESS_RUNS)

# States opened and closed while signals arrive, CYCLES per host, two
# hosts side by side, CYCLE_RUNS times: make test-cycles CYCLES=5000
test-cycles: all
	sh tools/cycles.sh $(or $(CYCLES),1000) $(or $(CYCLE_RUNS),3)

# The suite run as a container runs it: PID 1 of a new PID namespace
# (examples/init.lua), as root: make test-container CONTAINER_RUNS=10
test-container:
	sh tools/deps.sh test
	$(MAKE) all
	sh tools/container.sh $(CONTAINER_RUNS)

# The whole suite with its interpreter and every child under valgrind.
valgrind:
	sh tools/deps.sh valgrind
	$(MAKE) all
	sh tools/valgrind.sh

install: $(MODULE)
	install -d $(DESTDIR)$(LUADIR) $(DESTDIR)$(LIBDIR)/signal
	install -m 644 lua/signal.lua $(DESTDIR)$(LUADIR)/signal.lua
	install -m 755 $(MODULE) $(DESTDIR)$(LIBDIR)/signal/core.so

uninstall:
	rm -f $(DESTDIR)$(LUADIR)/signal.lua $(DESTDIR)$(LIBDIR)/signal/core.so
	rmdir $(DESTDIR)$(LIBDIR)/signal 2>/dev/null || true  # only if empty

clean:
	rm -rf $(BUILD) build-* doc

# What luarocks make runs (see the rockspec), with BUILD=build/rock: a
# build from scratch with the flags LuaRocks gives. Objects a plain
# make left would be up to date to make, and the rock would get their
# flags (maybe another Lua's headers) instead.
rock:
	rm -rf $(BUILD)
	$(MAKE) module

# The Windows build (Python's Windows surface, src/win/), cross-compiled
# with mingw-w64 into build-windows/ with Lua 5.4.8 as lua54.dll and
# lua.exe, and its specs (spec/windows/) run by lua.exe under Wine,
# headless: see tools/windows.sh.
.PHONY: windows test-windows
windows:
	sh tools/deps.sh windows
	sh tools/windows.sh build

test-windows: windows
	sh tools/windows.sh test

# Checks and tools, each in its own script.
.PHONY: deps lint doc demo bench bench-quick
deps:
	sh tools/deps.sh test

lint:
	sh tools/deps.sh lint
	luacheck lua spec examples bench

# The README's Caveats section becomes a page of the reference; its
# links to other sections of the README name them instead.
doc:
	sh tools/deps.sh doc
	@mkdir -p build/doc
	sed -n '/^## Caveats/,/^## /p' README.md | sed '$$d' \
	  | sed 's/\[\([^]]*\)\](#[a-z0-9-]*)/\1 in README.md/g' >build/doc/caveats.md
	ldoc .

demo:
	sh tools/deps.sh demo
	$(MAKE) all
	sh examples/demo.sh

bench: all
	sh tools/deps.sh bench
	sh bench/run.sh

bench-quick: all
	sh bench/run.sh --quick
