/*
** host_alloc: every call that claims delivery or installs a handler,
** with every allocation from the N-th on failing (Lua retries a failed
** one after a collection), for every N until the call needs
** no more. A call that fails must raise "not enough memory" and leave
** the disposition, the signal mask, the handler table and ownership as
** they were, with later deliveries working. Prints one line per call
** and exits 0 only if every point held (2: the module did not load).
*/

#define _GNU_SOURCE

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

static long fail_at = -1;  /* the first allocation refused; -1: none */
static long seen;


/* Refuses only growth, which Lua must be ready to see fail. */
static void *alloc (void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  if (ptr == NULL || nsize > osize) {
    if (fail_at >= 0 && seen++ >= fail_at) return NULL;  /* and after */
  }
  return realloc(ptr, nsize);
}


/* Each case: what runs before (with memory), the call swept. */
typedef struct Case {
  const char *name;
  const char *setup;
  const char *call;
} Case;

static const Case cases[] = {
  {"signal (first claim)", "",
   "signal.signal('SIGUSR1', function() got = got + 1 end)"},
  {"signal (owner already)", "signal.signal('SIGUSR2', signal.SIG_IGN)",
   "signal.signal('SIGUSR1', function() got = got + 1 end)"},
  {"scoped", "",
   "keep = signal.scoped('SIGUSR1', function() got = got + 1 end)"},
  {"pollfd", "", "signal.pollfd()"},
  {"set_wakeup_fd", "", "signal.set_wakeup_fd(-1)"},
  {"siginterrupt", "", "signal.siginterrupt('SIGUSR1', true)"},
  {NULL, NULL, NULL}
};

/* Run with memory after a failure: the state must be as before. */
static const char after_failure[] =
  "assert(signal.getsignal('SIGUSR1') == signal.SIG_DFL, 'handler table')\n"
  "signal.signal('SIGUSR1', function() got = got + 1 end)\n"
  "signal.raise_signal('SIGUSR1')\n"
  "assert(got == 1, 'a later delivery was lost')\n";


static int run (lua_State *L, const char *code, const char *what) {
  if (luaL_dostring(L, code) != LUA_OK) {
    fprintf(stderr, "%s: %s\n", what, lua_tostring(L, -1));
    lua_pop(L, 1);
    return 0;
  }
  return 1;
}


static int samemask (const sigset_t *a, const sigset_t *b) {
  int signo;
  for (signo = 1; signo < NSIG; signo++)
    if (sigismember(a, signo) != sigismember(b, signo)) return 0;
  return 1;
}


/* Ownership is free again: another state can claim it. */
static int unowned (void) {
  lua_State *L2 = luaL_newstate();
  int ok;
  luaL_openlibs(L2);
  ok = run(L2, "local s = require 'signal'\n"
               "s.signal('SIGUSR2', s.SIG_IGN)", "second state");
  lua_close(L2);
  return ok;
}


/* One point: the N-th allocation of the call fails. Returns 1 when
** the call succeeded (the sweep is over), 0 when it failed cleanly,
** -1 when something was left half-changed. */
static int point (const Case *c, long n) {
  struct sigaction sa_before, sa_after;
  sigset_t mask_before, mask_after;
  int status, result = 0;
#if LUA_VERSION_NUM >= 505
  lua_State *L = lua_newstate(alloc, NULL, 0);
#else
  lua_State *L = lua_newstate(alloc, NULL);
#endif
  luaL_openlibs(L);
  if (!run(L, "signal = require 'signal'; got = 0", "setup")
      || !run(L, c->setup, "setup")) {
    lua_close(L);
    return -2;
  }
  sigaction(SIGUSR1, NULL, &sa_before);
  pthread_sigmask(SIG_BLOCK, NULL, &mask_before);
  if (luaL_loadstring(L, c->call) != LUA_OK) return -1;
  seen = 0;
  fail_at = n;
  status = lua_pcall(L, 0, 0, 0);
  fail_at = -1;
  if (status == LUA_OK)
    result = 1;
  else {
    const char *msg = lua_tostring(L, -1);
    sigaction(SIGUSR1, NULL, &sa_after);
    pthread_sigmask(SIG_BLOCK, NULL, &mask_after);
    if (status != LUA_ERRMEM) {
      fprintf(stderr, "%s, allocation %ld: not a memory error: %s\n",
              c->name, n, msg ? msg : "?");
      result = -1;
    }
    else if (sa_after.sa_handler != sa_before.sa_handler) {
      fprintf(stderr, "%s, allocation %ld: disposition changed\n",
              c->name, n);
      result = -1;
    }
    else if (!samemask(&mask_before, &mask_after)) {
      fprintf(stderr, "%s, allocation %ld: mask changed\n", c->name, n);
      result = -1;
    }
    else if (c->setup[0] == '\0' && !unowned()) {
      fprintf(stderr, "%s, allocation %ld: ownership kept\n", c->name, n);
      result = -1;
    }
    else if (!run(L, after_failure, c->name)) {
      fprintf(stderr, "%s, allocation %ld: state half-changed\n",
              c->name, n);
      result = -1;
    }
    lua_pop(L, 1);
  }
  lua_close(L);
  return result;
}


int main (void) {
  const Case *c;
  int bad = 0;
  signal(SIGUSR1, SIG_DFL);  /* whatever the suite inherited */
  for (c = cases; c->name != NULL; c++) {
    long n, failed = 0, points = 0;
    for (n = 0; n < 10000; n++) {
      int r = point(c, n);
      if (r == -2) return 2;  /* no module: nothing was swept */
      points++;
      if (r < 0) failed++;
      if (r == 1) break;
    }
    printf("%s: %ld points, %ld half-changed\n", c->name, points, failed);
    bad += failed > 0;
  }
  return bad ? 1 : 0;
}
