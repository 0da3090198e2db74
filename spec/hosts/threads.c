/*
** A threaded host: host_threads MODE COUNT
**
**   main    Lua runs in the main thread, beside 4 helper threads that
**           block no signal.
**   worker  Lua runs in a worker thread; the main thread (the one the
**           kernel prefers for a process's signals) and 4 helpers wait.
**   info    as worker, with a SIGRTMIN handler that takes info: the
**           i-th SIGRTMIN carries the value i, and each must reach the
**           handler once, none repeated. A delivery that lands on
**           another thread is queued again to the Lua thread, with its
**           info, and may pass one the Lua thread takes at the same
**           moment; when the kernel's queue is full (other processes of
**           the user), it cannot be, and is handled without its info.
**           Printed: how many came late ("out of order"), how many
**           values were missing (beyond those without info) or repeated,
**           and how many came without info.
**   move    the state starts in one worker, which ends half way through
**           the storm; a second worker takes the state over (calling
**           signal.check() first, as the README asks of such hosts).
**   sigwait the Lua thread waits in sigwaitinfo (sigwait where the
**           module has no sigwaitinfo) for a signal that is
**           handled too; one sent to a helper must not end the wait.
**   waitpid Lua runs in a worker and waits in a blocking waitpid for
**           children forked by a thread that then exits, so that the
**           kernel gives their SIGCHLD to the main thread (in
**           pthread_join) or a helper, all with SIGCHLD unblocked and
**           no Lua handler for it: waitpid(pid) and waitpid(-1), or,
**           with a third argument "chandler", waitpid(pid) with the
**           host's own C handler for SIGCHLD (which only a pidfd ends
**           promptly: a portable build has none).
**           Prints each wait's time; a watchdog sends the Lua thread a
**           handled SIGUSR2 every 5 s, so a wait that misses the exit
**           ends late instead of never. COUNT children per case.
**   tkill   pthread_kill from Lua to a helper thread's id (which the
**           helper asked the module for, running the state a moment
**           while the Lua thread waits) runs the handler (on the Lua
**           thread); once the helper has exited, its id raises "No
**           such process". A second helper that never asked gives both
**           its ids, the kernel's and its pthread_t, and the script
**           sends to the one of the kind the module gives: the portable
**           core (pthread_t ids) takes no id it never gave out.
**   many    COUNT helpers ask the module for their ids (each running
**           the state in turn while the Lua thread waits) and stay
**           alive; the Lua thread sends signal 0 to each id, again once
**           they have all ended, and to COUNT/10 new ones: prints how
**           many pthread_kill took each time. The portable core takes
**           ids of at most 1024 live threads.
**   latency Lua spins in a worker; another thread sends SIGUSR1 COUNT
**           times each to the Lua thread, to a helper that computes and
**           to a helper that sleeps, in turn, and prints the median and
**           p99 of send-to-handler time for each. SIGUSR2, taken in the
**           same turns, is the plain C baseline: a sigaction handler
**           that stamps on the Lua thread and elsewhere queues a copy to
**           it, as the module does. A third argument "pinned" puts the
**           sender and the helpers on one CPU and the Lua thread on
**           another, so that every path crosses between CPUs once.
**
** In main and worker modes a child process it forks storms it with
** COUNT SIGRTMIN and COUNT SIGUSR1 (sigqueue, retried while the queue
** is full). The host exits 0 only if every SIGRTMIN was handled, at
** least one and at most COUNT SIGUSR1 were, and every handler ran on
** the Lua thread. A third argument "lossy" (for ThreadSanitizer, which
** merges queued signals) asks only that some of each kind were handled.
** LUA_CPATH/LUA_PATH find the module.
*/

#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

#define NHELPERS 4

static const char *mode;
static long count;
static int lossy;  /* ThreadSanitizer merges queued signals: count none */
static int withinfo;  /* info mode */
static int chandler;  /* waitpid: the case with the host's C handler */
static int pinned;  /* latency: sender and helpers on cpus[0], Lua on cpus[1] */
static int cpus[2];
static int ready_pipe[2];
static atomic_int stop_helpers;
static atomic_int helper_tid;
static atomic_llong stamp_ns;


static long long now_ns (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}


/* In pinned latency runs, binds the calling thread to cpus[which]. */
static void pin (int which) {
  cpu_set_t set;
  if (!pinned) return;
  CPU_ZERO(&set);
  CPU_SET(cpus[which], &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) perror("pin");
}


/* Picks the first two CPUs this process may use; 0 if it has one. */
static int pickcpus (void) {
  cpu_set_t set;
  int c, n = 0;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  for (c = 0; c < CPU_SETSIZE && n < 2; c++)
    if (CPU_ISSET(c, &set)) cpus[n++] = c;
  return n == 2;
}


