/*
** A host that closes its Lua state after the module installed a
** handler, then gets a console Ctrl-C: the module's console handler
** stays registered with Windows, so its DLL must still be there (the
** module pins it), and the disposition the program had (SIG_IGN) is
** back. Prints "alive" if the process survived the event.
*/

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <signal.h>
#include <stdio.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"


int main (void) {
  lua_State *L = luaL_newstate();
  signal(SIGINT, SIG_IGN);
  luaL_openlibs(L);
  if (luaL_dostring(L, "local signal = require 'signal'\n"
                       "signal.signal('SIGINT', function() end)\n"
                       "signal.raise_signal('SIGINT')") != LUA_OK) {
    fprintf(stderr, "%s\n", lua_tostring(L, -1));
    return 1;
  }
  lua_close(L);  /* unloads the module's DLL, unless it is pinned */
  printf("module %s\n", GetModuleHandleA("core.dll") ? "loaded" : "unloaded");
  fflush(stdout);
  if (!GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0)) {
    printf("no console event: error %lu\n", GetLastError());
    return 1;
  }
  Sleep(500);
  printf("alive\n");
  return 0;
}
