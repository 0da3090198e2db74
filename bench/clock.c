/*
** benchclock: `local now = require "benchclock"` gives now(), the
** CLOCK_MONOTONIC time in integer nanoseconds.
**
** Every Lua target of the benchmark stamps with this one function, so
** the Lua systems differ only in how their handlers get to run, not in
** how they read the clock. CLOCK_MONOTONIC is one clock for the whole
** machine, so a stamp taken here compares with the C driver's stamps
** and with CPython's time.monotonic_ns().
**
** The same .so serves lua5.3 (luaposix) and lua5.4 (the others), and
** only 5.4 headers are installed. So it declares the two API calls it
** makes instead of including lua.h: their signatures and lua_Integer
** (long long) are the same in 5.3 and 5.4, and the interpreter
** provides the symbols at load time.
*/

#define _POSIX_C_SOURCE 200809L

#include <time.h>

typedef struct lua_State lua_State;
typedef int (*lua_CFunction) (lua_State *L);

void lua_pushinteger (lua_State *L, long long n);
void lua_pushcclosure (lua_State *L, lua_CFunction fn, int n);


static int clock_now (lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushinteger(L, (long long)ts.tv_sec * 1000000000 + ts.tv_nsec);
  return 1;
}


int luaopen_benchclock (lua_State *L);

int luaopen_benchclock (lua_State *L) {
  lua_pushcclosure(L, clock_now, 0);
  return 1;
}