static void *helper (void *arg) {
  (void)arg;
  pin(0);
  atomic_store(&helper_tid, (int)syscall(SYS_gettid));
  while (!atomic_load(&stop_helpers)) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  return NULL;
}


static atomic_int lua_tid;

static int l_ready (lua_State *L) {
  (void)L;
  atomic_store(&lua_tid, (int)syscall(SYS_gettid));
  if (write(ready_pipe[1], "r", 1) != 1) perror("ready");
  return 0;
}


/* The handler writes to this pipe after its stamp: the sender waits
** on it without taking a CPU from the threads it measures. */
static int stamp_pipe[2];

static void stamp (void) {
  atomic_store(&stamp_ns, now_ns());
  if (write(stamp_pipe[1], "s", 1) != 1) abort();
}


static int l_stamp (lua_State *L) {
  (void)L;
  stamp();
  return 0;
}


/* The plain C baseline of the module's path, for SIGUSR2: stamps on
** the Lua thread; on any other thread queues a tagged copy to it with
** rt_tgsigqueueinfo, as the module's handler queues its wake-up. */
static const char c_tag = 0;

static void c_handler (int signo, siginfo_t *info, void *context) {
  int saved_errno = errno;
  (void)info;
  (void)context;
  if ((int)syscall(SYS_gettid) == atomic_load(&lua_tid))
    stamp();
  else {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = signo;
    si.si_code = SI_QUEUE;
    si.si_pid = getpid();
    si.si_uid = getuid();
    si.si_value.sival_ptr = (void *)&c_tag;
    syscall(SYS_rt_tgsigqueueinfo, getpid(), atomic_load(&lua_tid), signo,
            &si);
  }
  errno = saved_errno;
}


/* The thread that runs the state now, set by the host before each call
** into it, as the kernel's id (what signal.pthread_self gives on Linux)
** and as its pthread_t (what it gives in a portable build): a handler
** that runs at the first instruction after a move is on the right
** thread, though the script has not run a line there yet. */
static atomic_int state_tid;
static _Atomic(uintptr_t) state_pthread;

static void runhere (void) {
  atomic_store(&state_tid, (int)syscall(SYS_gettid));
  atomic_store(&state_pthread, (uintptr_t)pthread_self());
}

static int l_host_thread (lua_State *L) {
  lua_pushinteger(L, atomic_load(&state_tid));
  lua_pushinteger(L, (lua_Integer)atomic_load(&state_pthread));
  return 2;
}


static int l_now (lua_State *L) {
  lua_pushnumber(L, (lua_Number)now_ns() / 1e9);
  return 1;
}


/* Storm: the Lua code counts what it handles and where. */
static const char storm_script[] =
  "local count, ready, now, lossy, rtmin, withinfo = ...\n"
  "local signal = require 'signal'\n"
  "local rt, usr1, elsewhere, disorder, top, bad, dropped, seen = 0, 0, 0, 0, 0, 0, 0, {}\n"
  "local function where() local me = signal.pthread_self(); local a, b = host_thread(); if me ~= a and me ~= b then elsewhere = elsewhere + 1 end end\n"
  "-- by number: a portable build (PORTABLE=1) names no real-time signal\n"
  "if withinfo then\n"
  "  signal.signal(rtmin, function(_, info)\n"
  "    rt = rt + 1; where()\n"
  "    local v = info.si_value\n"
  "    if info.dropped then dropped = dropped + 1\n"
  "    elseif seen[v] then bad = bad + 1 else seen[v] = true end\n"
  "    if v and v < top then disorder = disorder + 1 end\n"
  "    if v and v > top then top = v end\n"
  "  end)\n"
  "else\n"
  "  signal.signal(rtmin, function() rt = rt + 1; where() end)\n"
  "end\n"
  "signal.signal('SIGUSR1', function() usr1 = usr1 + 1; where() end)\n"
  "local deadline = now() + (lossy and 5 or 120)\n"
  "local t, depth = {}, 0\n"
  "local function deep(n) if n > 0 then return deep(n - 1) + 1 end return 0 end\n"
  "-- busy Lua work on the calling OS thread until 'stop' SIGRTMIN ran\n"
  "local function part(stop)\n"
  "  signal.check()  -- after a move, the module follows the state here\n"
  "  while rt < stop and now() < deadline do\n"
  "    local gen = coroutine.wrap(function() for i = 1, 50 do coroutine.yield(i) end end)\n"
  "    for _ = 1, 50 do t[#t % 100 + 1] = { gen() } end\n"
  "    depth = depth % 150 + 7\n"
  "    deep(depth)  -- grows the call stack, which a collection shrinks\n"
  "    collectgarbage('step', 1)\n"
  "  end\n"
  "end\n"
  "local function finish()\n"
  "  signal.sleep(0.1)  -- the last standard signal may still be on its way\n"
  "  if withinfo then\n"
  "    local missing = 0\n"
  "    for i = 1, count do if not seen[i] then missing = missing + 1 end end\n"
  "    if missing > dropped then bad = bad + missing - dropped end\n"
  "  end\n"
  "  return rt, usr1, elsewhere, disorder, bad, dropped\n"
  "end\n"
  "ready()\n"
  "return part, finish\n";


