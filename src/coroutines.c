/*
** Prompt delivery inside coroutines. Stock Lua keeps debug hooks per
** thread, so the engine must know which coroutine runs to arm it: the
** module replaces coroutine.resume and coroutine.wrap with functions
** that say so (lsig_enterco/lsig_leaveco) around the resume, and
** otherwise behave as the originals: same results, same errors, same
** tracebacks.
*/

#define _GNU_SOURCE

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


/*
** coroutine.resume is the stock one, called between the two marks.
** The thread is checked here first, so that a bad argument is reported
** against this function's name, as the stock one reports it.
*/
static int co_resume (lua_State *L) {
  lua_State *co = lua_tothread(L, 1);
  lua_State *prev = NULL;
  int n = lua_gettop(L), tracked;
  luaL_argexpected(L, co, 1, "thread");
  luaL_checkstack(L, 1, NULL);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  tracked = lsig_enterco(L, co, &prev);
  lua_call(L, n, LUA_MULTRET);  /* the stock resume never raises */
  if (tracked) lsig_leaveco(L, co, prev);
  return lua_gettop(L);
}


/*
** coroutine.wrap needs its own call: the stock one resumes from C,
** where no wrapper can see the coroutine start, and calling it from
** here would make its error position point here instead of at the
** caller. The closure resumes its coroutine as co_resume does, and on
** an error closes the coroutine and raises with the caller's position.
*/

#if LUA_VERSION_NUM == 504 && LUA_VERSION_RELEASE_NUM == 50405
#error "Lua 5.4.5 was withdrawn (its lua_resetthread differs): use 5.4.6"
#endif

/* Closes a dead coroutine's pending to-be-closed variables. Before
** 5.4.3 this returns LUA_OK when none fails; from 5.4.3 on, the error
** status with the (possibly new) error object on co's stack. */
static int closeco (lua_State *co, lua_State *L) {
#if LUA_VERSION_NUM > 504 || LUA_VERSION_RELEASE_NUM >= 50406
  return lua_closethread(co, L);
#else
  (void)L;
  return lua_resetthread(co);
#endif
}


static int wrapped_call (lua_State *L) {
  lua_State *co = lua_tothread(L, lua_upvalueindex(1));
  lua_State *prev = NULL;
  int narg = lua_gettop(L), status = LUA_ERRRUN, nres, tracked;
  if (!lua_checkstack(co, narg))
    lua_pushliteral(L, "too many arguments to resume");
  else {
    lua_xmove(L, co, narg);
    tracked = lsig_enterco(L, co, &prev);
    status = lua_resume(co, L, narg, &nres);
    if (tracked) lsig_leaveco(L, co, prev);
    if (status == LUA_OK || status == LUA_YIELD) {
      if (lua_checkstack(L, nres + 1)) {
        lua_xmove(co, L, nres);
        return nres;
      }
      lua_pop(co, nres);
      lua_pushliteral(L, "too many results to resume");
    }
    else {
      int st = lua_status(co);
      int died = st != LUA_OK && st != LUA_YIELD;  /* not refused */
      lua_xmove(co, L, 1);  /* the error */
      if (died && closeco(co, L) != LUA_OK) {  /* may be a new error */
        lua_pop(L, 1);
        lua_xmove(co, L, 1);
      }
    }
  }
  if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
    luaL_where(L, 1);  /* the caller's position, as the stock wrap adds */
    lua_insert(L, -2);
    lua_concat(L, 2);
  }
  return lua_error(L);
}


static int co_wrap (lua_State *L) {
  lua_State *co;
  luaL_checktype(L, 1, LUA_TFUNCTION);
  co = lua_newthread(L);
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);
  lua_pushcclosure(L, wrapped_call, 1);
  return 1;
}


/* The replacements, for lua/signal.lua to put in place: resume wraps
** the stock resume given as argument, made once per stock function. */
static int sig_coroutines (lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  if (lua_tocfunction(L, 1) == co_resume)
    lua_pushvalue(L, 1);  /* a reload: already ours */
  else {
    lua_pushvalue(L, 1);
    lua_pushcclosure(L, co_resume, 1);
  }
  lua_pushcfunction(L, co_wrap);
  return 2;
}


static const luaL_Reg coroutines_funcs[] = {
  {"coroutines", sig_coroutines},
  {NULL, NULL}
};


void lsig_open_coroutines (lua_State *L) {
  luaL_setfuncs(L, coroutines_funcs, 0);
}
