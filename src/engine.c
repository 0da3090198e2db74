/*
** The delivery engine: the C signal handler, the counts and records
** dispatch takes, ownership and its end, the dispositions the module
** changed, and what happens to a delivery that lands on another OS
** thread. The debug hook that turns a delivery into a Lua call, and
** dispatch, are the hook and dispatch half, src/dispatch.c, which the
** Windows engine (src/win/engine_win.c) shares; ldispatch.h is the
** seam between the halves. The note below covers both.
**
** Design note. Two flows meet here. The C handler (on_signal) may run
** on any OS thread, between any two machine instructions. The main
** flow is the owning state's Lua code and the module's functions, run
** by one OS thread, "the Lua thread" (the one that claimed delivery or
** last dispatched). The invariants:
**
** 1. Only the Lua thread touches Lua state. There the C handler counts
**    the delivery (its 'pending' count, then its bit in 'pending_mask',
**    then 'any_pending'), writes the wake-up bytes, and arms: sets our
**    count-1 hook on the owner's main thread and on the running
**    coroutine. lua_sethook may be called from a signal handler on the
**    thread that runs the state (see the comment above it in ldebug.c),
**    never from another thread while that one runs it.
** 2. On any other thread the C handler counts the delivery and writes
**    the wake-up bytes too, touches no Lua state, and wakes the Lua
**    thread: it sends it the same signal as a wake-up, which the Lua
**    thread only arms for (the platform's lsig_sendwake/lsig_takewake:
**    Linux tags it, posix.c tells it apart by counting, see there).
**    One wake-up per signal is in flight at a time. A wake-up that is
**    lost (the thread exits, the real-time queue is full) loses no
**    delivery: it waits in the counts for the Lua thread's next
**    delivery or next call into the module.
** 3. Arming and the program's hook: before ours replaces a hook the
**    program set, the hook is kept in a slot and put back the moment
**    ours fires, so the program's hook survives every delivery.
** 4. The main flow edits hooks only with 'hook_busy' set. A delivery
**    that lands meanwhile only counts; the main flow looks at
**    'any_pending' when it is done and arms itself if needed.
**    'arm_gen' counts arms, so debug.sethook can see one landed. A
**    thread armed already is not armed again (lua_sethook walks every
**    frame of the thread).
** 5. Only the main flow takes deliveries (takepending), one at a time,
**    lowest signal first; 'dispatching' keeps handlers from nesting,
**    and while it is set a delivery only counts: the dispatch loop
**    takes it when the handler returns, and looks once more after it
**    clears the flag. Handlers run on the runner, a thread of the
**    owning state kept for that, never on the thread they interrupt,
**    whose stack, hooks and line tracking the program can see.
** 6. Teardown: 'active' counts C handlers inside on_signal. The closing
**    state clears 'owner_main', puts the dispositions back, and waits
**    until 'active' is 0 before it frees or closes anything.
** 7. Siginfo, for a handler that takes it (two parameters, '...', a
**    C function or a callable object: decided at install, a bit in
**    'infomask'): the C handler, where it counts the delivery (on
**    whatever thread it lands, with the sender's own siginfo), first
**    stores a record in the signal's ring of RING_SIZE (64), then
**    counts; dispatch takes the count, then the record at the ring's
**    head, so a delivery sent on to the Lua thread keeps its sender's
**    info and the wake-up carries none. Standard signals keep what
**    the kernel kept when it merged them. A one-parameter handler's
**    deliveries store nothing.
** 8. Backpressure, never a silent loss: once a signal's ring holds
**    HIGH_WATER records, the C handler on the Lua thread blocks the
**    signal in the mask it returns to ('heldmask'), and dispatch
**    unblocks it when it has emptied half of the ring: the kernel
**    holds the rest meanwhile, in order, and a sender of real-time
**    signals meets EAGAIN when the kernel's queue is full. A delivery
**    that still finds the ring full (several threads at once) is
**    queued back to the Lua thread with its own siginfo (a thread's
**    own queue comes before the process's, so the order holds), and
**    the signal is held the same way; while it is held, deliveries on
**    other threads go behind the held ones. Only if the kernel refuses
**    that too (its queue is full) is the delivery counted without a
**    record: its handler gets info.dropped.
** 9. Order across threads: two threads that take consecutive
**    deliveries run their C handlers at the same time, so which
**    stores first is a race. A signal sent by another process (kill,
**    sigqueue) that lands on a thread other than the Lua thread, when
**    its handler takes info, is therefore not stored there but queued
**    again, as it came, to the Lua thread (lsig_requeue; a thread's
**    own queue is delivered before the process's): the Lua thread
**    stores them one at a time, in the order they reach it. Only two
**    deliveries that two other threads take at the same moment may
**    swap places. No thread's mask is changed for this (blocking it in
**    the other threads would be inherited by the threads they start,
**    a new Lua thread among them, and outlive the state). Where the
**    platform cannot requeue (posix.c), the delivery is stored where
**    it lands. Signals a thread sends to a thread (tgkill, the
**    kernel's faults) and one-parameter handlers are not requeued.
** 10. signal.queue pauses a signal ('pausedmask'): dispatch leaves its
**    deliveries in the ring (then the kernel holds them, as in 8)
**    until the queue has room. The pause belongs to the handler that
**    asked for it: another handler set meanwhile runs, and the pause
**    comes back with the queue's handler.
**
** The platform interface (lplatform.h) is all the shared files know of
** the system beyond POSIX: lsig_follow (the calling thread becomes the
** wake-ups' target), lsig_sendwake and lsig_takewake (wake-ups),
** lsig_pipe (a non-blocking, close-on-exec pipe), lsig_timedsuspend (a
** timed wait that unblocks the handled signals atomically), lsig_sigwait
** and lsig_open_platform (the platform's own functions), lsig_newthread
** and lsig_unfollow (posix.c: threads that end), and the
** LSIG_HAVE_* macros that say which functions exist. linux.c queues
** tagged wake-ups with rt_tgsigqueueinfo to the kernel's thread id,
** waits with ppoll and the raw rt_sigtimedwait, uses pipe2 and adds the
** pidfd functions, sigwaitinfo, sigtimedwait and SIGRTMIN/SIGRTMAX.
** posix.c, for macOS, the BSDs and make PORTABLE=1, wakes with
** pthread_kill and counts wake-ups per signal, waits in poll on a pipe
** the C handler writes to, and has sigwait (number only), pipe + fcntl,
** and no functions of its own. The Makefile compiles one of the two.
**
** A host that moves a state to another OS thread must call into the
** module on the new thread (signal.check() will do) before it runs Lua
** code there, with the handled signals blocked in the old one: until
** then wake-ups go to the old thread, and deliveries wait, counted.
*/

