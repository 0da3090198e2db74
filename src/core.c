/*
** Delivery core: the C signal handler, the debug hook that turns a
** delivery into a Lua call, and the functions that install handlers.
**
** The C handler only counts the delivery, writes wake-up bytes and
** sets a count-1 hook on the running Lua thread (lua_sethook may be
** called asynchronously; see the comment above it in ldebug.c). The
** Lua handler then runs from that hook at the next instruction.
*/

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


#if ATOMIC_INT_LOCK_FREE != 2 || ATOMIC_POINTER_LOCK_FREE != 2 \
    || ATOMIC_LLONG_LOCK_FREE != 2
#error "the signal handler needs lock-free atomic integers and pointers"
#endif

/* Signals 1 to 64 have a bit each in the pending mask. */
_Static_assert(LSIG_NSIG - 1 <= 64, "more signals than bits in the mask");
#define SIGBIT(signo) ((uint64_t)1 << ((signo) - 1))


const char lsig_handlers_key = 0;  /* registry: signo -> Lua handler */
static const char sentinel_key = 0;  /* registry: the __gc sentinel */
static const char interrupt_key = 0;  /* registry: KeyboardInterrupt */


/*
** {======================================================
** State shared with the C handler
** =======================================================
*/

/* Deliveries counted by the C handler and not yet handled, and a bit
** per signal whose count may be above zero (set after the count goes
** up), so that dispatch finds the lowest one without a scan. */
static atomic_uint pending[LSIG_NSIG];
static _Atomic(uint64_t) pending_mask;
static atomic_int any_pending;

/* Main thread of the owning state (NULL: no owner), and the coroutine
** of that state that is running now (NULL: the main thread). */
static _Atomic(lua_State *) owner_main;
static _Atomic(lua_State *) running_co;
static _Atomic(const void *) owner_registry;

/* Set while the main flow edits hooks: the C handler then only counts,
** and the main flow looks at 'any_pending' when it is done. */
static atomic_int hook_busy;

/* Bumped by the C handler each time it arms a hook. */
static atomic_uint arm_gen;

static atomic_int wakeup_fd = -1;
static atomic_int wakeup_warn_full;
static atomic_int wakeup_errno;

/* The pollfd() pipe: at most one byte is in it at a time. */
static atomic_int poll_wfd = -1;
static int poll_rfd = -1;
static atomic_int poll_signaled;

/* Only the main flow of the owner touches these. The owner's handler
** table is also kept under an integer reference, the fastest lookup. */
static int handlers_ref = LUA_NOREF;
static struct sigaction original[LSIG_NSIG];
static char changed[LSIG_NSIG];
static char interrupts[LSIG_NSIG];
static sigset_t handled;  /* signals whose handler is ours */
static int dispatching;


/*
** The hook that the program had on a thread before a delivery armed
** ours. Slot 0 belongs to the main thread; the others to coroutines.
** Written by the C handler only while the thread's hook is not ours,
** read by the main flow only while it is (or under 'hook_busy').
*/
typedef struct SavedHook {
  _Atomic(lua_State *) thread;
  lua_Hook hook;
  int mask;
  int count;
} SavedHook;

#define NSAVED 8
static SavedHook saved[NSAVED];

#define SIGHOOKMASK (LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT)

static void sig_hook (lua_State *L, lua_Debug *ar);


static SavedHook *findslot (lua_State *T, int claim) {
  int i;
  SavedHook *empty = NULL;
  if (T == atomic_load(&owner_main))
    return &saved[0];
  for (i = 1; i < NSAVED; i++) {
    lua_State *t = atomic_load(&saved[i].thread);
    if (t == T) return &saved[i];
    if (t == NULL && empty == NULL) empty = &saved[i];
  }
  return claim ? empty : NULL;
}


/*
** Sets our hook on T, keeping the program's own hook to restore. A
** coroutine for which no slot is left is not armed: the main thread
** always is, so the delivery waits at most until control returns there.
*/
static void arm (lua_State *T) {
  lua_Hook h = lua_gethook(T);
  int mask = lua_gethookmask(T);
  if (h != sig_hook) {
    SavedHook *s = findslot(T, 1);
    if (s == NULL) return;
    s->hook = h;
    s->mask = (h != NULL) ? mask : 0;
    s->count = lua_gethookcount(T);
    atomic_store(&s->thread, T);
    mask = s->mask;
  }
  lua_sethook(T, sig_hook, mask | SIGHOOKMASK, 1);
}


