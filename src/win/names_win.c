/*
** Names and constants on Windows: the seven signals of the C runtime
** (Python's Windows list), CTRL_C_EVENT and CTRL_BREAK_EVENT, the
** Signals table, and the conversions from Lua values to signals.
**
** A peer of src/names.c rather than that file shared: only the shape
** is the same. Here the table is the seven with their descriptions
** (there is no strsignal to ask), a signal handled must be one of
** them (Python's error otherwise), there are no aliases, sets or
** si_code values, and Signals holds the console events too.
*/

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <signal.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsigwin.h"


typedef struct SigName {
  const char *name;
  int number;
  const char *desc;  /* strsignal's answer */
} SigName;

/* In ascending order of number. The descriptions are CPython's for a
** platform without strsignal(3); SIGBREAK's is its key. */
static const SigName signames[] = {
  {"SIGINT", SIGINT, "Interrupt"},
  {"SIGILL", SIGILL, "Illegal instruction"},
  {"SIGFPE", SIGFPE, "Floating point exception"},
  {"SIGSEGV", SIGSEGV, "Segmentation fault"},
  {"SIGTERM", SIGTERM, "Terminated"},
  {"SIGBREAK", SIGBREAK, "Ctrl-Break"},
  {"SIGABRT", SIGABRT, "Aborted"},
  {NULL, 0, NULL}
};


static const SigName *findnumber (int signo) {
  const SigName *n;
  for (n = signames; n->name != NULL; n++)
    if (n->number == signo) return n;
  return NULL;
}


const char *lsig_pushsigname (lua_State *L, int signo) {
  const SigName *n = findnumber(signo);
  if (n != NULL) return lua_pushstring(L, n->name);
  return lua_pushfstring(L, "signal %d", signo);
}


/*
** A signal given as a number or a name, in range; 'strict' also asks
** for one of the seven the C runtime handles, with Python's words.
*/
static int checksignal (lua_State *L, int arg, int strict) {
  lua_Integer signo;
  if (lua_type(L, arg) == LUA_TSTRING) {
    const char *name = lua_tostring(L, arg);
    const SigName *n;
    for (n = signames; n->name != NULL; n++)
      if (strcmp(name, n->name) == 0) return n->number;
    return luaL_argerror(L, arg,
               lua_pushfstring(L, "unknown signal name '%s'", name));
  }
  if (lua_type(L, arg) != LUA_TNUMBER)
    return luaL_typeerror(L, arg, "signal number or name");
  signo = luaL_checkinteger(L, arg);
  luaL_argcheck(L, 1 <= signo && signo < LSIG_NSIG, arg,
                "signal number out of range");
  if (strict && findnumber((int)signo) == NULL)
    luaL_argerror(L, arg, "signal only works with SIGABRT, SIGFPE, "
                          "SIGILL, SIGINT, SIGSEGV, SIGTERM, SIGBREAK");
  return (int)signo;
}


int lsig_checksignal (lua_State *L, int arg) {
  return checksignal(L, arg, 1);
}


/* nil for a number in range that is not a signal here, as Python. */
static int sig_strsignal (lua_State *L) {
  const SigName *n = findnumber(checksignal(L, 1, 0));
  if (n == NULL) luaL_pushfail(L);
  else lua_pushstring(L, n->desc);
  return 1;
}


static int sig_valid_signals (lua_State *L) {
  const SigName *n;
  int i = 0;
  lua_createtable(L, 8, 0);
  for (n = signames; n->name != NULL; n++) {
    lua_pushinteger(L, n->number);
    lua_rawseti(L, -2, ++i);
  }
  return 1;
}


void lsig_setinteger (lua_State *L, const char *name, lua_Integer value) {
  lua_pushinteger(L, value);
  lua_setfield(L, -2, name);
}


/* Every name to its number and back; CTRL_C_EVENT and CTRL_BREAK_EVENT
** are there too, as in Python's Signals on Windows. */
static void pushsignals (lua_State *L) {
  const SigName *n;
  lua_newtable(L);
  for (n = signames; n->name != NULL; n++) {
    lsig_setinteger(L, n->name, n->number);
    lua_pushstring(L, n->name);
    lua_rawseti(L, -2, n->number);
  }
  lsig_setinteger(L, "CTRL_C_EVENT", CTRL_C_EVENT);
  lsig_setinteger(L, "CTRL_BREAK_EVENT", CTRL_BREAK_EVENT);
  lua_pushliteral(L, "CTRL_C_EVENT");
  lua_rawseti(L, -2, CTRL_C_EVENT);
  lua_pushliteral(L, "CTRL_BREAK_EVENT");
  lua_rawseti(L, -2, CTRL_BREAK_EVENT);
}


static const luaL_Reg names_funcs[] = {
  {"strsignal", sig_strsignal},
  {"valid_signals", sig_valid_signals},
  {NULL, NULL}
};


void lsig_open_names (lua_State *L) {
  const SigName *n;
  luaL_setfuncs(L, names_funcs, 0);
  for (n = signames; n->name != NULL; n++)
    lsig_setinteger(L, n->name, n->number);
  lsig_setinteger(L, "NSIG", LSIG_NSIG);
  lsig_setinteger(L, "SIG_DFL", LSIG_DFL);
  lsig_setinteger(L, "SIG_IGN", LSIG_IGN);
  lsig_setinteger(L, "CTRL_C_EVENT", CTRL_C_EVENT);
  lsig_setinteger(L, "CTRL_BREAK_EVENT", CTRL_BREAK_EVENT);
  pushsignals(L);
  lua_setfield(L, -2, "Signals");
}