#define _GNU_SOURCE

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>  /* and ucontext_t through <signal.h> */

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"


#if ATOMIC_INT_LOCK_FREE != 2 || ATOMIC_POINTER_LOCK_FREE != 2 \
    || ATOMIC_LLONG_LOCK_FREE != 2
#error "the signal handler needs lock-free atomic integers and pointers"
#endif

/* Signals 1 to 64 have a bit each in the pending mask. */
_Static_assert(LSIG_NSIG - 1 <= 64, "more signals than bits in the mask");
#define PENDING_BIT(signo) ((uint64_t)1 << ((signo) - 1))



/*
** {======================================================
** State shared with the C handler
** =======================================================
*/

/* A disposition to put back, in 24 bytes where glibc's struct
** sigaction takes 152: with a handler on every signal, the table stays
** in one page. */
typedef struct Disposition {
  union {
    void (*handler) (int);
    void (*action) (int, siginfo_t *, void *);
  } fn;  /* 'action' if SA_SIGINFO is in 'flags' */
  uint64_t mask;  /* a bit per signal, as PENDING_BIT */
  int flags;
} Disposition;

typedef struct SigState {
  atomic_uint pending;  /* deliveries counted and not yet handled */
  char changed;  /* 'original' holds the disposition to put back */
  Disposition original;
} SigState;

static SigState sigstate[LSIG_NSIG];

/* A bit per signal whose count may be above zero (set after the count
** goes up), so that dispatch finds the lowest one without a scan. */
static _Atomic(uint64_t) pending_mask;

