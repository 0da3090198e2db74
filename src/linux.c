/*
** The platform interface (lplatform.h) on Linux, glibc or musl:
** wake-ups queued to the Lua thread with a tag (rt_tgsigqueueinfo),
** waits with ppoll and the raw rt_sigtimedwait, pipe2, and the pidfd
** functions. The portable core (posix.c) is the same interface
** without these.
*/

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsignal.h"

#ifndef LSIG_USE_LINUX
#error "linux.c is the Linux build's; a portable build compiles posix.c"
#endif


#define WAKE_BIT(signo) ((uint64_t)1 << ((signo) - 1))

/* The target of wake-ups, as the kernel's ids: the Lua thread. */
static atomic_int lua_tid;
static atomic_int lua_pid;

/* A bit per signal whose wake-up is on its way to the Lua thread; the
** address of 'wake_tag' marks a wake-up's siginfo. */
static _Atomic(uint64_t) waking;
static const char wake_tag = 0;


/* Those on their way to another thread, or to the parent, may be lost:
** none is counted as on its way any more. */
void lsig_follow (int forked) {
  (void)forked;
  atomic_store(&lua_pid, (int)getpid());
  atomic_store(&lua_tid, (int)syscall(SYS_gettid));
  atomic_store(&waking, 0);
}


/*
** Queues the Lua thread a wake-up for signo, unless one is on its way.
** A wake-up the kernel refuses (the real-time queue is full) is not
** retried: its delivery waits in the counts. A tagged wake-up is never
** mistaken for a delivery, so none is left to count: returns 0.
** Async-signal-safe.
*/
int lsig_sendwake (int signo) {
  uint64_t bit = WAKE_BIT(signo);
  siginfo_t si;
  if (atomic_fetch_or(&waking, bit) & bit) return 0;
  memset(&si, 0, sizeof si);
  si.si_signo = signo;
  si.si_code = SI_QUEUE;
  si.si_pid = atomic_load(&lua_pid);
  si.si_uid = getuid();
  si.si_value.sival_ptr = (void *)&wake_tag;
  if (syscall(SYS_rt_tgsigqueueinfo, atomic_load(&lua_pid),
              atomic_load(&lua_tid), signo, &si) != 0)
    atomic_fetch_and(&waking, ~bit);
  return 0;
}


/*
** A wake-up, rather than a delivery? Ours carry the tag. When the
** kernel's queue is full it still delivers a standard signal but drops
** its siginfo (SI_USER from pid 0): with a wake-up of that signal on
** its way, that is taken for it, which at worst merges two deliveries
** of a standard signal, as the kernel itself may.
*/
int lsig_takewake (const siginfo_t *info) {
  int signo = info->si_signo;
  uint64_t bit;
  if (signo <= 0 || signo >= LSIG_NSIG) return 0;
  bit = WAKE_BIT(signo);
  if (info->si_code == SI_QUEUE && info->si_value.sival_ptr == &wake_tag) {
    if (info->si_pid != atomic_load(&lua_pid)) return 0;
  }
  else if (!(info->si_code == SI_USER && info->si_pid == 0
             && (atomic_load(&waking) & bit)))
    return 0;
  atomic_fetch_and(&waking, ~bit);
  return 1;
}


int lsig_requeue (int signo, const siginfo_t *si) {
  siginfo_t copy = *si;  /* our own process: any si_code is allowed */
  return syscall(SYS_rt_tgsigqueueinfo, atomic_load(&lua_pid),
                 atomic_load(&lua_tid), signo, &copy) == 0;
}


int lsig_pipe (int fds[2]) {
  return pipe2(fds, O_NONBLOCK | O_CLOEXEC);
}


void lsig_timedsuspend (const sigset_t *mask, double timeout) {
  struct timespec ts = lsig_timespec(timeout);
  ppoll(NULL, 0, &ts, mask);
}


/*
** The system call, not the C library's sigtimedwait/sigwaitinfo: musl's
** wrappers retry on EINTR themselves, so a handler would never run
** during the wait and each retry would start the timeout anew.
*/
int lsig_sigwait (const sigset_t *set, siginfo_t *info,
                  const struct timespec *ts) {
  return (int)syscall(SYS_rt_sigtimedwait, set, info, ts, _NSIG / 8);
}


