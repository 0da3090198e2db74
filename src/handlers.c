/*
** Installing handlers: signal, getsignal, scoped, siginterrupt,
** raise_signal, default_int_handler and KeyboardInterrupt.
**
** A failing call leaves everything as it was (see install).
**
** The same file on every platform (Windows compiles it through
** src/win/shared_win.c): a disposition is the engine's lsig_Action, a
** struct sigaction on POSIX and the C runtime's signal() handler on
** Windows, read with lsig_getaction and told apart with
** lsig_handlerof and lsig_isours. Windows has no SA_RESTART, so no
** siginterrupt (nil there, as in CPython); it keeps no siginfo records
** and audits nothing (lsigwin.h: lsig_sethandler and lsig_audit do
** nothing there).
*/

#define _GNU_SOURCE

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


static const char interrupt_key = 0;  /* registry: KeyboardInterrupt */

/* siginterrupt(signo, true) was asked: install without SA_RESTART. */
static char interrupts[LSIG_NSIG];


static int sig_default_int_handler (lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &interrupt_key);
  return lua_error(L);
}


static int iscallable (lua_State *L, int arg) {
  if (lua_isfunction(L, arg)) return 1;
  if (luaL_getmetafield(L, arg, "__call") != LUA_TNIL) {
    lua_pop(L, 1);
    return 1;
  }
  return 0;
}


static int checkhandler (lua_State *L, int arg) {
  int isint;
  lua_Integer v = lua_tointegerx(L, arg, &isint);
  if (lua_type(L, arg) == LUA_TNUMBER && isint
      && (v == LSIG_DFL || v == LSIG_IGN))
    return (int)v;
  if (iscallable(L, arg))
    return LSIG_LUA;
  return luaL_argerror(L, arg, "signal handler must be signal.SIG_IGN, "
                               "signal.SIG_DFL, or a callable object");
}


/* Pushes the handler in force for signo, in the forms getsignal gives:
** what the kernel will do now. */
static void pushhandler (lua_State *L, int signo) {
  lsig_Action a;
  if (!lsig_getaction(signo, &a))
    luaL_pushfail(L);
  else if (lsig_handlerof(&a) == SIG_DFL)
    lua_pushinteger(L, LSIG_DFL);
  else if (lsig_handlerof(&a) == SIG_IGN)
    lua_pushinteger(L, LSIG_IGN);
  else if (lsig_isours(&a) && lsig_isowner(L)) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
    lua_rawgeti(L, -1, signo);
    lua_remove(L, -2);
  }
  else
    luaL_pushfail(L);  /* not installed from Lua */
}


/*
** Handlers are installed with SA_RESTART, since Lua's io functions do
** not retry on EINTR, except where the program asked otherwise, and
** for the handler that raises: Ctrl-C must end a blocking read at once.
*/
static int restarts (lua_State *L, int signo, int kind, int arg) {
  return !interrupts[signo]
         && !(kind == LSIG_LUA
              && lua_tocfunction(L, arg) == sig_default_int_handler);
}


/* Pushes what the handler table holds for a handler of this kind. */
static void pushentry (lua_State *L, int kind, int arg) {
  if (kind == LSIG_LUA) lua_pushvalue(L, arg);
  else lua_pushnil(L);
}


/*
** The error for a disposition the system refused: it names the signal
** as every message does and says why before the system's message.
*/
static int refused (lua_State *L, const char *what, int signo, int e) {
  const char *name = lsig_pushsigname(L, signo);
#ifdef SIGSTOP
  if (signo == SIGKILL || signo == SIGSTOP)
    return luaL_error(L, "%s%s cannot be caught or ignored: %s",
                      what, name, strerror(e));
#endif
#ifdef SIGRTMIN
  if (signo > 31 && signo < SIGRTMIN)
    return luaL_error(L, "%s%s is reserved by the C library: %s",
                      what, name, strerror(e));
#endif
  return luaL_error(L, "%scannot set the handler of %s: %s",
                    what, name, strerror(e));
}


/*
** Sets the handler at 'arg' (of the given kind) for signo; 0, or the
** errno of the system's refusal. What may run out of memory comes
** first and changes nothing when it fails: the table entry is made
** and put back (an integer key stays in a table while its value is
** nil, so setting it again needs no memory), then the claim, which
** publishes nothing until it cannot fail. The kernel's disposition
** changes last, and a refusal undoes the rest.
*/
static int install (lua_State *L, int signo, int kind, int arg) {
  int fresh;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
  lua_rawgeti(L, -1, signo);  /* stack: handlers previous */
  pushentry(L, kind, arg);
  lua_rawseti(L, -3, signo);
  lua_pushvalue(L, -1);
  lua_rawseti(L, -3, signo);
  fresh = lsig_claim(L);
  pushentry(L, kind, arg);
  lua_rawseti(L, -3, signo);
  if (!lsig_setaction(signo, kind, restarts(L, signo, kind, arg))) {
    int e = errno;
    lua_rawseti(L, -2, signo);  /* the previous entry back */
    if (fresh) lsig_unclaim(L);
    lua_pop(L, 1);
    return e;
  }
  lua_pop(L, 2);
  lsig_sethandler(L, signo);  /* does it take info? */
  return 0;
}


