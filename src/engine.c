/*
** The delivery engine: the C signal handler, the debug hook that turns
** a delivery into a Lua call, dispatch, ownership and its end, the
** dispositions the module changed, and what happens to a delivery that
** lands on another OS thread.
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

/* Our hook asks for call and return events too: a count event only
** comes while a Lua function runs, and the code running may be C. */
#define OUR_EVENTS (LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT)


const char lsig_handlers_key = 0;
static const char sentinel_key = 0;  /* registry: the __gc sentinel */


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
static atomic_int any_pending;

/* Main thread of the owning state (NULL: no owner), and the coroutine
** of that state that runs now (NULL: the main thread). */
static _Atomic(lua_State *) owner_main;
static _Atomic(lua_State *) running_co;
static _Atomic(const void *) owner_registry;

/* The Lua thread, as pthread_self() gives it (compared in the C
** handler; 0: none yet). The platform keeps the target of wake-ups. */
static _Atomic(uintptr_t) lua_thread;

static atomic_int hook_busy;
static atomic_uint arm_gen;
static atomic_int active;

/* Only the main flow of the owner touches these. The owner's handler
** table is also kept under an integer reference, the fastest lookup. */
static int handlers_ref = LUA_NOREF;
static void *owner_sentinel;
static sigset_t handled;  /* signals whose handler is ours */
static lua_State *runner;  /* the owner's thread that runs handlers */
static int builder_ref = LUA_NOREF;  /* what makes a handler's info */
static lua_State *interrupted;  /* the thread a dispatch interrupted */

/* A handler runs: deliveries meanwhile are only counted (not armed),
** and the dispatch loop takes them when the handler returns. */
static atomic_int dispatching;


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
** Sets our hook on T. A hook the program set is kept in a slot, to be
** put back when ours fires; a thread with no hook needs no slot. A
** coroutine with a hook and no slot left is not armed: the main thread
** always is, so its delivery waits at most until control returns there.
** A thread armed already is left alone: lua_sethook visits every frame
** of the thread, and at a depth of 200,000 frames a timer's deliveries
** would otherwise spend all the time there (a livelock).
*/
static void arm (lua_State *T) {
  lua_Hook h = lua_gethook(T);
  int mask = 0, count = 0;
  if (h == sig_hook)
    return;  /* armed already: lua_sethook would walk the stack again */
  if (h != NULL) {
    SavedHook *s = findslot(T, 1);
    if (s == NULL) return;
    s->hook = h;
    s->mask = mask = lua_gethookmask(T);
    s->count = count = lua_gethookcount(T);
    atomic_store(&s->thread, T);
  }
  if (mask & LUA_MASKLINE)  /* see sig_hook */
    lua_sethook(T, sig_hook, mask | LUA_MASKCALL | LUA_MASKRET, count);
  else
    lua_sethook(T, sig_hook, mask | OUR_EVENTS, 1);
}


