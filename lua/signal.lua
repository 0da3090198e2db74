--- Python's [signal](https://docs.python.org/3/library/signal.html) module for Lua 5.4.
--
-- The functions come from the C module `signal.core`; this file adds
-- the tables that are simpler in Lua and makes coroutines visible to
-- the delivery core.
-- @module signal

local core = require "signal.core"

-- Taken out of the core table, so that error messages name the
-- replacements as coroutine.resume and coroutine.wrap. A reload of
-- this file alone finds them gone and the replacements in place.
local coroutines, wraphooks = core.coroutines, core.wraphooks
core.coroutines, core.wraphooks = nil, nil

-- The module is the core's own table with the fields below added: a
-- copy would cost a second table of some eighty entries.
local signal = core

--- Values.
-- Every value is an integer field of the module, as in Python.
-- @section values

--- Signal numbers: `SIGHUP`, `SIGINT`, `SIGQUIT`, `SIGILL`, `SIGTRAP`,
-- `SIGABRT`, `SIGIOT`, `SIGBUS`, `SIGFPE`, `SIGKILL`, `SIGUSR1`,
-- `SIGSEGV`, `SIGUSR2`, `SIGPIPE`, `SIGALRM`, `SIGTERM`, `SIGSTKFLT`,
-- `SIGCHLD`, `SIGCLD`, `SIGCONT`, `SIGSTOP`, `SIGTSTP`, `SIGTTIN`,
-- `SIGTTOU`, `SIGURG`, `SIGXCPU`, `SIGXFSZ`, `SIGVTALRM`, `SIGPROF`,
-- `SIGWINCH`, `SIGIO`, `SIGPOLL`, `SIGPWR`, `SIGSYS`, and `SIGEMT` or
-- `SIGINFO` where the platform has them. A name the platform lacks is
-- `nil`. Wherever a function takes a signal it also takes its name as
-- a string: `signal.kill(pid, "SIGTERM")`.
-- @field SIGTERM

--- The first real-time signal, as the C library gives it at run time
-- (34 with glibc on Linux).
-- @field SIGRTMIN

--- The last real-time signal, as the C library gives it at run time
-- (64 with glibc on Linux).
-- @field SIGRTMAX

--- One more than the highest signal number (65 on Linux).
-- @field NSIG

--- The default action, 0 as in CPython. A handler value for
-- `signal.signal` and `scoped`, and what `getsignal` returns for it.
-- @field SIG_DFL

--- Ignore the signal, 1 as in CPython.
-- @field SIG_IGN

--- `pthread_sigmask`: add the signals to the mask.
-- @field SIG_BLOCK

--- `pthread_sigmask`: remove the signals from the mask.
-- @field SIG_UNBLOCK

--- `pthread_sigmask`: make the signals the whole mask.
-- @field SIG_SETMASK

--- `setitimer`/`getitimer`: the real-time timer, which sends `SIGALRM`.
-- @field ITIMER_REAL

--- The timer of the process's user CPU time, which sends `SIGVTALRM`.
-- @field ITIMER_VIRTUAL

--- The timer of the process's user and system CPU time, which sends
-- `SIGPROF`.
-- @field ITIMER_PROF

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
-- @field _VERSION
signal._VERSION = "signal 0.2.0"

