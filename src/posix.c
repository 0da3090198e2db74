/*
** The platform interface (lplatform.h) in portable POSIX: what macOS
** and the BSDs build, and Linux with PORTABLE=1 (make test PORTABLE=1
** runs the suite on these code paths). No queued signals with a tag,
** no ppoll, no sigwaitinfo/sigtimedwait, no pipe2.
**
** Wake-ups are pthread_kill(lua_thread, signo): the same signal, with
** nothing to tell it from a delivery. So the thread a wake-up is sent
** to takes the first arrival of that signal on it for the wake-up
** ('wake_to' names that thread, one wake-up per signal on its way), and
** counts every other arrival. Each wake-up sent is one more arrival on
** its thread, and each skips exactly one, so the deliveries counted
** are the deliveries made, whichever arrives first: a delivery taken
** for the wake-up is counted when the wake-up itself arrives, an
** instant later (it is pending on that thread, held only by the
** handler's mask). The one case where the two do not both arrive is
** the kernel's own merging: a standard signal pending twice on one
** thread (a wake-up, and the same signal sent to that thread by
** pthread_kill or raise) arrives once, and is taken for the wake-up;
** the delivery merged away is what the kernel does to any standard
** signal sent twice before it is handled, which SPEC §5.3 allows.
** Real-time signals (Linux) are queued, never merged, so none is lost.
** A wake-up that pthread_kill refuses is taken back, unless an arrival
** took it meanwhile: that arrival was a delivery, and the caller counts
** it (lsig_sendwake returns 1).
**
** A thread that ends takes the signals pending on it along, wake-ups
** too, and a thread made later may get the same pthread_t (glibc keeps
** the descriptors of ended threads for reuse): a wake-up still named as
** on its way would then make the new thread take a delivery for it. So
** the Lua thread carries a thread-specific value, whose destructor, as
** the thread ends, stops the wake-ups to it and forgets those on their
** way; a thread without the value is a new one (lsig_newthread), even
** with an old pthread_t, and the engine follows it.
**
** The timed wait needs no atomic change of mask (ppoll is Linux's; xnu
** has a pselect system call, but Mac OS X long emulated pselect in its
** C library with sigprocmask + select, whose race is the one to avoid,
** and the BSDs differ): it waits in poll on a pipe that the C handler
** writes to while a wait is on. A delivery after the caller's look at
** the pending flag (the handled signals stay blocked until just before
** the poll) makes the pipe readable, so poll returns at once instead of
** sleeping through it, whether the handler ran before poll or during
** it, on this thread (a delivery) or not (its wake-up arrives here).
** poll works on pipes on macOS, where it does not on devices.
*/

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"

#ifdef LSIG_USE_LINUX
#error "posix.c is the portable build's; on Linux, PORTABLE=1 selects it"
#endif


/* The Lua thread, as pthread_self() gives it: the wake-ups' target. */
static _Atomic(uintptr_t) target;

/* Per signal: the thread a wake-up is on its way to (0: none), and one
** sent to a thread the state has since left, to be taken there. */
static _Atomic(uintptr_t) wake_to[LSIG_NSIG];
static _Atomic(uintptr_t) stale_to[LSIG_NSIG];

/* Senders inside lsig_sendwake, which a thread that ends waits for. */
static atomic_int sending;

/* Set on each thread that became the Lua thread (see threadgone);
** made by lsig_follow and deleted by lsig_unfollow, in the main flow. */
static pthread_key_t followed;
static int followed_made;

/* The timed wait's pipe, written by the C handler while 'waiting'. */
static atomic_int waiting;
static atomic_int wait_wfd = -1;
static int wait_rfd = -1;

/* Without that pipe (no descriptor left), the wait looks again at this
** interval: a delivery waits at most this long. */
#define FALLBACK_MS 10


/*
** A thread that was the Lua thread ends (the destructor of 'followed'):
** the signals pending on it are lost with it, so it blocks them all,
** stops the wake-ups sent to it and, once no sender is midway, forgets
** those on their way to it.
*/
static void threadgone (void *value) {
  uintptr_t self = (uintptr_t)pthread_self(), me = self;
  sigset_t all;
  int signo;
  (void)value;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  if (atomic_compare_exchange_strong(&target, &me, 0))
    while (atomic_load(&sending) > 0) sched_yield();
  for (signo = 1; signo < LSIG_NSIG; signo++) {
    me = self;
    atomic_compare_exchange_strong(&wake_to[signo], &me, 0);
    me = self;
    atomic_compare_exchange_strong(&stale_to[signo], &me, 0);
  }
}


/* The calling thread has not been followed, whatever its pthread_t. */
int lsig_newthread (void) {
  return followed_made && pthread_getspecific(followed) == NULL;
}


