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
  luaL_argcheck(L, 0 <= opt && opt <= INT_MAX, 2, "invalid options");
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
  {"pthread_kill", sig_pthread_kill},
  {"pthread_self", sig_pthread_self},
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