/* Latency: Lua spins; the handler stamps the time. */
static const char latency_script[] =
  "local count, ready, stamp = ...\n"
  "local signal = require 'signal'\n"
  "local n = 0\n"
  "signal.signal('SIGUSR1', function() n = n + 1; stamp() end)\n"
  "ready()\n"
  "local function part(stop) local x = 0; while n < stop do x = x + 1 end end\n"
  "return part, function() return n, 0, 0, 0, 0 end\n";


/* sigwait: the Lua thread waits for SIGUSR2 with SIGUSR1 in the set
** too, blocked, while SIGUSR1's handler is the module's. */
static const char sigwait_script[] =
  "local count, ready = ...\n"
  "local signal = require 'signal'\n"
  "local n = 0\n"
  "signal.signal('SIGUSR1', function() n = n + 1 end)\n"
  "signal.pthread_sigmask(signal.SIG_BLOCK, { 'SIGUSR1', 'SIGUSR2' })\n"
  "ready()\n"
  "local function part()\n"
  "  local set = { 'SIGUSR1', 'SIGUSR2' }\n"
  "  -- a portable build (PORTABLE=1) has sigwait only, as macOS\n"
  "  local got = signal.sigwaitinfo and signal.sigwaitinfo(set).si_signo or signal.sigwait(set)\n"
  "  print(('handled %d, the wait returned %d'):format(n, got))\n"
  "end\n"
  "return part, function() return n, 0, 0, 0, 0 end\n";


static pid_t sender;  /* the storm's sender, in main, worker and move */
static int sender_status;

static int lua_result[6];
static int lua_failed;
static lua_State *LS;


static int report (lua_State *L, int status) {
  if (status != LUA_OK) {
    fprintf(stderr, "lua: %s\n", lua_tostring(L, -1));
    lua_failed = 1;
  }
  return status == LUA_OK;
}


/* Makes the state and runs the script's set-up; leaves what the
** script returned (part, finish) in the registry. */
static void *setup (void *arg) {
  int latency = (int)(intptr_t)arg;
  runhere();
  LS = luaL_newstate();
  luaL_openlibs(LS);
  lua_register(LS, "host_thread", l_host_thread);
  const char *script = latency == 2 ? sigwait_script
                     : latency ? latency_script : storm_script;
  if (!report(LS, luaL_loadstring(LS, script)))
    return NULL;
  lua_pushinteger(LS, count);
  lua_pushcfunction(LS, l_ready);
  lua_pushcfunction(LS, latency ? l_stamp : l_now);
  lua_pushboolean(LS, lossy);
  lua_pushinteger(LS, SIGRTMIN);
  lua_pushboolean(LS, withinfo);
  if (report(LS, lua_pcall(LS, 6, 2, 0))) {
    lua_setfield(LS, LUA_REGISTRYINDEX, "finish");
    lua_setfield(LS, LUA_REGISTRYINDEX, "part");
  }
  return NULL;
}


/* part(stop) on the calling thread. */
static void *part (void *arg) {
  if (lua_failed) return NULL;
  runhere();
  lua_getfield(LS, LUA_REGISTRYINDEX, "part");
  lua_pushinteger(LS, (lua_Integer)(intptr_t)arg);
  report(LS, lua_pcall(LS, 1, 0, 0));
  return NULL;
}


static void *finish (void *arg) {
  (void)arg;
  runhere();
  if (!lua_failed) {
    lua_getfield(LS, LUA_REGISTRYINDEX, "finish");
    if (report(LS, lua_pcall(LS, 0, 6, 0))) {
      int i;
      for (i = 0; i < 6; i++)
        lua_result[i] = (int)lua_tointeger(LS, i - 6);
    }
  }
  /* the sender may still be sending (its last SIGUSR1s come after its
  ** last SIGRTMIN): closing first would put back SIG_DFL under it */
  if (sender > 0) waitpid(sender, &sender_status, 0);
  lua_close(LS);
  return NULL;
}


/* The whole storm run on one thread: main and worker modes. */
static void *run_lua (void *arg) {
  setup(arg);
  part((void *)(intptr_t)count);
  return finish(NULL);
}


/* The paths a latency sample takes. */
enum { TO_LUA, VIA_BUSY, VIA_SLEEPER, NPATHS };


static void *latency_lua (void *arg) {
  (void)arg;
  pin(1);
  setup((void *)1);
  part((void *)(intptr_t)(NPATHS * count + 1));
  return finish(NULL);
}