/* The Lua thread, as pthread_self() gives it (compared in the C
** handler; 0: none yet). The platform keeps the target of wake-ups. */
static _Atomic(uintptr_t) lua_thread;

static atomic_int active;

/* Only the main flow of the owner touches these. */
static void *owner_sentinel;
static sigset_t handled;  /* signals whose handler is ours */
static int builder_ref = LUA_NOREF;  /* what makes a handler's info */


/*
** Each delivery's siginfo, for handlers that take it: per signal, a
** bounded ring of records with a sequence number per slot (Vyukov's
** bounded queue): many producers (C handlers, on any thread), one
** consumer (dispatch, on the Lua thread), atomics only. A slot is free
** for position p when its 'seq' is p, holds the record of position p
** when it is p + 1. The rings are static: a signal's pages are touched
** only once a handler that takes info is installed for it.
*/
#define RING_SIZE 64
#define HIGH_WATER (RING_SIZE - 16)  /* the Lua thread holds back from here */

typedef struct Slot {
  atomic_uint seq;
  lsig_Info info;
} Slot;

typedef struct Ring {
  atomic_uint enq;  /* next position to reserve (producers) */
  atomic_uint deq;  /* next position to take (dispatch only) */
  Slot slot[RING_SIZE];
} Ring;

static Ring rings[LSIG_NSIG];
static char ringready[LSIG_NSIG];  /* main flow: its slots are set up */

/* A bit per signal whose handler takes info (producers keep records);
** one per signal held back (the Lua thread blocks it until its ring
** has room); one per signal whose dispatch signal.queue paused. */
static _Atomic(uint64_t) infomask;
static _Atomic(uint64_t) heldmask;
static _Atomic(uint64_t) pausedmask;


static void count (int signo) {
  atomic_fetch_add(&sigstate[signo].pending, 1);
  atomic_fetch_or(&pending_mask, PENDING_BIT(signo));
  atomic_store(&lsig_any_pending, 1);
  lsig_notify(signo);
}


/* Keeps a record of the delivery in signo's ring; 0 if it is full. */
static int push (int signo, const siginfo_t *si) {
  Ring *r = &rings[signo];
  unsigned pos = atomic_load_explicit(&r->enq, memory_order_relaxed);
  for (;;) {
    Slot *s = &r->slot[pos % RING_SIZE];
    unsigned seq = atomic_load_explicit(&s->seq, memory_order_acquire);
    int dif = (int)(seq - pos);
    if (dif == 0) {
      if (atomic_compare_exchange_weak(&r->enq, &pos, pos + 1)) {
        lsig_fillinfo(&s->info, si);
        atomic_store_explicit(&s->seq, pos + 1, memory_order_release);
        return 1;
      }
    }
    else if (dif < 0)
      return 0;  /* the slot still holds a record a lap behind: full */
    else
      pos = atomic_load_explicit(&r->enq, memory_order_relaxed);
  }
}


/*
** Backpressure: a delivery whose record finds no room goes back to the
** kernel, queued with its own siginfo to the Lua thread, and the Lua
** thread holds signo blocked (the C handler there blocks it in the
** mask it returns to) until dispatch has made room. The kernel keeps
** the rest meanwhile: a thread's own queue is delivered before the
** process's, so the order holds, and a sender of real-time signals
** gets EAGAIN once the kernel's queue is full, as from any full queue.
** 0 if the kernel refused it too (its queue is full): the delivery is
** then counted with no record, and its handler gets info.dropped.
*/
static int holdback (int signo, const siginfo_t *si, void *context,
                     int onlua) {
  if (!lsig_requeue(signo, si)) return 0;
  atomic_fetch_or(&heldmask, PENDING_BIT(signo));
  if (onlua)
    sigaddset(&((ucontext_t *)context)->uc_sigmask, signo);
  return 1;
}


