/*
** Acts on processes and threads: kill, killpg, pidfds, pthread_kill,
** waitpid, and the identities Lua lacks (getpid, pthread_self).
** Sending a signal elsewhere fails as an ordinary outcome (the target
** exited), so these return fail, message, errno like os.remove.
*/

#define _GNU_SOURCE

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


/* A pid as pid_t, never truncated: 2^32 - 1 must not become -1. */
static pid_t checkpid (lua_State *L, int arg) {
  lua_Integer n = luaL_checkinteger(L, arg);
  luaL_argcheck(L, (lua_Integer)(pid_t)n == n, arg, "pid out of range");
  return (pid_t)n;
}


/* The same, for the platform's functions (pidfd_open). */
pid_t lsig_checkpid (lua_State *L, int arg) {
  return checkpid(L, arg);
}


static int sig_kill (lua_State *L) {
  pid_t pid = checkpid(L, 1);
  int signo = lsig_checksignal0(L, 2);
  return luaL_fileresult(L, kill(pid, signo) == 0, "kill");
}


static int sig_killpg (lua_State *L) {
  pid_t pgid = checkpid(L, 1);
  int signo = lsig_checksignal0(L, 2);
  return luaL_fileresult(L, killpg(pgid, signo) == 0, "killpg");
}


static int sig_getpid (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)getpid());
  return 1;
}


/*
** Thread ids. pthread_kill takes a pthread_t, a pointer in glibc and
** musl: an id of a thread that has exited, or any number passed by
** mistake (a pid, 0), makes it read freed or unmapped memory and crash
** the process. On Linux the ids are therefore the kernel's own, which
** the kernel checks; the portable core (posix.c) gives pthread_t values
** and takes back only those of live threads it gave out (the
** platform's lsig_threadself/lsig_threadkill).
*/
static int sig_pthread_self (lua_State *L) {
  lua_pushinteger(L, lsig_threadself());
  return 1;
}


/* Like raise_signal: a handler for a signal sent to this thread has
** run when it returns. An id that is not a live thread's of this
** process raises "pthread_kill: No such process", as Python's. */
static int sig_pthread_kill (lua_State *L) {
  lua_Integer id = luaL_checkinteger(L, 1);
  int signo = lsig_checksignal0(L, 2);
  int err = lsig_threadkill(id, signo);
  if (err != 0)
    return luaL_error(L, "pthread_kill: %s", strerror(err));
  lsig_dispatch(L);
  return 0;
}


/*
** sigqueue(pid, signum [, value]): POSIX sigqueue, the integer 'value'
** as sival_int (what a handler's info.si_value gives back). Where the
** platform has real-time signals (LSIG_HAVE_RTSIG: not macOS, which
** has no sigqueue, nor the portable core that stands for it).
*/
#if LSIG_HAVE_RTSIG

static int sig_sigqueue (lua_State *L) {
  pid_t pid = checkpid(L, 1);
  int signo = lsig_checksignal0(L, 2);
  lua_Integer v = luaL_optinteger(L, 3, 0);
  union sigval value;
  luaL_argcheck(L, INT_MIN <= v && v <= INT_MAX, 3, "value out of range");
  memset(&value, 0, sizeof value);
  value.sival_int = (int)v;
  return luaL_fileresult(L, sigqueue(pid, signo, value) == 0, "sigqueue");
}

#endif


/*
** {======================================================
** waitpid
** =======================================================
*/

/* Lua's os.execute convention: pid, "exit"|"signal", code; and
** "stopped", signal and "continued", SIGCONT for the other changes. */
static int pushstatus (lua_State *L, pid_t pid, int status) {
  lua_pushinteger(L, (lua_Integer)pid);
  if (WIFEXITED(status)) {
    lua_pushliteral(L, "exit");
    lua_pushinteger(L, WEXITSTATUS(status));
  }
  else if (WIFSIGNALED(status)) {
    lua_pushliteral(L, "signal");
    lua_pushinteger(L, WTERMSIG(status));
  }
  else if (WIFSTOPPED(status)) {
    lua_pushliteral(L, "stopped");
    lua_pushinteger(L, WSTOPSIG(status));
  }
  else {
    lua_pushliteral(L, "continued");
    lua_pushinteger(L, SIGCONT);
  }
  return 3;
}


/*
** Which thread a child's SIGCHLD reaches is the kernel's choice: the
** thread that forked the child if it does not block SIGCHLD, else any
** other that does not. A blocking waitpid must end whichever it is.
** - pid > 0, on Linux: the wait also polls a pidfd of the child, which
**   becomes readable when the child exits, whatever became of SIGCHLD
**   (delivered elsewhere, handled by a host's own C handler).
** - otherwise (pid -1, 0, < -1, or no pidfds), and for the stops and
**   continues that a pidfd does not report: SIGCHLD at SIG_DFL gets
**   the module's catcher for the length of the wait, and the catcher
**   forwards a SIGCHLD that lands on another thread to the waiting one.
**   A SIGCHLD handled in Lua wakes the Lua thread as every delivery
**   does. Only a host's own C handler for SIGCHLD, with a wait for
**   pid <= 0, is left to end the wait at the next delivery.
** One thread waits at a time in the forwarding sense: a second waiter
** takes the forwarding over, and the first is woken by its own turn.
*/
static _Atomic(lua_Integer) waiter;  /* the waiting thread, 0 if none */
static _Atomic(uintptr_t) waiter_self;  /* its pthread_self() */

static void setwaiter (int on) {
  atomic_store(&waiter_self, on ? (uintptr_t)pthread_self() : 0);
  atomic_store(&waiter, on ? lsig_threadself() : 0);
}

