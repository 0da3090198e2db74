/*
** Internal interface shared by the C files of the signal module.
** core.c opens the module and calls each file's lsig_open_* function;
** engine.c is the delivery engine the other files call into.
*/

#ifndef lsignal_h
#define lsignal_h

#include <signal.h>
#include <time.h>

#include "lua.h"

/* One more than the highest signal number (65 on Linux). */
#define LSIG_NSIG NSIG

/* What a disposition is, in the integers Python gives SIG_DFL and
** SIG_IGN, and a Lua handler. */
enum { LSIG_DFL = 0, LSIG_IGN = 1, LSIG_LUA = 2 };

/* Registry keys: addresses of static objects, unique per process. */
extern const char lsig_handlers_key;  /* signo -> Lua handler */

/* engine.c: ownership */
int lsig_isowner (lua_State *L);
void lsig_checkowner (lua_State *L);
int lsig_claim (lua_State *L);
void lsig_unclaim (lua_State *L);

/* engine.c: dispositions */
int lsig_setaction (int signo, int kind, int restart);
int lsig_putaction (int signo, const struct sigaction *sa);
int lsig_setrestart (int signo, int restart);
int lsig_isours (const struct sigaction *sa);
void lsig_handledset (sigset_t *set);
void lsig_audit (lua_State *L);

/* engine.c: delivery */
void lsig_dispatch (lua_State *L);
int lsig_haspending (void);
int lsig_inhandler (void);
int lsig_takewake (const siginfo_t *info);
lua_Hook lsig_programhook (lua_State *T, int *mask);
void lsig_armself (lua_State *T);
void lsig_disarm (lua_State *T);
unsigned lsig_armcount (void);
int lsig_enterco (lua_State *L, lua_State *co, lua_State **prev);
void lsig_leaveco (lua_State *L, lua_State *co, lua_State *prev);

/* wakeup.c: what the C handler and the engine call */
void lsig_notify (int signo);
void lsig_warnwakeup (lua_State *L);
void lsig_closewakeup (void);
void lsig_forkwakeup (void);

/* names.c */
int lsig_checksignal (lua_State *L, int arg);
int lsig_checksignal0 (lua_State *L, int arg);
void lsig_checkset (lua_State *L, int arg, sigset_t *set);
void lsig_pushset (lua_State *L, const sigset_t *set);
void lsig_setinteger (lua_State *L, const char *name, lua_Integer value);

/* waits.c */
int lsig_wait (double timeout);
double lsig_monotonic (void);
struct timespec lsig_timespec (double seconds);

/* Each file's part of the module table (at the top of the stack). */
void lsig_open_coroutines (lua_State *L);
void lsig_open_handlers (lua_State *L);
void lsig_open_hooks (lua_State *L);
void lsig_open_names (lua_State *L);
void lsig_open_process (lua_State *L);
void lsig_open_timers (lua_State *L);
void lsig_open_wakeup (lua_State *L);
void lsig_open_waits (lua_State *L);

#endif
