/*
** signal.core for Windows: Python's Windows surface of the signal
** module. The POSIX build's src/core.c has the same shape; the files
** here are the Windows peers of its concerns (see lsigwin.h), with the
** portable dispatch.c, handlers.c, hooks.c and coroutines.c shared as
** they are. luaopen_signal_core stays each build's own, as Lua's
** linit.c is: its export and its list of concerns differ. What Windows
** lacks (alarm, pause, itimers, masks, sigwait*, siginterrupt,
** waitpid, killpg, sigqueue, pidfds, spawn, shutdown) is absent, so
** it is nil in the module, as in CPython.
*/

#include "lua.h"
#include "lauxlib.h"

#include "lsigwin.h"


/* A DLL exports what it marks, and with LUA_BUILD_AS_DLL, LUAMOD_API
** marks an import (Lua's own libraries are inside lua54.dll): the
** module's one export is marked here, and nothing else is exported. */
#define LSIG_EXPORT __declspec(dllexport)

LSIG_EXPORT int luaopen_signal_core (lua_State *L);

LSIG_EXPORT int luaopen_signal_core (lua_State *L) {
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
  lsig_open_wakeup(L);
  return 1;
}
