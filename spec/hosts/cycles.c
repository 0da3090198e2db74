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
** The cycles run on a driver thread that has the two signals blocked,
** and so does the stopping of the storm: a thread that takes them can
** be kept in its handler for ever (the kernel runs the next handler on
** the way back from the last while any is pending, and a sender that
** retries on EAGAIN keeps the queue full), and a host whose every
** thread took them once hung so (main in close(), the queue at its
** limit). The storm is paced below what one thread drains for the same
** reason.
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
  lua_State *L;
  sigset_t storm_sigs;
  (void)arg;
  /* the driver that started it has them blocked */
  sigemptyset(&storm_sigs);
  sigaddset(&storm_sigs, SIGUSR1);
  sigaddset(&storm_sigs, SIGRTMIN);
  pthread_sigmask(SIG_UNBLOCK, &storm_sigs, NULL);
  L = luaL_newstate();
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
  time_t end = time(NULL) + 600;  /* a host that never says stop */
  for (i = 0; ; i++) {
    v.sival_int = (int)i;
    while (sigqueue(host, SIGRTMIN, v) != 0) {
      if (errno != EAGAIN) _exit(0);
      sched_yield();
    }
    if (kill(host, SIGUSR1) != 0) _exit(0);
    if (i % 64 == 0) {
      /* 64 of each, then 1 ms: at most some 60,000 a second, a tenth
      ** of what one thread's C handler drains */
      struct timespec ts = {0, 1000000};
      if (read(stopfd, &c, 1) == 0 || getppid() != host || time(NULL) > end)
        _exit(0);
      nanosleep(&ts, NULL);
    }
  }
}


/* The driver: the cycles, then the storm stopped and reaped. */
static int cycles = 20;
static int stopfd = -1;
static pid_t stormer;

static void *driver (void *arg) {
  int i, status;
  (void)arg;
  for (i = 0; i < cycles && !atomic_load(&failed); i++) {
    pthread_t w;
    if (pthread_create(&w, NULL, worker, NULL) != 0) {
      fprintf(stderr, "pthread_create: %s\n", strerror(errno));
      atomic_store(&failed, 1);
      break;
    }
    pthread_join(w, NULL);
  }
  {  /* signals still arrive after the last close */
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL);
  }
  close(stopfd);
  while (waitpid(stormer, &status, 0) < 0 && errno == EINTR) {}
  return NULL;
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
  sigset_t all, old;
  int signo, fds[2], bad = 0;
  pid_t host = getpid();
  pthread_t spin, drive;
  if (argc > 1) cycles = atoi(argv[1]);
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
  stormer = fork();
  if (stormer < 0) return 2;
  if (stormer == 0) {
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    storm(host, fds[0]);
  }
  close(fds[0]);
  stopfd = fds[1];
  if (pthread_create(&spin, NULL, spinner, NULL) != 0) return 2;
  /* the driver starts with every signal blocked; main keeps taking
  ** them while it waits in pthread_join */
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  if (pthread_create(&drive, NULL, driver, NULL) != 0) return 2;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_join(drive, NULL);
  if (pthread_tryjoin_np(spin, NULL) == 0) {  /* it never returns alone */
    printf("the spinning thread ended early\n");
    bad = 1;
  }
  else {
    atomic_store(&spinning, 0);
    pthread_join(spin, NULL);
  }
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
