/*
** Names and constants: the SIG* values, the Signals table, and the
** conversions from Lua values (numbers, names, arrays) to signals.
*/

#define _GNU_SOURCE

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


typedef struct SigName {
  const char *name;
  int number;
} SigName;

/*
** Every name Python's module knows, where the platform defines it.
** Within a group of aliases the canonical name (the one Signals[n]
** gives) comes first: Python picks the alphabetically smallest.
*/
static const SigName signames[] = {
#ifdef SIGHUP
  {"SIGHUP", SIGHUP},
#endif
#ifdef SIGINT
  {"SIGINT", SIGINT},
#endif
#ifdef SIGQUIT
  {"SIGQUIT", SIGQUIT},
#endif
#ifdef SIGILL
  {"SIGILL", SIGILL},
#endif
#ifdef SIGTRAP
  {"SIGTRAP", SIGTRAP},
#endif
#ifdef SIGABRT
  {"SIGABRT", SIGABRT},
#endif
#ifdef SIGIOT
  {"SIGIOT", SIGIOT},
#endif
#ifdef SIGEMT
  {"SIGEMT", SIGEMT},
#endif
#ifdef SIGFPE
  {"SIGFPE", SIGFPE},
#endif
#ifdef SIGKILL
  {"SIGKILL", SIGKILL},
#endif
#ifdef SIGBUS
  {"SIGBUS", SIGBUS},
#endif
#ifdef SIGSEGV
  {"SIGSEGV", SIGSEGV},
#endif
#ifdef SIGSYS
  {"SIGSYS", SIGSYS},
#endif
#ifdef SIGPIPE
  {"SIGPIPE", SIGPIPE},
#endif
#ifdef SIGALRM
  {"SIGALRM", SIGALRM},
#endif
#ifdef SIGTERM
  {"SIGTERM", SIGTERM},
#endif
#ifdef SIGUSR1
  {"SIGUSR1", SIGUSR1},
#endif
#ifdef SIGUSR2
  {"SIGUSR2", SIGUSR2},
#endif
#ifdef SIGCHLD
  {"SIGCHLD", SIGCHLD},
#endif
#ifdef SIGCLD
  {"SIGCLD", SIGCLD},
#endif
#ifdef SIGPWR
  {"SIGPWR", SIGPWR},
#endif
#ifdef SIGIO
  {"SIGIO", SIGIO},
#endif
#ifdef SIGPOLL
  {"SIGPOLL", SIGPOLL},
#endif
#ifdef SIGURG
  {"SIGURG", SIGURG},
#endif
#ifdef SIGWINCH
  {"SIGWINCH", SIGWINCH},
#endif
#ifdef SIGSTOP
  {"SIGSTOP", SIGSTOP},
#endif
#ifdef SIGTSTP
  {"SIGTSTP", SIGTSTP},
#endif
#ifdef SIGCONT
  {"SIGCONT", SIGCONT},
#endif
#ifdef SIGTTIN
  {"SIGTTIN", SIGTTIN},
#endif
#ifdef SIGTTOU
  {"SIGTTOU", SIGTTOU},
#endif
#ifdef SIGVTALRM
  {"SIGVTALRM", SIGVTALRM},
#endif
#ifdef SIGPROF
  {"SIGPROF", SIGPROF},
#endif
#ifdef SIGXCPU
  {"SIGXCPU", SIGXCPU},
#endif
#ifdef SIGXFSZ
  {"SIGXFSZ", SIGXFSZ},
#endif
#ifdef SIGINFO
  {"SIGINFO", SIGINFO},
#endif
#ifdef SIGSTKFLT
  {"SIGSTKFLT", SIGSTKFLT},
#endif
  {NULL, 0}
};


static int findname (const char *name) {
  const SigName *n;
#if LSIG_HAVE_RTSIG
  if (strcmp(name, "SIGRTMIN") == 0) return SIGRTMIN;
  if (strcmp(name, "SIGRTMAX") == 0) return SIGRTMAX;
#endif
  for (n = signames; n->name != NULL; n++)
    if (strcmp(name, n->name) == 0) return n->number;
  return -1;
}