static void notify (int signo) {
  int fd = atomic_load(&wakeup_fd);
  if (fd >= 0) {
    unsigned char byte = (unsigned char)signo;
    if (write(fd, &byte, 1) != 1) {
      int e = errno;
      if ((e != EAGAIN && e != EWOULDBLOCK) || atomic_load(&wakeup_warn_full))
        atomic_store(&wakeup_errno, e);
    }
  }
  fd = atomic_load(&poll_wfd);
  if (fd >= 0 && !atomic_exchange(&poll_signaled, 1)) {
    if (write(fd, "", 1) != 1) { /* full: it is readable anyway */ }
  }
}


/* Async-signal-safe: atomics, write(2) and lua_sethook only. */
static void on_signal (int signo) {
  int saved_errno = errno;
  if (signo > 0 && signo < LSIG_NSIG) {
    atomic_fetch_add(&pending[signo], 1);
    atomic_fetch_or(&pending_mask, SIGBIT(signo));
    atomic_store(&any_pending, 1);
    notify(signo);
    if (!atomic_load(&hook_busy)) {
      lua_State *main = atomic_load(&owner_main);
      lua_State *co = atomic_load(&running_co);
      if (main != NULL) {
        atomic_fetch_add(&arm_gen, 1);
        if (co != NULL && co != main) arm(co);
        arm(main);
      }
    }
  }
  errno = saved_errno;
}

/* }====================================================== */


/*
** {======================================================
** Dispatch
** =======================================================
*/

static int isowner (lua_State *L) {
  const void *reg = atomic_load(&owner_registry);
  return reg != NULL && reg == lua_topointer(L, LUA_REGISTRYINDEX);
}


/* Puts back the program's hook on L if ours is set; returns the hook
** restored in *out. */
static int unhook (lua_State *L, SavedHook *out) {
  SavedHook *s;
  if (lua_gethook(L) != sig_hook) return 0;
  atomic_store(&hook_busy, 1);
  s = findslot(L, 0);
  if (s != NULL && atomic_load(&s->thread) == L) {
    out->hook = s->hook;
    out->mask = s->mask;
    out->count = s->count;
    atomic_store(&s->thread, NULL);
  }
  else {
    out->hook = NULL;
    out->mask = out->count = 0;
  }
  lua_sethook(L, out->hook, out->mask, out->count);
  atomic_store(&hook_busy, 0);
  return 1;
}


/* Takes our hook off T, if it is there. */
static void disarm (lua_State *T) {
  SavedHook ignored;
  unhook(T, &ignored);
}


/* Arms L from the main flow, so pending handlers run at its next
** instruction. */
static void armself (lua_State *L) {
  atomic_store(&hook_busy, 1);
  arm(L);
  atomic_store(&hook_busy, 0);
}


/* Clears signo's bit, unless a delivery came in meanwhile. */
static void clearbit (int signo) {
  atomic_fetch_and(&pending_mask, ~SIGBIT(signo));
  if (atomic_load(&pending[signo]) > 0)
    atomic_fetch_or(&pending_mask, SIGBIT(signo));
}


/* The lowest signal with a delivery left, which it takes; 0 if none. */
static int takepending (void) {
  uint64_t mask;
  while ((mask = atomic_load(&pending_mask)) != 0) {
    int signo = __builtin_ctzll(mask) + 1;
    unsigned count = atomic_load(&pending[signo]);
    if (count == 0)
      clearbit(signo);  /* its last delivery was taken: look again */
    else {
      /* only this flow takes, so the count cannot fall to 0 meanwhile */
      if (atomic_fetch_sub(&pending[signo], 1) == 1)
        clearbit(signo);
      return signo;
    }
  }
  return 0;
}


static int anycounted (void) {
  return atomic_load(&pending_mask) != 0;
}


/*
** Only check() drains the pollfd pipe, before it dispatches: an event
** loop must see the fd readable even when a handler already ran at an
** instruction boundary between its last look and its next wait (the
** self-pipe race). The flag is cleared after the drain: a delivery in
** between writes no byte, but check() dispatches it right after.
*/
static void drainpoll (void) {
  char buf[64];
  if (poll_rfd < 0) return;
  while (read(poll_rfd, buf, sizeof buf) > 0) { }
  atomic_store(&poll_signaled, 0);
}


