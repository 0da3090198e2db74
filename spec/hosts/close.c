/*
** Test host: a state installs a Lua handler for SIGUSR1, is closed,
** and then SIGUSR1 arrives. The disposition the process had before
** ("dfl" or "ign", argv[1]) must be back and nothing freed touched:
** with "dfl" the process dies of SIGUSR1, with "ign" it exits 0.
** The module is found through LUA_PATH_5_4 and LUA_CPATH_5_4.
*/

#define _POSIX_C_SOURCE 200809L  /* struct sigaction under -std=c11 */

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

static const char chunk[] =
  "local signal = require 'signal'\n"
  "local n = 0\n"
  "signal.signal('SIGUSR1', function() n = n + 1 end)\n"
  "signal.raise_signal('SIGUSR1')\n"
  "assert(n == 1, 'handler did not run')\n"
  "signal.kill(signal.getpid(), 'SIGUSR1')\n"  /* left pending at close */
  "local t = {} for i = 1, 1000 do t[i] = {} end\n";

int main (int argc, char **argv) {
  int ignore = argc > 1 && strcmp(argv[1], "ign") == 0;
  struct sigaction sa;
  lua_State *L;
  signal(SIGUSR1, ignore ? SIG_IGN : SIG_DFL);
  L = luaL_newstate();
  luaL_openlibs(L);
  if (luaL_dostring(L, chunk) != LUA_OK) {
    fprintf(stderr, "chunk failed: %s\n", lua_tostring(L, -1));
    return 2;
  }
  lua_close(L);
  sigaction(SIGUSR1, NULL, &sa);
  if (sa.sa_handler != (ignore ? SIG_IGN : SIG_DFL)) {
    printf("disposition not restored\n");
    return 3;
  }
  printf("restored\n");
  fflush(stdout);
  raise(SIGUSR1);
  printf("survived\n");
  return 0;
}
