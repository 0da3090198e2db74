/*
** A shutdown that supervisors understand: default_action and the C
** half of shutdown (lua/signal.lua makes the token a watcher).
**
** The first signal of a shutdown set only asks the program to stop:
** the Lua side sees it in the token. A second one, or the grace period
** running out after the first, ends the process at once by that
** signal's default action, so that its parent sees it killed by it
** (status 143 for SIGTERM, 130 for SIGINT). Both must work while the
** program is busy in a Lua loop or stuck in a blocking C call, where no
** Lua handler runs: so the set's C handler (lsig_onshutdown) does the
** counting itself, then passes the delivery on to the engine as
** on_signal would have had it, and the grace period is kept by a helper
** thread, woken through a pipe, that sleeps in poll and ends the
** process from there. SIGALRM and the interval timers stay the
** program's own.
*/

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


/*
** {======================================================
** default_action
** =======================================================
*/

enum { ACT_TERM, ACT_CORE, ACT_STOP, ACT_IGN, ACT_CONT };

/* What the kernel does with a signal at SIG_DFL (signal(7)). */
static int defaultkind (int signo) {
  switch (signo) {
    case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS:
    case SIGFPE: case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
      return ACT_CORE;
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
      return ACT_STOP;
    case SIGCHLD: case SIGURG: case SIGWINCH:
      return ACT_IGN;
    case SIGCONT:
      return ACT_CONT;
    default:
      return ACT_TERM;
  }
}


/*
** Async-signal-safe, on any thread: sigaction, pthread_sigmask, raise
** and _exit only. With every signal blocked in this thread, signo goes
** to SIG_DFL and is raised at this thread, then unblocked alone: the
** kernel acts on it as the unblock returns. A stop comes back after
** SIGCONT, and then the disposition and mask are put back as they
** were, our handler included. A terminating signal that leaves the
** process alive (a PID 1 of a namespace is immune to its own SIG_DFL
** signals) ends it with _exit(128 + signo), the status a shell shows.
*/
void lsig_defaultaction (int signo) {
  int kind = defaultkind(signo);
  struct sigaction dfl, old;
  sigset_t all, one, mask;
  if (kind == ACT_IGN || kind == ACT_CONT) return;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &mask);
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(signo, &dfl, &old);  /* SIGKILL, SIGSTOP: refused, no matter */
  raise(signo);
  sigemptyset(&one);
  sigaddset(&one, signo);
  pthread_sigmask(SIG_UNBLOCK, &one, NULL);
  if (kind != ACT_STOP) _exit(128 + signo);
  sigaction(signo, &old, NULL);
  pthread_sigmask(SIG_SETMASK, &mask, NULL);
}


static int sig_default_action (lua_State *L) {
  int signo = lsig_checksignal(L, 1);
#ifdef SIGRTMIN
  if (signo > 31 && signo < SIGRTMIN)
    return luaL_argerror(L, 1, lua_pushfstring(L,
               "signal %d is reserved by the C library", signo));
#endif
  lsig_defaultaction(signo);
  lsig_dispatch(L);  /* what arrived while stopped */
  return 0;
}

/* }====================================================== */


/*
** {======================================================
** shutdown: the C half
** =======================================================
*/

#define SHUTDOWN_MT "signal.shutdown"

/* What the C handler and the grace thread read: one token at a time. */
static _Atomic(uint64_t) sd_set;  /* a bit per signal of the open token */
static atomic_int sd_requested;  /* the first signal, 0 before */
static atomic_int sd_pipe = -1;  /* write end: wakes the grace thread */
static atomic_int sd_active;  /* C handlers running lsig_onshutdown */
static atomic_int sd_notify;  /* send STOPPING=1 to sd_addr */
static struct sockaddr_un sd_addr;
static int sd_addrlen;

#define SETBIT(signo) ((uint64_t)1 << ((signo) - 1))

typedef struct Token {
  int open;
  int requested;  /* what sd_requested was at the close */
  int thread;  /* a grace thread runs */
  pthread_t tid;
  int rfd, wfd;  /* its pipe */
  double grace;
  sigset_t set;
  struct sigaction previous[LSIG_NSIG];
} Token;


/* Async-signal-safe: atomics, write, socket, sendto and close. */
void lsig_onshutdown (int signo, siginfo_t *info, void *context) {
  int saved_errno = errno;
  atomic_fetch_add(&sd_active, 1);
  if (signo > 0 && signo < LSIG_NSIG
      && (atomic_load(&sd_set) & SETBIT(signo))) {
    int none = 0;
    if (atomic_compare_exchange_strong(&sd_requested, &none, signo)) {
      int fd = atomic_load(&sd_pipe);
      if (fd >= 0 && write(fd, "r", 1) != 1) { /* cannot be full */ }
      if (atomic_load(&sd_notify))
        lsig_sendstate(&sd_addr, sd_addrlen, "STOPPING=1", 10);
    }
    else
      lsig_defaultaction(signo);  /* the second: at once */
  }
  atomic_fetch_sub(&sd_active, 1);
  errno = saved_errno;
  lsig_deliver(signo, info, context);
}