/*
** Takes a delivery in: its record first (when its handler takes
** info), then its count, so that dispatch never takes a count whose
** record is not at least reserved. While signo is held back, a
** delivery on another thread goes behind the ones the kernel holds.
** Returns 0 if the kernel took it back.
*/
static int take (int signo, const siginfo_t *si, void *context,
                 int onlua) {
  uint64_t bit = PENDING_BIT(signo);
  if (atomic_load(&infomask) & bit) {
    if (!onlua && (si->si_code == SI_USER || si->si_code == SI_QUEUE)
        && si->si_pid != getpid() && lsig_requeue(signo, si))
      return 0;  /* sent on to the Lua thread as it came: see note 9 */
    if (((atomic_load(&heldmask) & bit) && !onlua) || !push(signo, si)) {
      if (holdback(signo, si, context, onlua)) return 0;
    }
    else if (onlua && atomic_load(&rings[signo].enq)
                      - atomic_load(&rings[signo].deq) >= HIGH_WATER) {
      /* nearly full: the kernel keeps the next ones, none need requeuing */
      atomic_fetch_or(&heldmask, bit);
      sigaddset(&((ucontext_t *)context)->uc_sigmask, signo);
    }
  }
  count(signo);
  return 1;
}


/* pthread_self only reads the thread pointer: safe in a handler. */
static int onluathread (void) {
  return atomic_load(&lua_thread) == (uintptr_t)pthread_self();
}


/* Async-signal-safe: atomics, write(2), lua_sethook and the platform's
** wake-ups (lsig_takewake, lsig_sendwake) only. */
static void on_signal (int signo, siginfo_t *info, void *context) {
  int saved_errno = errno;
  lua_State *main;
  atomic_fetch_add(&active, 1);
  main = atomic_load(&lsig_owner_main);
  if (main != NULL && signo > 0 && signo < LSIG_NSIG) {
    int woken = lsig_takewake(info);
    if (onluathread()) {
      if (!woken) take(signo, info, context, 1);
      lsig_armall(main);  /* dispatch.c */
    }
    else if (woken || take(signo, info, context, 0)) {
      if (lsig_sendwake(signo)) count(signo);
    }
  }
  atomic_fetch_sub(&active, 1);
  errno = saved_errno;
}


void lsig_deliver (int signo, siginfo_t *info, void *context) {
  on_signal(signo, info, context);
}


/* }====================================================== */


/*
** {======================================================
** What dispatch (dispatch.c) takes from the engine
** =======================================================
*/

/* Makes the calling OS thread the Lua thread (cheap when it is). */
void lsig_followthread (void) {
  uintptr_t self = (uintptr_t)pthread_self();
  if (atomic_load(&lua_thread) != self || lsig_newthread()) {
    lsig_follow(0);
    atomic_store(&lua_thread, self);
  }
}


/* Clears signo's bit, unless a delivery came in meanwhile. */
static void clearbit (int signo) {
  atomic_fetch_and(&pending_mask, ~PENDING_BIT(signo));
  if (atomic_load(&sigstate[signo].pending) > 0)
    atomic_fetch_or(&pending_mask, PENDING_BIT(signo));
}


/* The lowest signal with a delivery left, which it takes; 0 if none. */
int lsig_takepending (void) {
  uint64_t mask;
  while ((mask = atomic_load(&pending_mask) & ~atomic_load(&pausedmask))
         != 0) {
    int signo = __builtin_ctzll(mask) + 1;
    unsigned n = atomic_load(&sigstate[signo].pending);
    if (n == 0)
      clearbit(signo);  /* its last delivery was taken: look again */
    else {
      /* only this flow takes, so the count cannot fall to 0 meanwhile */
      if (atomic_fetch_sub(&sigstate[signo].pending, 1) == 1)
        clearbit(signo);
      return signo;
    }
  }
  return 0;
}


/* A delivery taken that could not be run goes back, to wait for the
** next arm (no wake-up byte: it had one). */
void lsig_giveback (int signo) {
  atomic_fetch_add(&sigstate[signo].pending, 1);
  atomic_fetch_or(&pending_mask, PENDING_BIT(signo));
  atomic_store(&lsig_any_pending, 1);
}


/* A signal still has a delivery counted (paused ones too). */
int lsig_morepending (void) {
  return atomic_load(&pending_mask) != 0;
}


/*
** {------------------------------------------------------
** Records, seen from dispatch
** -------------------------------------------------------
*/

