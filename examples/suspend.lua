-- suspend.lua: handle Ctrl-Z (SIGTSTP) and still stop.
--
-- A SIGTSTP handler replaces the default action, which is to stop the
-- process: a handler that only prints makes Ctrl-Z do nothing more. To
-- act and still stop (put the terminal back in its normal mode, save
-- state, say so), the handler sets SIGTSTP back to its default and
-- raises it at its own process: the process stops right there, inside
-- the handler, and goes on from there when `fg` or `bg` sends SIGCONT.
-- Then the handler installs itself again, for the next Ctrl-Z, and can
-- redo what the stop undid (raw mode, a redraw).
--
-- The kernel does not stop a process in an orphaned process group
-- (one whose parents are all gone or in another session) by SIGTSTP at
-- its default: there, raise_signal returns at once and the program
-- goes on, which is also what a shell without job control expects.
--
-- Usage: lua5.4 suspend.lua [max_seconds]   (default 60)
-- then Ctrl-Z, fg, Ctrl-Z, bg, ... and Ctrl-C or SIGTERM to end.

local signal = require "signal"

io.stdout:setvbuf("line")

local max_seconds = tonumber(arg[1]) or 60
local stops = 0

local function on_tstp()
  stops = stops + 1
  print(("suspend: SIGTSTP: saving state, stopping (%d)"):format(stops))
  signal.signal("SIGTSTP", signal.SIG_DFL)
  signal.raise_signal("SIGTSTP")          -- stopped here until SIGCONT
  signal.signal("SIGTSTP", on_tstp)       -- for the next Ctrl-Z
  print(("suspend: continued (%d), redrawing"):format(stops))
end
signal.signal("SIGTSTP", on_tstp)

local stop_signal
local function stop(signum) stop_signal = signal.Signals[signum] end
signal.signal("SIGTERM", stop)
signal.signal("SIGINT", stop)

print(("suspend: pid %d ready: Ctrl-Z stops me, fg goes on"):format(signal.getpid()))
local deadline = os.time() + max_seconds
while not stop_signal and os.time() < deadline do
  signal.sleep(0.1)   -- the work
end
print(("suspend: ended (%s) after %d stops"):format(stop_signal or "time limit", stops))