static void *sigwait_lua (void *arg) {
  (void)arg;
  setup((void *)2);
  part(NULL);
  return finish(NULL);
}


/* move mode: the state starts on one thread, which ends half way; a
** second thread takes it over. */
static void *first_half (void *arg) {
  (void)arg;
  setup(NULL);
  return part((void *)(intptr_t)(count / 2));
}


static void *second_half (void *arg) {
  (void)arg;
  part((void *)(intptr_t)count);
  return finish(NULL);
}


static void wait_ready (void) {
  char c;
  while (read(ready_pipe[0], &c, 1) < 0 && errno == EINTR) { }
}


/* The storm sender, a child process: never signals anything but its
** parent, and stops if the parent is gone. */
static void storm (pid_t parent) {
  union sigval v;
  long i;
  int k, sigs[2];
  sigs[0] = SIGRTMIN;
  sigs[1] = SIGUSR1;
  memset(&v, 0, sizeof v);
  wait_ready();
  for (i = 0; i < count; i++) {
    v.sival_int = (int)(i + 1);  /* the i-th of each carries i */
    for (k = 0; k < 2; k++) {
      while (sigqueue(parent, sigs[k], v) != 0) {
        if (errno != EAGAIN || getppid() != parent) _exit(1);
        sched_yield();
      }
    }
  }
  _exit(0);
}


static int readable (int fd, int ms) {
  struct pollfd pfd;
  int r;
  pfd.fd = fd;
  pfd.events = POLLIN;
  while ((r = poll(&pfd, 1, ms)) < 0 && errno == EINTR) { }
  return r > 0;
}


static long long sample (pid_t tid, int signo) {
  long long t0;
  char c;
  struct timespec pause = {0, 200000};
  atomic_store(&stamp_ns, 0);
  t0 = now_ns();
  syscall(SYS_tgkill, getpid(), tid, signo);
  if (!readable(stamp_pipe[0], 5000)) {
    fprintf(stderr, "latency: no handler ran within 5 s\n");
    _exit(1);
  }
  while (read(stamp_pipe[0], &c, 1) < 0 && errno == EINTR) { }
  nanosleep(&pause, NULL);
  return atomic_load(&stamp_ns) - t0;
}


static int cmp (const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return (x > y) - (x < y);
}


static long long at (long long *v, double q) {
  return v[(size_t)(q * (double)(count - 1))];
}


static atomic_int spinner_tid;

/* A helper that computes, as a busy worker of the host would. */
static void *spinner (void *arg) {
  volatile unsigned long n = 0;
  (void)arg;
  pin(0);
  atomic_store(&spinner_tid, (int)syscall(SYS_gettid));
  while (!atomic_load(&stop_helpers)) n++;
  return NULL;
}


static const char *const path_name[NPATHS] = {
  "to the Lua thread", "via a computing helper", "via a sleeping helper"
};

static const char *const path_key[NPATHS] = { "lua", "busy", "sleep" };