/*
** The record due for the delivery just taken, or NULL if it has none
** (it came before its handler took info, or the kernel's queue was
** full too). A slot reserved and not yet written is being written by
** a C handler on another thread, between two of its stores (it runs
** with every signal blocked): dispatch yields until it is done.
*/
const lsig_Info *lsig_peekrecord (int signo) {
  Ring *r = &rings[signo];
  unsigned pos;
  Slot *s;
  if (!ringready[signo]) return NULL;
  pos = atomic_load_explicit(&r->deq, memory_order_relaxed);
  if (atomic_load(&r->enq) == pos) return NULL;
  s = &r->slot[pos % RING_SIZE];
  while (atomic_load_explicit(&s->seq, memory_order_acquire) != pos + 1)
    sched_yield();
  return &s->info;
}


/*
** Unblocks a signal held back, on the Lua thread, unless a blocked()
** guard opened meanwhile blocks it: that guard unblocks it when it
** closes (it counted it as not blocked before).
*/
static void letgo (int signo) {
  sigset_t one;
  atomic_fetch_and(&heldmask, ~PENDING_BIT(signo));
  if (lsig_guarded(signo)) return;
  sigemptyset(&one);
  sigaddset(&one, signo);
  pthread_sigmask(SIG_UNBLOCK, &one, NULL);
}


int lsig_isheld (int signo) {
  return (atomic_load(&heldmask) & PENDING_BIT(signo)) != 0;
}


/*
** Frees the record taken; once the ring is half empty, a signal held
** back is unblocked on the Lua thread (where the C handler blocked it),
** and the kernel delivers what it kept, in order.
*/
void lsig_droprecord (int signo) {
  Ring *r = &rings[signo];
  uint64_t bit = PENDING_BIT(signo);
  unsigned pos = atomic_load_explicit(&r->deq, memory_order_relaxed);
  atomic_store_explicit(&r->slot[pos % RING_SIZE].seq, pos + RING_SIZE,
                        memory_order_release);
  atomic_store_explicit(&r->deq, pos + 1, memory_order_release);
  if ((atomic_load(&heldmask) & bit) && !(atomic_load(&pausedmask) & bit)
      && atomic_load(&r->enq) - (pos + 1) <= RING_SIZE / 2)
    letgo(signo);
}


static void initring (int signo) {
  Ring *r = &rings[signo];
  unsigned i;
  for (i = 0; i < RING_SIZE; i++)
    atomic_store(&r->slot[i].seq, i);
  atomic_store(&r->deq, 0);
  atomic_store(&r->enq, 0);
}


static void unpause (int signo);


/*
** The handler that paused signo (signal.queue's), kept while its pause
** lasts: another handler set meanwhile runs, and the pause comes back
** with it. Pushes it and returns 1, or pushes nothing and returns 0.
*/
static const char pausers_key = 0;

static int pushpauser (lua_State *L, int signo) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &pausers_key) != LUA_TTABLE) {
    lua_pop(L, 1);
    return 0;
  }
  if (lua_rawgeti(L, -1, signo) == LUA_TNIL) {
    lua_pop(L, 2);
    return 0;
  }
  lua_remove(L, -2);
  return 1;
}


/*
** Can the handler on top of L take a second argument? A Lua function
** that declares two parameters or '...', a C function, or a callable
** object (its __call gets the arguments after itself).
*/
static int takesinfo (lua_State *L) {
  lua_Debug ar;
  if (lua_iscfunction(L, -1)) return 1;
  if (!lua_isfunction(L, -1)) return !lua_isnil(L, -1);
  lua_pushvalue(L, -1);
  lua_getinfo(L, ">u", &ar);
  return ar.nparams >= 2 || ar.isvararg;
}