static void warnwakeup (lua_State *L) {
  int e = atomic_exchange(&wakeup_errno, 0);
  if (e != 0) {
    lua_pushfstring(L, "signal: failed to write to the wakeup fd: %s",
                    strerror(e));
    lua_warning(L, lua_tostring(L, -1), 0);
    lua_pop(L, 1);
  }
}


/*
** Calls the handler of 'signo' once; a handler replaced by SIG_DFL or
** SIG_IGN before its turn came drops the delivery, as in CPython.
** Returns 0 with the error on the stack if the handler failed.
*/
static int callhandler (lua_State *L, int signo) {
  int status;
  lua_rawgeti(L, LUA_REGISTRYINDEX, handlers_ref);
  if (lua_rawgeti(L, -1, signo) == LUA_TNIL) {
    lua_pop(L, 2);
    return 1;
  }
  lua_remove(L, -2);  /* stack: ... handler */
  lua_pushinteger(L, signo);
  dispatching = 1;
  status = lua_pcall(L, 1, 0, 0);
  dispatching = 0;
  return status == LUA_OK;
}


/*
** Runs every pending handler, lowest signal first, one call per
** delivery. A call made while a handler runs does nothing: the outer
** loop picks the new deliveries up when that handler returns. On a
** handler's error, what is still pending stays armed for the next
** instruction and the error propagates from here.
*/
void lsig_dispatch (lua_State *L) {
  disarm(L);
  if (dispatching || !isowner(L)) return;
  luaL_checkstack(L, 4, "signal handler");
  while (atomic_exchange(&any_pending, 0)) {
    int signo;
    warnwakeup(L);
    while ((signo = takepending()) != 0) {
      if (!callhandler(L, signo)) {
        if (anycounted()) {
          atomic_store(&any_pending, 1);
          armself(L);
        }
        lua_error(L);
      }
    }
    disarm(L);
  }
}


/* The hook the program has on T, looking through ours if it is armed. */
lua_Hook lsig_programhook (lua_State *T, int *mask) {
  lua_Hook h = lua_gethook(T);
  *mask = lua_gethookmask(T);
  if (h == sig_hook) {
    SavedHook *s = findslot(T, 0);
    if (s != NULL && atomic_load(&s->thread) == T) {
      h = s->hook;
      *mask = s->mask;
    }
    else {
      h = NULL;
      *mask = 0;
    }
  }
  return h;
}


int lsig_haspending (void) {
  return atomic_load(&any_pending);
}


static int eventmask (int event) {
  switch (event) {
    case LUA_HOOKCALL: case LUA_HOOKTAILCALL: return LUA_MASKCALL;
    case LUA_HOOKRET: return LUA_MASKRET;
    case LUA_HOOKLINE: return LUA_MASKLINE;
    default: return 0;  /* a count event was ours; its period restarts */
  }
}


/*
** Our hook puts the program's hook back first, so that whatever that
** hook does to the hooks stays done. It dispatches before it passes
** the event on, because the program's hook may raise (a budget hook,
** lua.c's Ctrl-C), which would leave the deliveries with no hook armed;
** a handler that raises or changes the hook drops that one event.
*/
static void sig_hook (lua_State *L, lua_Debug *ar) {
  SavedHook user;
  int forward = unhook(L, &user) && user.hook != NULL
                && (user.mask & eventmask(ar->event));
  lsig_dispatch(L);
  if (forward && lua_gethook(L) == user.hook)
    user.hook(L, ar);
}

/* }====================================================== */


/*
** {======================================================
** Ownership and its end
** =======================================================
*/

static void restoreall (void) {
  int signo;
  for (signo = 1; signo < LSIG_NSIG; signo++) {
    if (changed[signo])
      sigaction(signo, &original[signo], NULL);
    changed[signo] = interrupts[signo] = 0;
  }
  sigemptyset(&handled);
}


static void clearpending (void) {
  int signo;
  for (signo = 0; signo < LSIG_NSIG; signo++)
    atomic_store(&pending[signo], 0);
  atomic_store(&pending_mask, 0);
  atomic_store(&any_pending, 0);
}


