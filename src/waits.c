/*
** Masks and waits: pthread_sigmask, sigpending, the sigwait family,
** pause and the blocked() scope.
*/

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


/* Seconds as a timespec, for the waits here and sleep's rest. */
struct timespec lsig_timespec (double seconds) {
  struct timespec ts;
  if (seconds > 1e9) seconds = 1e9;  /* decades: as good as forever */
  ts.tv_sec = (time_t)seconds;
  ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
  return ts;
}


/*
** Waits until a signal with a Lua handler arrives or 'timeout' seconds
** pass (negative: no limit). The handled signals stay blocked between
** the look at the pending flag and the wait, and the wait unblocks
** them atomically, so a delivery just before it is never slept
** through. Handlers are not run here: the caller dispatches with the
** program's own mask back in place.
*/
int lsig_wait (double timeout) {
  sigset_t handled, old;
  lsig_handledset(&handled);
  pthread_sigmask(SIG_BLOCK, &handled, &old);
  if (!lsig_haspending()) {
    if (timeout < 0)
      sigsuspend(&old);
    else
      lsig_timedsuspend(&old, timeout);
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return lsig_haspending();
}


static int sig_pause (lua_State *L) {
  lsig_audit(L);
  lsig_wait(-1);
  lsig_dispatch(L);
  return 0;
}


static int checkhow (lua_State *L, int arg) {
  lua_Integer how = luaL_checkinteger(L, arg);
  luaL_argcheck(L, how == SIG_BLOCK || how == SIG_UNBLOCK
                   || how == SIG_SETMASK, arg,
                "how must be SIG_BLOCK, SIG_UNBLOCK or SIG_SETMASK");
  return (int)how;
}


/* Handlers of the signals just unblocked have run when it returns. */
static int sig_pthread_sigmask (lua_State *L) {
  int how = checkhow(L, 1);
  sigset_t set, old;
  int err;
  lsig_checkset(L, 2, &set);
  err = pthread_sigmask(how, &set, &old);
  if (err != 0)
    return luaL_error(L, "pthread_sigmask: %s", strerror(err));
  lsig_pushset(L, &old);
  lsig_dispatch(L);
  return 1;
}


static int sig_sigpending (lua_State *L) {
  sigset_t set;
  if (sigpending(&set) != 0)
    return luaL_error(L, "sigpending: %s", strerror(errno));
  lsig_pushset(L, &set);
  return 1;
}


#if LSIG_HAVE_SIGWAITINFO

/* The same table a handler that takes info gets (siginfo.c). */
static int pushsiginfo (lua_State *L, const siginfo_t *info) {
  lsig_Info r;
  lsig_fillinfo(&r, info);
  lsig_pushinfo(L, info->si_signo, &r);
  return 1;
}

#endif


double lsig_monotonic (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


/*
** Shared by the sigwait family (timeout < 0: none); 0 on a timeout. A
** wait interrupted by another signal runs its handler, whose error
** ends the wait, and goes on for the time left (PEP 475). A wake-up
** the engine sent this thread is passed over: its delivery was counted
** where it landed, and runs here.
*/
static int waitinfo (lua_State *L, const sigset_t *set, double timeout,
                     siginfo_t *info) {
  double deadline = lsig_monotonic() + timeout;
  for (;;) {
    int signo;
    if (timeout < 0)
      signo = lsig_sigwait(set, info, NULL);
    else {
      double left = deadline - lsig_monotonic();
      struct timespec ts = lsig_timespec(left > 0 ? left : 0);
      signo = lsig_sigwait(set, info, &ts);
    }
    if (signo > 0 && !lsig_takewake(info))
      return 1;
    if (signo < 0 && errno == EAGAIN)
      return 0;
    if (signo < 0 && errno != EINTR)
      return luaL_error(L, "sigwaitinfo: %s", strerror(errno));
    lsig_dispatch(L);
  }
}


static int sig_sigwait (lua_State *L) {
  sigset_t set;
  siginfo_t info;
  lsig_checkset(L, 1, &set);
  waitinfo(L, &set, -1, &info);
  lua_pushinteger(L, info.si_signo);
  return 1;
}


#if LSIG_HAVE_SIGWAITINFO

static int sig_sigwaitinfo (lua_State *L) {
  sigset_t set;
  siginfo_t info;
  lsig_checkset(L, 1, &set);
  waitinfo(L, &set, -1, &info);
  return pushsiginfo(L, &info);
}


static int sig_sigtimedwait (lua_State *L) {
  sigset_t set;
  siginfo_t info;
  double timeout;
  lsig_checkset(L, 1, &set);
  timeout = luaL_checknumber(L, 2);
  luaL_argcheck(L, timeout >= 0 && !isnan(timeout), 2,
                "timeout must be non-negative");
  if (!waitinfo(L, &set, timeout, &info)) {
    luaL_pushfail(L);
    return 1;
  }
  return pushsiginfo(L, &info);
}

#endif


/*
** blocked(sigs): blocks sigs and returns a to-be-closed value that
** unblocks them again; handlers of what arrived meanwhile then run.
**
** Guards may be closed in any order (g:close() is public), so a guard
** cannot put back the whole mask it found: closing an outer guard
** first would unblock what an inner one still blocks, and closing the
** inner one last would put the outer one's signals back for good.
** Instead each OS thread (the mask is the thread's) counts, per
** signal, the open guards that block it, and remembers whether the
** signal was blocked before the first of them opened. A signal is
** unblocked when its last open guard closes, and only if it was not
** blocked before. A guard never closed stays open: its signals stay
** blocked, as they would with no count at all.
*/
#define BLOCKED_MT "signal.blocked"

typedef struct Blocked {
  int open;
  pthread_t thread;  /* whose mask and counts it changed */
  sigset_t set;
} Blocked;

typedef struct GuardCounts {
  unsigned count[LSIG_NSIG];  /* open guards that block each signal */
  sigset_t before;  /* blocked before the first of them opened */
} GuardCounts;

static _Thread_local GuardCounts guards;


static int sig_blocked (lua_State *L) {
  sigset_t set, current;
  Blocked *b;
  int signo;
  lsig_checkset(L, 1, &set);
  b = (Blocked *)lua_newuserdatauv(L, sizeof(Blocked), 0);
  b->open = 0;
  luaL_setmetatable(L, BLOCKED_MT);
  /* nothing below can fail: the set is valid and 'how' is */
  pthread_sigmask(SIG_BLOCK, &set, &current);  /* stack: guard */
  for (signo = 1; signo < LSIG_NSIG; signo++) {
    if (sigismember(&set, signo) != 1) continue;
    if (guards.count[signo]++ == 0) {
      /* blocked by the engine's backpressure (not the program): the
      ** engine leaves it to this guard to unblock */
      if (sigismember(&current, signo) == 1 && !lsig_isheld(signo))
        sigaddset(&guards.before, signo);
      else
        sigdelset(&guards.before, signo);
    }
  }
  b->thread = pthread_self();
  b->set = set;
  b->open = 1;
  return 1;
}


/* Does an open guard of the calling thread block signo? */
int lsig_guarded (int signo) {
  return guards.count[signo] > 0;
}


static int blocked_close (lua_State *L) {
  Blocked *b = (Blocked *)luaL_checkudata(L, 1, BLOCKED_MT);
  sigset_t unblock;
  int signo;
  if (!b->open) return 0;
  if (!pthread_equal(b->thread, pthread_self()))
    return luaL_error(L, "blocked: the guard belongs to another OS thread "
                         "(a thread's mask is its own)");
  b->open = 0;
  sigemptyset(&unblock);
  for (signo = 1; signo < LSIG_NSIG; signo++) {
    if (sigismember(&b->set, signo) != 1) continue;
    if (--guards.count[signo] == 0
        && sigismember(&guards.before, signo) != 1)
      sigaddset(&unblock, signo);
  }
  pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
  lsig_dispatch(L);
  return 0;
}


static int blocked_tostring (lua_State *L) {
  Blocked *b = (Blocked *)luaL_checkudata(L, 1, BLOCKED_MT);
  lua_pushstring(L, b->open ? "signal mask scope (open)"
                            : "signal mask scope (closed)");
  return 1;
}


static const luaL_Reg blocked_methods[] = {
  {"close", blocked_close},
  {NULL, NULL}
};


static const luaL_Reg blocked_meta[] = {
  {"__close", blocked_close},
  {"__index", NULL},  /* placeholder */
  {"__tostring", blocked_tostring},
  {NULL, NULL}
};


static const luaL_Reg waits_funcs[] = {
  {"blocked", sig_blocked},
  {"pause", sig_pause},
  {"pthread_sigmask", sig_pthread_sigmask},
  {"sigpending", sig_sigpending},
#if LSIG_HAVE_SIGWAITINFO
  {"sigtimedwait", sig_sigtimedwait},
#endif
  {"sigwait", sig_sigwait},
#if LSIG_HAVE_SIGWAITINFO
  {"sigwaitinfo", sig_sigwaitinfo},
#endif
  {NULL, NULL}
};


void lsig_open_waits (lua_State *L) {
  if (luaL_newmetatable(L, BLOCKED_MT)) {
    luaL_setfuncs(L, blocked_meta, 0);
    luaL_newlib(L, blocked_methods);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, waits_funcs, 0);
}
