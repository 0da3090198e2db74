/*
** The platform interface: what the shared files need from the system
** beyond POSIX, and the one place that says which platform this is.
** Each platform's side is one file named for it: linux.c, or posix.c
** for the portable POSIX core (macOS, the BSDs, and Linux built with
** PORTABLE=1). The Makefile compiles exactly one of them; the shared
** files (engine.c, waits.c, process.c, wakeup.c, timers.c) never ask
** which system they run on, only, where a function exists on some
** platforms and not others, whether it exists here (LSIG_HAVE_*).
*/

#ifndef lplatform_h
#define lplatform_h

#include <signal.h>
#include <time.h>

#include "lua.h"

/* The platform, chosen once, as Lua's luaconf.h does (LUA_USE_LINUX).
** LSIG_PORTABLE (make PORTABLE=1) asks for the portable core even on
** Linux, so that the code paths macOS runs are tested here. */
#if !defined(LSIG_PORTABLE) && defined(__linux__)
#define LSIG_USE_LINUX
#endif

#if defined(LSIG_USE_LINUX)
#define LSIG_HAVE_SIGWAITINFO 1  /* sigwaitinfo and sigtimedwait */
#define LSIG_HAVE_RTSIG 1        /* SIGRTMIN and SIGRTMAX by name */
#else
#define LSIG_HAVE_SIGWAITINFO 0
#define LSIG_HAVE_RTSIG 0
#endif


/*
** Wake-ups. A delivery that lands on a thread other than the Lua
** thread is counted there and the Lua thread is sent the same signal
** as a wake-up, which arms its hook and counts nothing.
** lsig_sendwake sends one to the thread lsig_follow last named, unless
** one of that signal is on its way; lsig_takewake tells, for a signal
** that arrived on the calling thread (from the C handler, or accepted
** by a sigwait), whether it is a wake-up, and if so takes it: the
** caller then counts nothing. Where a wake-up carries no tag (posix.c)
** a delivery may be taken for one that then never arrives; lsig_sendwake
** returns 1 when that happened and the caller must count it after all.
** lsig_follow makes the calling thread the
** wake-ups' target and forgets those sent elsewhere ('forked': in a
** child fork just made, which has none of its parent's); the engine
** calls it when the Lua thread changes, or when lsig_newthread says the
** calling thread, though its pthread_t is the Lua thread's, is a new
** thread that reused an ended one's. lsig_unfollow, as the owner
** closes, lets go of what lsig_follow holds (posix.c: a thread-specific
** key whose destructor is in the module, which may be unloaded next).
*/
LSIG_FUNC void lsig_follow (int forked);
#if defined(LSIG_USE_LINUX)
#define lsig_newthread() 0  /* a tagged wake-up is never taken amiss */
#define lsig_unfollow() ((void)0)
#else
LSIG_FUNC int lsig_newthread (void);
LSIG_FUNC void lsig_unfollow (void);
#endif
LSIG_FUNC int lsig_sendwake (int signo);
LSIG_FUNC int lsig_takewake (const siginfo_t *info);

/*
** Queues the delivery 'si' of signo again, with its own siginfo, to
** the Lua thread (engine.c's backpressure, for handlers that take
** info); 1 if the kernel took it, 0 if it refused (its queue is full)
** or the platform cannot (posix.c: the handler then gets info.dropped).
** Async-signal-safe.
*/
LSIG_FUNC int lsig_requeue (int signo, const siginfo_t *si);

/* A pipe with both ends non-blocking and close-on-exec. */
LSIG_FUNC int lsig_pipe (int fds[2]);

/*
** Waits with the signal mask 'mask' in force until a handler runs or
** 'timeout' seconds pass; the caller has the handled signals blocked
** and has looked at the pending flag, and a delivery after that look
** must end the wait: the mask is put in force atomically with the
** start of the wait (ppoll), or a handler that runs makes the wait's
** descriptor readable (posix.c). The caller's mask is back on return.
*/
LSIG_FUNC void lsig_timedsuspend (const sigset_t *mask, double timeout);

/*
** Accepts a signal of 'set' (blocked by the caller), filling 'info'
** (only si_signo where the platform has no sigwaitinfo); 'ts' NULL
** waits forever, and is always NULL without LSIG_HAVE_SIGWAITINFO.
** Returns the signal number, or -1 with errno: EINTR when a handler
** ran, EAGAIN at the timeout.
*/
LSIG_FUNC int lsig_sigwait (const sigset_t *set, siginfo_t *info,
                            const struct timespec *ts);

/*
** Thread ids, for pthread_self and pthread_kill: linux.c gives the
** kernel's (a wrong id is ESRCH, never a crash), posix.c the pthread_t,
** and there lsig_threadkill takes only the ids lsig_threadself gave to
** threads still alive (at most 1024 at once), and any other is ESRCH:
** pthread_kill on a pthread_t that is not a live thread's crashes on
** glibc and musl. lsig_threadkill returns 0 or an errno, and may be
** called from a signal handler; lsig_threadself may not (posix.c: a
** thread's first call registers it, with pthread_setspecific).
*/
LSIG_FUNC lua_Integer lsig_threadself (void);
LSIG_FUNC int lsig_threadkill (lua_Integer id, int signo);

/*
** A descriptor that becomes readable when child 'pid' exits (linux.c:
** a pidfd, for pid > 0), or -1; lsig_childsuspend waits with 'mask' in
** force until a handler runs or 'fd' (when not -1) is readable.
*/
LSIG_FUNC int lsig_openchild (pid_t pid);
LSIG_FUNC void lsig_childsuspend (const sigset_t *mask, int fd);

#endif
