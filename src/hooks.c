/*
** The program's own debug hook survives delivery. The engine keeps the
** hook it replaces and puts it back when ours fires (engine.c, arm and
** sig_hook); what is left is a race in the debug library itself.
** lua_sethook writes the hook and its mask apart: a delivery that lands
** between the two (or just before) arms our hook over part of the
** program's change, and the delivery stalls or the program's hook is
** torn. These wrappers of debug.sethook and debug.gethook make the
** call again until no delivery armed during it, then re-arm what is
** pending; gethook sees through our hook. Arguments are checked as
** the debug library checks them, so errors read the same.
*/

#define _GNU_SOURCE

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


static lua_State *hookthread (lua_State *L, int *arg) {
  if (lua_isthread(L, 1)) {
    *arg = 1;
    return lua_tothread(L, 1);
  }
  *arg = 0;
  return L;
}


/*
** Handlers run on a thread of their own (engine.c, the runner), but
** the thread a handler means when it names none is the one it
** interrupted, as when handlers ran there: a handler that starts a
** trace or a profiler's hook sets it on the program. The debug
** library's function is then given that thread as its first argument.
*/
static lua_State *forhandler (lua_State *L, lua_State *L1, int arg) {
  lua_State *T = lsig_interrupted();
  if (arg == 0 && L == lsig_runner() && T != NULL) {
    lua_pushthread(T);
    lua_xmove(T, L, 1);
    lua_insert(L, 1);
    return T;
  }
  return L1;
}


/*
** Runs the debug library's own function (upvalue 1) on this call's
** frame, until no delivery armed our hook during it. It is called as a
** C function, not through lua_call, so that it leaves no frame of its
** own: a hook sees one call and one return, named as the program named
** them, exactly as without the module. Its results are on top.
*/
static int callhookfunc (lua_State *L, lua_State *L1) {
  lua_CFunction stock = lua_tocfunction(L, lua_upvalueindex(1));
  int n = lua_gettop(L), nres;
  unsigned gen;
  do {
    lua_settop(L, n);
    gen = lsig_armcount();
    lsig_disarm(L1);
    nres = stock(L);
  } while (lsig_armcount() != gen);
  if (lsig_haspending() && !lsig_inhandler() && lsig_isowner(L)) {
    lsig_armself(L1);
    if (L1 != L) lsig_armself(L);
  }
  return nres;
}


static int sig_sethook (lua_State *L) {
  int arg;
  lua_State *L1 = hookthread(L, &arg);
  if (!lua_isnoneornil(L, arg + 1)) {
    luaL_checkstring(L, arg + 2);
    luaL_checktype(L, arg + 1, LUA_TFUNCTION);
    luaL_optinteger(L, arg + 3, 0);
  }
  return callhookfunc(L, forhandler(L, L1, arg));
}


static int sig_gethook (lua_State *L) {
  int arg;
  lua_State *L1 = hookthread(L, &arg);
  return callhookfunc(L, forhandler(L, L1, arg));
}


/* Pushes 'wrapper' around the C function at 'arg', unless it is one
** already; anything else (a program's own Lua function) stays as is. */
static void pushwrapped (lua_State *L, int arg, lua_CFunction wrapper) {
  lua_CFunction f = lua_tocfunction(L, arg);
  lua_pushvalue(L, arg);
  if (f != NULL && f != wrapper)
    lua_pushcclosure(L, wrapper, 1);
}


/* wraphooks(sethook, gethook): the wrappers, made once. */
static int sig_wraphooks (lua_State *L) {
  pushwrapped(L, 1, sig_sethook);
  pushwrapped(L, 2, sig_gethook);
  return 2;
}


static const luaL_Reg hooks_funcs[] = {
  {"wraphooks", sig_wraphooks},
  {NULL, NULL}
};


void lsig_open_hooks (lua_State *L) {
  luaL_setfuncs(L, hooks_funcs, 0);
}
