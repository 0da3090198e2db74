/*
** Prompt delivery inside coroutines. Stock Lua keeps debug hooks per
** thread, so the engine must know which coroutine runs to arm it: the
** module replaces coroutine.resume and coroutine.wrap with functions
** that say so (lsig_enterco/lsig_leaveco) around the resume, and
** otherwise behave as the originals of the Lua they run on: same
** results, same errors, same tracebacks, same nesting depth. It also
** replaces coroutine.create, and its wrap makes its coroutine the same
** way, because a new thread copies its creator's hook, which may be
** the module's for a moment (lsig_inherithook).
*/

#define _GNU_SOURCE

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


/*
** Both replacements need their own resume: the stock functions resume
** from C, where no wrapper can see the coroutine start. Calling the
** stock coroutine.resume from a wrapper would cost a second C level per
** nested resume, and halve how deep coroutines may nest before "C
** stack overflow" (196 levels with the stock function, 97 that way);
** calling the stock wrap's function from here would make its error
** position point here instead of at the caller.
*/

#if LUA_VERSION_NUM == 504 && LUA_VERSION_RELEASE_NUM == 50405
#error "Lua 5.4.5 was withdrawn (its lua_resetthread differs): use 5.4.6"
#endif

/* Closes a dead coroutine's pending to-be-closed variables; returns
** LUA_OK, or the error status with the error that replaces the one
** already moved (from 5.4.3 on, as the stock wrap of each release). */
int lsig_closethread (lua_State *co, lua_State *L) {
#if LUA_VERSION_NUM > 504 || LUA_VERSION_RELEASE_NUM >= 50406
  return lua_closethread(co, L);
#elif LUA_VERSION_RELEASE_NUM >= 50403
  (void)L;
  return lua_resetthread(co);
#else
  (void)L;
  lua_resetthread(co);  /* its status is not an error before 5.4.3 */
  return LUA_OK;
#endif
}


/*
** Resumes co with the 'narg' values on top of L, telling the engine
** that co runs. Returns the status; the results, or the error value,
** are on top of L, and *nres says how many results.
*/
static int resumeco (lua_State *L, lua_State *co, int narg, int *nres) {
  lua_State *prev = NULL;
  int status, tracked;
  if (!lua_checkstack(co, narg)) {
    lua_pushliteral(L, "too many arguments to resume");
    return LUA_ERRRUN;
  }
  lua_xmove(L, co, narg);
  tracked = lsig_enterco(L, co, &prev);
  status = lua_resume(co, L, narg, nres);
  if (tracked) lsig_leaveco(L, co, prev);
  if (status == LUA_OK || status == LUA_YIELD) {
    if (!lua_checkstack(L, *nres + 1)) {
      lua_pop(co, *nres);
      lua_pushliteral(L, "too many results to resume");
      return LUA_ERRRUN;
    }
    lua_xmove(co, L, *nres);
  }
  else
    lua_xmove(co, L, 1);  /* the error */
  return status;
}


static int co_resume (lua_State *L) {
  lua_State *co = lua_tothread(L, 1);
  int status, nres = 0;
  luaL_argexpected(L, co, 1, "thread");
  status = resumeco(L, co, lua_gettop(L) - 1, &nres);
  if (status == LUA_OK || status == LUA_YIELD) {
    lua_pushboolean(L, 1);
    lua_insert(L, -(nres + 1));
    return nres + 1;
  }
  lua_pushboolean(L, 0);
  lua_insert(L, -2);
  return 2;
}


/* The function coroutine.wrap returns: on an error it closes a dead
** coroutine and raises with the caller's position, as the stock one. */
static int wrapped_call (lua_State *L) {
  lua_State *co = lua_tothread(L, lua_upvalueindex(1));
  int nres = 0;
  int status = resumeco(L, co, lua_gettop(L), &nres);
  int costatus = lua_status(co);
  if (status == LUA_OK || status == LUA_YIELD)
    return nres;
  if (costatus != LUA_OK && costatus != LUA_YIELD  /* it died */
      && lsig_closethread(co, L) != LUA_OK) {  /* a __close error replaces it */
    lua_pop(L, 1);
    lua_xmove(co, L, 1);
  }
  if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
    luaL_where(L, 1);
    lua_insert(L, -2);
    lua_concat(L, 2);
  }
  return lua_error(L);
}


/*
** coroutine.create, as the stock one, except that the new coroutine
** starts with the program's hook, never the module's (a delivery that
** armed the creator would otherwise be copied into it, and the
** program's hook lost there): lsig_inherithook.
*/
static int co_create (lua_State *L) {
  lua_State *co;
  luaL_checktype(L, 1, LUA_TFUNCTION);
  co = lua_newthread(L);
  lsig_inherithook(L, co);
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);
  return 1;
}


/* As the stock one: a coroutine made as create makes it (an argument
** error still names 'wrap', the function running), in a closure. */
static int co_wrap (lua_State *L) {
  co_create(L);
  lua_pushcclosure(L, wrapped_call, 1);
  return 1;
}


/* The replacements, for lua/signal.lua to put in place. */
static int sig_coroutines (lua_State *L) {
  lua_pushcfunction(L, co_resume);
  lua_pushcfunction(L, co_wrap);
  lua_pushcfunction(L, co_create);
  return 3;
}


static const luaL_Reg coroutines_funcs[] = {
  {"coroutines", sig_coroutines},
  {NULL, NULL}
};


void lsig_open_coroutines (lua_State *L) {
  luaL_setfuncs(L, coroutines_funcs, 0);
}
