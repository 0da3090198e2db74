/*
** Internal interface of the Windows build of the signal module: the
** peer of src/lsignal.h, whose POSIX types (sigset_t, siginfo_t,
** struct sigaction) Windows lacks. It defines the same include guard,
** so the portable files shared with the POSIX build (hooks.c,
** coroutines.c), compiled after it (shared_win.c), compile unchanged
** against it: the names they use have the same meaning here.
*/

#ifndef lsignal_h
#define lsignal_h

#include <signal.h>
#include <stddef.h>

#include "lua.h"

/* The C runtime's numbers run to SIGABRT, 22 (mingw-w64 and MSVC). */
#define LSIG_NSIG NSIG

#define LSIG_FUNC extern

/* What a disposition is, in the integers Python gives SIG_DFL and
** SIG_IGN, and a Lua handler. */
enum { LSIG_DFL = 0, LSIG_IGN = 1, LSIG_LUA = 2 };

/* A disposition as the C runtime holds it: signal()'s argument. */
typedef void (*lsig_CrtHandler) (int);

/* Registry keys: addresses of static objects, unique per process. */
LSIG_FUNC const char lsig_handlers_key;  /* signo -> Lua handler */

/* engine_win.c: ownership */
LSIG_FUNC int lsig_isowner (lua_State *L);
LSIG_FUNC void lsig_checkowner (lua_State *L);
LSIG_FUNC int lsig_claim (lua_State *L);
LSIG_FUNC void lsig_unclaim (lua_State *L);

/* engine_win.c: dispositions */
LSIG_FUNC int lsig_setaction (int signo, int kind);
LSIG_FUNC int lsig_putaction (int signo, lsig_CrtHandler h);
LSIG_FUNC lsig_CrtHandler lsig_getaction (int signo);
LSIG_FUNC int lsig_isours (lsig_CrtHandler h);

/* engine_win.c: delivery */
LSIG_FUNC void lsig_dispatch (lua_State *L);
LSIG_FUNC int lsig_haspending (void);
LSIG_FUNC int lsig_inhandler (void);
LSIG_FUNC int lsig_wait (double timeout);
LSIG_FUNC lua_Hook lsig_programhook (lua_State *T, int *mask);
LSIG_FUNC void lsig_armself (lua_State *T);
LSIG_FUNC void lsig_disarm (lua_State *T);
LSIG_FUNC unsigned lsig_armcount (void);
LSIG_FUNC int lsig_enterco (lua_State *L, lua_State *co, lua_State **prev);
LSIG_FUNC lua_State *lsig_runner (void);
LSIG_FUNC lua_State *lsig_interrupted (void);

/* coroutines.c */
LSIG_FUNC int lsig_closethread (lua_State *co, lua_State *from);
LSIG_FUNC void lsig_leaveco (lua_State *L, lua_State *co, lua_State *prev);

/* wakeup_win.c: what the C handler and the engine call */
LSIG_FUNC void lsig_notify (int signo);

/* names_win.c */
LSIG_FUNC int lsig_checksignal (lua_State *L, int arg);
LSIG_FUNC const char *lsig_pushsigname (lua_State *L, int signo);
LSIG_FUNC void lsig_setinteger (lua_State *L, const char *name, lua_Integer value);

/* Each file's part of the module table (at the top of the stack). */
LSIG_FUNC void lsig_open_coroutines (lua_State *L);
LSIG_FUNC void lsig_open_handlers (lua_State *L);
LSIG_FUNC void lsig_open_hooks (lua_State *L);
LSIG_FUNC void lsig_open_names (lua_State *L);
LSIG_FUNC void lsig_open_process (lua_State *L);
LSIG_FUNC void lsig_open_wakeup (lua_State *L);

#endif
