/*
** The delivery engine of the Windows build: the C handlers, the
** counts, the dispositions, ownership and its end. The POSIX engine
** (src/engine.c) is its model; the hook and dispatch half (arming,
** the program's hooks, the runner, dispatch) is src/dispatch.c, the
** same file on both (compiled here through shared_win.c), which takes
** from this file what ldispatch.h lists: what differs is how a
** delivery arrives and how the Lua thread is woken, and Windows keeps
** no siginfo records.
**
** Design note. A delivery comes two ways:
**
** - The C runtime's signal() handler (on_crt), for the seven signals
**   the runtime knows. raise() runs it on the calling thread; the
**   runtime runs it for a console event on a thread Windows creates.
**   The runtime puts SIG_DFL back before it calls the handler, so the
**   handler reinstalls itself first (as CPython does), while the
**   signal is still ours.
** - Our console control handler (on_console, SetConsoleCtrlHandler),
**   for Ctrl-C (SIGINT) and Ctrl-Break (SIGBREAK), always on a new
**   thread. It is registered after the runtime's, so Windows calls it
**   first: when the signal's handler is a Lua one it counts the event
**   and returns TRUE, and the runtime never sees it, so there is no
**   window where the runtime's reset to SIG_DFL would let a second
**   Ctrl-C end the process. Otherwise it returns FALSE and the event
**   goes on to the runtime (SIG_IGN, SIG_DFL, another C handler).
**
** Either way the handler counts the delivery in atomics (as on POSIX:
** its count, its bit, 'any_pending'), sends the wake-up byte, sets the
** event that sleep waits on, and arms the count-1 hook.
**
** Arming from another thread. lua_sethook may run asynchronously on
** the thread that runs the state, as a POSIX signal handler does (see
** ldebug.c): the handler then interrupts that thread at one machine
** instruction, and the thread does nothing else until it returns.
** lua.c on Windows calls lua_sethook from the runtime's thread while
** the Lua thread runs, a data race it accepts. This engine does not:
** off the Lua thread, the C handler suspends the Lua thread
** (SuspendThread, then GetThreadContext, which returns only once the
** thread has really stopped), arms, and resumes it. While it is
** suspended the Lua thread is stopped at one instruction, exactly as
** it is under a POSIX handler, so every invariant of engine.c holds
** as written: the main flow's 'hook_busy' and 'dispatching' say when
** arming must wait, and they are read while the thread cannot change
** them. 'arm_lock' lets one arming at a time go on (a handler on the
** Lua thread, or one suspender), and every delivery arms after its
** count: a handler that finds the lock taken waits for it (skipping
** would lose promptness when the holder's hook had already fired and
** dispatched before this count). The wait is short and cannot
** deadlock: the holder is running (a suspender suspends only after it
** holds the lock, and only the Lua thread, which then holds nothing),
** and nothing between SuspendThread and ResumeThread takes another
** lock (no allocation, no I/O: the wake-up byte is sent before), so
** the suspended thread cannot hold one the armer needs.
**
** Handlers run on the runner, a thread of the owning state, at an
** instruction boundary of the Lua thread, one call per delivery,
** never nested, lowest signal first, as on POSIX.
*/

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsigwin.h"


#if ATOMIC_INT_LOCK_FREE != 2 || ATOMIC_POINTER_LOCK_FREE != 2
#error "the signal handler needs lock-free atomic integers and pointers"
#endif

_Static_assert(LSIG_NSIG - 1 <= 32, "more signals than bits in the mask");
#define PENDING_BIT(signo) ((uint32_t)1 << ((signo) - 1))




/*
** {======================================================
** State shared with the C handlers
** =======================================================
*/

static atomic_uint pending[LSIG_NSIG];
static _Atomic(uint32_t) pending_mask;

/* Signals whose handler is a Lua one (our console handler asks). */
static _Atomic(uint32_t) handled;

/* The Lua thread: its id (compared in the C handlers) and a handle
** that may suspend it. */
static atomic_ulong lua_thread_id;
static _Atomic(HANDLE) lua_thread;

static atomic_int arm_lock;
static atomic_int active;

/* Set at each delivery: sleep waits on it. */
static HANDLE wake_event;

/* What the runtime had for each signal before the module changed it. */
static lsig_CrtHandler original[LSIG_NSIG];
static char changed[LSIG_NSIG];

static void *owner_sentinel;


/* Arms from another thread, with the Lua thread stopped (see the
** design note). */
static void lock (void) {
  while (atomic_exchange(&arm_lock, 1))
    SwitchToThread();
}


static void armremote (lua_State *main) {
  HANDLE t;
  CONTEXT ctx;
  lock();
  t = atomic_load(&lua_thread);  /* under the lock: followthread */
  if (t != NULL && SuspendThread(t) != (DWORD)-1) {
    memset(&ctx, 0, sizeof ctx);
    ctx.ContextFlags = CONTEXT_CONTROL;
    if (GetThreadContext(t, &ctx))  /* the thread has stopped */
      lsig_armall(main);
    ResumeThread(t);
  }
  atomic_store(&arm_lock, 0);
}