/*
** The grace thread: it waits for the first request (or the token's
** close), then for 'grace' seconds of the monotonic clock (or the
** close), then ends the process by the signal that asked.
*/
static void *gracethread (void *arg) {
  Token *t = (Token *)arg;
  int rfd = t->rfd;
  double grace = t->grace, deadline = -1;
  for (;;) {
    struct pollfd p;
    int timeout = -1;
    char c;
    p.fd = rfd;
    p.events = POLLIN;
    p.revents = 0;
    if (deadline >= 0) {
      double left = deadline - lsig_monotonic();
      if (left <= 0) {
        lsig_defaultaction(atomic_load(&sd_requested));
        return NULL;  /* an ignored or stopping signal: nothing more */
      }
      timeout = (left > 86400.0) ? 86400000 : (int)(left * 1000) + 1;
    }
    if (poll(&p, 1, timeout) <= 0) continue;
    if (read(rfd, &c, 1) != 1) continue;
    if (c == 'c') return NULL;
    if (deadline < 0) deadline = lsig_monotonic() + grace;
  }
}


/* Starts the grace thread, with every signal blocked in it. */
static int startgrace (Token *t) {
  int fds[2], err;
  sigset_t all, old;
  if (lsig_pipe(fds) != 0) return errno;
  t->rfd = fds[0];
  t->wfd = fds[1];
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  err = pthread_create(&t->tid, NULL, gracethread, t);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (err != 0) {
    close(fds[0]);
    close(fds[1]);
    return err;
  }
  t->thread = 1;
  return 0;
}


static void stopgrace (Token *t) {
  if (!t->thread) return;
  if (write(t->wfd, "c", 1) != 1) { /* a byte always fits */ }
  pthread_join(t->tid, NULL);
  close(t->rfd);
  close(t->wfd);
  t->thread = 0;
}


/* The Lua handler the token puts in the table: the C handler did the
** work, and the delivery only wakes the program (pollfd, waits). */
static int token_relay (lua_State *L) {
  (void)L;
  return 0;
}


/* Puts back the Lua handlers the token replaced (its uservalue). */
static void restorelua (lua_State *L, Token *t, int tok) {
  int signo;
  lua_getiuservalue(L, tok, 1);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
  for (signo = 1; signo < LSIG_NSIG; signo++) {
    if (sigismember(&t->set, signo) != 1) continue;
    lua_rawgeti(L, -2, signo);
    lua_rawseti(L, -2, signo);
  }
  lua_pop(L, 2);
}


/* Puts back the dispositions of the signals below 'upto'. */
static void restoreactions (Token *t, int upto) {
  int signo;
  for (signo = upto - 1; signo >= 1; signo--)
    if (sigismember(&t->set, signo) == 1)
      lsig_putaction(signo, &t->previous[signo]);
}


/* After the dispositions: no handler of ours looks at the globals. */
static void clearglobals (void) {
  atomic_store(&sd_set, 0);
  atomic_store(&sd_pipe, -1);
  atomic_store(&sd_notify, 0);
  while (atomic_load(&sd_active) > 0)  /* one runs on another thread */
    sched_yield();
}


