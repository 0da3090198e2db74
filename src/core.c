/*
** signal.core: Python's signal module for Lua, in C. Each file adds
** its part of the module table; see lsignal.h for the files and
** engine.c for how a delivery becomes a call to a Lua handler.
** Opening the module changes no disposition: only the program's own
** calls do.
*/

#define _GNU_SOURCE

#if !defined(_WIN32)
#include <dlfcn.h>
#include <pthread.h>
#endif

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


/*
** The module stays loaded for the life of the process (SPEC 5.16).
** A handler it installs points into this file's code, and lua_close
** runs the package library's finalizer, which dlcloses it: a delivery
** the kernel has already directed at the handler, on any thread, may
** enter it after that, and closing the state restores dispositions
** too late to stop it. No count or lock inside the handler can close
** that window, so the code is never unmapped: the first open asks the
** loader to promote the module's own file to RTLD_NODELETE. It is done
** at open, not at the first handler, because waitpid's SIGCHLD catcher
** and the guards install handlers too, and a module once loaded is
** kept by most programs anyway. RTLD_NOLOAD loads nothing new; the
** handle is kept, never closed. Where it fails (the module linked
** into the program itself) there is nothing to unload.
*/
#if defined(RTLD_NODELETE) && defined(RTLD_NOLOAD)
static void *selfhandle;
static pthread_once_t keep_once = PTHREAD_ONCE_INIT;

static void keepself (void) {
  Dl_info info;
  if (dladdr((void *)(size_t)keepself, &info) != 0 && info.dli_fname != NULL)
    selfhandle = dlopen(info.dli_fname,
                        RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

#define keeploaded()  pthread_once(&keep_once, keepself)
#else
#define keeploaded()  ((void)0)
#endif


LUAMOD_API int luaopen_signal_core (lua_State *L);

LUAMOD_API int luaopen_signal_core (lua_State *L) {
  keeploaded();
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
  lsig_open_notify(L);
  lsig_open_platform(L);
  lsig_open_process(L);
  lsig_open_shutdown(L);
  lsig_open_siginfo(L);
  lsig_open_spawn(L);
  lsig_open_timers(L);
  lsig_open_wakeup(L);
  lsig_open_waits(L);
  return 1;
}
