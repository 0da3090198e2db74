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


/* Calls upvalue 1 with this call's arguments until no arm happened. */
static int callhookfunc (lua_State *L, lua_State *L1, int nresults) {
  int n = lua_gettop(L);
  unsigned gen;
  do {
    int i;
    lua_settop(L, n);
    gen = lsig_armcount();
    lsig_disarm(L1);
    luaL_checkstack(L, n + 1, NULL);
    lua_pushvalue(L, lua_upvalueindex(1));
    for (i = 1; i <= n; i++) lua_pushvalue(L, i);
    lua_call(L, n, nresults);
  } while (lsig_armcount() != gen);
  if (lsig_haspending() && lsig_isowner(L)) {
    lsig_armself(L1);
    if (L1 != L) lsig_armself(L);
  }
  return lua_gettop(L) - n;
}


static int sig_sethook (lua_State *L) {
  int arg;
  lua_State *L1 = hookthread(L, &arg);
  if (!lua_isnoneornil(L, arg + 1)) {
    luaL_checkstring(L, arg + 2);
    luaL_checktype(L, arg + 1, LUA_TFUNCTION);
    luaL_optinteger(L, arg + 3, 0);
  }
  return callhookfunc(L, L1, 0);
}


static int sig_gethook (lua_State *L) {
  int arg;
  lua_State *L1 = hookthread(L, &arg);
  return callhookfunc(L, L1, LUA_MULTRET);
}


/* Pushes 'wrapper' around the function at 'arg', unless it is one. */
static void pushwrapped (lua_State *L, int arg, lua_CFunction wrapper) {
  lua_pushvalue(L, arg);
  if (lua_tocfunction(L, arg) != wrapper)
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