/*
** shutdown(sigs [, grace]) -> the C token. Everything that may fail
** comes before the first disposition changes, and a refusal by the
** kernel puts back those already changed.
*/
static int sig_shutdown (lua_State *L) {
  sigset_t set;
  double grace = -1;
  Token *t;
  int signo, fresh, tok, n = 0;
  struct sigaction sa;
  lsig_checkset(L, 1, &set);
  for (signo = 1; signo < LSIG_NSIG; signo++) {
    if (sigismember(&set, signo) != 1) continue;
    if (signo == SIGKILL || signo == SIGSTOP)
      return luaL_argerror(L, 1, lua_pushfstring(L,
                 "%s cannot be caught or ignored",
                 signo == SIGKILL ? "SIGKILL" : "SIGSTOP"));
    n++;
  }
  luaL_argcheck(L, n > 0, 1, "no signal to stop on");
  if (!lua_isnoneornil(L, 2)) {
    grace = luaL_checknumber(L, 2);
    luaL_argcheck(L, grace >= 0, 2, "grace must be a number of seconds >= 0");
  }
  lsig_checkowner(L);
  if (atomic_load(&sd_set) != 0)
    return luaL_error(L, "shutdown: a shutdown token is already open");
  t = (Token *)lua_newuserdatauv(L, sizeof(Token), 1);
  memset(t, 0, sizeof *t);
  t->set = set;
  t->grace = grace;
  t->rfd = t->wfd = -1;
  luaL_setmetatable(L, SHUTDOWN_MT);
  tok = lua_gettop(L);
  lua_createtable(L, LSIG_NSIG, 0);  /* the Lua handlers to put back */
  lua_setiuservalue(L, tok, 1);
  for (signo = 1; signo < LSIG_NSIG; signo++)
    if (sigismember(&set, signo) == 1
        && sigaction(signo, NULL, &t->previous[signo]) != 0)
      return luaL_error(L, "shutdown: %s", strerror(errno));
  /* the tables: whatever may need memory, before anything changes */
  lua_getiuservalue(L, tok, 1);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
  for (signo = 1; signo < LSIG_NSIG; signo++) {
    if (sigismember(&set, signo) != 1) continue;
    lua_rawgeti(L, -1, signo);
    lua_rawseti(L, -3, signo);
    lua_pushcfunction(L, token_relay);
    lua_rawseti(L, -2, signo);
  }
  lua_pop(L, 2);
  fresh = lsig_claim(L);
  if (grace >= 0) {
    int err = startgrace(t);
    if (err != 0) {
      restorelua(L, t, tok);
      if (fresh) lsig_unclaim(L);
      return luaL_error(L, "shutdown: %s", strerror(err));
    }
  }
  sd_addrlen = lsig_notifyaddr(&sd_addr);
  atomic_store(&sd_notify, sd_addrlen > 0);
  atomic_store(&sd_requested, 0);
  atomic_store(&sd_pipe, t->thread ? t->wfd : -1);
  atomic_store(&sd_set, 0);
  for (signo = 1; signo < LSIG_NSIG; signo++)
    if (sigismember(&set, signo) == 1)
      atomic_fetch_or(&sd_set, SETBIT(signo));
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = lsig_onshutdown;
  sigfillset(&sa.sa_mask);  /* as on_signal: never interrupts itself */
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  for (signo = 1; signo < LSIG_NSIG; signo++) {
    if (sigismember(&set, signo) != 1) continue;
    if (!lsig_putaction(signo, &sa)) {
      int e = errno;
      restoreactions(t, signo);
      restorelua(L, t, tok);
      clearglobals();
      stopgrace(t);
      if (fresh) lsig_unclaim(L);
      return luaL_error(L, "shutdown: cannot set the handler of signal %d: %s",
                        signo, strerror(e));
    }
  }
  t->open = 1;
  lua_settop(L, tok);
  return 1;
}


static Token *checktoken (lua_State *L) {
  return (Token *)luaL_checkudata(L, 1, SHUTDOWN_MT);
}


/* Puts the handlers back; the request, if any, stays readable. */
static int token_close (lua_State *L) {
  Token *t = checktoken(L);
  if (!t->open) return 0;
  restoreactions(t, LSIG_NSIG);
  restorelua(L, t, 1);
  t->requested = atomic_load(&sd_requested);
  t->open = 0;
  clearglobals();
  stopgrace(t);
  lsig_dispatch(L);
  return 0;
}


static int token_gc (lua_State *L) {
  Token *t = checktoken(L);
  if (t->open) {  /* no Lua call: the state may be closing */
    restoreactions(t, LSIG_NSIG);
    t->open = 0;
    clearglobals();
    stopgrace(t);
  }
  return 0;
}


static int requested (Token *t) {
  return t->open ? atomic_load(&sd_requested) : t->requested;
}


/* token.requested: the first signal's number, or false before it
** came; other keys are the methods (the upvalue). */
static int token_index (lua_State *L) {
  Token *t = checktoken(L);
  if (lua_type(L, 2) == LUA_TSTRING
      && strcmp(lua_tostring(L, 2), "requested") == 0) {
    int signo = requested(t);
    if (signo == 0) lua_pushboolean(L, 0);
    else lua_pushinteger(L, signo);
    return 1;
  }
  lua_pushvalue(L, 2);
  lua_gettable(L, lua_upvalueindex(1));
  return 1;
}


/*
** Waits until the request comes or 'timeout' seconds pass; the
** handlers of other signals run meanwhile, and their error ends it.
*/
static int token_wait (lua_State *L) {
  Token *t = checktoken(L);
  double timeout = luaL_optnumber(L, 2, -1);
  double deadline = lsig_monotonic() + timeout;
  luaL_argcheck(L, timeout == -1 || timeout >= 0, 2,
                "timeout must be a number of seconds >= 0");
  for (;;) {
    double left = deadline - lsig_monotonic();
    lsig_dispatch(L);
    if (requested(t) != 0 || !t->open) break;
    if (timeout >= 0 && left <= 0) break;
    lsig_wait(timeout >= 0 ? left : -1);
  }
  lua_pushboolean(L, requested(t) != 0);
  return 1;
}


static const luaL_Reg token_methods[] = {
  {"close", token_close},
  {"wait", token_wait},
  {NULL, NULL}
};


static const luaL_Reg token_meta[] = {
  {"__close", token_close},
  {"__gc", token_gc},
  {NULL, NULL}
};


static const luaL_Reg shutdown_funcs[] = {
  {"default_action", sig_default_action},
  {"shutdown", sig_shutdown},
  {NULL, NULL}
};


void lsig_open_shutdown (lua_State *L) {
  if (luaL_newmetatable(L, SHUTDOWN_MT)) {
    luaL_setfuncs(L, token_meta, 0);
    luaL_newlib(L, token_methods);
    lua_pushcclosure(L, token_index, 1);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, shutdown_funcs, 0);
}

/* }====================================================== */