/* In the catcher: sends the SIGCHLD on to the waiting thread. Which
** thread it is on is told by pthread_self, not lsig_threadself: that
** takes a slot for the thread in posix.c, which no handler may do. */
static void forwardchild (int signo) {
  lua_Integer w = atomic_load(&waiter);
  if (w != 0 && atomic_load(&waiter_self) != (uintptr_t)pthread_self())
    lsig_threadkill(w, signo);
}


static void catchchild (int signo) {
  int saved_errno = errno;
  forwardchild(signo);
  errno = saved_errno;
}


/*
** Waits until SIGCHLD or a delivery to a Lua handler arrives, or the
** child 'fd' refers to exits, unless a child already changed state:
** 'check' looks (waitpid with WNOHANG) once the wait is set up, so a
** change just before is seen. Called with SIGCHLD and the handled
** signals blocked in 'old' => 'blocked', so neither a child's change
** nor a delivery between the look and the wait is missed: both stay
** pending until the wait unblocks them. SIGCHLD left at SIG_DFL would
** be discarded, not caught, so the catcher stands in for the length
** of the wait (the same effect: none). Returns 0 if it could not wait
** that way (SIGCHLD ignored, which makes the kernel reap the children
** itself, or blocked by the program); then 'r' is not set.
*/
static int waitchild (const sigset_t *old, pid_t pid, int options,
                      int *status, pid_t *r) {
  struct sigaction sa, prev;
  int fd, err, caught = 0;
  if (sigismember(old, SIGCHLD)) return 0;
  if (sigaction(SIGCHLD, NULL, &prev) != 0) return 0;
  if (prev.sa_handler == SIG_IGN && !(prev.sa_flags & SA_SIGINFO))
    return 0;
  fd = lsig_openchild(pid);
  if (prev.sa_handler == SIG_DFL && !(prev.sa_flags & SA_SIGINFO)) {
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = catchchild;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGCHLD, &sa, NULL) != 0) {
      if (fd >= 0) close(fd);
      return 0;
    }
    caught = 1;
    setwaiter(1);
  }
  *r = waitpid(pid, status, options | WNOHANG);
  err = errno;  /* the caller reads waitpid's */
  if (*r == 0 && !lsig_haspending())
    lsig_childsuspend(old, fd);
  if (caught) {
    setwaiter(0);
    sigaction(SIGCHLD, &prev, NULL);
  }
  if (fd >= 0) close(fd);
  errno = err;
  return 1;
}


/*
** waitpid(pid [, options]): Python's os.waitpid. A blocking wait does
** not sit in waitpid(2), which SA_RESTART would restart under every
** delivery and so hold the handlers back until a child changes state:
** it looks with WNOHANG, then waits for SIGCHLD or a delivery, runs
** the handlers and looks again (PEP 475). A handler's error ends the
** wait; a child reaped is always returned, its status never lost.
*/
static int sig_waitpid (lua_State *L) {
  pid_t pid = checkpid(L, 1);
  lua_Integer opt = luaL_optinteger(L, 2, 0);
  int options, status = 0;
  /* what the kernel would refuse with EINVAL is the caller's mistake */
  luaL_argcheck(L, (opt & ~(lua_Integer)(WNOHANG | WUNTRACED | WCONTINUED))
                   == 0, 2, "options must be WNOHANG, WUNTRACED and "
                            "WCONTINUED, added together");
  options = (int)opt;
  for (;;) {
    pid_t r;
    sigset_t blocked, old;
    int waited;
    r = waitpid(pid, &status, options | WNOHANG);
    if (r > 0) return pushstatus(L, r, status);
    if (r < 0 && errno != EINTR) return luaL_fileresult(L, 0, "waitpid");
    if (r == 0 && (options & WNOHANG)) {
      lua_pushinteger(L, 0);
      return 1;
    }
    if (r < 0) {  /* EINTR */
      lsig_dispatch(L);
      continue;
    }
    /* nothing yet: wait for a change or a delivery, then look again */
    lsig_handledset(&blocked);
    sigaddset(&blocked, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &blocked, &old);
    waited = waitchild(&old, pid, options, &status, &r);
    if (!waited)
      r = waitpid(pid, &status, options | WNOHANG);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r > 0) return pushstatus(L, r, status);
    if (r < 0 && errno != EINTR) return luaL_fileresult(L, 0, "waitpid");
    if (!waited) {
      /* SIGCHLD ignored or blocked: only the kernel's own wait is left,
      ** and handlers run when it returns */
      if (r == 0) r = waitpid(pid, &status, options);
      if (r > 0) return pushstatus(L, r, status);
      if (errno != EINTR) return luaL_fileresult(L, 0, "waitpid");
    }
    lsig_dispatch(L);
  }
}

/* }====================================================== */


static const luaL_Reg process_funcs[] = {
  {"getpid", sig_getpid},
  {"kill", sig_kill},
  {"killpg", sig_killpg},
  {"pthread_kill", sig_pthread_kill},
  {"pthread_self", sig_pthread_self},
#if LSIG_HAVE_RTSIG
  {"sigqueue", sig_sigqueue},
#endif
  {"waitpid", sig_waitpid},
  {NULL, NULL}
};


void lsig_open_process (lua_State *L) {
  luaL_setfuncs(L, process_funcs, 0);
#ifdef WNOHANG
  lsig_setinteger(L, "WNOHANG", WNOHANG);
#endif
#ifdef WUNTRACED
  lsig_setinteger(L, "WUNTRACED", WUNTRACED);
#endif
#ifdef WCONTINUED
  lsig_setinteger(L, "WCONTINUED", WCONTINUED);
#endif
}
