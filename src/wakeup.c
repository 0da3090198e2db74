/*
** Wake-up descriptors, for programs that wait in a C call (select,
** poll, an event loop): set_wakeup_fd, pollfd and check. The C handler
** writes to them through lsig_notify, on whichever thread it runs.
*/

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


static atomic_int wakeup_fd = -1;
static atomic_int wakeup_warn_full;
static atomic_int wakeup_errno;

/* The pollfd() pipe: at most one byte is in it at a time. */
static atomic_int poll_wfd = -1;
static int poll_rfd = -1;
static atomic_int poll_signaled;


/* Async-signal-safe: atomics and write(2). */
void lsig_notify (int signo) {
  int fd = atomic_load(&wakeup_fd);
  if (fd >= 0) {
    unsigned char byte = (unsigned char)signo;
    if (write(fd, &byte, 1) != 1) {
      int e = errno;
      if ((e != EAGAIN && e != EWOULDBLOCK) || atomic_load(&wakeup_warn_full))
        atomic_store(&wakeup_errno, e);
    }
  }
  fd = atomic_load(&poll_wfd);
  if (fd >= 0 && !atomic_exchange(&poll_signaled, 1)) {
    if (write(fd, "", 1) != 1) { /* full: it is readable anyway */ }
  }
}


void lsig_warnwakeup (lua_State *L) {
  int e = atomic_exchange(&wakeup_errno, 0);
  if (e != 0) {
    lua_pushfstring(L, "signal: failed to write to the wakeup fd: %s",
                    strerror(e));
    lua_warning(L, lua_tostring(L, -1), 0);
    lua_pop(L, 1);
  }
}


/* The owner is closing and no C handler runs any more. */
void lsig_closewakeup (void) {
  int fd = atomic_exchange(&poll_wfd, -1);
  atomic_store(&wakeup_fd, -1);
  if (fd >= 0) {
    close(fd);
    close(poll_rfd);
    poll_rfd = -1;
  }
  atomic_store(&poll_signaled, 0);
}


/* A forked child needs its own pipe, so as not to drain its parent's. */
void lsig_forkwakeup (void) {
  if (atomic_load(&poll_wfd) >= 0) {
    int fds[2];
    close(atomic_load(&poll_wfd));
    close(poll_rfd);
    if (lsig_pipe(fds) == 0) {
      poll_rfd = fds[0];
      atomic_store(&poll_wfd, fds[1]);
    }
    else {
      poll_rfd = -1;
      atomic_store(&poll_wfd, -1);
    }
  }
  atomic_store(&poll_signaled, 0);
}


/*
** set_wakeup_fd(fd [, {warn_on_full_buffer = bool}]): the signal
** number goes to fd as one byte on every delivery to a Lua handler.
*/
static int sig_set_wakeup_fd (lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  int fd, warn = 1;
  /* checked before the cast, which would make 2^32 + 3 into fd 3 */
  luaL_argcheck(L, -1 <= n && n <= INT_MAX, 1, "invalid fd");
  fd = (int)n;
  if (!lua_isnoneornil(L, 2)) {
    luaL_checktype(L, 2, LUA_TTABLE);
    if (lua_getfield(L, 2, "warn_on_full_buffer") != LUA_TNIL)
      warn = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  if (fd != -1) {
    struct stat st;
    int flags;
    if (fstat(fd, &st) != 0)
      return luaL_error(L, "set_wakeup_fd: %s", strerror(errno));
    flags = fcntl(fd, F_GETFL);
    if (flags < 0)
      return luaL_error(L, "set_wakeup_fd: %s", strerror(errno));
    if (!(flags & O_NONBLOCK))
      return luaL_argerror(L, 1, lua_pushfstring(L,
                 "the fd %d must be in non-blocking mode", fd));
  }
  lsig_claim(L);
  lua_pushinteger(L, atomic_load(&wakeup_fd));
  atomic_store(&wakeup_warn_full, warn);
  atomic_store(&wakeup_fd, fd);
  return 1;
}


/* The read end of a pipe made on first use; a delivery already
** pending makes it readable at once. */
static int sig_pollfd (lua_State *L) {
  if (poll_rfd < 0) {
    int fds[2], fresh = lsig_claim(L);
    if (lsig_pipe(fds) != 0) {
      int e = errno;
      if (fresh) lsig_unclaim(L);
      return luaL_error(L, "pollfd: %s", strerror(e));
    }
    poll_rfd = fds[0];
    atomic_store(&poll_wfd, fds[1]);
    if (lsig_haspending() && !atomic_exchange(&poll_signaled, 1)) {
      if (write(fds[1], "", 1) != 1) { /* a new pipe is never full */ }
    }
  }
  else
    lsig_claim(L);  /* only checks: the pipe exists, so L owns it */
  lua_pushinteger(L, poll_rfd);
  return 1;
}


/*
** Only check() drains the pollfd pipe, before it dispatches: an event
** loop must see the fd readable even when a handler already ran at an
** instruction boundary between its last look and its next wait (the
** self-pipe race). The flag is cleared after the drain: a delivery in
** between writes no byte, but check() dispatches it right after.
** Inside a handler check() dispatches nothing, so it drains nothing.
*/
static int sig_check (lua_State *L) {
  if (lsig_isowner(L) && !lsig_inhandler() && poll_rfd >= 0) {
    char buf[64];
    while (read(poll_rfd, buf, sizeof buf) > 0) { }
    atomic_store(&poll_signaled, 0);
  }
  lsig_audit(L);
  lsig_dispatch(L);
  return 0;
}


static const luaL_Reg wakeup_funcs[] = {
  {"check", sig_check},
  {"pollfd", sig_pollfd},
  {"set_wakeup_fd", sig_set_wakeup_fd},
  {NULL, NULL}
};


void lsig_open_wakeup (lua_State *L) {
  luaL_setfuncs(L, wakeup_funcs, 0);
}