/*
** {======================================================
** pidfds
** =======================================================
*/

#ifdef SYS_pidfd_open

/* Flags as unsigned int, never truncated: 2^32 must not become 0. */
static unsigned int checkflags (lua_State *L, int arg) {
  lua_Integer n = luaL_optinteger(L, arg, 0);
  luaL_argcheck(L, 0 <= n && n <= (lua_Integer)UINT_MAX, arg,
                "invalid flags");
  return (unsigned int)n;
}


static int sig_pidfd_open (lua_State *L) {
  pid_t pid = lsig_checkpid(L, 1);
  unsigned int flags = checkflags(L, 2);
  long fd = syscall(SYS_pidfd_open, pid, flags);
  if (fd < 0) return luaL_fileresult(L, 0, "pidfd_open");
  lua_pushinteger(L, fd);
  return 1;
}


/* A siginfo field of the table at 'arg', an int; 'def' if absent. */
static int infofield (lua_State *L, int arg, const char *name, int def) {
  int isnum;
  lua_Integer v;
  if (lua_getfield(L, arg, name) == LUA_TNIL) {
    lua_pop(L, 1);
    return def;
  }
  v = lua_tointegerx(L, -1, &isnum);
  if (!isnum || v < INT_MIN || v > INT_MAX)
    luaL_argerror(L, arg, lua_pushfstring(L, "%s must be an integer", name));
  lua_pop(L, 1);
  return (int)v;
}


/*
** The siginfo, when given, is a table of the fields to send: si_value
** (default 0) and si_code (default SI_QUEUE), as sigqueue sends them;
** the sender's pid and uid are filled in. What the kernel refuses
** (a code other than SI_QUEUE to another process) is its refusal.
*/
static int sig_pidfd_send_signal (lua_State *L) {
  lua_Integer fd = luaL_checkinteger(L, 1);
  int signo = lsig_checksignal0(L, 2);
  unsigned int flags = checkflags(L, 4);
  siginfo_t info, *pinfo = NULL;
  luaL_argcheck(L, 0 <= fd && fd <= INT_MAX, 1, "invalid fd");
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    memset(&info, 0, sizeof info);
    info.si_signo = signo;
    info.si_code = infofield(L, 3, "si_code", SI_QUEUE);
    info.si_value.sival_int = infofield(L, 3, "si_value", 0);
    info.si_pid = getpid();
    info.si_uid = getuid();
    pinfo = &info;
  }
  return luaL_fileresult(L,
      syscall(SYS_pidfd_send_signal, (int)fd, signo, pinfo, flags) == 0,
      "pidfd_send_signal");
}

#endif

/* }====================================================== */


/*
** Thread ids are the kernel's own (gettid), and tgkill checks them
** against this process: a wrong one (0, a pid, a gone thread's) is
** ESRCH, never the crash a stale pthread_t gives.
*/
lua_Integer lsig_threadself (void) {
  return (lua_Integer)syscall(SYS_gettid);
}


int lsig_threadkill (lua_Integer id, int signo) {
  if (id <= 0 || (lua_Integer)(pid_t)id != id) return ESRCH;
  if (syscall(SYS_tgkill, getpid(), (pid_t)id, signo) != 0) return errno;
  return 0;
}


/* A pidfd of child 'pid' > 0: readable when it exits. */
int lsig_openchild (pid_t pid) {
#ifdef SYS_pidfd_open
  long fd = pid > 0 ? syscall(SYS_pidfd_open, pid, 0) : -1;
  return fd >= 0 ? (int)fd : -1;
#else
  (void)pid;
  return -1;
#endif
}


void lsig_childsuspend (const sigset_t *mask, int fd) {
  if (fd >= 0) {
    struct pollfd pfd;
    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    ppoll(&pfd, 1, NULL, mask);
  }
  else
    sigsuspend(mask);
}


static const luaL_Reg linux_funcs[] = {
#ifdef SYS_pidfd_open
  {"pidfd_open", sig_pidfd_open},
  {"pidfd_send_signal", sig_pidfd_send_signal},
#endif
  {NULL, NULL}
};


void lsig_open_platform (lua_State *L) {
  luaL_setfuncs(L, linux_funcs, 0);
}