/*
** The owner is closing: put back every disposition we changed with
** our signals blocked, so that no delivery after this touches the
** state about to be freed.
*/
static int sig_release (lua_State *L) {
  sigset_t all, old;
  int i, fd;
  (void)L;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  atomic_store(&owner_main, NULL);
  atomic_store(&running_co, NULL);
  restoreall();
  atomic_store(&wakeup_fd, -1);
  fd = atomic_exchange(&poll_wfd, -1);
  if (fd >= 0) {
    close(fd);
    close(poll_rfd);
    poll_rfd = -1;
  }
  for (i = 0; i < NSAVED; i++)
    atomic_store(&saved[i].thread, NULL);
  clearpending();
  dispatching = 0;
  handlers_ref = LUA_NOREF;  /* the state is going: nothing to unref */
  atomic_store(&owner_registry, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return 0;
}


/* A forked child has none of its parent's deliveries, and needs its
** own pipe so that it does not drain its parent's. */
static void atfork_child (void) {
  clearpending();
  if (atomic_load(&poll_wfd) >= 0) {
    int fds[2];
    close(atomic_load(&poll_wfd));
    close(poll_rfd);
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0) {
      poll_rfd = fds[0];
      atomic_store(&poll_wfd, fds[1]);
    }
    else {
      poll_rfd = -1;
      atomic_store(&poll_wfd, -1);
    }
  }
  atomic_store(&poll_signaled, 0);
}


static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void setatfork (void) {
  pthread_atfork(NULL, NULL, atfork_child);
}


/* Raises an error if another state owns delivery. */
static void checkowner (lua_State *L) {
  const void *reg = atomic_load(&owner_registry);
  if (reg != NULL && reg != lua_topointer(L, LUA_REGISTRYINDEX))
    luaL_error(L, "signal handlers are owned by another Lua state "
                  "in this process");
}


/*
** Makes L's state the owner of delivery, or checks that it is. The
** owner is the state's main thread, whichever thread calls.
*/
void lsig_claim (lua_State *L) {
  const void *reg = lua_topointer(L, LUA_REGISTRYINDEX);
  const void *none = NULL;
  if (atomic_load(&owner_registry) == reg) return;
  checkowner(L);
  luaL_checkstack(L, 3, NULL);
  lua_newuserdatauv(L, 0, 0);  /* the sentinel, made before claiming */
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, sig_release);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  if (!atomic_compare_exchange_strong(&owner_registry, &none, reg))
    luaL_error(L, "signal handlers are owned by another Lua state "
                  "in this process");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &sentinel_key);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
  handlers_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  atomic_store(&owner_main, lua_tothread(L, -1));
  lua_pop(L, 1);
  pthread_once(&atfork_once, setatfork);
}

/* }====================================================== */


/*
** {======================================================
** Installing handlers
** =======================================================
*/

enum { H_DFL = 0, H_IGN = 1, H_LUA = 2 };


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
  if (lua_type(L, arg) == LUA_TNUMBER && isint && (v == 0 || v == 1))
    return (int)v;
  if (iscallable(L, arg))
    return H_LUA;
  return luaL_argerror(L, arg, "signal handler must be signal.SIG_IGN, "
                               "signal.SIG_DFL, or a callable object");
}


/* Pushes the handler in force for signo, in the forms getsignal gives. */
static void pushhandler (lua_State *L, int signo) {
  struct sigaction sa;
  if (sigaction(signo, NULL, &sa) != 0)
    luaL_pushfail(L);
  else if (sa.sa_handler == SIG_DFL)
    lua_pushinteger(L, H_DFL);
  else if (sa.sa_handler == SIG_IGN)
    lua_pushinteger(L, H_IGN);
  else if (sa.sa_handler == on_signal && isowner(L)) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
    lua_rawgeti(L, -1, signo);
    lua_remove(L, -2);
  }
  else
    luaL_pushfail(L);  /* not installed from Lua */
}