static void deliver (int signo) {
  lua_State *main;
  atomic_fetch_add(&active, 1);
  main = atomic_load(&lsig_owner_main);
  if (main != NULL && signo > 0 && signo < LSIG_NSIG) {
    atomic_fetch_add(&pending[signo], 1);
    atomic_fetch_or(&pending_mask, PENDING_BIT(signo));
    atomic_store(&lsig_any_pending, 1);
    lsig_notify(signo);
    SetEvent(wake_event);
    if (GetCurrentThreadId() == atomic_load(&lua_thread_id)) {
      lock();
      lsig_armall(main);
      atomic_store(&arm_lock, 0);
    }
    else
      armremote(main);
  }
  atomic_fetch_sub(&active, 1);
}


/* The runtime's handler: it reset the signal to SIG_DFL before this
** call, so it is put back first while the signal is still ours. */
static void on_crt (int signo) {
  if (signo > 0 && signo < LSIG_NSIG
      && (atomic_load(&handled) & PENDING_BIT(signo)))
    signal(signo, on_crt);
  deliver(signo);
}


static BOOL WINAPI on_console (DWORD event) {
  int signo;
  if (event == CTRL_C_EVENT) signo = SIGINT;
  else if (event == CTRL_BREAK_EVENT) signo = SIGBREAK;
  else return FALSE;
  if (atomic_load(&lsig_owner_main) == NULL
      || !(atomic_load(&handled) & PENDING_BIT(signo)))
    return FALSE;  /* the runtime's handler, or Windows's, decides */
  deliver(signo);
  return TRUE;
}

/* }====================================================== */


/*
** {======================================================
** What dispatch (dispatch.c) takes from the engine
** =======================================================
*/

/* Makes the calling OS thread the Lua thread (cheap when it is): its
** handle, with the rights to suspend it, replaces the old one. */
void lsig_followthread (void) {
  DWORD self = GetCurrentThreadId();
  HANDLE h, old;
  if (atomic_load(&lua_thread_id) == self) return;
  if (!DuplicateHandle(GetCurrentProcess(), GetCurrentThread(),
                       GetCurrentProcess(), &h,
                       THREAD_SUSPEND_RESUME | THREAD_GET_CONTEXT,
                       FALSE, 0))
    h = NULL;  /* deliveries from other threads wait, counted */
  lock();  /* no armer uses the old one */
  old = atomic_exchange(&lua_thread, h);
  atomic_store(&lua_thread_id, self);
  atomic_store(&arm_lock, 0);
  if (old != NULL) CloseHandle(old);
}


static void clearbit (int signo) {
  atomic_fetch_and(&pending_mask, ~PENDING_BIT(signo));
  if (atomic_load(&pending[signo]) > 0)
    atomic_fetch_or(&pending_mask, PENDING_BIT(signo));
}


/* The lowest bit set in a mask that is not 0 (22 bits: a loop will do,
** and every compiler takes it). */
static int lowest (uint32_t mask) {
  int signo = 1;
  while (!(mask & 1)) {
    mask >>= 1;
    signo++;
  }
  return signo;
}


int lsig_takepending (void) {
  uint32_t mask;
  while ((mask = atomic_load(&pending_mask)) != 0) {
    int signo = lowest(mask);
    unsigned n = atomic_load(&pending[signo]);
    if (n == 0)
      clearbit(signo);
    else {
      if (atomic_fetch_sub(&pending[signo], 1) == 1)
        clearbit(signo);
      return signo;
    }
  }
  return 0;
}


void lsig_giveback (int signo) {
  atomic_fetch_add(&pending[signo], 1);
  atomic_fetch_or(&pending_mask, PENDING_BIT(signo));
  atomic_store(&lsig_any_pending, 1);
}


int lsig_morepending (void) {
  return atomic_load(&pending_mask) != 0;
}


/* No siginfo records on Windows: a handler gets the signal alone. */
const struct lsig_Info *lsig_peekrecord (int signo) {
  (void)signo;
  return NULL;
}


void lsig_droprecord (int signo) {
  (void)signo;
}


int lsig_infobuilder (int signo) {
  (void)signo;
  return LUA_NOREF;
}


/*
** Waits until a delivery is pending or 'timeout' seconds pass (a
** negative one: no limit); 1 if one is pending. The event is
** auto-reset: a delivery after the look at 'any_pending' sets it again.
*/
int lsig_wait (double timeout) {
  DWORD ms = INFINITE;
  if (atomic_load(&lsig_any_pending)) return 1;
  if (timeout >= 0)
    ms = (timeout * 1000.0 >= 4e9) ? 4000000000u : (DWORD)(timeout * 1000.0);
  WaitForSingleObject(wake_event, ms);
  return atomic_load(&lsig_any_pending);
}

/* }====================================================== */


/*
** {======================================================
** Dispositions
** =======================================================
*/

int lsig_isours (const lsig_Action *a) {
  return *a == on_crt;
}