void lsig_follow (int forked) {
  uintptr_t self = (uintptr_t)pthread_self();
  int signo;
  if (!followed_made)
    followed_made = pthread_key_create(&followed, threadgone) == 0;
  if (followed_made) pthread_setspecific(followed, &target);
  if (forked) {  /* the child's own pipe is made on its first wait */
    int fd = atomic_exchange(&wait_wfd, -1);
    atomic_store(&waiting, 0);
    if (fd >= 0) {
      close(fd);
      close(wait_rfd);
      wait_rfd = -1;
    }
  }
  for (signo = 1; signo < LSIG_NSIG; signo++) {
    uintptr_t to = atomic_exchange(&wake_to[signo], 0);
    /* a child has no pending signals; elsewhere one on its way to the
    ** old thread is still to be taken there, and it then goes on */
    atomic_store(&stale_to[signo], (forked || to == self) ? 0 : to);
  }
  atomic_store(&target, self);
}


/* The owner is closing, and no C handler runs any more: the module may
** be unloaded next, so no thread may call threadgone, and the wait's
** pipe goes with it. */
void lsig_unfollow (void) {
  int fd = atomic_exchange(&wait_wfd, -1);
  if (followed_made) pthread_key_delete(followed);
  followed_made = 0;
  atomic_store(&target, 0);
  if (fd >= 0) {
    close(fd);
    close(wait_rfd);
    wait_rfd = -1;
  }
}


/* Async-signal-safe: atomics and pthread_kill. */
int lsig_sendwake (int signo) {
  uintptr_t to, none = 0;
  int taken = 0;
  atomic_fetch_add(&sending, 1);
  to = atomic_load(&target);
  if (to != 0 && atomic_compare_exchange_strong(&wake_to[signo], &none, to)
      && pthread_kill((pthread_t)to, signo) != 0) {
    none = to;
    taken = !atomic_compare_exchange_strong(&wake_to[signo], &none, 0);
  }
  atomic_fetch_sub(&sending, 1);
  return taken;
}


/* Async-signal-safe: atomics, pthread_self and write(2). Every arrival
** while a wait is on ends it, whatever it is. */
int lsig_takewake (const siginfo_t *info) {
  int signo = info->si_signo;
  uintptr_t self = (uintptr_t)pthread_self(), to = self;
  if (atomic_load(&waiting)) {
    int fd = atomic_load(&wait_wfd);
    if (fd >= 0 && write(fd, "", 1) != 1) { /* full: readable anyway */ }
  }
  if (signo <= 0 || signo >= LSIG_NSIG) return 0;
  if (atomic_compare_exchange_strong(&wake_to[signo], &to, 0)) return 1;
  to = self;
  return atomic_compare_exchange_strong(&stale_to[signo], &to, 0);
}


/* Not atomic with the pipe's creation, as pipe2 is: a program that
** forks and execs in another thread meanwhile may pass the two
** descriptors on. */
/* No way to queue a signal with a given siginfo to one thread. */
int lsig_requeue (int signo, const siginfo_t *si) {
  (void)signo;
  (void)si;
  return 0;
}


int lsig_pipe (int fds[2]) {
  int i;
  if (pipe(fds) != 0) return -1;
  for (i = 0; i < 2; i++) {
    int fl = fcntl(fds[i], F_GETFL);
    if (fl < 0 || fcntl(fds[i], F_SETFL, fl | O_NONBLOCK) != 0
        || fcntl(fds[i], F_SETFD, FD_CLOEXEC) != 0) {
      int e = errno;
      close(fds[0]);
      close(fds[1]);
      errno = e;
      return -1;
    }
  }
  return 0;
}


/* The wait's pipe, made on first use and kept until the owner closes. */
static int waitfd (void) {
  if (wait_rfd < 0) {
    int fds[2];
    if (lsig_pipe(fds) != 0) return -1;
    wait_rfd = fds[0];
    atomic_store(&wait_wfd, fds[1]);
  }
  return wait_rfd;
}


void lsig_timedsuspend (const sigset_t *mask, double timeout) {
  sigset_t cur;
  double ms = ceil(timeout * 1e3);
  int fd = waitfd();
  if (ms > INT_MAX) ms = INT_MAX;  /* weeks: the callers wait again */
  if (fd < 0 && ms > FALLBACK_MS) ms = FALLBACK_MS;
  if (fd >= 0) {
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0) { }
    atomic_store(&waiting, 1);
  }
  pthread_sigmask(SIG_SETMASK, mask, &cur);
  if (fd >= 0) {
    struct pollfd p;
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    poll(&p, 1, (int)ms);
  }
  else
    poll(NULL, 0, (int)ms);
  pthread_sigmask(SIG_SETMASK, &cur, NULL);
  atomic_store(&waiting, 0);
}


