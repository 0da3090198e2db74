/*
** Test host: states opened and closed while signals keep arriving
** (SPEC 5.16). Each cycle runs a worker pthread that does
** luaL_newstate -> luaL_openlibs -> require "signal" -> Lua handlers
** for SIGUSR1 and SIGRTMIN -> handles deliveries for a while ->
** lua_close, while the main thread waits in pthread_join and a helper
** thread spins, both with the signals unblocked, so the kernel
** delivers to every thread. A child process storms the host the whole
** time (sigqueue SIGRTMIN, retried on EAGAIN, and kill SIGUSR1), before,
** during and after each close, and for a while after the last one.
** Closing the state unloads nothing that a handler points at: the
** host never crashes, and after the last close every signal has the
** disposition it had before the first require (handler, flags, mask).
** The host's own handler for the two signals stands before and
** after, and counts what arrives between the states.
**
**   host_cycles CYCLES [MS]    MS: how long each state handles signals
** Prints "ok CYCLES cycles, N handled in Lua, M between states".
** The module is found through LUA_PATH_5_4 and LUA_CPATH_5_4.
*/

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

static const char chunk[] =
  "local signal = require 'signal'\n"
  "local ms, rtmin = ...\n"
  "local n = 0\n"
  "local function count() n = n + 1 end\n"
  "signal.signal('SIGUSR1', count)\n"
  "-- by number: a portable build (PORTABLE=1) names no real-time signal\n"
  "signal.signal(rtmin, function(_, info) n = n + 1 end)\n"
  "local stop = os.clock() + ms / 1000\n"
  "local x = 0\n"
  "while os.clock() < stop do x = x + 1 end\n"
  "return n\n";

static atomic_long between;        /* host handler runs */
static atomic_long handled;        /* Lua handler runs */
static atomic_int spinning = 1;
static atomic_int failed;          /* a state's chunk failed */
static double state_ms = 5;


static void host_handler (int signo, siginfo_t *info, void *context) {
  (void)signo; (void)info; (void)context;
  atomic_fetch_add(&between, 1);
}


static void *spinner (void *arg) {
  (void)arg;
  while (atomic_load(&spinning)) {
    struct timespec ts = {0, 100000};
    nanosleep(&ts, NULL);
  }
  return NULL;
}


static void *worker (void *arg) {
  lua_State *L = luaL_newstate();
  (void)arg;
  luaL_openlibs(L);
  /* a failure ends the cycles, not the host, which still stops and
  ** waits for its storm child */
  if (luaL_loadstring(L, chunk) != LUA_OK) {
    fprintf(stderr, "load: %s\n", lua_tostring(L, -1));
    atomic_store(&failed, 1);
  }
  else {
    lua_pushnumber(L, state_ms);
    lua_pushinteger(L, SIGRTMIN);
    if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
      fprintf(stderr, "chunk: %s\n", lua_tostring(L, -1));
      atomic_store(&failed, 1);
    }
    else
      atomic_fetch_add(&handled, (long)lua_tointeger(L, -1));
  }
  lua_close(L);
  return NULL;
}


/*
** The storm, in a child: SIGRTMIN with sigqueue (a full queue is
** EAGAIN: try again) and SIGUSR1 with kill, until the host closes the
** pipe or is gone.
*/
static void storm (pid_t host, int stopfd) {
  union sigval v;
  char c;
  long i;
  for (i = 0; ; i++) {
    v.sival_int = (int)i;
    while (sigqueue(host, SIGRTMIN, v) != 0) {
      if (errno != EAGAIN) _exit(0);
      sched_yield();
    }
    if (kill(host, SIGUSR1) != 0) _exit(0);
    if (i % 64 == 0 && (read(stopfd, &c, 1) == 0 || getppid() != host))
      _exit(0);
  }
}


static int samedisp (const struct sigaction *a, const struct sigaction *b) {
  int signo;
  int flags = SA_SIGINFO | SA_RESTART | SA_NODEFER | SA_RESETHAND | SA_ONSTACK;
  if ((a->sa_flags & SA_SIGINFO) != (b->sa_flags & SA_SIGINFO)) return 0;
  if ((a->sa_flags & SA_SIGINFO) ? a->sa_sigaction != b->sa_sigaction
                                 : a->sa_handler != b->sa_handler)
    return 0;
  if ((a->sa_flags & flags) != (b->sa_flags & flags)) return 0;
  for (signo = 1; signo <= SIGRTMAX; signo++)
    if (sigismember(&a->sa_mask, signo) != sigismember(&b->sa_mask, signo))
      return 0;
  return 1;
}


int main (int argc, char **argv) {
  static struct sigaction before[NSIG];
  struct sigaction sa;
  int cycles = argc > 1 ? atoi(argv[1]) : 20;
  int i, signo, fds[2], status, bad = 0;
  pid_t host = getpid(), child;
  pthread_t spin;
  if (argc > 2) state_ms = atof(argv[2]);
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = host_handler;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGUSR2);
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGRTMIN, &sa, NULL);
  for (signo = 1; signo < NSIG; signo++)
    sigaction(signo, NULL, &before[signo]);
  if (pipe(fds) != 0) return 2;
  child = fork();
  if (child < 0) return 2;
  if (child == 0) {
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    storm(host, fds[0]);
  }
  close(fds[0]);
  pthread_create(&spin, NULL, spinner, NULL);
  for (i = 0; i < cycles && !atomic_load(&failed); i++) {
    pthread_t w;
    pthread_create(&w, NULL, worker, NULL);
    pthread_join(w, NULL);
  }
  /* signals still arrive after the last close */
  {
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL);
  }
  close(fds[1]);
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  atomic_store(&spinning, 0);
  pthread_join(spin, NULL);
  for (signo = 1; signo < NSIG; signo++) {
    struct sigaction now;
    memset(&now, 0, sizeof now);
    sigaction(signo, NULL, &now);
    if (!samedisp(&now, &before[signo])) {
      printf("signal %d: disposition not restored\n", signo);
      bad = 1;
    }
  }
  if (atomic_load(&failed)) return 2;
  if (bad) return 3;
  printf("ok %d cycles, %ld handled in Lua, %ld between states\n",
         cycles, atomic_load(&handled), atomic_load(&between));
  return 0;
}
