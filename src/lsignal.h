/*
** Internal interface shared by the C files of the signal module.
** core.c opens the module and calls each file's lsig_open_* function;
** engine.c is the delivery engine the other files call into, with
** dispatch.c, its hook and dispatch half (ldispatch.h is their seam).
*/

#ifndef lsignal_h
#define lsignal_h

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lua.h"

/* One more than the highest signal number (65 on Linux). */
#define LSIG_NSIG NSIG

/* What the module's files share stays out of the dynamic symbol table,
** as Lua keeps its own (LUAI_FUNC): only luaopen_signal_core is
** exported, and calls between the files need no PLT. */
#if defined(__GNUC__) && (defined(__ELF__) || defined(__APPLE__))
#define LSIG_FUNC __attribute__((visibility("hidden"))) extern
#else
#define LSIG_FUNC extern
#endif

#include "lplatform.h"
#include "ldispatch.h"


/* What a disposition is, in the integers Python gives SIG_DFL and
** SIG_IGN, and a Lua handler. */
enum { LSIG_DFL = 0, LSIG_IGN = 1, LSIG_LUA = 2 };

/*
** A delivery's siginfo as the module keeps it for a handler that takes
** it (siginfo.c): the fields of the table a handler gets, in 48 bytes.
** 'value' is si_value's sival_int (what sigqueue sends); 'addr' is
** si_addr where the kernel sets it ('hasaddr'), as an integer.
*/
typedef struct lsig_Info {
  int signo, code, err, pid, status, value;
  unsigned uid;
  int hasaddr;
  long band;
  uintptr_t addr;
} lsig_Info;

/* engine.c: ownership (what dispatch.c has of it: ldispatch.h) */
LSIG_FUNC int lsig_claim (lua_State *L);
LSIG_FUNC void lsig_unclaim (lua_State *L);

/* engine.c: dispositions. A disposition as the system holds it is an
** lsig_Action (handlers.c, shared with Windows, where it is the C
** runtime's handler); lsig_handlerof gives its SIG_DFL or SIG_IGN. */
typedef struct sigaction lsig_Action;
#define lsig_handlerof(a) ((a)->sa_handler)
LSIG_FUNC int lsig_setaction (int signo, int kind, int restart);
LSIG_FUNC int lsig_getaction (int signo, lsig_Action *sa);
LSIG_FUNC void lsig_discard (int signo);
LSIG_FUNC int lsig_putaction (int signo, const struct sigaction *sa);
LSIG_FUNC int lsig_setrestart (int signo, int restart);
LSIG_FUNC int lsig_isours (const struct sigaction *sa);
LSIG_FUNC void lsig_handledset (sigset_t *set);
LSIG_FUNC void lsig_audit (lua_State *L);

/* engine.c: delivery; lsig_deliver is the C handler, for another
** handler of the module (shutdown.c) that passes deliveries on */
LSIG_FUNC void lsig_deliver (int signo, siginfo_t *info, void *context);
LSIG_FUNC void lsig_sethandler (lua_State *L, int signo);
LSIG_FUNC int lsig_hold (lua_State *L, int signo, int on);
LSIG_FUNC int lsig_isheld (int signo);

/* coroutines.c */
LSIG_FUNC int lsig_closethread (lua_State *co, lua_State *from);

/* wakeup.c: what the C handler and the engine call */
LSIG_FUNC void lsig_notify (int signo);
LSIG_FUNC void lsig_warnwakeup (lua_State *L);
LSIG_FUNC void lsig_closewakeup (void);
LSIG_FUNC void lsig_forkwakeup (void);

/* notify.c: the address in $NOTIFY_SOCKET; a datagram to it */
struct sockaddr_un;
LSIG_FUNC int lsig_notifyaddr (struct sockaddr_un *sa);
LSIG_FUNC int lsig_sendstate (const struct sockaddr_un *sa, int salen,
                              const char *state, size_t len);

/* shutdown.c: the kernel's default action now; the shutdown set's C
** handler (counted as the module's own) */
LSIG_FUNC void lsig_defaultaction (int signo);
LSIG_FUNC void lsig_onshutdown (int signo, siginfo_t *info, void *context);

/* process.c */
LSIG_FUNC pid_t lsig_checkpid (lua_State *L, int arg);

/* siginfo.c */
LSIG_FUNC void lsig_fillinfo (lsig_Info *r, const siginfo_t *si);
LSIG_FUNC void lsig_pushinfo (lua_State *L, int signo, const lsig_Info *r);
LSIG_FUNC void lsig_pushinfobuilder (lua_State *L);

/* names.c */
LSIG_FUNC int lsig_checksignal (lua_State *L, int arg);
LSIG_FUNC int lsig_checksignal0 (lua_State *L, int arg);
LSIG_FUNC const char *lsig_pushsigname (lua_State *L, int signo);
LSIG_FUNC void lsig_checkset (lua_State *L, int arg, sigset_t *set);
LSIG_FUNC void lsig_pushset (lua_State *L, const sigset_t *set);
LSIG_FUNC void lsig_setinteger (lua_State *L, const char *name, lua_Integer value);

/* timers.c */
LSIG_FUNC void lsig_stoptimer (int signo);

/* waits.c */
LSIG_FUNC int lsig_wait (double timeout);
LSIG_FUNC int lsig_guarded (int signo);
LSIG_FUNC double lsig_monotonic (void);
LSIG_FUNC struct timespec lsig_timespec (double seconds);

/* Each file's part of the module table (at the top of the stack). */
LSIG_FUNC void lsig_open_coroutines (lua_State *L);
LSIG_FUNC void lsig_open_handlers (lua_State *L);
LSIG_FUNC void lsig_open_hooks (lua_State *L);
LSIG_FUNC void lsig_open_names (lua_State *L);
LSIG_FUNC void lsig_open_notify (lua_State *L);
LSIG_FUNC void lsig_open_platform (lua_State *L);
LSIG_FUNC void lsig_open_process (lua_State *L);
LSIG_FUNC void lsig_open_shutdown (lua_State *L);
LSIG_FUNC void lsig_open_siginfo (lua_State *L);
LSIG_FUNC void lsig_open_spawn (lua_State *L);
LSIG_FUNC void lsig_open_timers (lua_State *L);
LSIG_FUNC void lsig_open_wakeup (lua_State *L);
LSIG_FUNC void lsig_open_waits (lua_State *L);

#endif
