/*
** A delivery's siginfo: the compact record the C handler keeps of it
** (async-signal-safe: it only copies), the table a handler, sigwaitinfo
** and sigtimedwait give the program, and the core of signal.queue.
*/

#define _GNU_SOURCE

#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


/*
** Does the kernel set si_addr for this delivery? Only for the faults
** it raises itself (a positive si_code): for anything else the field
** shares its place in the union with other fields.
*/
static int hasaddr (const siginfo_t *si) {
  if (si->si_code <= 0) return 0;
  switch (si->si_signo) {
#ifdef SIGILL
    case SIGILL:
#endif
#ifdef SIGFPE
    case SIGFPE:
#endif
#ifdef SIGSEGV
    case SIGSEGV:
#endif
#ifdef SIGBUS
    case SIGBUS:
#endif
#ifdef SIGTRAP
    case SIGTRAP:
#endif
      return 1;
    default:
      return 0;
  }
}


/* Called by the C handler: copies, nothing else. */
void lsig_fillinfo (lsig_Info *r, const siginfo_t *si) {
  r->signo = si->si_signo;
  r->code = si->si_code;
  r->err = si->si_errno;
  r->pid = (int)si->si_pid;
  r->uid = (unsigned)si->si_uid;
  r->status = si->si_status;
  r->band = (long)si->si_band;
  r->value = si->si_value.sival_int;
  r->hasaddr = hasaddr(si);
  r->addr = r->hasaddr ? (uintptr_t)si->si_addr : 0;
}


/*
** Pushes a fresh siginfo table: Python's struct_siginfo fields, plus
** si_value (sival_int: the integer sigqueue sent) and si_addr where the
** kernel sets it. With no record (the module could not keep this
** delivery's info), only si_signo and dropped = true.
*/
void lsig_pushinfo (lua_State *L, int signo, const lsig_Info *r) {
  if (r == NULL) {
    lua_createtable(L, 0, 2);
    lsig_setinteger(L, "si_signo", signo);
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "dropped");
    return;
  }
  lua_createtable(L, 0, 9);
  lsig_setinteger(L, "si_signo", r->signo);
  lsig_setinteger(L, "si_code", r->code);
  lsig_setinteger(L, "si_errno", r->err);
  lsig_setinteger(L, "si_pid", r->pid);
  lsig_setinteger(L, "si_uid", (lua_Integer)r->uid);
  lsig_setinteger(L, "si_status", r->status);
  lsig_setinteger(L, "si_band", r->band);
  lsig_setinteger(L, "si_value", r->value);
  if (r->hasaddr) lsig_setinteger(L, "si_addr", (lua_Integer)r->addr);
}


/*
** The same table for a handler, made at every delivery that takes
** info: a closure whose upvalues are the keys, so that each field is
** one raw set with no lookup of its name (a third of the cost).
** Called in protected mode with the record (NULL: none) and signo.
*/
static const char *const infokeys[] = {
  "si_signo", "si_code", "si_errno", "si_pid", "si_uid", "si_status",
  "si_band", "si_value", "si_addr", "dropped", NULL
};

enum { K_SIGNO = 1, K_CODE, K_ERRNO, K_PID, K_UID, K_STATUS, K_BAND,
       K_VALUE, K_ADDR, K_DROPPED };

static void rawsetint (lua_State *L, int key, lua_Integer v) {
  lua_pushvalue(L, lua_upvalueindex(key));
  lua_pushinteger(L, v);
  lua_rawset(L, -3);
}


static int buildinfo (lua_State *L) {
  const lsig_Info *r = (const lsig_Info *)lua_touserdata(L, 1);
  if (r == NULL) {
    lua_createtable(L, 0, 2);
    rawsetint(L, K_SIGNO, lua_tointeger(L, 2));
    lua_pushvalue(L, lua_upvalueindex(K_DROPPED));
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    return 1;
  }
  lua_createtable(L, 0, 8 + r->hasaddr);
  rawsetint(L, K_SIGNO, r->signo);
  rawsetint(L, K_CODE, r->code);
  rawsetint(L, K_ERRNO, r->err);
  rawsetint(L, K_PID, r->pid);
  rawsetint(L, K_UID, (lua_Integer)r->uid);
  rawsetint(L, K_STATUS, r->status);
  rawsetint(L, K_BAND, r->band);
  rawsetint(L, K_VALUE, r->value);
  if (r->hasaddr) rawsetint(L, K_ADDR, (lua_Integer)r->addr);
  return 1;
}


/* Pushes the builder, made once per state (at its claim). */
void lsig_pushinfobuilder (lua_State *L) {
  int n;
  for (n = 0; infokeys[n] != NULL; n++)
    lua_pushstring(L, infokeys[n]);
  lua_pushcclosure(L, buildinfo, n);
}


/*
** {======================================================
** The core of signal.queue (lua/signal.lua), kept out of the module
** table: hold(signo, on) stops or resumes dispatching signo (its
** deliveries wait, then the kernel holds them: see engine.c), and
** wait(timeout) waits for a delivery, runs the handlers, and says
** whether one was pending; now() is the monotonic clock in seconds.
** =======================================================
*/

static int q_hold (lua_State *L) {
  int signo = lsig_checksignal(L, 1);
  luaL_checkany(L, 2);
  lsig_hold(L, signo, lua_toboolean(L, 2));
  return 0;
}


static int q_wait (lua_State *L) {
  double timeout = luaL_optnumber(L, 1, -1);
  int pending;
  luaL_argcheck(L, !isnan(timeout), 1, "timeout must be a number");
  lsig_audit(L);
  pending = lsig_haspending() || lsig_wait(timeout < 0 ? -1 : timeout);
  lsig_dispatch(L);
  lua_pushboolean(L, pending);
  return 1;
}


static int q_now (lua_State *L) {
  lua_pushnumber(L, lsig_monotonic());
  return 1;
}


static int sig_queuecore (lua_State *L) {
  lua_pushcfunction(L, q_hold);
  lua_pushcfunction(L, q_wait);
  lua_pushcfunction(L, q_now);
  return 3;
}


static const luaL_Reg siginfo_funcs[] = {
  {"queuecore", sig_queuecore},
  {NULL, NULL}
};


void lsig_open_siginfo (lua_State *L) {
  luaL_setfuncs(L, siginfo_funcs, 0);
}

/* }====================================================== */