/* sigwait gives the number only; with no sigtimedwait, 'ts' is NULL. */
int lsig_sigwait (const sigset_t *set, siginfo_t *info,
                  const struct timespec *ts) {
  int signo = 0, err;
  if (ts != NULL) {
    errno = ENOSYS;
    return -1;
  }
  err = sigwait(set, &signo);
  if (err != 0) {
    errno = err;
    return -1;
  }
  memset(info, 0, sizeof *info);
  info->si_signo = signo;
  return signo;
}


/*
** {======================================================
** Thread ids
** =======================================================
*/

/*
** Thread ids are pthread_t values, as Python's. pthread_kill trusts
** them: glibc and musl read the thread's descriptor through the value,
** so a number that was never a pthread_t, or the id of a thread that
** has exited and been joined, crashes the process (macOS and the BSDs
** check the id; glibc does not). So pthread_kill takes only the ids
** of live threads that lsig_threadself handed out: a thread asking for
** its id takes a slot in 'live' and a thread-specific value whose
** destructor, as the thread ends, frees the slot. lsig_threadkill may
** run in a signal handler (the SIGCHLD forwarding of process.c): it
** reads the table with atomics only. It marks the slot as in use
** ('users') and looks at the id again before pthread_kill; the
** destructor clears the id and then waits until no sender uses the
** slot, so no pthread_kill reaches a thread past its destructors.
** At most LIVE_MAX threads alive at once can have ids that pthread_kill
** takes; a thread past that still gets its id, which pthread_kill
** then refuses with ESRCH, as an ended thread's. A fork keeps only the
** forking thread's slot.
*/
#define LIVE_MAX 1024

typedef struct Live {
  _Atomic(uintptr_t) id;  /* the live thread's pthread_t; 0: free */
  atomic_int users;       /* senders between their look and pthread_kill */
} Live;

static Live live[LIVE_MAX];

static pthread_key_t live_key;
static int live_made;
static pthread_once_t live_once = PTHREAD_ONCE_INIT;


/* A thread that had its id ends (live_key's destructor). */
static void threadended (void *slot) {
  Live *l = (Live *)slot;
  atomic_store(&l->id, 0);
  while (atomic_load(&l->users) > 0)  /* a pthread_kill midway */
    sched_yield();
}


/* In a child just forked only the forking thread is left. */
static void livefork (void) {
  uintptr_t self = (uintptr_t)pthread_self();
  int i;
  for (i = 0; i < LIVE_MAX; i++) {
    if (atomic_load(&live[i].id) != self) atomic_store(&live[i].id, 0);
    atomic_store(&live[i].users, 0);
  }
}


static void makelive (void) {
  live_made = pthread_key_create(&live_key, threadended) == 0;
  if (live_made) pthread_atfork(NULL, NULL, livefork);
}


/* Not async-signal-safe: a thread's first call takes a slot. */
lua_Integer lsig_threadself (void) {
  uintptr_t self = (uintptr_t)pthread_self();
  int i;
  pthread_once(&live_once, makelive);
  if (live_made && pthread_getspecific(live_key) == NULL) {
    for (i = 0; i < LIVE_MAX; i++) {
      uintptr_t none = 0;
      if (atomic_compare_exchange_strong(&live[i].id, &none, self)) {
        if (pthread_setspecific(live_key, &live[i]) != 0)
          atomic_store(&live[i].id, 0);  /* no destructor: no slot */
        break;
      }
    }
  }
  return (lua_Integer)self;
}


/* Async-signal-safe: atomics and pthread_kill. */
int lsig_threadkill (lua_Integer id, int signo) {
  uintptr_t t = (uintptr_t)id;
  int i;
  if (t == 0) return ESRCH;
  for (i = 0; i < LIVE_MAX; i++) {
    if (atomic_load(&live[i].id) == t) {
      int err = ESRCH;
      atomic_fetch_add(&live[i].users, 1);
      if (atomic_load(&live[i].id) == t)  /* still that thread's */
        err = pthread_kill((pthread_t)t, signo);
      atomic_fetch_sub(&live[i].users, 1);
      if (err != ESRCH) return err;
    }
  }
  return ESRCH;
}

/* }====================================================== */


/* No pidfds: a child's exit ends a wait through SIGCHLD alone. */


int lsig_openchild (pid_t pid) {
  (void)pid;
  return -1;
}


void lsig_childsuspend (const sigset_t *mask, int fd) {
  (void)fd;
  sigsuspend(mask);
}


void lsig_open_platform (lua_State *L) {
  (void)L;
}