/*
** After signo's handler changed (signal, scoped and their undoing):
** records are kept from now on if the new handler takes info. Its
** ring is set up the first time, before any producer may use it.
*/
void lsig_sethandler (lua_State *L, int signo) {
  int wants, pauser;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
  lua_rawgeti(L, -1, signo);
  wants = takesinfo(L);
  pauser = 0;
  if (pushpauser(L, signo)) {  /* stack: handlers handler pauser */
    pauser = lua_rawequal(L, -1, -2);
    lua_pop(L, 1);
  }
  lua_pop(L, 2);
  if (wants) {
    if (!ringready[signo]) {
      initring(signo);
      ringready[signo] = 1;
    }
    atomic_fetch_or(&infomask, PENDING_BIT(signo));
  }
  else
    atomic_fetch_and(&infomask, ~PENDING_BIT(signo));
  if (pauser)  /* its queue's handler is back, and its queue still full */
    atomic_fetch_or(&pausedmask, PENDING_BIT(signo));
  else
    unpause(signo);  /* a pause is its queue's, not another handler's */
}


/*
** signal.queue's pause: dispatch leaves signo's deliveries where they
** are (its ring fills, then the kernel holds them), until resumed.
*/
int lsig_hold (lua_State *L, int signo, int on) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &pausers_key) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_createtable(L, LSIG_NSIG, 0);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &pausers_key);
  }
  if (on) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
    lua_rawgeti(L, -1, signo);
    lua_remove(L, -2);
  }
  else
    lua_pushnil(L);
  lua_rawseti(L, -2, signo);  /* stack: pausers */
  lua_pop(L, 1);
  if (on) {
    atomic_fetch_or(&pausedmask, PENDING_BIT(signo));
    return 1;
  }
  unpause(signo);
  lsig_dispatch(L);
  return 1;
}


/* Dispatch takes signo's deliveries again (the caller dispatches). */
static void unpause (int signo) {
  uint64_t bit = PENDING_BIT(signo);
  if (!(atomic_load(&pausedmask) & bit)) return;
  atomic_fetch_and(&pausedmask, ~bit);
  if (atomic_load(&pending_mask) & bit) atomic_store(&lsig_any_pending, 1);
  if ((atomic_load(&heldmask) & bit) && ringready[signo]
      && atomic_load(&rings[signo].enq) == atomic_load(&rings[signo].deq))
    letgo(signo);  /* nothing left to make room with: now */
}


static const char builder_key = 0;  /* registry: siginfo.c's builder */

/* What makes signo's info for its handler, if that takes one. */
int lsig_infobuilder (int signo) {
  return (atomic_load(&infomask) & PENDING_BIT(signo)) ? builder_ref
                                                         : LUA_NOREF;
}

/* }------------------------------------------------------ */

/* }====================================================== */


/*
** {======================================================
** Dispositions
** =======================================================
*/

/* shutdown.c's handler passes every delivery on to on_signal. */
int lsig_isours (const struct sigaction *sa) {
  return (sa->sa_flags & SA_SIGINFO)
         && (sa->sa_sigaction == on_signal
             || sa->sa_sigaction == lsig_onshutdown);
}


static void keep (Disposition *d, const struct sigaction *sa) {
  int signo;
  d->flags = sa->sa_flags;
  if (sa->sa_flags & SA_SIGINFO) d->fn.action = sa->sa_sigaction;
  else d->fn.handler = sa->sa_handler;
  d->mask = 0;
  for (signo = 1; signo < LSIG_NSIG; signo++)
    if (sigismember(&sa->sa_mask, signo) == 1) d->mask |= PENDING_BIT(signo);
}


static void putback (int signo, const Disposition *d) {
  struct sigaction sa;
  int i;
  memset(&sa, 0, sizeof sa);
  sa.sa_flags = d->flags;
  if (d->flags & SA_SIGINFO) sa.sa_sigaction = d->fn.action;
  else sa.sa_handler = d->fn.handler;
  sigemptyset(&sa.sa_mask);
  for (i = 1; i < LSIG_NSIG; i++)
    if (d->mask & PENDING_BIT(i)) sigaddset(&sa.sa_mask, i);
  sigaction(signo, &sa, NULL);
}


/* Changes signo's disposition, keeping the first one to put back. */
static int change (int signo, const struct sigaction *sa) {
  SigState *s = &sigstate[signo];
  struct sigaction old;
  if (sigaction(signo, sa, &old) != 0)
    return 0;
  if (!s->changed) keep(&s->original, &old);
  s->changed = 1;
  if (lsig_isours(sa)) sigaddset(&handled, signo);
  else sigdelset(&handled, signo);
  return 1;
}


