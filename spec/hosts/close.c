/*
** Test host: a state installs a Lua handler for SIGUSR1, is closed,
** and then SIGUSR1 arrives. The disposition the process had before
** ("dfl", "ign" or "host", argv[1]) must be back and nothing freed
** touched: with "dfl" the process dies of SIGUSR1, with "ign" it exits
** 0. "host" is the host's own SA_SIGINFO handler, with a mask and
** flags that must come back exactly; a later SIGUSR1 runs it.
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

static volatile sig_atomic_t host_ran;

static void host_handler (int signo, siginfo_t *info, void *context) {
  (void)signo; (void)info; (void)context;
  host_ran = 1;
}


/* The host's disposition is back: handler, flags and every mask bit. */
static int same (const struct sigaction *a, const struct sigaction *b) {
  int signo;
  int flags = SA_SIGINFO | SA_RESTART | SA_NODEFER | SA_RESETHAND;
  if (a->sa_sigaction != b->sa_sigaction
      || (a->sa_flags & flags) != (b->sa_flags & flags))
    return 0;
  for (signo = 1; signo <= SIGRTMAX; signo++)
    if (sigismember(&a->sa_mask, signo) != sigismember(&b->sa_mask, signo))
      return 0;
  return 1;
}


int main (int argc, char **argv) {
  const char *how = argc > 1 ? argv[1] : "dfl";
  int ignore = strcmp(how, "ign") == 0, own = strcmp(how, "host") == 0;
  struct sigaction sa, mine;
  lua_State *L;
  memset(&mine, 0, sizeof mine);
  mine.sa_sigaction = host_handler;
  mine.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&mine.sa_mask);
  sigaddset(&mine.sa_mask, SIGUSR2);
  sigaddset(&mine.sa_mask, SIGTERM);
  sigaddset(&mine.sa_mask, SIGRTMIN + 1);
  sigaddset(&mine.sa_mask, SIGRTMAX);
  if (own) sigaction(SIGUSR1, &mine, NULL);
  else signal(SIGUSR1, ignore ? SIG_IGN : SIG_DFL);
  L = luaL_newstate();
  luaL_openlibs(L);
  if (luaL_dostring(L, chunk) != LUA_OK) {
    fprintf(stderr, "chunk failed: %s\n", lua_tostring(L, -1));
    return 2;
  }
  lua_close(L);
  sigaction(SIGUSR1, NULL, &sa);
  if (own) {
    if (!same(&sa, &mine)) {
      printf("disposition not restored\n");
      return 3;
    }
    raise(SIGUSR1);
    printf(host_ran ? "restored, the host's handler ran\n"
                    : "restored, the host's handler did not run\n");
    return 0;
  }
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
