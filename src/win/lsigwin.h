/*
** Internal interface of the Windows build of the signal module: the
** peer of src/lsignal.h, whose POSIX types (sigset_t, siginfo_t,
** struct sigaction) Windows lacks. It defines the same include guard,
** so the portable files shared with the POSIX build (dispatch.c,
** handlers.c, hooks.c, coroutines.c), compiled after it (shared_win.c),
** compile unchanged against it: the names they use have the same
** meaning here.
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

/* A disposition as the C runtime holds it: signal()'s argument; the
** lsig_Action of the shared handlers.c, whose lsig_handlerof gives it
** as it is. */
typedef void (*lsig_CrtHandler) (int);
typedef lsig_CrtHandler lsig_Action;
#define lsig_handlerof(a) (*(a))

#include "../ldispatch.h"

/* engine_win.c: ownership (what dispatch.c has of it: ldispatch.h) */
LSIG_FUNC int lsig_claim (lua_State *L);
LSIG_FUNC void lsig_unclaim (lua_State *L);

/* engine_win.c: dispositions ('restart' is there for handlers.c:
** Windows has no SA_RESTART, and its handlers restart nothing) */
LSIG_FUNC int lsig_setaction (int signo, int kind, int restart);
LSIG_FUNC int lsig_putaction (int signo, const lsig_Action *a);
LSIG_FUNC int lsig_getaction (int signo, lsig_Action *a);
LSIG_FUNC int lsig_isours (const lsig_Action *a);

/* What the POSIX engine does after a handler changes (siginfo records)
** and before signal and getsignal look (another library's disposition
** replacing ours), Windows does not do: handlers.c calls them anyway. */
#define lsig_sethandler(L, signo) ((void)(L), (void)(signo))
#define lsig_audit(L) ((void)(L))

/* engine_win.c: delivery */
LSIG_FUNC int lsig_wait (double timeout);

/* coroutines.c */
LSIG_FUNC int lsig_closethread (lua_State *co, lua_State *from);

/* wakeup_win.c: what the C handler and the engine call */
LSIG_FUNC void lsig_notify (int signo);

/* Dispatch (dispatch.c) warns of a failed write to the wakeup fd on
** POSIX (wakeup.c); here check alone warns (wakeup_win.c). */
#define lsig_warnwakeup(L) ((void)(L))

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
