--- Python's [signal](https://docs.python.org/3/library/signal.html) module for Lua 5.4 and 5.5.
--
-- `local signal = require "signal"` gives a Lua program real signals:
-- handlers that are Lua functions, run between two instructions of the
-- program; masks, waits and timers; ways to send signals and reap
-- children; and a watcher for event loops. The names, arguments and
-- results are Python's, with Lua's conventions where the two differ.
--
-- Start with `signal.signal` (below, under Installing handlers) and
-- the examples: [timeout.lua](examples/timeout.lua.html) (a deadline),
-- [graceful\_shutdown.lua](examples/graceful_shutdown.lua.html),
-- [reload.lua](examples/reload.lua.html) (SIGHUP),
-- [scoped.lua](examples/scoped.lua.html),
-- [event\_loop.lua](examples/event_loop.lua.html) and the echo servers
-- for [luv](examples/echo_luv.lua.html),
-- [cqueues](examples/echo_cqueues.lua.html) and
-- [Copas](examples/echo_copas.lua.html),
-- [who\_sent.lua](examples/who_sent.lua.html) (who sent a signal),
-- [reaper.lua](examples/reaper.lua.html) (a child's `si_status`),
-- [suspend.lua](examples/suspend.lua.html) (Ctrl-Z) and
-- [init.lua](examples/init.lua.html) (a container's PID 1). Read the
-- [Caveats](topics/caveats.md.html) before relying on a handler's
-- timing: a blocking C call delays handlers, `os.execute` loses a
-- SIGINT, an `io.popen` handle left to the garbage collector blocks.
-- @module signal

-- The C part is built for Lua 5.4 or 5.5 and another Lua cannot load
-- it (it fails on a missing symbol that says nothing): say so first.
-- This much of the file is valid Lua 5.1 to 5.5.
local lua_version = _VERSION:match("%d+%.%d+")
if lua_version ~= "5.4" and lua_version ~= "5.5" then
  error(("signal needs Lua 5.4 or 5.5, and this is %s: run the program "
         .. "with lua5.4 (or lua5.5), as in: lua5.4 script.lua")
        :format(_VERSION), 0)
end

local core = require "signal.core"

-- On a reload of this file alone, "signal.core" is the stand-in put
-- there at the end of this file: the module is the table it reads.
local standin = getmetatable(core)
if standin and standin.__name == "signal.core" then core = standin.__index end

-- Taken out of the core table, so that error messages name the
-- replacements as coroutine.resume, wrap and create. A reload of
-- this file alone finds them gone and the replacements in place.
local coroutines, wraphooks = core.coroutines, core.wraphooks
core.coroutines, core.wraphooks = nil, nil

-- signal.queue's core (src/siginfo.c): hold(signo, on), wait(timeout)
-- and the monotonic clock; kept out of the module table as well.
local qhold, qwait, qnow
if core.queuecore then
  qhold, qwait, qnow = core.queuecore()
  core.queuecore = nil
end

-- The module is the core's own table with the fields below added: a
-- copy would cost a second table of some eighty entries.
local signal = core

--- Values.
-- The module's constants are integer fields, as in Python; the signal
-- numbers have a section of their own below.
-- @section values

--- The first real-time signal, as the C library gives it at run time
-- (34 with glibc on Linux).
-- @constant SIGRTMIN

--- The last real-time signal, as the C library gives it at run time
-- (64 with glibc on Linux).
-- @constant SIGRTMAX

--- One more than the highest signal number (65 on Linux).
-- @constant NSIG

--- The default action, 0 as in CPython. A handler value for
-- `signal.signal` and `scoped`, and what `getsignal` returns for it.
-- @constant SIG_DFL

--- Ignore the signal, 1 as in CPython.
-- @constant SIG_IGN

--- `pthread_sigmask`: add the signals to the mask.
-- @constant SIG_BLOCK

--- `pthread_sigmask`: remove the signals from the mask.
-- @constant SIG_UNBLOCK

--- `pthread_sigmask`: make the signals the whole mask.
-- @constant SIG_SETMASK

--- `setitimer`/`getitimer`: the real-time timer, which sends `SIGALRM`.
-- @constant ITIMER_REAL

--- The timer of the process's user CPU time, which sends `SIGVTALRM`.
-- @constant ITIMER_VIRTUAL

--- The timer of the process's user and system CPU time, which sends
-- `SIGPROF`.
-- @constant ITIMER_PROF

--- `si_code`: sent by `kill` (0 on Linux). Each `SI_*` and `CLD_*`
-- constant is `nil` where the platform lacks it.
-- @constant SI_USER

--- `si_code`: sent by `sigqueue` (`si_value` holds its value).
-- @constant SI_QUEUE

--- `si_code`: a POSIX timer expired.
-- @constant SI_TIMER

--- `si_code`: sent by the kernel.
-- @constant SI_KERNEL

--- `si_code`: sent to a thread by `tgkill` (`raise_signal`, `pthread_kill`).
-- @constant SI_TKILL

--- `si_code`: a message arrived on an empty POSIX message queue.
-- @constant SI_MESGQ

--- `si_code`: asynchronous I/O completed.
-- @constant SI_ASYNCIO

--- `si_code` of a `SIGCHLD`: the child exited; `si_status` is its exit code.
-- @constant CLD_EXITED

--- `si_code` of a `SIGCHLD`: the child was killed; `si_status` is the signal.
-- @constant CLD_KILLED

--- `si_code` of a `SIGCHLD`: the child was killed and dumped core.
-- @constant CLD_DUMPED

--- `si_code` of a `SIGCHLD`: a traced child trapped.
-- @constant CLD_TRAPPED

--- `si_code` of a `SIGCHLD`: the child stopped; `si_status` is the signal.
-- @constant CLD_STOPPED

--- `si_code` of a `SIGCHLD`: the stopped child continued.
-- @constant CLD_CONTINUED

--- Every signal name to its number (aliases included) and every named
-- number to its canonical name, as Python's
-- [signal.Signals](https://docs.python.org/3/library/signal.html#signal.Signals):
-- `Signals.SIGINT == 2`, `Signals[2] == "SIGINT"`, `Signals[6] == "SIGABRT"`.
-- @table Signals

--- The error value that `default_int_handler` raises: a unique table
-- whose `__tostring` gives `"KeyboardInterrupt"`, so that a
-- [pcall](https://www.lua.org/manual/5.4/manual.html#pdf-pcall)
-- caller can test `err == signal.KeyboardInterrupt`.
-- @table KeyboardInterrupt

--- The module's name and version, as Lua's own `_VERSION`: `"signal 0.2.0"`.
-- @constant _VERSION
signal._VERSION = "signal 0.2.0"

--- `SIG_DFL` and `SIG_IGN` by name, as Python's
-- [signal.Handlers](https://docs.python.org/3/library/signal.html#signal.Handlers).
-- @field SIG_DFL 0, the default action
-- @field SIG_IGN 1, ignore the signal
-- @table Handlers
signal.Handlers = { SIG_DFL = core.SIG_DFL, SIG_IGN = core.SIG_IGN }

--- The `how` values of `pthread_sigmask`, as Python's
-- [signal.Sigmasks](https://docs.python.org/3/library/signal.html#signal.Sigmasks).
-- @field SIG_BLOCK add to the mask
-- @field SIG_UNBLOCK remove from the mask
-- @field SIG_SETMASK replace the mask
-- @table Sigmasks
signal.Sigmasks = core.SIG_BLOCK and {  -- nil on Windows: no masks
  SIG_BLOCK = core.SIG_BLOCK,
  SIG_UNBLOCK = core.SIG_UNBLOCK,
  SIG_SETMASK = core.SIG_SETMASK,
} or nil

--- Signal numbers.
-- Every signal the platform defines, as an integer field; a name the
-- platform lacks is `nil`. Wherever a function takes a signal it also
-- takes its name as a string: `signal.kill(pid, "SIGTERM")`. The
-- real-time signals are the numbers from `SIGRTMIN` to `SIGRTMAX`.
-- @section numbers

--- Hangup: the terminal closed, or the process that controlled it
-- ended. Daemons take it as "reload the configuration". Default:
-- terminate.
-- @constant SIGHUP

--- Interrupt from the keyboard (Ctrl-C). Default: terminate; with
-- `default_int_handler` (as `main` installs) it raises
-- `KeyboardInterrupt` where the program is.
-- @constant SIGINT

--- Quit from the keyboard (Ctrl-\\). Default: terminate with a core
-- dump.
-- @constant SIGQUIT

--- Illegal instruction. Default: core dump.
-- @constant SIGILL

--- Trace or breakpoint trap. Default: core dump.
-- @constant SIGTRAP

--- Abort, as C's `abort()` sends it. Default: core dump.
-- @constant SIGABRT

--- Another name for `SIGABRT`.
-- @constant SIGIOT

--- Emulator trap, where the platform has it (not on Linux for x86 or
-- ARM). Default: core dump.
-- @constant SIGEMT

--- Arithmetic error, such as a C integer division by zero. Default:
-- core dump.
-- @constant SIGFPE

--- Kill. It cannot be caught, blocked or ignored: `signal.signal`
-- refuses it. Default: terminate.
-- @constant SIGKILL

--- Bus error: an access to memory that does not exist (a truncated
-- mapped file). Default: core dump.
-- @constant SIGBUS

--- Invalid memory reference. Default: core dump.
-- @constant SIGSEGV

--- Bad system call. Default: core dump.
-- @constant SIGSYS

--- A write to a pipe or socket that no one reads. Default: terminate;
-- ignored, the write fails with `EPIPE` instead.
-- @constant SIGPIPE

--- The real-time timer: `alarm` and `ITIMER_REAL`. Default: terminate.
-- @constant SIGALRM

--- Termination request: what `kill` and service managers send by
-- default. Default: terminate.
-- @constant SIGTERM

--- For the program's own use. Default: terminate.
-- @constant SIGUSR1

--- For the program's own use. Default: terminate.
-- @constant SIGUSR2

--- A child process ended, stopped or continued: reap it with `waitpid`.
-- Default: ignore.
-- @constant SIGCHLD

--- Another name for `SIGCHLD`.
-- @constant SIGCLD

--- Power failure. Default: terminate.
-- @constant SIGPWR

--- Input or output is possible on a descriptor set up for it. Default:
-- terminate.
-- @constant SIGIO

--- Another name for `SIGIO` on Linux.
-- @constant SIGPOLL

--- Urgent data on a socket. Default: ignore.
-- @constant SIGURG

--- The terminal changed size. Default: ignore.
-- @constant SIGWINCH

--- Stop. It cannot be caught, blocked or ignored. Default: stop.
-- @constant SIGSTOP

--- Stop from the keyboard (Ctrl-Z). Default: stop.
-- @constant SIGTSTP

--- Continue if stopped. Default: continue.
-- @constant SIGCONT

--- A background process read from its terminal. Default: stop.
-- @constant SIGTTIN

--- A background process wrote to its terminal (with `stty tostop`).
-- Default: stop.
-- @constant SIGTTOU

--- The virtual timer, `ITIMER_VIRTUAL`. Default: terminate.
-- @constant SIGVTALRM

--- The profiling timer, `ITIMER_PROF`. Default: terminate.
-- @constant SIGPROF

--- The CPU time limit was reached (`ulimit -t`). Default: core dump.
-- @constant SIGXCPU

--- The file size limit was passed (`ulimit -f`). Default: core dump.
-- @constant SIGXFSZ

--- Status request from the keyboard (Ctrl-T), on BSD and macOS.
-- Default: ignore.
-- @constant SIGINFO

--- Stack fault on a coprocessor (Linux; unused). Default: terminate.
-- @constant SIGSTKFLT

--- Installing handlers.
-- A handler is a function or callable table, called as `handler(signum)`
-- at the next instruction boundary of the Lua state, once per delivery,
-- never nested inside another handler. Its error propagates from the
-- interrupted instruction as an ordinary Lua error.
--
-- A handler that can take a second argument (a Lua function that
-- declares two parameters or `...`, a C function, a callable table) is
-- called as `handler(signum, info)`: `info` is a fresh siginfo table of
-- that very delivery (`si_signo si_code si_errno si_pid si_uid
-- si_status si_band si_value`, and `si_addr` for a fault), who sent it
-- and why. Queued real-time deliveries each bring their own, in the
-- kernel's order; a standard signal the kernel merged brings the info
-- the kernel kept. The module keeps at most 64 infos per signal; from
-- 48 on the kernel holds the deliveries (the signal stays blocked on
-- the Lua thread until the handlers catch up), and a delivery whose
-- info could be kept by neither still runs the handler, with
-- `info.dropped = true`. A one-parameter handler costs nothing more.
-- @section handlers

--- Sets the handler of a signal, as Python's
-- [signal.signal](https://docs.python.org/3/library/signal.html#signal.signal).
-- Installed with `SA_RESTART` (see `siginterrupt`). Pending handlers
-- have run when it returns.
-- @function signal
-- @tparam integer|string signum the signal
-- @param handler a function or callable table, `SIG_DFL` or `SIG_IGN`
-- @return the previous handler: a function or callable table, `SIG_DFL`,
--   `SIG_IGN`, or `nil` if it was not installed from Lua
-- @raise on a bad argument, or when the system refuses (`SIGKILL`,
--   `SIGSTOP`), or when another Lua state in the process owns delivery
-- @usage
-- local stop = false
-- signal.signal("SIGTERM", function() stop = true end)
-- signal.signal("SIGHUP", function(signum, info)
--   print("SIGHUP from pid", info.si_pid, "uid", info.si_uid)
-- end)

--- The current handler of a signal, as Python's
-- [signal.getsignal](https://docs.python.org/3/library/signal.html#signal.getsignal).
-- @function getsignal
-- @tparam integer|string signum the signal
-- @return the handler, in the forms `signal.signal` returns; `nil` for a
--   handler not installed from Lua (the stand-alone `lua` interpreter's
--   own `SIGINT` handler, for example)

--- Installs a handler for the length of a block.
-- @function scoped
-- @tparam integer|string signum the signal
-- @param handler as for `signal.signal`
-- @return a to-be-closed value that puts back the exact disposition it
--   replaced when the block ends, however it ends; it also has a
--   `close` method (`scope:close()`), and closing twice does nothing.
--   Scopes may be closed in any order: the handler in force is that of
--   the newest scope still open, and once all are closed the handler
--   from before the first is back. A scope never closed stays open
-- @usage
-- do
--   local _guard <close> = signal.scoped("SIGINT", function() end)
--   -- ...
-- end  -- the previous SIGINT handler is back

--- Raises `KeyboardInterrupt`, as Python's
-- [signal.default\_int\_handler](https://docs.python.org/3/library/signal.html#signal.default_int_handler).
-- @function default_int_handler
-- @tparam[opt] integer signum the signal (ignored)
-- @raise `KeyboardInterrupt`
-- @usage
-- signal.signal("SIGINT", signal.default_int_handler)

--- Chooses whether a signal interrupts slow system calls, as Python's
-- [signal.siginterrupt](https://docs.python.org/3/library/signal.html#signal.siginterrupt).
-- Handlers are installed with `SA_RESTART`, so
-- by default an interrupted `read` or `write` goes on; with `flag` true
-- it fails with `EINTR` instead, and the handler runs sooner.
-- @function siginterrupt
-- @tparam integer|string signum the signal
-- @tparam boolean flag true to interrupt system calls

--- Runs the handlers of the signals pending now (CPython's
-- `PyErr_CheckSignals`), and drains `pollfd`. For loops around blocking
-- C calls, and after an event loop's wait reports `pollfd` readable.
-- @function check
-- @raise a handler's error

--- Runs `fn(...)` as the program's main function, with Python's ending
-- for Ctrl-C: SIGINT raises `KeyboardInterrupt` (`default_int_handler`
-- is installed unless the program already set a handler for SIGINT
-- from Lua), and an uncaught `KeyboardInterrupt` prints its traceback
-- to stderr and ends the process by SIGINT itself, so that the shell
-- sees status 130 and a shell loop or script around the program stops
-- too. Other errors propagate unchanged. Called as
-- `main(token, fn, ...)` with a `shutdown` token, it keeps the token
-- open while `fn` runs and closes it after, however `fn` ends; a token
-- that holds SIGINT takes Ctrl-C instead of `KeyboardInterrupt`.
-- @function main
-- @tparam function fn the program (or a `shutdown` token, then `fn`)
-- @param ... its arguments
-- @return what `fn` returns
-- @usage
-- signal.main(function(...)
--   -- the whole program
-- end, ...)

--- Sending signals.
-- @section sending

--- Sends a signal to the calling process, as Python's
-- [signal.raise\_signal](https://docs.python.org/3/library/signal.html#signal.raise_signal). A Lua
-- handler for it has run when it returns.
-- @function raise_signal
-- @tparam integer|string signum the signal

--- Sends a signal to a process, as Python's
-- [os.kill](https://docs.python.org/3/library/os.html#os.kill). A failure is an
-- ordinary outcome (the process has exited), so it is returned, not
-- raised, like [os.remove](https://www.lua.org/manual/5.4/manual.html#pdf-os.remove).
-- @function kill
-- @tparam integer pid the process (0: the process group; -1: every
--   process it may signal; below -1: the group -pid)
-- @tparam integer|string signum the signal; 0 only checks that `pid` exists
-- @return `true`, or `fail`, a message (`"kill: No such process"`) and
--   the `errno` number

--- Sends a signal to a process group, as Python's
-- [os.killpg](https://docs.python.org/3/library/os.html#os.killpg).
-- @function killpg
-- @tparam integer pgid the process group
-- @tparam integer|string signum the signal
-- @return `true`, or `fail`, a message and the `errno` number

--- Sends a signal with an integer, as C's `sigqueue`: the receiver's
-- handler finds it in `info.si_value` (and `info.si_code` is
-- `SI_QUEUE`). Real-time signals queue, each with its own value; a
-- failure is returned, as by `kill`.
-- @function sigqueue
-- @tparam integer pid the process
-- @tparam integer|string signum the signal; 0 only checks that `pid` exists
-- @tparam[opt=0] integer value a C `int`
-- @return `true`, or `fail`, a message (`"sigqueue: Resource temporarily
--   unavailable"` when the kernel's queue is full) and the `errno` number
-- @usage signal.sigqueue(pid, signal.SIGRTMIN, 42)

--- The id of the calling process, as Python's
-- [os.getpid](https://docs.python.org/3/library/os.html#os.getpid).
-- @function getpid
-- @treturn integer the process id

--- The id of the calling thread, as Python's
-- [threading.get\_ident](https://docs.python.org/3/library/threading.html#threading.get_ident), for
-- `pthread_kill`. On Linux it is the kernel's thread id (what Python's
-- `threading.get_native_id` gives), which `pthread_kill` checks.
-- @function pthread_self
-- @treturn integer the thread id

--- Sends a signal to a thread of this process, as Python's
-- [signal.pthread\_kill](https://docs.python.org/3/library/signal.html#signal.pthread_kill). A Lua
-- handler for a signal sent to the calling
-- thread has run when it returns. An id that is not a live thread's of
-- this process raises `pthread_kill: No such process` (never a crash).
-- @function pthread_kill
-- @tparam integer thread_id from `pthread_self`
-- @tparam integer|string signum the signal

--- A file descriptor that refers to a process, as Python's
-- [os.pidfd\_open](https://docs.python.org/3/library/os.html#os.pidfd_open) (Linux 5.3 and later).
-- @function pidfd_open
-- @tparam integer pid the process
-- @tparam[opt=0] integer flags
-- @return the descriptor, or `fail`, a message and the `errno` number

--- Sends a signal through a process file descriptor, as Python's
-- [signal.pidfd\_send\_signal](https://docs.python.org/3/library/signal.html#signal.pidfd_send_signal):
-- no risk of signalling a recycled pid.
-- @function pidfd_send_signal
-- @tparam integer pidfd from `pidfd_open`
-- @tparam integer|string signum the signal
-- @tparam[opt] table siginfo `nil` (as in Python), or `{si_value = n}`
--   (and `si_code`, default `SI_QUEUE`) to send as `sigqueue` does; a
--   code the kernel keeps for itself is refused (`EPERM`)
-- @tparam[opt=0] integer flags
-- @return `true`, or `fail`, a message and the `errno` number

--- Children.
-- @section children

--- Waits for a child process to change state, as Python's
-- [os.waitpid](https://docs.python.org/3/library/os.html#os.waitpid),
-- with the results of Lua's
-- [os.execute](https://www.lua.org/manual/5.4/manual.html#pdf-os.execute).
-- A blocking wait runs the handlers of the signals that arrive while it
-- waits and goes on (PEP 475); a handler's error ends it. A SIGCHLD
-- handler that reaps every child (`waitpid(-1, WNOHANG)` in a loop) also
-- reaps the shells of `io.popen`, whose `close` then fails with "No
-- child processes".
-- @function waitpid
-- @tparam integer pid a child; -1: any child; 0: any in this process
--   group; below -1: any in the group -pid. Outside `pid_t`: an error
-- @tparam[opt=0] integer options `WNOHANG`, `WUNTRACED`, `WCONTINUED`,
--   added together
-- @return `pid, "exit", code` or `pid, "signal", signum` for a child
--   that ended; `pid, "stopped", signum` (`WUNTRACED`) or
--   `pid, "continued", SIGCONT` (`WCONTINUED`); `0` when `WNOHANG` found
--   no change; or `fail`, a message and the `errno` number
--   (`nil, "waitpid: No child processes", 10`)
-- @raise a handler's error
-- @usage
-- local pid, how, code = signal.waitpid(-1)

--- `waitpid`: return 0 at once when no child changed state.
-- @constant WNOHANG

--- `waitpid`: report children that stopped, too.
-- @constant WUNTRACED

--- `waitpid`: report stopped children that were continued, too.
-- @constant WCONTINUED

--- Timers.
-- @section timers

--- Arranges for `SIGALRM` in `seconds` seconds, as Python's
-- [signal.alarm](https://docs.python.org/3/library/signal.html#signal.alarm); 0 cancels the alarm.
-- @function alarm
-- @tparam integer seconds
-- @treturn integer the seconds that were left on the previous alarm, 0 if none

--- Arms or disarms an interval timer, as Python's
-- [signal.setitimer](https://docs.python.org/3/library/signal.html#signal.setitimer).
-- @function setitimer
-- @tparam integer which `ITIMER_REAL`, `ITIMER_VIRTUAL` or `ITIMER_PROF`
-- @tparam number seconds until the first signal; 0 disarms the timer
-- @tparam[opt=0] number interval between later signals
-- @treturn number the previous delay
-- @treturn number the previous interval
-- @raise `ItimerError: ...` for an invalid `which` or a negative or NaN time

--- Reads an interval timer, as Python's
-- [signal.getitimer](https://docs.python.org/3/library/signal.html#signal.getitimer).
-- @function getitimer
-- @tparam integer which `ITIMER_REAL`, `ITIMER_VIRTUAL` or `ITIMER_PROF`
-- @treturn number the delay left, 0 if disarmed
-- @treturn number the interval

--- Sleeps. Handlers run as their signals arrive and the sleep goes on
-- for the time left (PEP 475); a handler's error ends the sleep and
-- propagates.
-- @function sleep
-- @tparam number seconds

--- Masks and waits.
-- A set of signals is an array of numbers or names
-- (`{signal.SIGINT, "SIGTERM"}`); a returned set is an array of numbers
-- in ascending order.
-- @section waits

--- Waits until a handler has run, as Python's
-- [signal.pause](https://docs.python.org/3/library/signal.html#signal.pause). It
-- cannot miss a signal that arrives just before it blocks.
-- @function pause

--- Examines and changes the signal mask of the calling thread, as
-- Python's
-- [signal.pthread\_sigmask](https://docs.python.org/3/library/signal.html#signal.pthread_sigmask).
-- The handlers of signals it
-- unblocks have run when it returns.
-- @function pthread_sigmask
-- @tparam integer how `SIG_BLOCK`, `SIG_UNBLOCK` or `SIG_SETMASK`
-- @tparam table sigs a set of signals
-- @treturn table the previous mask, a set
-- @usage
-- local mask = signal.pthread_sigmask(signal.SIG_BLOCK, {}) -- read it

--- Blocks signals for the length of a block.
-- @function blocked
-- @tparam table sigs a set of signals
-- @return a to-be-closed value that unblocks `sigs` again when the
--   block ends; the handlers of what arrived meanwhile then run. It
--   also has a `close` method for an early end; closing twice does
--   nothing. Guards may be closed in any order: a signal stays blocked
--   while any open guard blocks it, and once all are closed the mask
--   is the one from before the first (a signal blocked before stays
--   blocked). A guard belongs to the OS thread that opened it (the
--   mask is the thread's); one never closed keeps its signals blocked
-- @usage
-- do
--   local _mask <close> = signal.blocked({"SIGTERM", "SIGINT"})
--   -- a section that must not be cut in two
-- end

--- The signals that are blocked and pending, as Python's
-- [signal.sigpending](https://docs.python.org/3/library/signal.html#signal.sigpending).
-- @function sigpending
-- @treturn table a set

--- Waits for one of `sigs` (which should be blocked) and accepts it
-- without running its handler, as Python's
-- [signal.sigwait](https://docs.python.org/3/library/signal.html#signal.sigwait).
-- @function sigwait
-- @tparam table sigs a set of signals
-- @treturn integer the signal accepted

--- Like `sigwait`, with details, as Python's
-- [signal.sigwaitinfo](https://docs.python.org/3/library/signal.html#signal.sigwaitinfo).
-- Another signal that interrupts it has its handler run, and the wait
-- goes on.
-- @function sigwaitinfo
-- @tparam table sigs a set of signals
-- @treturn table a siginfo table: `si_signo si_code si_errno si_pid
--   si_uid si_status si_band si_value` (and `si_addr` for a fault)

--- Like `sigwaitinfo`, with a time limit, as Python's
-- [signal.sigtimedwait](https://docs.python.org/3/library/signal.html#signal.sigtimedwait).
-- @function sigtimedwait
-- @tparam table sigs a set of signals
-- @tparam number timeout seconds
-- @return a siginfo table, or `nil` on timeout

--- Event loops.
-- @section events

--- Has the number of each signal delivered to a Lua handler written as
-- one byte to `fd`, as Python's
-- [signal.set\_wakeup\_fd](https://docs.python.org/3/library/signal.html#signal.set_wakeup_fd).
-- @function set_wakeup_fd
-- @tparam integer fd a non-blocking descriptor, or -1 to stop
-- @tparam[opt] table options `{warn_on_full_buffer = bool}` (default
--   true): warn through Lua's
--   [warn](https://www.lua.org/manual/5.4/manual.html#pdf-warn) when a
--   write fails because `fd` is full
-- @treturn integer the previous fd, -1 if none

--- A descriptor owned by the module that becomes readable whenever
-- deliveries are pending, for event loops (LuaSocket's
-- [socket.select](https://lunarmodules.github.io/luasocket/socket.html#select), luv,
-- cqueues, any poll). When it is readable, call `check`, which drains
-- it and runs the handlers. `watcher` wraps it in an object that each
-- event loop takes as it is.
-- @function pollfd
-- @treturn integer the descriptor (non-blocking, close-on-exec)
-- @usage
-- local uv = require "luv"
-- uv.new_poll(signal.pollfd()):start("r", function() signal.check() end)

--- Makes a watcher: see the `watcher` type below. One object that
-- LuaSocket's
-- [socket.select](https://lunarmodules.github.io/luasocket/socket.html#select),
-- cqueues, Copas, luv and lua-ev each take as it is.
-- @function watcher
-- @return a watcher object
-- @usage
-- local w = signal.watcher()
-- local ready = socket.select({server, w}, nil, 1)
-- if ready[w] then w:check() end

--- A watcher: the module's `pollfd` as one object that each event loop
-- takes as it is, through the protocols it already uses.
--
-- * LuaSocket's
--   [socket.select](https://lunarmodules.github.io/luasocket/socket.html#select)
--   calls its `getfd` and `dirty` methods: put it in the read set, and
--   call `check` when socket.select reports it;
-- * cqueues polls it through its `pollfd`, `events` and `timeout`
--   methods: `cqueues.poll(w)` waits on the descriptor;
-- * Copas: a Copas thread calls `w:wait()`, which yields to Copas
--   until a delivery is pending, then runs the handlers;
-- * luv and lua-ev take the number `w:getfd()`:
--   `uv.new_poll(w:getfd())`, `ev.IO.new(cb, w:getfd(), ev.READ)`.
--
-- Every watcher shares the module's one descriptor, which stays
-- readable from a delivery until a `check` drains it.
-- @type watcher

--- The descriptor, as LuaSocket's socket.select and luv's uv.new_poll want it.
-- @function watcher:getfd
-- @treturn integer the descriptor of `pollfd`

--- Never dirty: the watcher buffers nothing (LuaSocket's socket.select asks).
-- @function watcher:dirty
-- @treturn boolean `false`

--- The descriptor, as cqueues asks for it.
-- @function watcher:pollfd
-- @treturn integer the descriptor of `pollfd`

--- What cqueues waits for: `"r"`, readable.
-- @function watcher:events
-- @treturn string `"r"`

--- No time limit of its own (cqueues asks).
-- @function watcher:timeout
-- @return `nil`

--- Runs the handlers of the signals pending now and drains the
-- descriptor: `check`.
-- @function watcher:check
-- @raise a handler's error

--- Waits until a delivery is pending or *timeout* seconds pass, then
-- runs the pending handlers (`check`). Inside a cqueues coroutine it
-- yields to cqueues (cqueues.poll); in any other coroutine, once Copas
-- is loaded, it takes itself for a Copas thread and yields to Copas
-- (copas.receive); on the main thread it blocks in LuaSocket's
-- socket.select.
-- @function watcher:wait
-- @tparam[opt] number timeout seconds; none: no limit
-- @treturn boolean `true` if the descriptor was readable, `false`
--   when the time ran out
-- @raise a handler's error
-- @usage
-- copas.addthread(function() while true do w:wait() end end)

--- Copas's read protocol, used by `wait` through `copas.receive`:
-- runs the pending handlers and returns `"signal"` when the descriptor
-- is readable, or `nil, "timeout"` (Copas then waits for it).
-- @function watcher:receive
-- @return `"signal"`, or `nil, "timeout"`

local watcher = {}
watcher.__index = watcher
watcher.__name = "signal.watcher"

function watcher:getfd() return self.fd end
function watcher:pollfd() return self.fd end
function watcher.dirty() return false end
function watcher.events() return "r" end
function watcher.timeout() return nil end
function watcher.check() return core.check() end

function watcher:__tostring()
  return ("signal.watcher (fd %d)"):format(self.fd)
end

-- Whether the descriptor is readable now, through LuaSocket's select.
local function readable(w, timeout)
  local socket = package.loaded.socket or require "socket"
  local ready = socket.select({ w }, nil, timeout)
  return ready[w] ~= nil
end

function watcher:receive()
  if readable(self, 0) then
    core.check()
    return "signal"
  end
  return nil, "timeout"
end

function watcher:wait(timeout)
  local copas, cqueues = package.loaded.copas, package.loaded.cqueues
  local ok
  if type(cqueues) == "table" and cqueues.running() then
    ok = cqueues.poll(self, timeout) == self
    if ok then core.check() end
  elseif type(copas) == "table" and coroutine.isyieldable() then
    copas.settimeouts(self, nil, nil, timeout or -1)
    ok = copas.receive(self) ~= nil
  else
    ok = readable(self, timeout)
    if ok then core.check() end
  end
  return ok
end

function signal.watcher()
  return setmetatable({ fd = core.pollfd() }, watcher)
end

--- Signals as values (Go's `signal.Notify`): a queue that collects
-- each delivery of `sigs` with its info instead of calling a function.
-- While it is open, its handlers (installed as by `scoped`) take each
-- delivery in the order dispatch runs them (the order they arrived;
-- deliveries pending together run lowest signal first, as handlers
-- do). The queue holds at most `size` deliveries: once full, it stops
-- taking them, and the module's store of each signal's info fills
-- (48 deliveries), then the kernel holds the rest with the signal
-- blocked on the Lua thread (senders of real-time signals see `EAGAIN`
-- once the kernel's own queue is full) until `get` or `pending` makes
-- room. Nothing is lost: a delivery whose info neither could keep
-- (the kernel's queue was full too) is still queued, with
-- `info.dropped` set, and counted in `q.dropped`.
-- @function queue
-- @tparam table sigs an array of signal numbers or names
-- @tparam[opt=128] integer size how many deliveries it holds
-- @return a queue: see the `queue` type below
-- @raise as `scoped`, for a signal whose handler cannot be set (the
--   handlers already set are put back)
-- @usage
-- local q <close> = signal.queue({ "SIGTERM", "SIGHUP" })
-- local signum, info = q:get()   -- waits
-- print(signal.Signals[signum], "from pid", info.si_pid)

--- A queue of deliveries, from `queue`. It is also a watcher (the
-- methods of the `watcher` type: `getfd`, `dirty`, `pollfd`, `events`,
-- `timeout`, `check`, `wait`, `receive`), so that every event loop
-- the watcher serves waits for it: when it is readable, `check` runs
-- the handlers and `pending` takes what they queued.
-- @type queue

--- Takes the oldest delivery, waiting up to `timeout` seconds for one
-- (no limit without one); handlers of other signals run meanwhile. A
-- closed queue returns what it still holds, then `nil` at once.
-- @function queue:get
-- @tparam[opt] number timeout seconds
-- @treturn ?integer the signal number, or `nil` when the time ran out
-- @treturn table its info, as a handler's second argument
-- @raise a handler's error

--- Iterates over the deliveries queued now, oldest first, without
-- waiting: `for signum, info in q:pending() do ... end`.
-- @function queue:pending
-- @return an iterator of `signum, info`

--- Puts back the handlers the queue replaced (also on leaving the
-- block of a `<close>` variable). Deliveries already queued stay and
-- `pending` and `get` still take them.
-- @function queue:close

--- Deliveries queued without their info (`info.dropped`): 0 unless
-- the kernel's own queue was full too.
-- @field dropped

local queue = setmetatable({}, { __index = watcher })
queue.__index = queue
queue.__name = "signal.queue"

function queue:__tostring()
  return ("signal.queue (%d queued, %s)"):format(self.n,
    self.open and "open" or "closed")
end

-- The oldest delivery out; the signals are taken again once the queue
-- is half empty.
local function take(q)
  local i = q.head
  local signum, info = q.signums[i], q.infos[i]
  q.signums[i], q.infos[i] = nil, nil
  q.head, q.n = i + 1, q.n - 1
  if q.paused and q.n <= math.floor(q.size / 2) then
    q.paused = false
    for _, signo in ipairs(q.sigs) do qhold(signo, false) end
  end
  return signum, info
end

function queue:get(timeout)
  if timeout ~= nil then
    if type(timeout) ~= "number" or timeout ~= timeout or timeout < 0 then
      error("bad argument #1 to 'get' (timeout must be a non-negative number)", 2)
    end
  end
  local deadline = timeout and qnow() + timeout
  while self.n == 0 do
    if not self.open then return nil end  -- nothing more will come
    local left = deadline and deadline - qnow()
    if left and left <= 0 then return nil end
    qwait(left)
  end
  return take(self)
end

function queue:pending()
  core.check()
  return function()
    if self.n > 0 then return take(self) end
  end
end

function queue:close()
  if not self.open then return end
  self.open = false
  if self.paused then
    self.paused = false
    for _, signo in ipairs(self.sigs) do qhold(signo, false) end
  end
  for i = #self.scopes, 1, -1 do self.scopes[i]:close() end
end
queue.__close = queue.close

function signal.queue(sigs, size)
  if type(sigs) ~= "table" then
    error(("bad argument #1 to 'queue' (table expected, got %s)")
          :format(type(sigs)), 2)
  end
  size = size == nil and 128 or size
  if math.type(size) ~= "integer" or size < 1 then
    error("bad argument #2 to 'queue' (size must be a positive integer)", 2)
  end
  local q = setmetatable({ fd = core.pollfd(), size = size, dropped = 0,
                           signums = {}, infos = {}, head = 1, n = 0,
                           sigs = {}, scopes = {}, open = true,
                           paused = false }, queue)
  local seen = {}
  for i = 1, #sigs do
    local s = sigs[i]
    local signo = type(s) == "string" and core.Signals[s] or s
    if math.type(signo) ~= "integer" or signo < 1 or signo >= core.NSIG then
      error(("bad argument #1 to 'queue' (invalid signal %s)")
            :format(tostring(s)), 2)
    end
    if not seen[signo] then
      seen[signo] = true
      q.sigs[#q.sigs + 1] = signo
    end
  end
  local function collect(signum, info)
    local i = q.head + q.n
    q.signums[i], q.infos[i] = signum, info
    q.n = q.n + 1
    if info.dropped then q.dropped = q.dropped + 1 end
    if q.n >= q.size and q.open then  -- again if a scope undid a pause
      q.paused = true
      for _, signo in ipairs(q.sigs) do qhold(signo, true) end
    end
  end
  for _, signo in ipairs(q.sigs) do
    local ok, scope = pcall(core.scoped, signo, collect)
    if not ok then
      q:close()
      error(scope, 2)
    end
    q.scopes[#q.scopes + 1] = scope
  end
  return q
end

--- Information.
-- @section information

--- The system's description of a signal, as Python's
-- [signal.strsignal](https://docs.python.org/3/library/signal.html#signal.strsignal).
-- @function strsignal
-- @tparam integer|string signum the signal
-- @treturn ?string the description, or `nil` for an unknown signal

--- Every valid signal number, as Python's
-- [signal.valid\_signals](https://docs.python.org/3/library/signal.html#signal.valid_signals).
-- @function valid_signals
-- @treturn table a set

-- The name the stand-alone interpreter gives itself in its messages,
-- lua.c's progname: its argv[0], which its arg table holds at the
-- lowest index (arg[0] when there is no script, as under -e).
local function progname()
  local a, low = rawget(_G, "arg"), nil
  if type(a) ~= "table" then return "lua" end
  for i in pairs(a) do
    if math.type(i) == "integer" and (low == nil or i < low) then low = i end
  end
  return low and low <= 0 and tostring(a[low]) or "lua"
end

-- Ends the process by SIGINT, as an uncaught KeyboardInterrupt ends
-- Python: output flushed, SIGINT back to its default and unblocked.
local function die_by_sigint(message)
  io.stdout:flush()
  io.stderr:write(progname(), ": ", message, "\n")
  io.stderr:flush()
  if not core.pthread_sigmask then
    -- Windows: the status a Ctrl-C leaves there, as Python's
    -- (STATUS_CONTROL_C_EXIT; the C runtime's raise would exit with 3)
    os.exit(0xC000013A)
  end
  core.signal(core.SIGINT, core.SIG_DFL)
  core.pthread_sigmask(core.SIG_UNBLOCK, { core.SIGINT })
  core.raise_signal(core.SIGINT)
  os.exit(130)   -- only if SIGINT could not end it
end

-- A function, or a value with a __call metamethod.
local function callable(v)
  if type(v) == "function" then return true end
  local mt = getmetatable(v)
  return type(mt) == "table" and rawget(mt, "__call") ~= nil
end

function signal.main(...)
  local fn = ...
  local mt = getmetatable(fn)
  if type(mt) == "table" and mt.__name == "signal.shutdown" then
    -- main(token, fn, ...): the token stays open while fn runs (closed
    -- by hand: this file must parse in Lua 5.1 to 5.3, see the top)
    local function closing(ok, ...)
      fn:close()
      if ok then return ... end
      error((...), 0)
    end
    return closing(pcall(signal.main, select(2, ...)))
  end
  if not callable(fn) then
    -- as luaL_typeerror words it, under the name tracebacks give it
    local got = select("#", ...) == 0 and "no value" or type(fn)
    error(("bad argument #1 to 'signal.main' (function expected, got %s)")
          :format(got), 2)
  end
  if core.getsignal(core.SIGINT) == nil then
    core.signal(core.SIGINT, core.default_int_handler)
  end
  local traceback
  local function handler(e)
    if rawequal(e, core.KeyboardInterrupt) then
      traceback = debug.traceback(tostring(e), 2)
    end
    return e
  end
  local results = table.pack(xpcall(fn, handler, select(2, ...)))
  if results[1] then return table.unpack(results, 2, results.n) end
  if traceback and rawequal(results[2], core.KeyboardInterrupt) then
    die_by_sigint(traceback)
  end
  error(results[2], 0)
end


--- Daemons.
-- Starting children with a clean signal state, a shutdown that
-- supervisors understand, and systemd's notify protocol.
-- @section daemons

--- Starts a program, with no shell (`posix_spawnp`), and returns its
-- pid for `waitpid`. The child starts with an empty signal mask and
-- every signal at its default action, whatever the parent blocks,
-- ignores or handles, except the signals `options.ignore` names.
-- (glibc and musl themselves leave their own two or three signals
-- between 31 and `SIGRTMIN` ignored in the child; the child's C
-- library sets them up again.) `{"sh", "-c", command}` asks for a shell.
-- @function spawn
-- @tparam table argv the program (looked up in `PATH` unless it has a
--   `/`) and its arguments, all strings: `{"sleep", "10"}`
-- @tparam[opt] table options
--
-- * `env`: a table of variables to change in the child's copy of the
--   environment: `{LANG = "C", HOME = false}` sets `LANG` and removes
--   `HOME`; the others are the parent's;
-- * `cwd`: the child's working directory (after the streams are
--   opened, so a relative path of a stream is the caller's);
-- * `stdin`, `stdout`, `stderr`: a path (opened by the child: `stdin`
--   to read, the others to append, created if need be), a descriptor
--   number, a Lua file (`io.open`), or `false` for `/dev/null`; by
--   default the parent's;
-- * `pgroup`: `true` (or 0) for a process group of its own, whose id is
--   the child's pid (`killpg(pid, ...)` reaches its children too); a
--   number joins that group;
-- * `setsid`: `true` for a new session (no controlling terminal);
-- * `ignore`: a set of signals to leave ignored in the child (not
--   `SIGCHLD`, `SIGKILL` or `SIGSTOP`).
-- @return the child's pid, or `fail`, a message and the `errno` number
--   (a missing program: `nil, "spawn: prog: No such file or directory", 2`;
--   a stream that cannot be opened fails the same way)
-- @raise on a bad argument (an unknown option, a closed file...):
--   nothing has been started or opened then
-- @usage local pid = assert(signal.spawn({"sleep", "10"}, {stdin = false}))
-- print(signal.waitpid(pid))  --> pid  exit  0

--- Does now what the kernel's default action for a signal would do,
-- on whichever thread calls it, whatever the signal's handler: ends the
-- process by that signal (its parent sees it killed by it: status 143
-- for `SIGTERM` in a shell), with a core dump for the signals that dump
-- one (`SIGQUIT`, `SIGABRT`, ...); stops it (`SIGTSTP`, `SIGSTOP`,
-- `SIGTTIN`, `SIGTTOU`), and once `SIGCONT` continues it, returns with
-- the handlers and mask as they were; or does nothing (`SIGCHLD`,
-- `SIGURG`, `SIGWINCH`, `SIGCONT`). A PID 1, which the kernel does not
-- end by its own signals, ends with `os.exit(128 + signum)`'s status.
-- @function default_action
-- @tparam integer|string signum the signal
-- @usage signal.signal("SIGTSTP", function(signum)
--   save_terminal()
--   signal.default_action(signum)  -- stopped here until SIGCONT
--   restore_terminal()
-- end)

--- Systemd's notify protocol
-- ([sd_notify(3)](https://www.freedesktop.org/software/systemd/man/sd_notify.html)),
-- without libsystemd: sends `state` as one datagram to the unix socket
-- named by `$NOTIFY_SOCKET` (a path, or `@name` for an abstract socket).
-- `RELOADING=1` gets the `MONOTONIC_USEC=` line (`CLOCK_MONOTONIC` in
-- microseconds) that `Type=notify-reload` requires.
-- @function sd_notify
-- @tparam string|table state `"READY=1"` (lines `NAME=value`), or a
--   table `{READY = 1, STATUS = "loading"}` (a value is a string, a
--   number, or `true` for `1`; sent in the order of the names)
-- @return `true` when sent, `false` when `NOTIFY_SOCKET` is not set, or
--   `fail`, a message and the `errno` number
-- @usage signal.sd_notify{READY = 1, STATUS = "serving"}

--- Starts a graceful shutdown: see the `shutdown` type below.
-- @function shutdown
-- @tparam table sigs a set of signals, and the field `grace`: seconds
--   the program may take to stop after the first signal (no limit
--   without it): `{"SIGTERM", "SIGINT", grace = 10}`
-- @return a to-be-closed `shutdown` token
-- @raise on a bad argument, and when a token is open already (one at
--   a time)
-- @usage local stop <close> = signal.shutdown{"SIGTERM", "SIGINT", grace = 10}
-- while not stop.requested do
--   serve_one_request()
-- end
-- finish()  -- the first signal came; a second ends the process now

--- A graceful shutdown, as Go's `signal.NotifyContext`: the first of
-- its signals asks the program to stop, and the program exits as it
-- chooses; a second signal of the set (the second Ctrl-C), or the
-- grace period running out after the first, ends the process at once
-- by that signal's default action (`default_action`), so that its
-- parent sees it killed by that signal (status 143 for SIGTERM, 130 for
-- SIGINT), as systemd, Kubernetes and shells expect. That works while
-- the program is busy in a Lua loop or stuck in a blocking C call:
-- the set's C handler counts the signals itself, and the grace period
-- is kept by a helper thread (not `SIGALRM`, which stays the program's).
-- When `$NOTIFY_SOCKET` is set, the first signal sends `STOPPING=1`
-- (`sd_notify`) from the C handler.
--
-- The token is a watcher (the protocols of `watcher`): an event loop
-- wakes for it. Closing it (`<close>`, `token:close()`) puts the
-- previous handlers back and ends the grace period's watch; a request
-- already made stays readable. One token may be open at a time.
-- @type shutdown

--- The number of the first signal of the set, `false` before it came.
-- @field requested

--- The siginfo table of that first signal, when the module gives
-- handlers their siginfo (not yet: `nil`).
-- @field info

--- Waits until the stop is requested or `timeout` seconds pass, running
-- the handlers of other signals meanwhile. In a cqueues or Copas
-- coroutine it yields to the loop, as `watcher:wait`.
-- @function shutdown:wait
-- @tparam[opt] number timeout seconds; none: no limit
-- @treturn boolean `true` once requested, `false` when the time ran out

--- Puts the previous handlers back; closing twice does nothing.
-- @function shutdown:close

local token = {}
for k, v in pairs(watcher) do token[k] = v end
token.__name = "signal.shutdown"
local shutdown = core.shutdown  -- the C half: its errors name 'shutdown'

function token:__index(key)
  if key == "requested" then return self.guard.requested end
  return token[key]
end

function token:__tostring()
  return ("signal.shutdown (%s)"):format(self.requested
    and "requested by " .. (core.Signals[self.requested] or self.requested)
    or "not requested")
end

function token:close() return self.guard:close() end
token.__close = token.close

function token:wait(timeout)
  if timeout ~= nil and (type(timeout) ~= "number" or timeout ~= timeout or timeout < 0) then
    error("bad argument #1 to 'wait' (timeout must be a number of seconds >= 0)", 2)
  end
  local copas, cqueues = package.loaded.copas, package.loaded.cqueues
  local inloop = (type(cqueues) == "table" and cqueues.running())
                 or (type(copas) == "table" and coroutine.isyieldable())
  if not inloop then return self.guard:wait(timeout) end
  local socket = package.loaded.socket or require "socket"
  local deadline = timeout and socket.gettime() + timeout
  while not self.requested do
    local left = deadline and deadline - socket.gettime()
    if left and left <= 0 then return false end
    watcher.wait(self, left)
  end
  return true
end

function signal.shutdown(sigs)
  if type(sigs) ~= "table" then
    error(("bad argument #1 to 'shutdown' (table expected, got %s)")
          :format(type(sigs)), 2)
  end
  local grace = sigs.grace
  if grace ~= nil and (math.type(grace) == nil or grace ~= grace or grace < 0) then
    error("bad argument #1 to 'shutdown' (grace must be a number of seconds >= 0)", 2)
  end
  local guard = shutdown(sigs, grace)
  return setmetatable({ fd = core.pollfd(), guard = guard }, token)
end
if not shutdown then
  signal.shutdown = nil  -- Windows has no shutdown
end

-- Stock Lua keeps debug hooks per coroutine, so the core must know
-- which coroutine is running to deliver a signal inside it. These
-- replacements behave exactly as the originals (same results, errors
-- and tracebacks) and also record the running coroutine; create's
-- (and wrap's) new coroutine gets the program's hook, never a copy of
-- the module's that a delivery set on its creator a moment before.
if coroutines then
  coroutine.resume, coroutine.wrap, coroutine.create = coroutines()
end

-- A delivery landing inside the program's own debug.sethook could
-- leave its hook torn; these wrappers of debug.sethook and
-- debug.gethook behave as the originals and make the change whole.
local dbg = package.loaded.debug
if wraphooks and dbg then
  dbg.sethook, dbg.gethook = wraphooks(dbg.sethook, dbg.gethook)
end

-- Lua names a C function in a traceback or an argument error after
-- the first table of package.loaded that holds it, in the order of a
-- hash walk, which changes from run to run: with the module under two
-- keys, signal.sleep was 'signal.sleep' in one run and
-- 'signal.core.sleep' in the next. "signal.core" becomes a stand-in
-- that reads the module (an empty table and its metatable: no copy of
-- the functions), so the only name is signal.NAME.
package.loaded["signal.core"] = setmetatable({}, {
  __name = "signal.core",
  __index = signal,
})

return signal