/*
** SIGUSR1 (the module) and SIGUSR2 (plain C) sent with tgkill to the
** Lua thread (which spins in Lua), to a helper that computes, and to
** a helper that sleeps, all six taken in turns so that all see the
** same machine. The computing helper shows what the wake-up costs;
** the sleeping one must first be woken by the kernel, as it would be
** for any handler. Unpinned, the scheduler often keeps the sender
** and the Lua thread on one CPU, where a direct delivery never crosses
** between CPUs and one via a helper crosses twice: plain C's ratio
** shows what that costs the machine.
*/
static int latency (void) {
  pthread_t lua, sleeper, busy;
  long long *v[2][NPATHS];
  pid_t tid[NPATHS];
  double p50[2][NPATHS], p99[2][NPATHS];
  struct sigaction sa;
  long i;
  int k, p;
  if (pinned && !pickcpus()) {
    fprintf(stderr, "pinned: this process may use only one CPU\n");
    return 2;
  }
  for (k = 0; k < 2; k++)
    for (p = 0; p < NPATHS; p++)
      if ((v[k][p] = malloc(sizeof(long long) * (size_t)count)) == NULL)
        return 2;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = c_handler;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  if (pipe(stamp_pipe) != 0 || sigaction(SIGUSR2, &sa, NULL) != 0)
    return 2;
  pin(0);
  pthread_create(&sleeper, NULL, helper, NULL);
  pthread_create(&busy, NULL, spinner, NULL);
  pthread_create(&lua, NULL, latency_lua, NULL);
  wait_ready();
  while (atomic_load(&helper_tid) == 0 || atomic_load(&spinner_tid) == 0)
    sched_yield();
  tid[TO_LUA] = atomic_load(&lua_tid);
  tid[VIA_BUSY] = atomic_load(&spinner_tid);
  tid[VIA_SLEEPER] = atomic_load(&helper_tid);
  for (i = 0; i < count; i++)
    for (p = 0; p < NPATHS; p++)
      for (k = 0; k < 2; k++)
        v[k][p][i] = sample(tid[p], k == 0 ? SIGUSR1 : SIGUSR2);
  sample(tid[TO_LUA], SIGUSR1);  /* the Lua loop ends only now */
  pthread_join(lua, NULL);
  atomic_store(&stop_helpers, 1);
  pthread_join(sleeper, NULL);
  pthread_join(busy, NULL);
  for (k = 0; k < 2; k++)
    for (p = 0; p < NPATHS; p++) {
      qsort(v[k][p], (size_t)count, sizeof(long long), cmp);
      p50[k][p] = (double)at(v[k][p], 0.5) / 1e3;
      p99[k][p] = (double)at(v[k][p], 0.99) / 1e3;
      free(v[k][p]);
    }
  printf("%s, %ld samples of each\n", pinned
         ? "sender and helpers on one CPU, the Lua thread on another"
         : "threads placed by the scheduler", count);
  for (p = 0; p < NPATHS; p++)
    printf("latency %s: p50 %.1f us, p99 %.1f us; plain C p50 %.1f us, "
           "p99 %.1f us\n", path_name[p], p50[0][p], p99[0][p], p50[1][p],
           p99[1][p]);
  printf("ratio computing helper/Lua thread: p50 %.2f, p99 %.2f; plain C "
         "p50 %.2f, p99 %.2f\n", p50[0][VIA_BUSY] / p50[0][TO_LUA],
         p99[0][VIA_BUSY] / p99[0][TO_LUA], p50[1][VIA_BUSY] / p50[1][TO_LUA],
         p99[1][VIA_BUSY] / p99[1][TO_LUA]);
  for (k = 0; k < 2; k++)
    for (p = 0; p < NPATHS; p++)
      printf("%s%s_p50=%.1f %s%s_p99=%.1f ", k ? "c_" : "", path_key[p],
             p50[k][p], k ? "c_" : "", path_key[p], p99[k][p]);
  printf("\n");
  return lua_failed;
}


/*
** sigwait mode: a SIGUSR1 sent to a helper is counted there and wakes
** the Lua thread, which waits in sigwaitinfo({SIGUSR1, SIGUSR2}): the
** wait must pass over the wake-up and run the handler, then return the
** SIGUSR2 sent to the Lua thread afterwards.
*/
static int sigwait_mode (void) {
  pthread_t lua, other;
  struct timespec settle = {0, 300000000};
  pthread_create(&other, NULL, helper, NULL);
  pthread_create(&lua, NULL, sigwait_lua, NULL);
  wait_ready();
  while (atomic_load(&helper_tid) == 0) sched_yield();
  syscall(SYS_tgkill, getpid(), atomic_load(&helper_tid), SIGUSR1);
  nanosleep(&settle, NULL);
  syscall(SYS_tgkill, getpid(), atomic_load(&lua_tid), SIGUSR2);
  pthread_join(lua, NULL);
  atomic_store(&stop_helpers, 1);
  pthread_join(other, NULL);
  return lua_failed;
}


/*
** {======================================================
** waitpid and tkill modes
** =======================================================
*/

static atomic_int in_wait;  /* the Lua thread is in a timed case */

/* forkchild(ms): a child that sleeps ms and exits 7, forked by a
** thread that exits at once, so the child is reparented to another
** thread of this process, which then gets its SIGCHLD. */
static void *forker (void *arg) {
  int ms = (int)(intptr_t)arg;
  pid_t pid = fork();
  if (pid == 0) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
    _exit(7);
  }
  return (void *)(intptr_t)pid;
}

static int l_forkchild (lua_State *L) {
  pthread_t t;
  void *pid;
  pthread_create(&t, NULL, forker, (void *)(intptr_t)luaL_checkinteger(L, 1));
  pthread_join(t, &pid);
  lua_pushinteger(L, (lua_Integer)(intptr_t)pid);
  return 1;
}

static int l_timing (lua_State *L) {
  atomic_store(&in_wait, lua_toboolean(L, 1));
  return 0;
}

static void host_chld (int signo) { (void)signo; }

/* The host's own C handler for SIGCHLD. */
static int l_hostchld (lua_State *L) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = host_chld;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  lua_pushboolean(L, sigaction(SIGCHLD, &sa, NULL) == 0);
  return 1;
}