/*
** Discards what is pending of signo, on every thread: setting SIG_IGN
** does that. The caller puts the disposition back (restoreall), so
** that a delivery the module took in is not handed, once its handler
** is gone, to a default action that would end the process.
*/
void lsig_discard (int signo) {
  struct sigaction ign;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  sigaction(signo, &ign, NULL);
}


/* Installs our handler (LSIG_LUA), SIG_DFL or SIG_IGN for signo. */
int lsig_setaction (int signo, int kind, int restart) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  if (kind == LSIG_LUA) {
    sa.sa_sigaction = on_signal;
    sigfillset(&sa.sa_mask);  /* the handler never interrupts itself */
    sa.sa_flags = SA_SIGINFO | (restart ? SA_RESTART : 0);
  }
  else {
    sa.sa_handler = (kind == LSIG_IGN) ? SIG_IGN : SIG_DFL;
    sigemptyset(&sa.sa_mask);
  }
  return change(signo, &sa);
}


/* Reads signo's disposition; 0 (errno set) if the system refuses. */
int lsig_getaction (int signo, struct sigaction *sa) {
  return sigaction(signo, NULL, sa) == 0;
}


/* Puts back a disposition read before (scoped). */
int lsig_putaction (int signo, const struct sigaction *sa) {
  return change(signo, sa);
}


/* siginterrupt: SA_RESTART on or off, whatever the disposition. */
int lsig_setrestart (int signo, int restart) {
  struct sigaction sa;
  if (sigaction(signo, NULL, &sa) != 0) return 0;
  if (restart) sa.sa_flags |= SA_RESTART;
  else sa.sa_flags &= ~SA_RESTART;
  return change(signo, &sa);
}


/* Signals whose handler is ours: the ones a wait must watch. */
void lsig_handledset (sigset_t *set) {
  *set = handled;
}


/*
** Another library may take a signal from us (luv's and lua-ev's signal
** watchers set SIG_DFL when they close): the Lua handler is dropped,
** so that getsignal says what the kernel will do, with one warning.
*/
void lsig_audit (lua_State *L) {
  int signo;
  if (!lsig_isowner(L)) return;
  for (signo = 1; signo < LSIG_NSIG; signo++) {
    struct sigaction sa;
    if (sigismember(&handled, signo) != 1
        || sigaction(signo, NULL, &sa) != 0 || lsig_isours(&sa))
      continue;
    sigdelset(&handled, signo);
    atomic_fetch_and(&infomask, ~PENDING_BIT(signo));
    lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
    lua_pushnil(L);
    lua_rawseti(L, -2, signo);
    lua_pop(L, 1);
    lua_pushfstring(L, "signal: the handler of %s was replaced "
                       "outside this module; its Lua handler is dropped",
                    lsig_pushsigname(L, signo));
    lua_warning(L, lua_tostring(L, -1), 0);
    lua_pop(L, 2);
  }
}

/* }====================================================== */


/*
** {======================================================
** Ownership and its end
** =======================================================
*/

/* With no C handler of ours running on any thread: a forked child's
** one thread, or a closing owner after 'active' fell to 0. A record
** reserved when fork() copied the process would never be written; a
** signal held back stays blocked in a child's mask, and is let go. */
static void clearpending (void) {
  sigset_t held;
  int signo;
  sigemptyset(&held);
  for (signo = 1; signo < LSIG_NSIG; signo++)
    if (atomic_load(&heldmask) & PENDING_BIT(signo)) sigaddset(&held, signo);
  pthread_sigmask(SIG_UNBLOCK, &held, NULL);
  for (signo = 0; signo < LSIG_NSIG; signo++) {
    atomic_store(&sigstate[signo].pending, 0);
    if (ringready[signo]) initring(signo);
  }
  atomic_store(&pending_mask, 0);
  atomic_store(&lsig_any_pending, 0);
  atomic_store(&lua_thread, 0);  /* the next claim follows, afresh */
  atomic_store(&heldmask, 0);
}