static int sig_signal (lua_State *L) {
  int signo = lsig_checksignal(L, 1);
  int kind = checkhandler(L, 2);
  int err;
  lsig_checkowner(L);
  lsig_audit(L);
  pushhandler(L, signo);  /* the previous handler, to return */
  err = install(L, signo, kind, 2);
  if (err != 0) return refused(L, "", signo, err);
  lsig_dispatch(L);
  return 1;
}


static int sig_getsignal (lua_State *L) {
  int signo = lsig_checksignal(L, 1);
  lsig_audit(L);
  pushhandler(L, signo);
  return 1;
}


/*
** scoped(signum, handler): a to-be-closed value that puts back the
** exact disposition it replaced, a handler from outside Lua included.
**
** Scopes may be closed in any order (scope:close() is public), so
** each signal has a stack of its open scopes, oldest first, in the
** registry. A scope remembers the disposition it replaced. Closing
** the newest puts that back; closing one below hands what it replaced
** to the scope just above it, which will put it back in its turn, and
** changes nothing now: the handler in force stays that of the newest
** open scope, and once all are closed the first one's is back. The
** stack holds its scopes, so a scope never closed stays open.
*/
#define SCOPE_MT "signal.scope"

static const char scopes_key = 0;  /* registry: signo -> open scopes */

typedef struct Scope {
  int signo;
  int open;
  lsig_Action previous;
} Scope;


/* Pushes the stack of open scopes of signo, made if need be. */
static void pushscopes (lua_State *L, int signo) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &scopes_key) == LUA_TNIL) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &scopes_key);
  }
  if (lua_rawgeti(L, -1, signo) == LUA_TNIL) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, signo);
  }
  lua_remove(L, -2);  /* stack: scopes */
}


static int sig_scoped (lua_State *L) {
  int signo = lsig_checksignal(L, 1);
  int kind = checkhandler(L, 2);
  Scope *scope;
  lua_Integer n;
  int err;
  lsig_checkowner(L);
  scope = (Scope *)lua_newuserdatauv(L, sizeof(Scope), 1);
  scope->signo = signo;
  scope->open = 0;
  luaL_setmetatable(L, SCOPE_MT);
  if (!lsig_getaction(signo, &scope->previous))
    return refused(L, "", signo, errno);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
  lua_rawgeti(L, -1, signo);
  lua_setiuservalue(L, -3, 1);  /* the previous Lua handler, if any */
  lua_pop(L, 1);
  /* its place on the stack first, while a failure changes nothing */
  pushscopes(L, signo);  /* stack: scope scopes */
  n = (lua_Integer)lua_rawlen(L, -1) + 1;
  lua_pushvalue(L, -2);
  lua_rawseti(L, -2, n);
  err = install(L, signo, kind, 2);
  if (err != 0) {
    lua_pushnil(L);
    lua_rawseti(L, -2, n);  /* an existing key: needs no memory */
    return refused(L, "", signo, err);
  }
  lua_pop(L, 1);
  scope->open = 1;
  lsig_dispatch(L);
  return 1;
}


/* Where the scope at index 1 stands in its stack (at the top), or 0. */
static lua_Integer findscope (lua_State *L) {
  lua_Integer i, n = (lua_Integer)lua_rawlen(L, -1);
  for (i = n; i > 0; i--) {
    int same;
    lua_rawgeti(L, -1, i);
    same = lua_rawequal(L, -1, 1);
    lua_pop(L, 1);
    if (same) return i;
  }
  return 0;
}


/* Puts back what the scope at index 1 replaced. */
static int restorescope (lua_State *L, Scope *scope) {
  int signo = scope->signo;
  /* the table first: it may need memory, and then nothing changed */
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
  lua_rawgeti(L, -1, signo);  /* stack: handlers current */
  lua_getiuservalue(L, 1, 1);
  lua_rawseti(L, -3, signo);
  if (!lsig_putaction(signo, &scope->previous)) {
    int e = errno;
    lua_rawseti(L, -2, signo);
    lua_pop(L, 1);
    return e;
  }
  lua_pop(L, 2);
  lsig_sethandler(L, signo);
  return 0;
}