static const char waitpid_script[] =
  "local count, forkchild, timing, hostchld, now, chandler = ...\n"
  "local signal = require 'signal'\n"
  "local rescued = 0\n"
  "signal.signal('SIGUSR2', function() rescued = rescued + 1 end)\n"
  "local function case(name, which)\n"
  "  local worst = 0\n"
  "  for _ = 1, count do\n"
  "    local pid = forkchild(200)\n"
  "    local t0 = now()\n"
  "    timing(true)\n"
  "    local got, how, code = signal.waitpid(which == -1 and -1 or pid)\n"
  "    timing(false)\n"
  "    local dt = now() - t0\n"
  "    assert(got == pid and how == 'exit' and code == 7, tostring(got) .. ' ' .. tostring(how))\n"
  "    if dt > worst then worst = dt end\n"
  "  end\n"
  "  print(('%s: %d children, longest wait %.2f s'):format(name, count, worst))\n"
  "end\n"
  "if chandler then\n"
  "  assert(hostchld())\n"
  "  case('waitpid(pid) with a C handler', 0)\n"
  "else\n"
  "  case('waitpid(pid)', 0)\n"
  "  case('waitpid(-1)', -1)\n"
  "end\n"
  "print(('watchdog rescues: %d'):format(rescued))\n";

static void *waitpid_lua (void *arg) {
  lua_State *L = luaL_newstate();
  (void)arg;
  atomic_store(&lua_tid, (int)syscall(SYS_gettid));
  luaL_openlibs(L);
  if (!report(L, luaL_loadstring(L, waitpid_script))) return NULL;
  lua_pushinteger(L, count);
  lua_pushcfunction(L, l_forkchild);
  lua_pushcfunction(L, l_timing);
  lua_pushcfunction(L, l_hostchld);
  lua_pushcfunction(L, l_now);
  lua_pushboolean(L, chandler);
  report(L, lua_pcall(L, 6, 0, 0));
  lua_close(L);
  return NULL;
}

/* Every 5 s, a handled SIGUSR2 to the Lua thread if it is waiting. */
static void *watchdog (void *arg) {
  (void)arg;
  while (!atomic_load(&stop_helpers)) {
    struct timespec ts = {0, 10000000};
    int i;
    for (i = 0; i < 500 && !atomic_load(&stop_helpers); i++)
      nanosleep(&ts, NULL);
    if (atomic_load(&in_wait))
      syscall(SYS_tgkill, getpid(), atomic_load(&lua_tid), SIGUSR2);
  }
  return NULL;
}

static int waitpid_mode (void) {
  pthread_t helpers[NHELPERS], lua, dog;
  int i;
  for (i = 0; i < NHELPERS; i++)
    pthread_create(&helpers[i], NULL, helper, NULL);
  pthread_create(&dog, NULL, watchdog, NULL);
  pthread_create(&lua, NULL, waitpid_lua, NULL);
  pthread_join(lua, NULL);
  atomic_store(&stop_helpers, 1);
  pthread_join(dog, NULL);
  for (i = 0; i < NHELPERS; i++)
    pthread_join(helpers[i], NULL);
  return lua_failed;
}


/* tkill mode: 'asker' runs the state a moment, when the Lua thread
** asks, to get its own id from the module; 'silent' never asks. */
static pthread_t asker, silent;
static lua_State *tkill_L;
static atomic_int ask;  /* 1: the asker is to run the state; 2: it did */
static atomic_int stop_asker;
static _Atomic(lua_Integer) asker_id;
static atomic_int silent_tid;
static _Atomic(uintptr_t) silent_pthread;

static void nap (void) {
  struct timespec ts = {0, 1000000};
  nanosleep(&ts, NULL);
}

static void *asker_main (void *arg) {
  (void)arg;
  while (atomic_load(&ask) != 1 && !atomic_load(&stop_asker)) nap();
  if (atomic_load(&ask) == 1) {
    /* the Lua thread waits in l_helperid meanwhile: one at a time */
    lua_State *L = tkill_L;
    lua_getfield(L, LUA_REGISTRYINDEX, "threadid");
    if (lua_pcall(L, 0, 1, 0) == LUA_OK)
      atomic_store(&asker_id, lua_tointeger(L, -1));
    else
      fprintf(stderr, "asker: %s\n", lua_tostring(L, -1));
    lua_pop(L, 1);
    atomic_store(&ask, 2);
  }
  while (!atomic_load(&stop_asker)) nap();
  return NULL;
}

static void *silent_main (void *arg) {
  (void)arg;
  atomic_store(&silent_pthread, (uintptr_t)pthread_self());
  atomic_store(&silent_tid, (int)syscall(SYS_gettid));
  while (!atomic_load(&stop_helpers)) nap();
  return NULL;
}

/* helperid(): the asker's id, as the module gave it to the asker. */
static int l_helperid (lua_State *L) {
  atomic_store(&ask, 1);
  while (atomic_load(&ask) != 2) nap();
  lua_pushinteger(L, atomic_load(&asker_id));
  return 1;
}

/* ownids(), silentids(): the kernel's id and the pthread_t. */
static int l_ownids (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)syscall(SYS_gettid));
  lua_pushinteger(L, (lua_Integer)(uintptr_t)pthread_self());
  return 2;
}

