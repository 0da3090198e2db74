/*
** Internal interface shared by the C files of the signal module.
** Each file owns one concern and adds its functions to the module
** table through its lsig_open_* function.
*/

#ifndef lsignal_h
#define lsignal_h

#include <signal.h>
#include <time.h>

#include "lua.h"

/* One more than the highest signal number (65 on Linux). */
#define LSIG_NSIG NSIG

/* Registry keys: addresses of static objects, unique per process. */
extern const char lsig_handlers_key;

/* names.c */
int lsig_checksignal (lua_State *L, int arg);
int lsig_checksignal0 (lua_State *L, int arg);
void lsig_checkset (lua_State *L, int arg, sigset_t *set);
void lsig_pushset (lua_State *L, const sigset_t *set);

/* core.c */
void lsig_dispatch (lua_State *L);
int lsig_haspending (void);
lua_Hook lsig_programhook (lua_State *T, int *mask);
void lsig_claim (lua_State *L);
int lsig_pushfail (lua_State *L, const char *what);
void lsig_handledset (sigset_t *set);
void lsig_setwakeup (int fd, int warn_on_full);
int lsig_getwakeup (void);
int lsig_pollfd (lua_State *L);

/* waits.c */
int lsig_wait (double timeout);
double lsig_monotonic (void);
struct timespec lsig_timespec (double seconds);

/* Each file's part of the module table (at the top of the stack). */
void lsig_open_names (lua_State *L);
void lsig_open_process (lua_State *L);
void lsig_open_timers (lua_State *L);
void lsig_open_waits (lua_State *L);

#endif