/*
** How every message names a signal: its canonical name where it has
** one (Signals[n]), else "signal N", so that a number and its name
** read the same in every message. Pushes the string and returns it.
*/
const char *lsig_pushsigname (lua_State *L, int signo) {
  const SigName *n;
  for (n = signames; n->name != NULL; n++)
    if (n->number == signo) return lua_pushstring(L, n->name);
#ifdef SIGRTMIN
  if (signo == SIGRTMIN) return lua_pushliteral(L, "SIGRTMIN");
  if (signo == SIGRTMAX) return lua_pushliteral(L, "SIGRTMAX");
#endif
  return lua_pushfstring(L, "signal %d", signo);
}


/*
** A signal given as a number or a name; 'min' is the lowest number
** accepted (0 lets 'kill' probe a process).
*/
static int checksignal (lua_State *L, int arg, int min) {
  lua_Integer signo;
  if (lua_type(L, arg) == LUA_TSTRING) {
    const char *name = lua_tostring(L, arg);
    int found = findname(name);
    if (found < 0)
      return luaL_argerror(L, arg,
                 lua_pushfstring(L, "unknown signal name '%s'", name));
    return found;
  }
  if (lua_type(L, arg) != LUA_TNUMBER)
    return luaL_typeerror(L, arg, "signal number or name");
  signo = luaL_checkinteger(L, arg);
  luaL_argcheck(L, min <= signo && signo < LSIG_NSIG, arg,
                "signal number out of range");
  return (int)signo;
}


int lsig_checksignal (lua_State *L, int arg) {
  return checksignal(L, arg, 1);
}


int lsig_checksignal0 (lua_State *L, int arg) {
  return checksignal(L, arg, 0);
}


/*
** An array of signal numbers or names as a sigset_t. As in Python, a
** number out of range is an error, while a number in range that the
** platform will not take (glibc's own 32 and 33) is a warning.
** The set is built in full before anything changes, so a bad member
** leaves no state half-changed.
*/
void lsig_checkset (lua_State *L, int arg, sigset_t *set) {
  lua_Integer i, n;
  luaL_checktype(L, arg, LUA_TTABLE);
  sigemptyset(set);
  n = luaL_len(L, arg);
  for (i = 1; i <= n; i++) {
    int signo;
    lua_geti(L, arg, i);  /* stack: ... member */
    if (lua_type(L, -1) == LUA_TSTRING) {
      const char *name = lua_tostring(L, -1);
      signo = findname(name);
      if (signo < 0)
        luaL_argerror(L, arg, lua_pushfstring(L,
                      "unknown signal name '%s'", name));
    }
    else {
      int isint;
      lua_Integer v = lua_tointegerx(L, -1, &isint);
      if (!isint)
        luaL_argerror(L, arg, lua_pushfstring(L,
                      "set member #%I is not a signal number or name", i));
      if (v < 1 || v >= LSIG_NSIG)
        luaL_argerror(L, arg, lua_pushfstring(L,
                      "signal number %I out of range [1; %d]",
                      v, LSIG_NSIG - 1));
      signo = (int)v;
    }
    lua_pop(L, 1);
    if (sigaddset(set, signo) != 0) {
      char msg[80];
      snprintf(msg, sizeof msg, "invalid signal number %d, "
                                "please use valid_signals()", signo);
      lua_warning(L, msg, 0);
    }
  }
}


void lsig_pushset (lua_State *L, const sigset_t *set) {
  int signo, n = 0;
  lua_createtable(L, 8, 0);
  for (signo = 1; signo < LSIG_NSIG; signo++) {
    if (sigismember(set, signo) == 1) {
      lua_pushinteger(L, signo);
      lua_rawseti(L, -2, ++n);
    }
  }
}


/*
** The description the C library gives, or nil for a number it does
** not know (glibc answers "Unknown signal N" rather than NULL).
*/
static int sig_strsignal (lua_State *L) {
  int signo = lsig_checksignal(L, 1);
  const char *desc = strsignal(signo);
  if (desc == NULL || strstr(desc, "Unknown signal") != NULL)
    luaL_pushfail(L);
  else
    lua_pushstring(L, desc);
  return 1;
}


static int sig_valid_signals (lua_State *L) {
  sigset_t all;
  sigfillset(&all);
  lsig_pushset(L, &all);
  return 1;
}


void lsig_setinteger (lua_State *L, const char *name, lua_Integer value) {
  lua_pushinteger(L, value);
  lua_setfield(L, -2, name);
}