static int setaction (int signo, int kind) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  if (kind == H_LUA) {
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask);  /* the handler never interrupts itself */
    sa.sa_flags = interrupts[signo] ? 0 : SA_RESTART;
  }
  else {
    sa.sa_handler = (kind == H_IGN) ? SIG_IGN : SIG_DFL;
    sigemptyset(&sa.sa_mask);
  }
  if (sigaction(signo, &sa, changed[signo] ? NULL : &original[signo]) != 0)
    return 0;
  changed[signo] = 1;
  if (kind == H_LUA) sigaddset(&handled, signo);
  else sigdelset(&handled, signo);
  return 1;
}


/* Sets the handler at 'arg' (of the given kind) for signo. */
static void install (lua_State *L, int signo, int kind, int arg) {
  if (!setaction(signo, kind))
    luaL_error(L, "cannot set the handler of signal %d: %s",
               signo, strerror(errno));
  lsig_claim(L);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
  if (kind == H_LUA) lua_pushvalue(L, arg);
  else lua_pushnil(L);
  lua_rawseti(L, -2, signo);
  lua_pop(L, 1);
}


static int sig_signal (lua_State *L) {
  int signo = lsig_checksignal(L, 1);
  int kind = checkhandler(L, 2);
  checkowner(L);
  pushhandler(L, signo);  /* the previous handler, to return */
  install(L, signo, kind, 2);
  lsig_dispatch(L);
  return 1;
}


/*
** scoped(signum, handler): a to-be-closed value that puts back the
** exact disposition it replaced, a handler from outside Lua included.
*/
#define SCOPE_MT "signal.scope"

typedef struct Scope {
  int signo;
  int open;
  struct sigaction previous;
} Scope;


static int sig_scoped (lua_State *L) {
  int signo = lsig_checksignal(L, 1);
  int kind = checkhandler(L, 2);
  Scope *scope;
  checkowner(L);
  scope = (Scope *)lua_newuserdatauv(L, sizeof(Scope), 1);
  scope->signo = signo;
  scope->open = 0;
  if (sigaction(signo, NULL, &scope->previous) != 0)
    return luaL_error(L, "scoped: %s", strerror(errno));
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
  lua_rawgeti(L, -1, signo);
  lua_setiuservalue(L, -3, 1);  /* the previous Lua handler, if any */
  lua_pop(L, 1);
  luaL_setmetatable(L, SCOPE_MT);
  install(L, signo, kind, 2);
  scope->open = 1;
  lsig_dispatch(L);
  return 1;
}


static int scope_close (lua_State *L) {
  Scope *scope = (Scope *)luaL_checkudata(L, 1, SCOPE_MT);
  int signo = scope->signo;
  if (!scope->open) return 0;
  scope->open = 0;
  if (sigaction(signo, &scope->previous, NULL) != 0)
    return luaL_error(L, "scoped: %s", strerror(errno));
  if (scope->previous.sa_handler == on_signal) sigaddset(&handled, signo);
  else sigdelset(&handled, signo);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
  lua_getiuservalue(L, 1, 1);
  lua_rawseti(L, -2, signo);
  lua_pop(L, 1);
  lsig_dispatch(L);
  return 0;
}


