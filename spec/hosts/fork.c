/*
** Test host: a delivery counted but not yet handled when the process
** forks belongs to the parent only: the child handles none.
*/

#define _POSIX_C_SOURCE 200809L  /* fork and waitpid under -std=c11 */

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

static void run (lua_State *L, const char *code) {
  if (luaL_dostring(L, code) != LUA_OK)
    printf("error: %s\n", lua_tostring(L, -1));
  fflush(stdout);
}

int main (void) {
  lua_State *L = luaL_newstate();
  pid_t pid;
  luaL_openlibs(L);
  run(L, "signal = require 'signal'; n = 0;"
         "signal.signal('SIGUSR1', function() n = n + 1 end)");
  raise(SIGUSR1);  /* counted by the C handler; no Lua ran since */
  pid = fork();
  if (pid == 0) {
    run(L, "signal.check(); print('child', n)");
    _exit(0);
  }
  waitpid(pid, NULL, 0);
  run(L, "signal.check(); print('parent', n)");
  lua_close(L);
  return 0;
}
