/*
** The hook and dispatch half of the delivery engine (dispatch.c), the
** same on every platform: what the module's files call, and the seam
** between it and the platform's delivery engine, which takes
** deliveries in, counts them and owns delivery (src/engine.c for
** POSIX, src/win/engine_win.c for Windows); dispatch.c arms the debug
** hook, keeps the program's hooks, and runs the handlers on the
** runner. engine.c's design note holds for both halves.
**
** Included by lsignal.h and by src/win/lsigwin.h (after LSIG_FUNC), so
** that the POSIX and Windows builds declare it once. Windows compiles
** dispatch.c through src/win/shared_win.c, against lsigwin.h, whose
** names have the same meaning.
*/

#ifndef ldispatch_h
#define ldispatch_h

#include <stdatomic.h>

#include "lua.h"


/* Registry keys: addresses of static objects, unique per process. */
LSIG_FUNC const char lsig_handlers_key;  /* signo -> Lua handler */

/* dispatch.c: ownership, as both engines keep it */
LSIG_FUNC int lsig_isowner (lua_State *L);
LSIG_FUNC void lsig_checkowner (lua_State *L);

/* dispatch.c: the hooks, dispatch and the runner */
LSIG_FUNC void lsig_dispatch (lua_State *L);
LSIG_FUNC int lsig_haspending (void);
LSIG_FUNC int lsig_inhandler (void);
LSIG_FUNC lua_Hook lsig_programhook (lua_State *T, int *mask);
LSIG_FUNC void lsig_armself (lua_State *T);
LSIG_FUNC void lsig_disarm (lua_State *T);
LSIG_FUNC unsigned lsig_armcount (void);
LSIG_FUNC int lsig_enterco (lua_State *L, lua_State *co, lua_State **prev);
LSIG_FUNC void lsig_leaveco (lua_State *L, lua_State *co, lua_State *prev);
LSIG_FUNC void lsig_inherithook (lua_State *L, lua_State *co);
LSIG_FUNC lua_State *lsig_runner (void);
LSIG_FUNC lua_State *lsig_interrupted (void);


/*
** {======================================================
** The seam between an engine and dispatch.c
** =======================================================
*/

/*
** What both halves read and write, defined in dispatch.c. The engine's
** C handlers set 'lsig_any_pending' after they count a delivery, and
** read 'lsig_owner_main' (NULL: no owner); the engine's claim and its
** end set both owner variables.
*/
LSIG_FUNC atomic_int lsig_any_pending;
LSIG_FUNC _Atomic(lua_State *) lsig_owner_main;
LSIG_FUNC _Atomic(const void *) lsig_owner_registry;


/* dispatch.c, for the engine's C handlers: arms the running coroutine
** and the main thread, unless the main flow is editing hooks or
** dispatching (it looks at 'lsig_any_pending' when it is done). */
LSIG_FUNC void lsig_armall (lua_State *main);

/* dispatch.c, for the engine's claim and its end: the owner's __gc
** sentinel, whose 'release' ends ownership, and its runner, each made
** the first time (before the claim publishes anything); the runner and
** the handler table's reference dispatch uses from now on; unclaim's
** undoing of that; and, at the owner's end, everything dispatch holds
** forgotten. */
LSIG_FUNC void *lsig_findsentinel (lua_State *L, lua_CFunction release);
LSIG_FUNC lua_State *lsig_findrunner (lua_State *L);
LSIG_FUNC void lsig_bindrunner (lua_State *R, int ref);
LSIG_FUNC void lsig_unbindrunner (lua_State *L);
LSIG_FUNC void lsig_resetdispatch (void);


/*
** What the engine supplies to dispatch.c. lsig_followthread makes the
** calling OS thread the Lua thread (cheap when it is). lsig_takepending
** takes the lowest signal with a delivery left (0: none), and
** lsig_giveback puts a delivery taken and not run back, to wait for the
** next arm; lsig_morepending says whether any signal still has one.
*/
LSIG_FUNC void lsig_followthread (void);
LSIG_FUNC int lsig_takepending (void);
LSIG_FUNC void lsig_giveback (int signo);
LSIG_FUNC int lsig_morepending (void);

/*
** Siginfo records (engine.c's notes 7 and 8; Windows has none: NULL,
** nothing, LUA_NOREF). lsig_peekrecord gives the record due for the
** delivery just taken, or NULL; lsig_droprecord frees it once the
** handler was called; lsig_infobuilder gives the registry reference of
** siginfo.c's builder of a handler's info when signo's handler takes
** one, else LUA_NOREF.
*/
struct lsig_Info;
LSIG_FUNC const struct lsig_Info *lsig_peekrecord (int signo);
LSIG_FUNC void lsig_droprecord (int signo);
LSIG_FUNC int lsig_infobuilder (int signo);

/* }====================================================== */

#endif