static int scope_tostring (lua_State *L) {
  Scope *scope = (Scope *)luaL_checkudata(L, 1, SCOPE_MT);
  lua_pushfstring(L, "signal scope (%d, %s)", scope->signo,
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


static int sig_getsignal (lua_State *L) {
  pushhandler(L, lsig_checksignal(L, 1));
  return 1;
}


static int sig_siginterrupt (lua_State *L) {
  int signo = lsig_checksignal(L, 1);
  int flag;
  struct sigaction sa;
  luaL_checkany(L, 2);
  flag = lua_toboolean(L, 2);
  lsig_claim(L);
  if (sigaction(signo, NULL, &sa) != 0)
    return luaL_error(L, "siginterrupt: %s", strerror(errno));
  if (sa.sa_handler == on_signal) {
    if (flag) sa.sa_flags &= ~SA_RESTART;
    else sa.sa_flags |= SA_RESTART;
    if (sigaction(signo, &sa, NULL) != 0)
      return luaL_error(L, "siginterrupt: %s", strerror(errno));
  }
  interrupts[signo] = (char)flag;
  return 0;
}


/* Signals whose handler is ours: the ones a wait must watch. */
void lsig_handledset (sigset_t *set) {
  *set = handled;
}


static int sig_raise_signal (lua_State *L) {
  int signo = lsig_checksignal(L, 1);
  if (raise(signo) != 0)
    return luaL_error(L, "raise_signal: %s", strerror(errno));
  lsig_dispatch(L);
  return 0;
}


static int sig_check (lua_State *L) {
  if (isowner(L) && !dispatching) drainpoll();
  lsig_dispatch(L);
  return 0;
}


static int sig_default_int_handler (lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &interrupt_key);
  return lua_error(L);
}

/* }====================================================== */


/*
** {======================================================
** Wake-up descriptors
** =======================================================
*/

void lsig_setwakeup (int fd, int warn_on_full) {
  atomic_store(&wakeup_warn_full, warn_on_full);
  atomic_store(&wakeup_fd, fd);
}


int lsig_getwakeup (void) {
  return atomic_load(&wakeup_fd);
}


/* The read end of the pollfd() pipe, made on first use. */
int lsig_pollfd (lua_State *L) {
  if (poll_rfd < 0) {
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
      return luaL_error(L, "pollfd: %s", strerror(errno));
    poll_rfd = fds[0];
    atomic_store(&poll_wfd, fds[1]);
    if (atomic_load(&any_pending) && !atomic_exchange(&poll_signaled, 1)) {
      if (write(fds[1], "", 1) != 1) { /* a new pipe is never full */ }
    }
  }
  return poll_rfd;
}


int lsig_pushfail (lua_State *L, const char *what) {
  int e = errno;
  luaL_pushfail(L);
  lua_pushfstring(L, "%s: %s", what, strerror(e));
  lua_pushinteger(L, e);
  return 3;
}

/* }====================================================== */


/*
** {======================================================
** Coroutines
** Stock Lua keeps hooks per thread, so the handler must know which
** coroutine runs. These replace coroutine.resume and coroutine.wrap
** with the same behaviour, and record the running coroutine.
** =======================================================
*/

static int tracked_resume (lua_State *L, lua_State *co, int narg,
                           int *nres) {
  int status;
  lua_State *prev;
  if (!isowner(L))
    return lua_resume(co, L, narg, nres);
  prev = atomic_exchange(&running_co, co);
  if (atomic_load(&any_pending)) armself(co);
  status = lua_resume(co, L, narg, nres);
  atomic_store(&running_co, prev);
  /* co runs no more for now (a yield fires no hook event; it may be
  ** dead): take off a hook armed on it, which would keep its slot */
  disarm(co);
  if (atomic_load(&any_pending)) armself(L);
  return status;
}


/* Returns the number of results moved to L, or -1 with an error. */
static int auxresume (lua_State *L, lua_State *co, int narg) {
  int status, nres;
  if (!lua_checkstack(co, narg)) {
    lua_pushliteral(L, "too many arguments to resume");
    return -1;
  }
  lua_xmove(L, co, narg);
  status = tracked_resume(L, co, narg, &nres);
  if (status == LUA_OK || status == LUA_YIELD) {
    if (!lua_checkstack(L, nres + 1)) {
      lua_pop(co, nres);
      lua_pushliteral(L, "too many results to resume");
      return -1;
    }
    lua_xmove(co, L, nres);
    return nres;
  }
  lua_xmove(co, L, 1);  /* the error */
  return -1;
}


static int sig_coresume (lua_State *L) {
  lua_State *co = lua_tothread(L, 1);
  int r;
  luaL_argexpected(L, co, 1, "thread");
  r = auxresume(L, co, lua_gettop(L) - 1);
  if (r < 0) {
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
  }
  lua_pushboolean(L, 1);
  lua_insert(L, -(r + 1));
  return r + 1;
}


#if LUA_VERSION_RELEASE_NUM >= 50406
#define closethread(co, L) lua_closethread(co, L)
#else
#define closethread(co, L) ((void)(L), lua_resetthread(co))
#endif

static int auxwrap (lua_State *L) {
  lua_State *co = lua_tothread(L, lua_upvalueindex(1));
  int r = auxresume(L, co, lua_gettop(L));
  if (r < 0) {
    int status = lua_status(co);
    if (status != LUA_OK && status != LUA_YIELD) {  /* it died: close it */
      status = closethread(co, L);
      lua_xmove(co, L, 1);
    }
    if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
      luaL_where(L, 1);
      lua_insert(L, -2);
      lua_concat(L, 2);
    }
    return lua_error(L);
  }
  return r;
}