static int l_silentids (lua_State *L) {
  while (atomic_load(&silent_tid) == 0) sched_yield();
  lua_pushinteger(L, atomic_load(&silent_tid));
  lua_pushinteger(L, (lua_Integer)atomic_load(&silent_pthread));
  return 2;
}

static int l_endhelper (lua_State *L) {
  (void)L;
  atomic_store(&stop_asker, 1);
  pthread_join(asker, NULL);
  return 0;
}

static const char tkill_script[] =
  "local helperid, endhelper, silentids, ownids = ...\n"
  "local signal = require 'signal'\n"
  "local ran, where = 0, nil\n"
  "signal.signal('SIGUSR1', function() ran = ran + 1; where = signal.pthread_self() end)\n"
  "debug.getregistry().threadid = signal.pthread_self\n"
  "-- the kind of id the module gives: the kernel's (Linux) or the\n"
  "-- pthread_t (a portable build)\n"
  "local me, tid, pt = signal.pthread_self(), ownids()\n"
  "assert(me == tid or me == pt, 'an id of neither kind')\n"
  "local id = helperid()\n"
  "assert(id ~= 0 and id ~= me)\n"
  "signal.pthread_kill(id, 'SIGUSR1')\n"
  "for _ = 1, 500 do if ran > 0 then break end signal.sleep(0.01) end\n"
  "print(('to a helper: handler ran %d, on the Lua thread: %s'):format(ran, tostring(where == me)))\n"
  "local stid, spt = silentids()\n"
  "local ok, err = pcall(signal.pthread_kill, me == tid and stid or spt, 0)\n"
  "print('to a helper that never asked: ' .. (ok and 'sent' or err))\n"
  "endhelper()\n"
  "print('to an exited helper: ' .. select(2, pcall(signal.pthread_kill, id, 'SIGUSR1')))\n";

static void *tkill_lua (void *arg) {
  lua_State *L = luaL_newstate();
  (void)arg;
  tkill_L = L;
  luaL_openlibs(L);
  if (!report(L, luaL_loadstring(L, tkill_script))) return NULL;
  lua_pushcfunction(L, l_helperid);
  lua_pushcfunction(L, l_endhelper);
  lua_pushcfunction(L, l_silentids);
  lua_pushcfunction(L, l_ownids);
  report(L, lua_pcall(L, 4, 0, 0));
  lua_close(L);
  return NULL;
}

static int tkill_mode (void) {
  pthread_t lua;
  pthread_create(&asker, NULL, asker_main, NULL);
  pthread_create(&silent, NULL, silent_main, NULL);
  pthread_create(&lua, NULL, tkill_lua, NULL);
  pthread_join(lua, NULL);
  if (!atomic_load(&stop_asker)) {  /* the script failed early */
    atomic_store(&stop_asker, 1);
    pthread_join(asker, NULL);
  }
  atomic_store(&stop_helpers, 1);
  pthread_join(silent, NULL);
  return lua_failed;
}

/* }====================================================== */


/*
** {======================================================
** many mode
** =======================================================
*/

static lua_State *many_L;
static pthread_mutex_t many_lock = PTHREAD_MUTEX_INITIALIZER;
static int many_pipe[2];  /* closed to end the helpers */
static pthread_t *many_threads;
static lua_Integer *many_ids;
static atomic_long many_asked;
static long many_n;

static void *many_main (void *arg) {
  long i = (long)(intptr_t)arg;
  char c;
  pthread_mutex_lock(&many_lock);  /* the state, one thread at a time */
  lua_getfield(many_L, LUA_REGISTRYINDEX, "threadid");
  if (lua_pcall(many_L, 0, 1, 0) == LUA_OK)
    many_ids[i] = lua_tointeger(many_L, -1);
  lua_pop(many_L, 1);
  pthread_mutex_unlock(&many_lock);
  atomic_fetch_add(&many_asked, 1);
  while (read(many_pipe[0], &c, 1) < 0 && errno == EINTR) { }
  return NULL;
}

/* start(n): n helpers, alive until stop(); returns their ids. */
static int l_start (lua_State *L) {
  pthread_attr_t attr;
  long i, n = (long)luaL_checkinteger(L, 1);
  if (pipe(many_pipe) != 0) return luaL_error(L, "pipe failed");
  many_threads = calloc((size_t)n, sizeof *many_threads);
  many_ids = calloc((size_t)n, sizeof *many_ids);
  if (many_threads == NULL || many_ids == NULL)
    return luaL_error(L, "no memory");
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 1 << 20);
  atomic_store(&many_asked, 0);
  for (many_n = 0; many_n < n; many_n++)
    if (pthread_create(&many_threads[many_n], &attr, many_main,
                       (void *)(intptr_t)many_n) != 0)
      break;
  pthread_attr_destroy(&attr);
  while (atomic_load(&many_asked) < many_n) nap();
  pthread_mutex_lock(&many_lock);  /* their writes to many_ids are seen */
  lua_createtable(L, (int)many_n, 0);
  for (i = 0; i < many_n; i++) {
    lua_pushinteger(L, many_ids[i]);
    lua_rawseti(L, -2, i + 1);
  }
  pthread_mutex_unlock(&many_lock);
  return 1;
}