static void restoreall (void) {
  int signo;
  for (signo = 1; signo < LSIG_NSIG; signo++) {
    const Disposition *d = &sigstate[signo].original;
    if (!sigstate[signo].changed) continue;
    if (!(d->flags & SA_SIGINFO) && d->fn.handler == SIG_DFL)
      lsig_stoptimer(signo);  /* its timer would now kill the process */
    putback(signo, d);
    sigstate[signo].changed = 0;
  }
  sigemptyset(&handled);
}


/*
** The owner is closing (the sentinel's __gc): no handler of ours may
** run after this, on any thread, so that none touches the state about
** to be freed.
*/
static int sig_release (lua_State *L) {
  sigset_t all, old;
  int i;
  if (lua_touserdata(L, 1) != owner_sentinel) return 0;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  for (i = 1; i < LSIG_NSIG; i++)  /* held back by us: let them go */
    if (atomic_load(&heldmask) & PENDING_BIT(i)) {
      sigdelset(&old, i);
      lsig_discard(i);  /* what the kernel holds for our handler goes, */
    }                   /* as the deliveries counted and not yet run */
  atomic_store(&lsig_owner_main, NULL);
  atomic_store(&infomask, 0);
  atomic_store(&pausedmask, 0);
  restoreall();
  while (atomic_load(&active) > 0)  /* one still runs on another thread */
    sched_yield();
  lsig_resetdispatch();  /* dispatch.c: its hooks, its runner */
  lsig_closewakeup();
  lsig_unfollow();
  clearpending();
  builder_ref = LUA_NOREF;  /* the state is going */
  owner_sentinel = NULL;
  atomic_store(&lsig_owner_registry, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return 0;
}


/* A forked child has none of its parent's deliveries; its one thread
** is the forking one. */
static void atfork_child (void) {
  clearpending();
  lsig_follow(1);
  atomic_store(&lua_thread, (uintptr_t)pthread_self());
  lsig_forkwakeup();
}


static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void setatfork (void) {
  pthread_atfork(NULL, NULL, atfork_child);
}


/*
** Makes L's state the owner of delivery (its main thread, whichever
** thread calls); returns 1 if it was not the owner before. Everything
** that can fail comes before ownership is published: a failed claim
** leaves none. The sentinel is made once per state and kept.
*/
int lsig_claim (lua_State *L) {
  const void *reg = lua_topointer(L, LUA_REGISTRYINDEX);
  const void *none = NULL;
  void *sentinel;
  lua_State *R;
  int ref, bref;
  if (atomic_load(&lsig_owner_registry) == reg) return 0;
  lsig_checkowner(L);
  luaL_checkstack(L, 3, NULL);
  sentinel = lsig_findsentinel(L, sig_release);  /* dispatch.c */
  R = lsig_findrunner(L);  /* dispatch.c */
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &builder_key) != LUA_TFUNCTION) {
    lua_pop(L, 1);
    lsig_pushinfobuilder(L);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &builder_key);
  }
  bref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
  ref = luaL_ref(L, LUA_REGISTRYINDEX);
  if (!atomic_compare_exchange_strong(&lsig_owner_registry, &none, reg)) {
    luaL_unref(L, LUA_REGISTRYINDEX, ref);
    luaL_unref(L, LUA_REGISTRYINDEX, bref);
    luaL_error(L, "signal handlers are owned by another Lua state "
                  "in this process");
  }
  lsig_bindrunner(R, ref);
  builder_ref = bref;
  owner_sentinel = sentinel;
  lsig_followthread();
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  atomic_store(&lsig_owner_main, lua_tothread(L, -1));
  lua_pop(L, 1);
  pthread_once(&atfork_once, setatfork);
  return 1;
}


/* Undoes a claim that just succeeded, when the call that made it
** fails afterwards; the claim had changed nothing else. */
void lsig_unclaim (lua_State *L) {
  atomic_store(&lsig_owner_main, NULL);
  lsig_unbindrunner(L);
  luaL_unref(L, LUA_REGISTRYINDEX, builder_ref);
  builder_ref = LUA_NOREF;
  owner_sentinel = NULL;
  atomic_store(&lsig_owner_registry, NULL);
}

/* }====================================================== */
