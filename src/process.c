/*
** Acts on processes and threads: kill, killpg, pidfds, pthread_kill,
** and the identities Lua lacks (getpid, pthread_self).
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


#ifdef SYS_pidfd_open

static int sig_pidfd_open (lua_State *L) {
  pid_t pid = checkpid(L, 1);
  unsigned int flags = (unsigned int)luaL_optinteger(L, 2, 0);
  long fd = syscall(SYS_pidfd_open, pid, flags);
  if (fd < 0) return luaL_fileresult(L, 0, "pidfd_open");
  lua_pushinteger(L, fd);
  return 1;
}


static int sig_pidfd_send_signal (lua_State *L) {
  lua_Integer fd = luaL_checkinteger(L, 1);
  int signo = lsig_checksignal0(L, 2);
  unsigned int flags = (unsigned int)luaL_optinteger(L, 4, 0);
  luaL_argcheck(L, 0 <= fd && fd <= INT_MAX, 1, "invalid fd");
  luaL_argcheck(L, lua_isnoneornil(L, 3), 3, "siginfo must be nil");
  return luaL_fileresult(L,
      syscall(SYS_pidfd_send_signal, (int)fd, signo, NULL, flags) == 0,
      "pidfd_send_signal");
}

#endif


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
  {NULL, NULL}
};


void lsig_open_process (lua_State *L) {
  luaL_setfuncs(L, process_funcs, 0);
}