--- `SIG_DFL` and `SIG_IGN` by name, as Python's
-- [signal.Handlers](https://docs.python.org/3/library/signal.html#signal.Handlers).
-- @table Handlers
signal.Handlers = { SIG_DFL = core.SIG_DFL, SIG_IGN = core.SIG_IGN }

--- The `how` values of `pthread_sigmask`, as Python's
-- [signal.Sigmasks](https://docs.python.org/3/library/signal.html#signal.Sigmasks).
-- @table Sigmasks
signal.Sigmasks = {
  SIG_BLOCK = core.SIG_BLOCK,
  SIG_UNBLOCK = core.SIG_UNBLOCK,
  SIG_SETMASK = core.SIG_SETMASK,
}

--- Handlers.
-- A handler is a function or callable table, called as `handler(signum)`
-- at the next instruction boundary of the Lua state, once per delivery,
-- never nested inside another handler. Its error propagates from the
-- interrupted instruction as an ordinary Lua error.
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
-- @usage local stop = false
-- signal.signal("SIGTERM", function() stop = true end)

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
--   `close` method (`scope:close()`), and closing twice does nothing
-- @usage do
--   local _guard <close> = signal.scoped("SIGINT", function() end)
--   -- ...
-- end  -- the previous SIGINT handler is back

--- Raises `KeyboardInterrupt`, as Python's
-- [signal.default_int_handler](https://docs.python.org/3/library/signal.html#signal.default_int_handler).
-- @function default_int_handler
-- @tparam[opt] integer signum the signal (ignored)
-- @raise `KeyboardInterrupt`
-- @usage signal.signal("SIGINT", signal.default_int_handler)

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
-- too. Other errors propagate unchanged.
-- @function main
-- @tparam function fn the program
-- @param ... its arguments
-- @return what `fn` returns
-- @usage signal.main(function(...)
--   -- the whole program
-- end, ...)

--- Sending signals.
-- @section sending

--- Sends a signal to the calling process, as Python's
-- [signal.raise_signal](https://docs.python.org/3/library/signal.html#signal.raise_signal). A Lua
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

--- The id of the calling process, as Python's
-- [os.getpid](https://docs.python.org/3/library/os.html#os.getpid).
-- @function getpid
-- @treturn integer the process id

--- The id of the calling thread, as Python's
-- [threading.get_ident](https://docs.python.org/3/library/threading.html#threading.get_ident), for
-- `pthread_kill`. On Linux it is the kernel's thread id (what Python's
-- `threading.get_native_id` gives), which `pthread_kill` checks.
-- @function pthread_self
-- @treturn integer the thread id

--- Sends a signal to a thread of this process, as Python's
-- [signal.pthread_kill](https://docs.python.org/3/library/signal.html#signal.pthread_kill). A Lua
-- handler for a signal sent to the calling
-- thread has run when it returns. An id that is not a live thread's of
-- this process raises `pthread_kill: No such process` (never a crash).
-- @function pthread_kill
-- @tparam integer thread_id from `pthread_self`
-- @tparam integer|string signum the signal

--- A file descriptor that refers to a process, as Python's
-- [os.pidfd_open](https://docs.python.org/3/library/os.html#os.pidfd_open) (Linux 5.3 and later).
-- @function pidfd_open
-- @tparam integer pid the process
-- @tparam[opt=0] integer flags
-- @return the descriptor, or `fail`, a message and the `errno` number

--- Sends a signal through a process file descriptor, as Python's
-- [signal.pidfd_send_signal](https://docs.python.org/3/library/signal.html#signal.pidfd_send_signal):
-- no risk of signalling a recycled pid.
-- @function pidfd_send_signal
-- @tparam integer pidfd from `pidfd_open`
-- @tparam integer|string signum the signal
-- @param[opt] siginfo must be `nil`
-- @tparam[opt=0] integer flags
-- @return `true`, or `fail`, a message and the `errno` number

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
-- @usage local pid, how, code = signal.waitpid(-1)

--- `waitpid`: return 0 at once when no child changed state.
-- @field WNOHANG

--- `waitpid`: report children that stopped, too.
-- @field WUNTRACED

--- `waitpid`: report stopped children that were continued, too.
-- @field WCONTINUED

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
-- [signal.pthread_sigmask](https://docs.python.org/3/library/signal.html#signal.pthread_sigmask).
-- The handlers of signals it
-- unblocks have run when it returns.
-- @function pthread_sigmask
-- @tparam integer how `SIG_BLOCK`, `SIG_UNBLOCK` or `SIG_SETMASK`
-- @tparam table sigs a set of signals
-- @treturn table the previous mask, a set
-- @usage local mask = signal.pthread_sigmask(signal.SIG_BLOCK, {}) -- read it

--- Blocks signals for the length of a block.
-- @function blocked
-- @tparam table sigs a set of signals
-- @return a to-be-closed value that restores the previous mask when
--   the block ends; the handlers of what arrived meanwhile then run. It
--   also has a `close` method for an early end; closing twice does nothing
-- @usage do
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
--   si_uid si_status si_band`

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
-- [signal.set_wakeup_fd](https://docs.python.org/3/library/signal.html#signal.set_wakeup_fd).
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
-- @usage local uv = require "luv"
-- uv.new_poll(signal.pollfd()):start("r", function() signal.check() end)

--- Makes a watcher: see the `watcher` type below. One object that
-- LuaSocket's
-- [socket.select](https://lunarmodules.github.io/luasocket/socket.html#select),
-- cqueues, Copas, luv and lua-ev each take as it is.
-- @function watcher
-- @return a watcher object
-- @usage local w = signal.watcher()
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

--- Waits until a delivery is pending or `timeout` seconds pass, then
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
-- @usage copas.addthread(function() while true do w:wait() end end)

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

--- Information.
-- @section information

--- The system's description of a signal, as Python's
-- [signal.strsignal](https://docs.python.org/3/library/signal.html#signal.strsignal).
-- @function strsignal
-- @tparam integer|string signum the signal
-- @treturn ?string the description, or `nil` for an unknown signal

--- Every valid signal number, as Python's
-- [signal.valid_signals](https://docs.python.org/3/library/signal.html#signal.valid_signals).
-- @function valid_signals
-- @treturn table a set

-- The name the stand-alone interpreter gives itself in its messages.
local function progname()
  local a, low = rawget(_G, "arg"), nil
  if type(a) ~= "table" then return "lua" end
  for i in pairs(a) do
    if math.type(i) == "integer" and (low == nil or i < low) then low = i end
  end
  return low and low < 0 and tostring(a[low]) or "lua"
end

-- Ends the process by SIGINT, as an uncaught KeyboardInterrupt ends
-- Python: output flushed, SIGINT back to its default and unblocked.
local function die_by_sigint(message)
  io.stdout:flush()
  io.stderr:write(progname(), ": ", message, "\n")
  io.stderr:flush()
  core.signal(core.SIGINT, core.SIG_DFL)
  core.pthread_sigmask(core.SIG_UNBLOCK, { core.SIGINT })
  core.raise_signal(core.SIGINT)
  os.exit(130)   -- only if SIGINT could not end it
end

function signal.main(fn, ...)
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
  local results = table.pack(xpcall(fn, handler, ...))
  if results[1] then return table.unpack(results, 2, results.n) end
  if traceback and rawequal(results[2], core.KeyboardInterrupt) then
    die_by_sigint(traceback)
  end
  error(results[2], 0)
end


-- Stock Lua keeps debug hooks per coroutine, so the core must know
-- which coroutine is running to deliver a signal inside it. These
-- replacements behave exactly as the originals (same results, errors
-- and tracebacks) and also record the running coroutine.
if coroutines then
  coroutine.resume, coroutine.wrap = coroutines()
end

-- A delivery landing inside the program's own debug.sethook could
-- leave its hook torn; these wrappers of debug.sethook and
-- debug.gethook behave as the originals and make the change whole.
local dbg = package.loaded.debug
if wraphooks and dbg then
  dbg.sethook, dbg.gethook = wraphooks(dbg.sethook, dbg.gethook)
end

return signal