static int scope_close (lua_State *L) {
  Scope *scope = (Scope *)luaL_checkudata(L, 1, SCOPE_MT);
  lua_Integer i, n;
  if (!scope->open) return 0;
  pushscopes(L, scope->signo);  /* stack: scope scopes */
  n = (lua_Integer)lua_rawlen(L, -1);
  i = findscope(L);
  if (i == n || i == 0) {  /* the newest (or, lost, as the newest) */
    int err = restorescope(L, scope);
    if (err != 0) return refused(L, "scoped: ", scope->signo, err);
  }
  else {  /* the scope above it will put back what it replaced */
    Scope *above;
    lua_rawgeti(L, -1, i + 1);
    above = (Scope *)lua_touserdata(L, -1);
    above->previous = scope->previous;
    lua_getiuservalue(L, 1, 1);
    lua_setiuservalue(L, -2, 1);
    lua_pop(L, 1);
  }
  if (i > 0) {  /* out of the stack: existing keys, no memory needed */
    for (; i < n; i++) {
      lua_rawgeti(L, -1, i + 1);
      lua_rawseti(L, -2, i);
    }
    lua_pushnil(L);
    lua_rawseti(L, -2, n);
  }
  scope->open = 0;
  lua_pop(L, 1);
  lsig_dispatch(L);
  return 0;
}


static int scope_tostring (lua_State *L) {
  Scope *scope = (Scope *)luaL_checkudata(L, 1, SCOPE_MT);
  const char *name = lsig_pushsigname(L, scope->signo);
  lua_pushfstring(L, "signal scope (%s, %s)", name,
                  scope->open ? "open" : "closed");
  return 1;
}


static const luaL_Reg scope_methods[] = {
  {"close", scope_close},
  {NULL, NULL}
};


static const luaL_Reg scope_meta[] = {
  {"__close", scope_close},
  {"__index", NULL},  /* placeholder */
  {"__tostring", scope_tostring},
  {NULL, NULL}
};


#ifdef SA_RESTART
/* As CPython: the flag goes on the disposition in force, whatever it
** is, and the system's refusal (SIGKILL, SIGSTOP) is an error. */
static int sig_siginterrupt (lua_State *L) {
  int signo = lsig_checksignal(L, 1);
  int flag, fresh;
  luaL_checkany(L, 2);
  flag = lua_toboolean(L, 2);
  fresh = lsig_claim(L);
  if (!lsig_setrestart(signo, !flag)) {
    int e = errno;
    if (fresh) lsig_unclaim(L);
    return refused(L, "siginterrupt: ", signo, e);
  }
  interrupts[signo] = (char)flag;
  return 0;
}
#endif


/*
** Signals between the kernel's 31 and SIGRTMIN are the C library's own
** (glibc 32-33, musl 32-34): raising one would act on its threads.
** raise() runs the C handler on this thread (unless the signal is
** blocked), so the Lua handler has run when this returns.
*/
static int sig_raise_signal (lua_State *L) {
  int signo = lsig_checksignal(L, 1);
#ifdef SIGRTMIN
  if (signo > 31 && signo < SIGRTMIN)
    return luaL_argerror(L, 1, lua_pushfstring(L,
               "%s is reserved by the C library", lsig_pushsigname(L, signo)));
#endif
  if (raise(signo) != 0)
    return luaL_error(L, "raise_signal: %s", strerror(errno));
  lsig_dispatch(L);
  return 0;
}


static int interrupt_tostring (lua_State *L) {
  lua_pushliteral(L, "KeyboardInterrupt");
  return 1;
}


/* One KeyboardInterrupt per state, kept across reloads of the module. */
static void pushinterrupt (lua_State *L) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &interrupt_key) == LUA_TNIL) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, interrupt_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "KeyboardInterrupt");
    lua_setfield(L, -2, "__name");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &interrupt_key);
  }
}


static const luaL_Reg handlers_funcs[] = {
  {"default_int_handler", sig_default_int_handler},
  {"getsignal", sig_getsignal},
  {"raise_signal", sig_raise_signal},
  {"scoped", sig_scoped},
#ifdef SA_RESTART
  {"siginterrupt", sig_siginterrupt},
#endif
  {"signal", sig_signal},
  {NULL, NULL}
};


void lsig_open_handlers (lua_State *L) {
  if (luaL_newmetatable(L, SCOPE_MT)) {
    luaL_setfuncs(L, scope_meta, 0);
    luaL_newlib(L, scope_methods);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, handlers_funcs, 0);
  pushinterrupt(L);
  lua_setfield(L, -2, "KeyboardInterrupt");
}
