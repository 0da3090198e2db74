-- Values, absent functions and bad arguments of the Windows build.
local t = ...
local signal = require "signal"

local seven = { SIGINT = 2, SIGILL = 4, SIGFPE = 8, SIGSEGV = 11,
                SIGTERM = 15, SIGBREAK = 21, SIGABRT = 22 }

t.test("the seven signals of the C runtime, and the constants", function()
  for name, n in pairs(seven) do
    t.eq(signal[name], n, name)
    t.eq(signal.Signals[name], n, "Signals." .. name)
    t.eq(signal.Signals[n], name, "Signals[" .. n .. "]")
  end
  t.eq(signal.NSIG, 23, "NSIG")
  t.eq(signal.SIG_DFL, 0, "SIG_DFL")
  t.eq(signal.SIG_IGN, 1, "SIG_IGN")
  t.eq(signal.CTRL_C_EVENT, 0, "CTRL_C_EVENT")
  t.eq(signal.CTRL_BREAK_EVENT, 1, "CTRL_BREAK_EVENT")
  t.eq(signal.Signals.CTRL_C_EVENT, 0, "Signals.CTRL_C_EVENT")
  t.eq(signal.Signals[1], "CTRL_BREAK_EVENT", "Signals[1]")
  t.eq(signal.Handlers.SIG_DFL, 0, "Handlers.SIG_DFL")
  t.eq(signal.Handlers.SIG_IGN, 1, "Handlers.SIG_IGN")
  t.eq(tostring(signal.KeyboardInterrupt), "KeyboardInterrupt", "KeyboardInterrupt")
end)

t.test("valid_signals and strsignal", function()
  local v = signal.valid_signals()
  t.eq(table.concat(v, " "), "2 4 8 11 15 21 22", "valid_signals()")
  t.eq(signal.strsignal("SIGINT"), "Interrupt", "strsignal(SIGINT)")
  t.eq(signal.strsignal(signal.SIGTERM), "Terminated", "strsignal(SIGTERM)")
  t.eq(signal.strsignal(3), nil, "strsignal(3)")
end)

t.test("what Windows lacks is nil", function()
  for _, name in ipairs{ "alarm", "pause", "setitimer", "getitimer",
      "siginterrupt", "pthread_sigmask", "pthread_kill", "pthread_self",
      "sigpending", "sigwait", "sigwaitinfo", "sigtimedwait", "blocked",
      "waitpid", "killpg", "sigqueue", "pidfd_open", "pidfd_send_signal",
      "spawn", "shutdown", "default_action", "sd_notify", "Sigmasks",
      "SIG_BLOCK", "ITIMER_REAL", "WNOHANG", "SIGHUP", "SIGKILL",
      "SIGUSR1", "SIGALRM", "SIGCHLD", "SIGRTMIN", "SI_USER" } do
    t.eq(signal[name], nil, "signal." .. name)
  end
  for _, name in ipairs{ "signal", "getsignal", "raise_signal", "strsignal",
      "valid_signals", "default_int_handler", "kill", "getpid",
      "set_wakeup_fd", "pollfd", "watcher", "sleep", "check", "scoped",
      "main" } do
    t.eq(type(signal[name]), "function", "signal." .. name)
  end
end)

t.test("bad arguments, in Lua's words and Python's", function()
  local f = function() end
  t.eq(t.err(signal.signal, 3, f), "bad argument #1 to 'signal.signal' "
       .. "(signal only works with SIGABRT, SIGFPE, SIGILL, SIGINT, "
       .. "SIGSEGV, SIGTERM, SIGBREAK)", "signal(3)")
  t.eq(t.err(signal.signal, 23, f),
       "bad argument #1 to 'signal.signal' (signal number out of range)", "signal(23)")
  t.eq(t.err(signal.signal, 0, f),
       "bad argument #1 to 'signal.signal' (signal number out of range)", "signal(0)")
  t.eq(t.err(signal.signal, "SIGHUP", f),
       "bad argument #1 to 'signal.signal' (unknown signal name 'SIGHUP')", "signal('SIGHUP')")
  t.eq(t.err(signal.signal, "SIGINT", 5),
       "bad argument #2 to 'signal.signal' (signal handler must be signal.SIG_IGN, "
       .. "signal.SIG_DFL, or a callable object)", "signal(SIGINT, 5)")
  t.eq(t.err(signal.raise_signal, 5),
       "bad argument #1 to 'signal.raise_signal' (signal only works with SIGABRT, "
       .. "SIGFPE, SIGILL, SIGINT, SIGSEGV, SIGTERM, SIGBREAK)", "raise_signal(5)")
  t.eq(t.err(signal.scoped, {}, f),
       "bad argument #1 to 'signal.scoped' (signal number or name expected, got table)",
       "scoped({})")
  t.eq(t.err(signal.kill, -1, 0),
       "bad argument #1 to 'signal.kill' (pid out of range)", "kill(-1)")
  t.eq(t.err(signal.kill, 1, 2^32),
       "bad argument #2 to 'signal.kill' (signal out of range)", "kill(1, 2^32)")
  t.eq(t.err(signal.sleep, -1),
       "bad argument #1 to 'signal.sleep' (sleep length must be non-negative)", "sleep(-1)")
  t.eq(t.err(signal.set_wakeup_fd, 12345),
       "bad argument #1 to 'signal.set_wakeup_fd' (the fd 12345 must be a socket on Windows)",
       "set_wakeup_fd(12345)")
  -- a refused call changed nothing
  t.eq(signal.getsignal("SIGTERM"), 0, "getsignal(SIGTERM) after the refusals")
end)