static int sig_cowrap (lua_State *L) {
  lua_State *co;
  luaL_checktype(L, 1, LUA_TFUNCTION);
  co = lua_newthread(L);
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);
  lua_pushcclosure(L, auxwrap, 1);
  return 1;
}

/* }====================================================== */


/*
** {======================================================
** The debug library's hook functions
** lua_sethook writes the hook and its mask apart: a delivery that lands
** between the two (or just before) arms our hook over part of the
** program's change, and the delivery stalls or the program's hook is
** torn. These wrappers of debug.sethook and debug.gethook make the
** call again until no delivery armed during it, then re-arm what is
** pending; gethook sees through our hook. Arguments are checked as
** db_sethook checks them, so errors read the same.
** =======================================================
*/

static lua_State *hookthread (lua_State *L, int *arg) {
  if (lua_isthread(L, 1)) {
    *arg = 1;
    return lua_tothread(L, 1);
  }
  *arg = 0;
  return L;
}


/* Calls upvalue 1 with this call's arguments until no arm happened. */
static int callhookfunc (lua_State *L, lua_State *L1, int nresults) {
  int n = lua_gettop(L);
  unsigned gen;
  do {
    int i;
    lua_settop(L, n);
    gen = atomic_load(&arm_gen);
    disarm(L1);
    luaL_checkstack(L, n + 1, NULL);
    lua_pushvalue(L, lua_upvalueindex(1));
    for (i = 1; i <= n; i++) lua_pushvalue(L, i);
    lua_call(L, n, nresults);
  } while (atomic_load(&arm_gen) != gen);
  if (atomic_load(&any_pending) && isowner(L)) {
    armself(L1);
    if (L1 != L) armself(L);
  }
  return lua_gettop(L) - n;
}


static int sig_sethook (lua_State *L) {
  int arg;
  lua_State *L1 = hookthread(L, &arg);
  if (!lua_isnoneornil(L, arg + 1)) {
    luaL_checkstring(L, arg + 2);
    luaL_checktype(L, arg + 1, LUA_TFUNCTION);
    luaL_optinteger(L, arg + 3, 0);
  }
  return callhookfunc(L, L1, 0);
}


static int sig_gethook (lua_State *L) {
  int arg;
  lua_State *L1 = hookthread(L, &arg);
  return callhookfunc(L, L1, LUA_MULTRET);
}


/* Pushes 'wrapper' around the function at 'arg', unless it is one. */
static void pushwrapped (lua_State *L, int arg, lua_CFunction wrapper) {
  lua_pushvalue(L, arg);
  if (lua_tocfunction(L, arg) != wrapper)
    lua_pushcclosure(L, wrapper, 1);
}


/* wraphooks(sethook, gethook): the wrappers, made once. */
static int sig_wraphooks (lua_State *L) {
  pushwrapped(L, 1, sig_sethook);
  pushwrapped(L, 2, sig_gethook);
  return 2;
}

/* }====================================================== */


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


static const luaL_Reg core_funcs[] = {
  {"check", sig_check},
  {"coresume", sig_coresume},
  {"cowrap", sig_cowrap},
  {"default_int_handler", sig_default_int_handler},
  {"getsignal", sig_getsignal},
  {"raise_signal", sig_raise_signal},
  {"scoped", sig_scoped},
  {"siginterrupt", sig_siginterrupt},
  {"signal", sig_signal},
  {"wraphooks", sig_wraphooks},
  {NULL, NULL}
};


LUAMOD_API int luaopen_signal_core (lua_State *L);

LUAMOD_API int luaopen_signal_core (lua_State *L) {
  if (luaL_newmetatable(L, SCOPE_MT)) {
    luaL_setfuncs(L, scope_meta, 0);
    luaL_newlib(L, scope_methods);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  luaL_newlib(L, core_funcs);
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key) == LUA_TNIL) {
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
  }
  lua_pop(L, 1);
  pushinterrupt(L);
  lua_setfield(L, -2, "KeyboardInterrupt");
  lsig_open_names(L);
  lsig_open_process(L);
  lsig_open_timers(L);
  lsig_open_waits(L);
  return 1;
}