/*
** Signals maps each name to its number and each named number to its
** canonical name. The first name listed for a number wins.
*/
static void pushsignals (lua_State *L) {
  const SigName *n;
  lua_newtable(L);
  for (n = signames; n->name != NULL; n++) {
    lsig_setinteger(L, n->name, n->number);
    if (lua_rawgeti(L, -1, n->number) == LUA_TNIL) {
      lua_pushstring(L, n->name);
      lua_rawseti(L, -3, n->number);
    }
    lua_pop(L, 1);
  }
#if LSIG_HAVE_RTSIG
  lsig_setinteger(L, "SIGRTMIN", SIGRTMIN);
  lsig_setinteger(L, "SIGRTMAX", SIGRTMAX);
  lua_pushliteral(L, "SIGRTMIN");
  lua_rawseti(L, -2, SIGRTMIN);
  lua_pushliteral(L, "SIGRTMAX");
  lua_rawseti(L, -2, SIGRTMAX);
#endif
}


static const luaL_Reg names_funcs[] = {
  {"strsignal", sig_strsignal},
  {"valid_signals", sig_valid_signals},
  {NULL, NULL}
};


/* The si_code values a siginfo table may hold, where the platform
** has them. */
static void setcodes (lua_State *L) {
#ifdef SI_USER
  lsig_setinteger(L, "SI_USER", SI_USER);
#endif
#ifdef SI_QUEUE
  lsig_setinteger(L, "SI_QUEUE", SI_QUEUE);
#endif
#ifdef SI_TIMER
  lsig_setinteger(L, "SI_TIMER", SI_TIMER);
#endif
#ifdef SI_KERNEL
  lsig_setinteger(L, "SI_KERNEL", SI_KERNEL);
#endif
#ifdef SI_TKILL
  lsig_setinteger(L, "SI_TKILL", SI_TKILL);
#endif
#ifdef SI_MESGQ
  lsig_setinteger(L, "SI_MESGQ", SI_MESGQ);
#endif
#ifdef SI_ASYNCIO
  lsig_setinteger(L, "SI_ASYNCIO", SI_ASYNCIO);
#endif
#ifdef CLD_EXITED
  lsig_setinteger(L, "CLD_EXITED", CLD_EXITED);
#endif
#ifdef CLD_KILLED
  lsig_setinteger(L, "CLD_KILLED", CLD_KILLED);
#endif
#ifdef CLD_DUMPED
  lsig_setinteger(L, "CLD_DUMPED", CLD_DUMPED);
#endif
#ifdef CLD_TRAPPED
  lsig_setinteger(L, "CLD_TRAPPED", CLD_TRAPPED);
#endif
#ifdef CLD_STOPPED
  lsig_setinteger(L, "CLD_STOPPED", CLD_STOPPED);
#endif
#ifdef CLD_CONTINUED
  lsig_setinteger(L, "CLD_CONTINUED", CLD_CONTINUED);
#endif
  (void)L;
}


void lsig_open_names (lua_State *L) {
  const SigName *n;
  luaL_setfuncs(L, names_funcs, 0);
  for (n = signames; n->name != NULL; n++)
    lsig_setinteger(L, n->name, n->number);
#if LSIG_HAVE_RTSIG
  lsig_setinteger(L, "SIGRTMIN", SIGRTMIN);
  lsig_setinteger(L, "SIGRTMAX", SIGRTMAX);
#endif
  lsig_setinteger(L, "NSIG", LSIG_NSIG);
  lsig_setinteger(L, "SIG_DFL", LSIG_DFL);
  lsig_setinteger(L, "SIG_IGN", LSIG_IGN);
  lsig_setinteger(L, "SIG_BLOCK", SIG_BLOCK);
  lsig_setinteger(L, "SIG_UNBLOCK", SIG_UNBLOCK);
  lsig_setinteger(L, "SIG_SETMASK", SIG_SETMASK);
  lsig_setinteger(L, "ITIMER_REAL", ITIMER_REAL);
  lsig_setinteger(L, "ITIMER_VIRTUAL", ITIMER_VIRTUAL);
  lsig_setinteger(L, "ITIMER_PROF", ITIMER_PROF);
  setcodes(L);
  pushsignals(L);
  lua_setfield(L, -2, "Signals");
}