static void count (int signo) {
  atomic_fetch_add(&sigstate[signo].pending, 1);
  atomic_fetch_or(&pending_mask, PENDING_BIT(signo));
  atomic_store(&any_pending, 1);
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
  main = atomic_load(&owner_main);
  if (main != NULL && signo > 0 && signo < LSIG_NSIG) {
    int woken = lsig_takewake(info);
    if (onluathread()) {
      if (!woken) take(signo, info, context, 1);
      if (!atomic_load(&hook_busy) && !atomic_load(&dispatching)) {
        lua_State *co = atomic_load(&running_co);
        atomic_fetch_add(&arm_gen, 1);
        if (co != NULL && co != main) arm(co);
        arm(main);
      }
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
** Hooks, seen from the main flow
** =======================================================
*/

/* Puts back the program's hook on T if ours is set; returns the hook
** restored in *out. */
static int unhook (lua_State *T, SavedHook *out) {
  SavedHook *s;
  if (lua_gethook(T) != sig_hook) return 0;
  atomic_store(&hook_busy, 1);
  s = findslot(T, 0);
  if (s != NULL && atomic_load(&s->thread) == T) {
    out->hook = s->hook;
    out->mask = s->mask;
    out->count = s->count;
    atomic_store(&s->thread, NULL);
  }
  else {
    out->hook = NULL;
    out->mask = out->count = 0;
  }
  lua_sethook(T, out->hook, out->mask, out->count);
  atomic_store(&hook_busy, 0);
  return 1;
}


void lsig_disarm (lua_State *T) {
  SavedHook ignored;
  unhook(T, &ignored);
}


/* Arms T from the main flow, so that pending handlers run at its next
** instruction. */
void lsig_armself (lua_State *T) {
  atomic_store(&hook_busy, 1);
  arm(T);
  atomic_store(&hook_busy, 0);
}


unsigned lsig_armcount (void) {
  return atomic_load(&arm_gen);
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


/*
** The coroutine wrappers tell the engine which coroutine runs, since
** stock Lua keeps hooks per thread. A coroutine that stops running
** (a yield fires no hook event; it may be dead) loses a hook armed on
** it, which would otherwise keep its slot.
*/
int lsig_enterco (lua_State *L, lua_State *co, lua_State **prev) {
  if (!lsig_isowner(L)) return 0;
  *prev = atomic_exchange(&running_co, co);
  if (atomic_load(&any_pending) && !atomic_load(&dispatching))
    lsig_armself(co);
  return 1;
}


void lsig_leaveco (lua_State *L, lua_State *co, lua_State *prev) {
  atomic_store(&running_co, prev);
  lsig_disarm(co);
  if (atomic_load(&any_pending) && !atomic_load(&dispatching))
    lsig_armself(L);
}

/* }====================================================== */


/*
** {======================================================
** Dispatch
** =======================================================
*/

int lsig_isowner (lua_State *L) {
  const void *reg = atomic_load(&owner_registry);
  return reg != NULL && reg == lua_topointer(L, LUA_REGISTRYINDEX);
}


/* Makes the calling OS thread the Lua thread (cheap when it is). */
static void followthread (void) {
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
static int takepending (void) {
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
static void giveback (int signo) {
  atomic_fetch_add(&sigstate[signo].pending, 1);
  atomic_fetch_or(&pending_mask, PENDING_BIT(signo));
  atomic_store(&any_pending, 1);
}


/*
** The runner: a thread of the owning state, made when it claims
** delivery, on which every handler runs. A handler run on the thread
** it interrupted would leave traces there that the program can see:
** its returns move the line a line hook last saw (so the hook misses
** or repeats a line), its frames use that thread's stack (near a stack
** overflow, its call is what overflows, and Lua then reports an error
** in error handling), and the program's hook would count its
** instructions. On the runner, the interrupted thread stays exactly as
** it was. A runner that a handler's error killed is reset for reuse.
*/
static const char runner_key = 0;
static const char builder_key = 0;  /* registry: siginfo.c's builder */

lua_State *lsig_runner (void) {
  return runner;
}


lua_State *lsig_interrupted (void) {
  return interrupted;
}


/* Puts a runner that a handler left dead or suspended back to work;
** the error of a to-be-closed variable it closes replaces the one on
** top of L. */
static void resetrunner (lua_State *L) {
  if (lsig_closethread(runner, L) != LUA_OK) {
    lua_pop(L, 1);
    lua_xmove(runner, L, 1);
  }
  lua_settop(runner, 0);
  if (lua_status(runner) != LUA_OK) {  /* before 5.4.3, a __close error */
    lua_State *R = lua_newthread(L);   /* leaves it dead: a new one */
    lua_rawsetp(L, LUA_REGISTRYINDEX, &runner_key);
    runner = R;
  }
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
static const lsig_Info *peekrecord (int signo) {
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
static void droprecord (int signo) {
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
  if (atomic_load(&pending_mask) & bit) atomic_store(&any_pending, 1);
  if ((atomic_load(&heldmask) & bit) && ringready[signo]
      && atomic_load(&rings[signo].enq) == atomic_load(&rings[signo].deq))
    letgo(signo);  /* nothing left to make room with: now */
}

/* }------------------------------------------------------ */


enum { CALLED, FAILED, FAILED_MEM, UNCALLABLE };

/* Handler calls one dispatch makes at most before the interrupted code
** runs an instruction; what is left runs at the next. */
#define DISPATCH_BUDGET 4096

/*
** Calls the handler of 'signo' once, on the runner; a handler replaced
** by SIG_DFL or SIG_IGN before its turn came drops the delivery, as in
** CPython. FAILED: the handler raised, its error is on top of L
** (FAILED_MEM: an error of memory). UNCALLABLE: it could not be called (the C stack is full: the runner
** is untouched), and nothing was pushed.
*/
static int callhandler (lua_State *L, int signo) {
  lua_State *R = runner;
  const lsig_Info *rec = peekrecord(signo);
  int status, nres, nargs = 1;
  lua_rawgeti(R, LUA_REGISTRYINDEX, handlers_ref);
  if (lua_rawgeti(R, -1, signo) == LUA_TNIL) {
    lua_settop(R, 0);
    if (rec != NULL) droprecord(signo);
    return CALLED;
  }
  lua_remove(R, -2);  /* runner: handler */
  lua_pushinteger(R, signo);
  if (lua_gethook(R) != NULL) lua_sethook(R, NULL, 0, 0);
  if (atomic_load(&infomask) & PENDING_BIT(signo)) {
    lua_rawgeti(R, LUA_REGISTRYINDEX, builder_ref);  /* siginfo.c */
    lua_pushlightuserdata(R, (void *)rec);
    lua_pushinteger(R, signo);
    if (lua_pcall(R, 2, 1, 0) != LUA_OK) {  /* no memory: keep it all */
      lua_settop(R, 0);
      return UNCALLABLE;
    }
    nargs = 2;  /* runner: handler signo info */
  }
  status = lua_resume(R, L, nargs, &nres);
  if (lua_status(R) == LUA_OK && status != LUA_OK) {  /* refused */
    lua_settop(R, 0);
    return UNCALLABLE;
  }
  if (rec != NULL) droprecord(signo);
  if (status == LUA_OK) {
    lua_settop(R, 0);
    return CALLED;
  }
  if (status == LUA_YIELD)
    lua_pushliteral(L, "attempt to yield from a signal handler");
  else
    lua_xmove(R, L, 1);  /* the error */
  resetrunner(L);
  return (status == LUA_ERRMEM) ? FAILED_MEM : FAILED;
}


/*
** Runs every pending handler, lowest signal first, one call per
** delivery. A call made while a handler runs does nothing: the loop
** takes the deliveries that came meanwhile when that handler returns.
** On a handler's error, what is still pending is armed for the next
** instruction and the error propagates from here, except an error of
** memory: what is left then waits for the next delivery or call into
** the module, so that a program short of memory is not interrupted at
** every instruction. A handler that cannot be called keeps its
** delivery for then too, and raises nothing. After DISPATCH_BUDGET
** calls the interrupted code runs one instruction before the rest.
*/
void lsig_dispatch (lua_State *L) {
  unsigned calls = 0;
  lsig_disarm(L);
  if (atomic_load(&dispatching) || !lsig_isowner(L)) return;
  followthread();
  interrupted = L;
  do {
    int signo;
    atomic_store(&dispatching, 1);
    while (atomic_exchange(&any_pending, 0)) {
      lsig_warnwakeup(L);
      while ((signo = takepending()) != 0) {
        int r = callhandler(L, signo);
        if (r == CALLED) {
          if (++calls < DISPATCH_BUDGET) continue;
          /* a storm faster than its handler would keep the program
          ** from its next instruction for ever: it gets one */
          atomic_store(&dispatching, 0);
          interrupted = NULL;
          atomic_store(&any_pending, 1);
          lsig_armself(L);
          return;
        }
        atomic_store(&dispatching, 0);
        interrupted = NULL;
        if (r == UNCALLABLE) {
          giveback(signo);
          return;
        }
        if (atomic_load(&pending_mask) != 0) {
          atomic_store(&any_pending, 1);
          if (r == FAILED) lsig_armself(L);
        }
        lua_error(L);
      }
    }
    atomic_store(&dispatching, 0);
  } while (atomic_load(&any_pending));  /* one came after the last look */
  interrupted = NULL;
}


int lsig_haspending (void) {
  return atomic_load(&any_pending);
}


int lsig_inhandler (void) {
  return atomic_load(&dispatching);
}


/* The event's bit in a hook mask. A count event is the program's
** when its hook traces lines (arm kept its count), else ours. */
static int eventmask (int event, int usermask) {
  switch (event) {
    case LUA_HOOKCALL: case LUA_HOOKTAILCALL: return LUA_MASKCALL;
    case LUA_HOOKRET: return LUA_MASKRET;
    case LUA_HOOKLINE: return LUA_MASKLINE;
    default: return (usermask & LUA_MASKLINE) ? LUA_MASKCOUNT : 0;
  }
}


/*
** Our hook puts the program's hook back first, so that whatever that
** hook does to the hooks stays done. It dispatches before it passes
** the event on, because the program's hook may raise (a budget hook,
** lua.c's Ctrl-C), which would leave the deliveries with no hook armed;
** a handler that raises or changes the hook drops that one event.
**
** The events a program's hook sees stay the ones it would see without
** the module. Its line events: when it traces lines, arm waits for the
** next line, call or return event instead of the next instruction,
** because Lua 5.4.0's lua_sethook, called here, moves the line that
** the line hook last saw to the current one: in a count event, just
** before Lua looks for a new line, a line hook would see its line
** again; after a line, call or return event, Lua sets it itself. Lines
** come often enough: every new line and every jump back in a loop.
** Its count events: the count starts again from the delivery.
*/
static void sig_hook (lua_State *L, lua_Debug *ar) {
  SavedHook user;
  int forward_event = unhook(L, &user) && user.hook != NULL
                      && (user.mask & eventmask(ar->event, user.mask));
  lsig_dispatch(L);
  if (forward_event) {  /* unless a handler changed the hook: a delivery */
    int mask;          /* meanwhile may have armed ours over it again */
    if (lsig_programhook(L, &mask) == user.hook) user.hook(L, ar);
  }
}

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
    lua_rawgeti(L, LUA_REGISTRYINDEX, handlers_ref);
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
  atomic_store(&any_pending, 0);
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
  atomic_store(&owner_main, NULL);
  atomic_store(&infomask, 0);
  atomic_store(&pausedmask, 0);
  restoreall();
  while (atomic_load(&active) > 0)  /* one still runs on another thread */
    sched_yield();
  atomic_store(&running_co, NULL);
  lsig_closewakeup();
  lsig_unfollow();
  for (i = 0; i < NSAVED; i++)
    atomic_store(&saved[i].thread, NULL);
  clearpending();
  atomic_store(&dispatching, 0);
  runner = interrupted = NULL;
  handlers_ref = builder_ref = LUA_NOREF;  /* the state is going */
  owner_sentinel = NULL;
  atomic_store(&owner_registry, NULL);
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


/* Raises an error if another state owns delivery. */
void lsig_checkowner (lua_State *L) {
  const void *reg = atomic_load(&owner_registry);
  if (reg != NULL && reg != lua_topointer(L, LUA_REGISTRYINDEX))
    luaL_error(L, "signal handlers are owned by another Lua state "
                  "in this process");
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
  if (atomic_load(&owner_registry) == reg) return 0;
  lsig_checkowner(L);
  luaL_checkstack(L, 3, NULL);
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &sentinel_key) == LUA_TNIL) {
    lua_pop(L, 1);
    lua_newuserdatauv(L, 0, 0);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, sig_release);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &sentinel_key);
  }
  sentinel = lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &runner_key) != LUA_TTHREAD) {
    lua_pop(L, 1);
    lua_newthread(L);
    lua_sethook(lua_tothread(L, -1), NULL, 0, 0);  /* not its maker's */
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &runner_key);
  }
  R = lua_tothread(L, -1);
  lua_pop(L, 1);
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &builder_key) != LUA_TFUNCTION) {
    lua_pop(L, 1);
    lsig_pushinfobuilder(L);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &builder_key);
  }
  bref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lsig_handlers_key);
  ref = luaL_ref(L, LUA_REGISTRYINDEX);
  if (!atomic_compare_exchange_strong(&owner_registry, &none, reg)) {
    luaL_unref(L, LUA_REGISTRYINDEX, ref);
    luaL_unref(L, LUA_REGISTRYINDEX, bref);
    luaL_error(L, "signal handlers are owned by another Lua state "
                  "in this process");
  }
  handlers_ref = ref;
  builder_ref = bref;
  owner_sentinel = sentinel;
  runner = R;
  followthread();
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  atomic_store(&owner_main, lua_tothread(L, -1));
  lua_pop(L, 1);
  pthread_once(&atfork_once, setatfork);
  return 1;
}


/* Undoes a claim that just succeeded, when the call that made it
** fails afterwards; the claim had changed nothing else. */
void lsig_unclaim (lua_State *L) {
  atomic_store(&owner_main, NULL);
  luaL_unref(L, LUA_REGISTRYINDEX, handlers_ref);
  luaL_unref(L, LUA_REGISTRYINDEX, builder_ref);
  handlers_ref = builder_ref = LUA_NOREF;
  owner_sentinel = NULL;
  runner = NULL;
  atomic_store(&owner_registry, NULL);
}

/* }====================================================== */