/* The runtime's disposition now: signal() has no read-only form that
** every runtime keeps (Wine's msvcrt installs SIG_GET as a handler),
** so it is swapped out and back; the main flow alone changes them. */
int lsig_getaction (int signo, lsig_Action *a) {
  lsig_CrtHandler h = signal(signo, SIG_IGN);
  if (h == SIG_ERR) return 0;  /* errno says why */
  signal(signo, h);
  *a = h;
  return 1;
}


/*
** The handlers stay with the runtime and Windows after the owner
** closes (a console handler is never removed), so the DLL that holds
** them must never be unloaded, as SPEC 5.16 asks: it is pinned, by the
** address of one of its objects, the first time one is installed.
*/
static void pin (void) {
  static int pinned = 0;
  HMODULE self;
  if (!pinned)
    pinned = GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS
                                | GET_MODULE_HANDLE_EX_FLAG_PIN,
                                (LPCSTR)&lsig_handlers_key, &self) != 0;
}


/* Installs h in the runtime, keeping the first disposition to put
** back; console events follow 'handled'. */
int lsig_putaction (int signo, const lsig_Action *a) {
  static int console = 0;
  lsig_CrtHandler h = *a, old;
  if (h == on_crt) {
    pin();
    atomic_fetch_or(&handled, PENDING_BIT(signo));
  }
  old = signal(signo, h);
  if (old == SIG_ERR) {
    if (h == on_crt) atomic_fetch_and(&handled, ~PENDING_BIT(signo));
    return 0;
  }
  if (h != on_crt)
    atomic_fetch_and(&handled, ~PENDING_BIT(signo));
  if (!changed[signo]) original[signo] = old;
  changed[signo] = 1;
  /* after the runtime's: Windows calls the newest handler first */
  if (h == on_crt && !console && (signo == SIGINT || signo == SIGBREAK))
    console = SetConsoleCtrlHandler(on_console, TRUE) != 0;
  return 1;
}


int lsig_setaction (int signo, int kind, int restart) {
  lsig_CrtHandler h = (kind == LSIG_LUA) ? on_crt
                      : (kind == LSIG_IGN) ? SIG_IGN : SIG_DFL;
  (void)restart;
  return lsig_putaction(signo, &h);
}


static void restoreall (void) {
  int signo;
  for (signo = 1; signo < LSIG_NSIG; signo++) {
    if (!changed[signo]) continue;
    atomic_fetch_and(&handled, ~PENDING_BIT(signo));
    signal(signo, original[signo]);
    changed[signo] = 0;
  }
}

/* }====================================================== */


/*
** {======================================================
** Ownership and its end
** =======================================================
*/

static void clearpending (void) {
  int signo;
  for (signo = 0; signo < LSIG_NSIG; signo++)
    atomic_store(&pending[signo], 0);
  atomic_store(&pending_mask, 0);
  atomic_store(&lsig_any_pending, 0);
}


/* The owner is closing: no handler touches its state after this. */
static int sig_release (lua_State *L) {
  HANDLE t;
  if (lua_touserdata(L, 1) != owner_sentinel) return 0;
  atomic_store(&lsig_owner_main, NULL);
  restoreall();
  while (atomic_load(&active) > 0)  /* one still runs on another thread */
    SwitchToThread();
  lsig_resetdispatch();  /* dispatch.c: its hooks, its runner */
  clearpending();
  owner_sentinel = NULL;
  t = atomic_exchange(&lua_thread, NULL);
  atomic_store(&lua_thread_id, 0);
  if (t != NULL) CloseHandle(t);
  atomic_store(&lsig_owner_registry, NULL);
  return 0;
}


/* As engine.c's lsig_claim: nothing is published until nothing can
** fail. */
int lsig_claim (lua_State *L) {
  const void *reg = lua_topointer(L, LUA_REGISTRYINDEX);
  const void *none = NULL;
  void *sentinel;
  lua_State *R;
  int ref;
  if (atomic_load(&lsig_owner_registry) == reg) return 0;
  lsig_checkowner(L);
  luaL_checkstack(L, 3, NULL);
  if (wake_event == NULL
      && (wake_event = CreateEventA(NULL, FALSE, FALSE, NULL)) == NULL)
    luaL_error(L, "signal: cannot create an event (error %d)",
               (int)GetLastError());
  sentinel = lsig_findsentinel(L, sig_release);  /* dispatch.c */
  R = lsig_findrunner(L);  /* dispatch.c */
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
  ref = luaL_ref(L, LUA_REGISTRYINDEX);
  if (!atomic_compare_exchange_strong(&lsig_owner_registry, &none, reg)) {
    luaL_unref(L, LUA_REGISTRYINDEX, ref);
    luaL_error(L, "signal handlers are owned by another Lua state "
                  "in this process");
  }
  lsig_bindrunner(R, ref);
  owner_sentinel = sentinel;
  lsig_followthread();
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  atomic_store(&lsig_owner_main, lua_tothread(L, -1));
  lua_pop(L, 1);
  return 1;
}


void lsig_unclaim (lua_State *L) {
  atomic_store(&lsig_owner_main, NULL);
  lsig_unbindrunner(L);
  owner_sentinel = NULL;
  atomic_store(&lsig_owner_registry, NULL);
}

/* }====================================================== */
