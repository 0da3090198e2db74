/*
** signal.core: Python's signal module for Lua, in C. Each file adds
** its part of the module table; see lsignal.h for the files and
** engine.c for how a delivery becomes a call to a Lua handler.
** Opening the module changes no disposition: only the program's own
** calls do.
*/

#define _GNU_SOURCE

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


LUAMOD_API int luaopen_signal_core (lua_State *L);

LUAMOD_API int luaopen_signal_core (lua_State *L) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key) == LUA_TNIL) {
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
  }
  lua_pop(L, 1);
  lua_newtable(L);
  lsig_open_coroutines(L);
  lsig_open_handlers(L);
  lsig_open_hooks(L);
  lsig_open_names(L);
  lsig_open_process(L);
  lsig_open_siginfo(L);
  lsig_open_timers(L);
  lsig_open_wakeup(L);
  lsig_open_waits(L);
  return 1;
}
