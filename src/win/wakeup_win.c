/*
** Waiting and waking on Windows: sleep, check, pollfd and
** set_wakeup_fd. Windows's select takes sockets only, so the wake-up
** descriptors are sockets, as in Windows Python: set_wakeup_fd takes a
** socket, and pollfd is the read end of a pair of connected loopback
** sockets (Windows has no socketpair), which LuaSocket's select and
** the watcher take as they take any socket. The C handlers send to
** them through lsig_notify, on whichever thread they run.
*/

#define WIN32_LEAN_AND_MEAN
#include <winsock2.h>
#include <windows.h>

#include <stdatomic.h>
#include <stdint.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsigwin.h"


static _Atomic(uintptr_t) wakeup_sock = (uintptr_t)INVALID_SOCKET;
static atomic_int wakeup_failed;

static _Atomic(uintptr_t) poll_wsock = (uintptr_t)INVALID_SOCKET;
static SOCKET poll_rsock = INVALID_SOCKET;
static atomic_int poll_signaled;


/* From a C handler: send() on a non-blocking socket only. */
void lsig_notify (int signo) {
  SOCKET s = (SOCKET)atomic_load(&wakeup_sock);
  if (s != INVALID_SOCKET) {
    char byte = (char)signo;
    if (send(s, &byte, 1, 0) != 1) atomic_store(&wakeup_failed, 1);
  }
  s = (SOCKET)atomic_load(&poll_wsock);
  if (s != INVALID_SOCKET && !atomic_exchange(&poll_signaled, 1))
    send(s, "", 1, 0);  /* full: it is readable anyway */
}


static void warnwakeup (lua_State *L) {
  if (atomic_exchange(&wakeup_failed, 0))
    lua_warning(L, "signal: failed to send to the wakeup fd", 0);
}


static void startup (lua_State *L) {
  static int started = 0;
  WSADATA wsa;
  if (!started) {
    int err = WSAStartup(MAKEWORD(2, 2), &wsa);
    if (err != 0) luaL_error(L, "signal: WSAStartup failed (error %d)", err);
    started = 1;
  }
}


/* set_wakeup_fd(sock [, {warn_on_full_buffer = bool}]) */
static int sig_set_wakeup_fd (lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  SOCKET s = INVALID_SOCKET;
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
  if (n != -1) {
    int type, len = (int)sizeof type;
    luaL_argcheck(L, n >= 0 && (uint64_t)n < (uint64_t)INVALID_SOCKET,
                  1, "invalid fd");
    startup(L);
    s = (SOCKET)n;
    if (getsockopt(s, SOL_SOCKET, SO_TYPE, (char *)&type, &len) != 0)
      return luaL_argerror(L, 1, lua_pushfstring(L,
                 "the fd %I must be a socket on Windows", n));
  }
  lsig_claim(L);
  s = (SOCKET)atomic_exchange(&wakeup_sock, (uintptr_t)s);
  lua_pushinteger(L, s == INVALID_SOCKET ? -1 : (lua_Integer)s);
  return 1;
}


/* A connected pair of loopback TCP sockets, both non-blocking. */
static int makepair (SOCKET *r, SOCKET *w) {
  struct sockaddr_in a;
  int len = (int)sizeof a;
  u_long on = 1;
  SOCKET l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  *r = *w = INVALID_SOCKET;
  if (l == INVALID_SOCKET) return 0;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(l, (struct sockaddr *)&a, len) == 0
      && getsockname(l, (struct sockaddr *)&a, &len) == 0
      && listen(l, 1) == 0
      && (*w = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)) != INVALID_SOCKET
      && connect(*w, (struct sockaddr *)&a, len) == 0)
    *r = accept(l, NULL, NULL);
  closesocket(l);
  if (*r == INVALID_SOCKET
      || ioctlsocket(*r, FIONBIO, &on) != 0
      || ioctlsocket(*w, FIONBIO, &on) != 0) {
    if (*r != INVALID_SOCKET) closesocket(*r);
    if (*w != INVALID_SOCKET) closesocket(*w);
    return 0;
  }
  return 1;
}


static int sig_pollfd (lua_State *L) {
  if (poll_rsock == INVALID_SOCKET) {
    SOCKET r, w;
    int fresh;
    startup(L);
    fresh = lsig_claim(L);
    if (!makepair(&r, &w)) {
      int e = WSAGetLastError();
      if (fresh) lsig_unclaim(L);
      return luaL_error(L, "pollfd: cannot make a socket pair (error %d)", e);
    }
    poll_rsock = r;
    atomic_store(&poll_wsock, (uintptr_t)w);
    if (lsig_haspending() && !atomic_exchange(&poll_signaled, 1))
      send(w, "", 1, 0);
  }
  else
    lsig_claim(L);
  lua_pushinteger(L, (lua_Integer)poll_rsock);
  return 1;
}


/* As src/wakeup.c's check: drain first, then dispatch. */
static int sig_check (lua_State *L) {
  if (lsig_isowner(L) && !lsig_inhandler()
      && poll_rsock != INVALID_SOCKET) {
    char buf[64];
    while (recv(poll_rsock, buf, (int)sizeof buf, 0) > 0) { }
    atomic_store(&poll_signaled, 0);
  }
  warnwakeup(L);
  lsig_dispatch(L);
  return 0;
}


static double monotonic (void) {
  return (double)GetTickCount64() / 1000.0;
}


#define STEP 0.05  /* seconds: how late a hook lua.c set may be seen */

/*
** PEP 475, as src/timers.c's sleep: handlers run as deliveries arrive
** and the sleep goes on for the time left; a handler's error ends it.
** lua.c's own Ctrl-C handler only sets a hook, from the runtime's
** thread: a hook on the main thread that changed ends the sleep, so
** that lua.c's "interrupted!" comes now, as Ctrl-C ends time.sleep.
** The loop is not timers.c's: that hook wakes no wait, so each wait
** here lasts STEP at most; a wait that ends with deliveries dispatches
** and waits again without comparing hooks; and a caller whose
** deliveries cannot run sleeps instead of waiting on the event.
*/
static int sig_sleep (lua_State *L) {
  double seconds = luaL_checknumber(L, 1);
  double deadline;
  lua_State *main;
  luaL_argcheck(L, seconds >= 0, 1, "sleep length must be non-negative");
  deadline = monotonic() + seconds;
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  main = lua_tothread(L, -1);
  lua_pop(L, 1);
  lsig_dispatch(L);
  for (;;) {
    int mask;
    lua_Hook before = lsig_programhook(main, &mask);
    double left = deadline - monotonic();
    /* deliveries that cannot run here (in a handler, in a state that
    ** does not own delivery) stay pending: no waiting on them */
    int runs = !lsig_inhandler() && lsig_isowner(L);
    if (left <= 0) break;
    if (left > STEP) left = STEP;
    if (runs) lsig_wait(left);
    else Sleep((DWORD)(left * 1000.0));
    if (runs && lsig_haspending()) {
      lsig_dispatch(L);
      continue;
    }
    if (lsig_programhook(main, &mask) != before) break;
  }
  return 0;
}


static const luaL_Reg wakeup_funcs[] = {
  {"check", sig_check},
  {"pollfd", sig_pollfd},
  {"set_wakeup_fd", sig_set_wakeup_fd},
  {"sleep", sig_sleep},
  {NULL, NULL}
};


void lsig_open_wakeup (lua_State *L) {
  luaL_setfuncs(L, wakeup_funcs, 0);
}
