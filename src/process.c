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
#include <string.h>
#include <sys/syscall.h>
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


static int sig_pthread_self (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)pthread_self());
  return 1;
}


/* Like raise_signal: a handler for a signal sent to this thread has
** run when it returns. */
static int sig_pthread_kill (lua_State *L) {
  pthread_t thread = (pthread_t)luaL_checkinteger(L, 1);
  int signo = lsig_checksignal0(L, 2);
  int err = pthread_kill(thread, signo);
  if (err != 0)
    return luaL_error(L, "pthread_kill: %s", strerror(err));
  lsig_dispatch(L);
  return 0;
}


/*
** sigqueue(pid, signum [, value]): POSIX sigqueue, the integer 'value'
** as sival_int (what a handler's info.si_value gives back). Where the
** platform has POSIX real-time signals (not macOS).
*/
#if defined(_POSIX_REALTIME_SIGNALS) && _POSIX_REALTIME_SIGNALS > 0
#define HAVE_SIGQUEUE

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


#ifdef SYS_pidfd_open

static int sig_pidfd_open (lua_State *L) {
  pid_t pid = checkpid(L, 1);
  unsigned int flags = (unsigned int)luaL_optinteger(L, 2, 0);
  long fd = syscall(SYS_pidfd_open, pid, flags);
  if (fd < 0) return luaL_fileresult(L, 0, "pidfd_open");
  lua_pushinteger(L, fd);
  return 1;
}


/* A siginfo field of the table at 'arg', an int; 'def' if absent. */
static int infofield (lua_State *L, int arg, const char *name, int def) {
  int isnum;
  lua_Integer v;
  if (lua_getfield(L, arg, name) == LUA_TNIL) {
    lua_pop(L, 1);
    return def;
  }
  v = lua_tointegerx(L, -1, &isnum);
  if (!isnum || v < INT_MIN || v > INT_MAX)
    luaL_argerror(L, arg, lua_pushfstring(L, "%s must be an integer", name));
  lua_pop(L, 1);
  return (int)v;
}


/*
** The siginfo, when given, is a table of the fields to send: si_value
** (default 0) and si_code (default SI_QUEUE), as sigqueue sends them;
** the sender's pid and uid are filled in. What the kernel refuses
** (a code other than SI_QUEUE to another process) is its refusal.
*/
static int sig_pidfd_send_signal (lua_State *L) {
  lua_Integer fd = luaL_checkinteger(L, 1);
  int signo = lsig_checksignal0(L, 2);
  unsigned int flags = (unsigned int)luaL_optinteger(L, 4, 0);
  siginfo_t info, *pinfo = NULL;
  luaL_argcheck(L, 0 <= fd && fd <= INT_MAX, 1, "invalid fd");
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    memset(&info, 0, sizeof info);
    info.si_signo = signo;
    info.si_code = infofield(L, 3, "si_code", SI_QUEUE);
    info.si_value.sival_int = infofield(L, 3, "si_value", 0);
    info.si_pid = getpid();
    info.si_uid = getuid();
    pinfo = &info;
  }
  return luaL_fileresult(L,
      syscall(SYS_pidfd_send_signal, (int)fd, signo, pinfo, flags) == 0,
      "pidfd_send_signal");
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


static void catchchild (int signo) { (void)signo; }


/*
** Waits until SIGCHLD or a delivery to a Lua handler arrives, unless a
** child already changed state. Called with SIGCHLD and the handled
** signals blocked in 'old' => 'blocked', so neither a child's change
** nor a delivery between the caller's look and the wait is missed:
** both stay pending until sigsuspend unblocks them. SIGCHLD left at
** SIG_DFL would be discarded, not caught, so a no-op catcher stands
** in for the length of the wait (the same effect: none). Returns 0 if
** it could not wait that way (SIGCHLD ignored, which makes the kernel
** reap the children itself, or blocked by the program).
*/
static int waitchild (const sigset_t *old) {
  struct sigaction sa, prev;
  sigset_t mask = *old;
  if (sigismember(old, SIGCHLD)) return 0;
  if (sigaction(SIGCHLD, NULL, &prev) != 0) return 0;
  if (prev.sa_handler == SIG_IGN && !(prev.sa_flags & SA_SIGINFO))
    return 0;
  if (prev.sa_handler == SIG_DFL && !(prev.sa_flags & SA_SIGINFO)) {
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = catchchild;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGCHLD, &sa, NULL) != 0) return 0;
    sigsuspend(&mask);
    sigaction(SIGCHLD, &prev, NULL);
  }
  else
    sigsuspend(&mask);
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
    r = waitpid(pid, &status, options | WNOHANG);
    waited = 1;
    if (r == 0 && !lsig_haspending())
      waited = waitchild(&old);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r > 0) return pushstatus(L, r, status);
    if (r < 0 && errno != EINTR) return luaL_fileresult(L, 0, "waitpid");
    if (!waited) {
      /* SIGCHLD ignored or blocked: only the kernel's own wait is left,
      ** and handlers run when it returns */
      r = waitpid(pid, &status, options);
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
#ifdef SYS_pidfd_open
  {"pidfd_open", sig_pidfd_open},
  {"pidfd_send_signal", sig_pidfd_send_signal},
#endif
  {"pthread_kill", sig_pthread_kill},
  {"pthread_self", sig_pthread_self},
#ifdef HAVE_SIGQUEUE
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
