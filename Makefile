# Lua 5.4 signal module: make, make test, make sanitize, make install.

LUA ?= lua5.4
LUA_VERSION = 5.4
LUA_INCDIR ?= $(firstword $(wildcard /usr/include/lua$(LUA_VERSION) /usr/local/include/lua$(LUA_VERSION)) /usr/include)

PREFIX ?= /usr/local
DESTDIR ?=
LUADIR ?= $(PREFIX)/share/lua/$(LUA_VERSION)
LIBDIR ?= $(PREFIX)/lib/lua/$(LUA_VERSION)

CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS = -Wall -Wextra -Wpedantic -Wshadow -Wmissing-prototypes \
           -Wstrict-prototypes -Wconversion -Wno-sign-conversion
ALL_CFLAGS = -std=c11 -fPIC $(WARNINGS) $(CFLAGS) -I$(LUA_INCDIR)
LIBFLAG ?= -shared
LDLIBS = -pthread

BUILD ?= build
SRC = src/core.c src/names.c src/process.c src/timers.c src/waits.c
OBJ = $(SRC:src/%.c=$(BUILD)/obj/%.o)
MODULE = $(BUILD)/signal/core.so

.PHONY: all test test-gc test-stress sanitize valgrind install uninstall clean hosts

all: $(MODULE) hosts

$(BUILD)/obj/%.o: src/%.c src/lsignal.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(MODULE): $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LIBFLAG) -o $@ $(OBJ) $(LDLIBS)

# Small C programs the tests use as hosts (they link liblua themselves).
HOSTS = $(BUILD)/host_close $(BUILD)/host_twostates $(BUILD)/host_fork
hosts: $(HOSTS)

$(BUILD)/host_%: spec/hosts/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARNINGS) $(CFLAGS) -I$(LUA_INCDIR) -o $@ $< \
	  -llua$(LUA_VERSION) -ldl -lm -pthread

test:
	sh tools/deps.sh test
	$(MAKE) all
	sh spec/run.sh

# The whole suite against a module built with AddressSanitizer and
# UndefinedBehaviorSanitizer (lua5.4 is not instrumented: the runtimes
# are preloaded); any report fails it.
SANFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
           -fno-sanitize-recover=all
sanitize:
	sh tools/deps.sh test
	$(MAKE) BUILD=build-asan CFLAGS="$(SANFLAGS)" all
	sh tools/sanitize.sh build-asan

# The whole suite with the collector never resting, in every process
# (a pause of 1%: each cycle starts as the last ends; a zero would mean
# "unchanged"). Some minutes: allocation runs about 30 times slower.
test-gc:
	sh tools/deps.sh test
	$(MAKE) all
	LUA_INIT_5_4='collectgarbage("incremental", 1, 1000)' sh spec/run.sh

# The whole suite STRESS_RUNS times beside two CPU-bound processes;
# reports the failures per test (tools/stress.sh).
STRESS_RUNS ?= 5
test-stress:
	sh tools/deps.sh test
	$(MAKE) all
	sh tools/stress.sh $(STRESS_RUNS)

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

clean:
	rm -rf $(BUILD) build-* doc signal src/*.o  # the last two: luarocks make

# Checks and tools, each in its own script.
.PHONY: deps lint doc demo bench bench-quick
deps:
	sh tools/deps.sh test

lint:
	sh tools/deps.sh lint
	luacheck lua spec examples bench

doc:
	sh tools/deps.sh doc
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
