/*
** Timers: alarm, the interval timers and an interruptible sleep.
*/

#define _GNU_SOURCE

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


static int sig_alarm (lua_State *L) {
  lua_Integer seconds = luaL_checkinteger(L, 1);
  luaL_argcheck(L, 0 <= seconds && seconds <= (lua_Integer)0xFFFFFFFFu, 1,
                "seconds must be a non-negative integer below 2^32");
  lua_pushinteger(L, (lua_Integer)alarm((unsigned int)seconds));
  return 1;
}


/*
** The message starts with "ItimerError:", with no position before it,
** so that it reads like Python's exception and callers can match it.
*/
static int itimererror (lua_State *L, const char *msg) {
  lua_pushfstring(L, "ItimerError: %s", msg);
  return lua_error(L);
}


static int checkwhich (lua_State *L, int arg) {
  lua_Integer which = luaL_checkinteger(L, arg);
  if (which != ITIMER_REAL && which != ITIMER_VIRTUAL && which != ITIMER_PROF)
    itimererror(L, "which must be ITIMER_REAL, ITIMER_VIRTUAL or ITIMER_PROF");
  return (int)which;
}


/*
** Seconds as a timeval. A positive time too small for a microsecond
** rounds up to one, since a zero would disarm the timer instead.
*/
static struct timeval checktime (lua_State *L, int arg) {
  struct timeval tv;
  double s = luaL_checknumber(L, arg);
  double whole;
  long usec;
  if (!(s >= 0) || isinf(s))
    itimererror(L, lua_pushfstring(L, "invalid time %f (must be a "
                "non-negative finite number of seconds)", s));
  if (s > 1e15)  /* where time_t and the conversion below stay exact */
    itimererror(L, lua_pushfstring(L, "invalid time %f (too large: "
                "at most 1e15 seconds)", s));
  whole = floor(s);
  usec = (long)ceil((s - whole) * 1e6);
  if (usec >= 1000000) {
    whole += 1;
    usec -= 1000000;
  }
  tv.tv_sec = (time_t)whole;
  tv.tv_usec = (suseconds_t)usec;  /* below 10^6: fits macOS's int too */
  return tv;
}


static int pushtimer (lua_State *L, const struct itimerval *it) {
  lua_pushnumber(L, (lua_Number)it->it_value.tv_sec
                    + (lua_Number)it->it_value.tv_usec / 1e6);
  lua_pushnumber(L, (lua_Number)it->it_interval.tv_sec
                    + (lua_Number)it->it_interval.tv_usec / 1e6);
  return 2;
}


static int sig_setitimer (lua_State *L) {
  int which = checkwhich(L, 1);
  struct itimerval new, old;
  new.it_value = checktime(L, 2);
  if (lua_isnoneornil(L, 3))
    new.it_interval.tv_sec = new.it_interval.tv_usec = 0;
  else
    new.it_interval = checktime(L, 3);
  if (setitimer(which, &new, &old) != 0)
    return itimererror(L, strerror(errno));
  return pushtimer(L, &old);
}


static int sig_getitimer (lua_State *L) {
  int which = checkwhich(L, 1);
  struct itimerval it;
  if (getitimer(which, &it) != 0)
    return itimererror(L, strerror(errno));
  return pushtimer(L, &it);
}


/* A plain wait that any caught signal ends early. */
#define REST_STEP 0.05  /* seconds: how late a stuck delivery may be seen */

static void rest (double seconds) {
  struct timespec ts = lsig_timespec(seconds);
  nanosleep(&ts, NULL);
}


/* The program's hooks on the sleeping thread and on the main thread. */
typedef struct Hooks {
  lua_Hook hook[2];
  int mask[2];
} Hooks;


static void programhooks (lua_State *L, lua_State *main, Hooks *h) {
  h->hook[0] = lsig_programhook(L, &h->mask[0]);
  h->hook[1] = lsig_programhook(main, &h->mask[1]);
}


static int samehooks (const Hooks *a, const Hooks *b) {
  return a->hook[0] == b->hook[0] && a->mask[0] == b->mask[0]
      && a->hook[1] == b->hook[1] && a->mask[1] == b->mask[1];
}


/*
** PEP 475: handlers run as their signals arrive and the sleep goes on
** for the time left; a handler's error ends it.
** A C handler outside the module may also ask the state to stop by
** setting a hook (lua.c's SIGINT handler does, to raise "interrupted!"
** at the next instruction): a hook that changed during the wait ends
** the sleep, so that it runs now, as Ctrl-C ends Python's sleep. Hooks
** a Lua handler sets do not count: they are compared before dispatch.
** Deliveries that cannot run here (in a handler, as handlers do not
** nest, or in a state that does not own delivery) stay pending, so a
** wait that watches for them would return at once and spin: the
** sleep then rests, in short steps, because a delivery that arrived
** just after the last dispatch looks the same.
*/
static int sig_sleep (lua_State *L) {
  double seconds = luaL_checknumber(L, 1);
  double deadline;
  lua_State *main;
  luaL_argcheck(L, seconds >= 0, 1, "sleep length must be non-negative");
  deadline = lsig_monotonic() + seconds;
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  main = lua_tothread(L, -1);
  lua_pop(L, 1);
  lsig_dispatch(L);
  for (;;) {
    Hooks before, after;
    double left = deadline - lsig_monotonic();
    if (left <= 0) break;
    programhooks(L, main, &before);
    if (lsig_haspending())
      rest(left < REST_STEP ? left : REST_STEP);
    else
      lsig_wait(left);
    programhooks(L, main, &after);
    lsig_dispatch(L);
    if (!samehooks(&before, &after)) break;
  }
  return 0;
}


/*
** The owner is closing and signo is about to get its default action
** back: the timer that sends it is disarmed first, and a delivery of
** it already pending is discarded (setting SIG_IGN does that), so that
** a script that ends with an interval timer running ends with its own
** status, and a host that closes the state is not killed by its timer.
** alarm() uses ITIMER_REAL.
*/
void lsig_stoptimer (int signo) {
  static const struct itimerval off;
  int which;
  if (signo == SIGALRM) which = ITIMER_REAL;
  else if (signo == SIGVTALRM) which = ITIMER_VIRTUAL;
  else if (signo == SIGPROF) which = ITIMER_PROF;
  else return;
  setitimer(which, &off, NULL);
  lsig_discard(signo);
}


static const luaL_Reg timers_funcs[] = {
  {"alarm", sig_alarm},
  {"getitimer", sig_getitimer},
  {"setitimer", sig_setitimer},
  {"sleep", sig_sleep},
  {NULL, NULL}
};


void lsig_open_timers (lua_State *L) {
  luaL_setfuncs(L, timers_funcs, 0);
}