static int l_stop (lua_State *L) {
  long i;
  (void)L;
  close(many_pipe[1]);
  for (i = 0; i < many_n; i++) pthread_join(many_threads[i], NULL);
  close(many_pipe[0]);
  free(many_threads);
  free(many_ids);
  many_n = 0;
  return 0;
}

static const char many_script[] =
  "local count, start, stop = ...\n"
  "local signal = require 'signal'\n"
  "debug.getregistry().threadid = signal.pthread_self\n"
  "signal.pthread_self()  -- this thread's id too\n"
  "local function taken(ids)\n"
  "  local n = 0\n"
  "  for _, id in ipairs(ids) do if pcall(signal.pthread_kill, id, 0) then n = n + 1 end end\n"
  "  return n\n"
  "end\n"
  "local ids = start(count)\n"
  "assert(#ids == count, 'only ' .. #ids .. ' threads')\n"
  "local alive = taken(ids)\n"
  "stop()\n"
  "local ended = taken(ids)\n"
  "local again = start(count // 10)\n"
  "local anew = taken(again)\n"
  "stop()\n"
  "print(('alive %d: %d taken; ended: %d taken; again %d: %d taken'):format(count, alive, ended, #again, anew))\n";

static int many_mode (void) {
  lua_State *L = luaL_newstate();
  many_L = L;
  luaL_openlibs(L);
  if (report(L, luaL_loadstring(L, many_script))) {
    lua_pushinteger(L, count);
    lua_pushcfunction(L, l_start);
    lua_pushcfunction(L, l_stop);
    report(L, lua_pcall(L, 3, 0, 0));
  }
  lua_close(L);
  return lua_failed;
}

/* }====================================================== */


int main (int argc, char **argv) {
  pthread_t helpers[NHELPERS], lua;
  pid_t parent = getpid(), child;
  int i, status, ok;
  if (argc < 3) {
    fprintf(stderr, "usage: host_threads main|worker|info|move|sigwait|waitpid|tkill|many|latency COUNT [lossy|pinned|chandler]\n");
    return 2;
  }
  mode = argv[1];
  count = strtol(argv[2], NULL, 10);
  lossy = argc > 3 && strcmp(argv[3], "lossy") == 0;
  pinned = argc > 3 && strcmp(argv[3], "pinned") == 0;
  withinfo = strcmp(mode, "info") == 0;
  chandler = argc > 3 && strcmp(argv[3], "chandler") == 0;
  if (pipe(ready_pipe) != 0) return 2;
  if (strcmp(mode, "latency") == 0) return latency();
  if (strcmp(mode, "sigwait") == 0) return sigwait_mode();
  if (strcmp(mode, "waitpid") == 0) return waitpid_mode();
  if (strcmp(mode, "tkill") == 0) return tkill_mode();
  if (strcmp(mode, "many") == 0) return many_mode();
  child = fork();
  if (child == 0) storm(parent);
  sender = child;
  for (i = 0; i < NHELPERS; i++)
    pthread_create(&helpers[i], NULL, helper, NULL);
  if (strcmp(mode, "worker") == 0 || withinfo) {
    pthread_create(&lua, NULL, run_lua, NULL);
    pthread_join(lua, NULL);
  }
  else if (strcmp(mode, "move") == 0) {
    pthread_create(&lua, NULL, first_half, NULL);
    pthread_join(lua, NULL);
    pthread_create(&lua, NULL, second_half, NULL);
    pthread_join(lua, NULL);
  }
  else
    run_lua(NULL);
  atomic_store(&stop_helpers, 1);
  for (i = 0; i < NHELPERS; i++)
    pthread_join(helpers[i], NULL);
  status = sender_status;
  ok = !lua_failed && (lua_result[0] == count || (lossy && lua_result[0] > 0))
       && lua_result[1] >= 1
       && lua_result[1] <= count && lua_result[2] == 0
       && (lua_result[4] == 0 || lossy)
       && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  printf("%s %s: SIGRTMIN %d of %ld, SIGUSR1 %d of %ld, %d off the Lua "
         "thread, %d out of order, %d missing or repeated, %d without "
         "info, sender %s\n",
         ok ? "ok" : "FAIL", mode, lua_result[0], count, lua_result[1],
         count, lua_result[2], lua_result[3], lua_result[4], lua_result[5],
         WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "done" : "failed");
  return ok ? 0 : 1;
}
