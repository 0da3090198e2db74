-- scoped.lua: a handler and a signal mask that last exactly one block.
--
-- Lua 5.4's to-be-closed variables make "change this for the length of
-- a block, then put it back" reliable: the old state comes back however
-- the block ends, by falling off its end, by return, or by an error.
--
--   signal.scoped(sig, handler)  installs handler; closing puts back the
--                                handler that was there before
--   signal.blocked(sigs)         blocks sigs; closing restores the mask,
--                                and what arrived meanwhile is handled then
--
-- The critical section here stands for any step that must not be cut
-- in two (writing a file and renaming it into place, a transaction): a
-- SIGTERM that arrives during it waits until it is over, and a SIGUSR1
-- gets a different answer during it.
--
-- Usage: lua5.4 scoped.lua [wait]
-- Without arguments the program sends the signals to itself; with
-- "wait" it waits (at most 20 s) for another process to send SIGUSR1
-- and SIGTERM during the critical section.

local signal = require "signal"

io.stdout:setvbuf("line")

local wait_for_others = arg[1] == "wait"

local events = {}            -- what the handlers saw, printed later
local function note(what) events[#events + 1] = what end

local function outer(signum) note("outer handler: " .. signal.Signals[signum]) end
local function inner(signum) note("inner handler: " .. signal.Signals[signum]) end
local function on_term() note("SIGTERM handler") end

signal.signal("SIGUSR1", outer)
signal.signal("SIGTERM", on_term)

local function is_blocked(sig)
  -- SIG_BLOCK with an empty set changes nothing and returns the mask.
  for _, s in ipairs(signal.pthread_sigmask(signal.SIG_BLOCK, {})) do
    if s == signal.Signals[sig] then return true end
  end
  return false
end

local function is_pending(sig)
  for _, s in ipairs(signal.sigpending()) do
    if s == signal.Signals[sig] then return true end
  end
  return false
end

local function handler_name(h)
  if h == outer then return "outer" elseif h == inner then return "inner" end
  return tostring(h)
end

local function show(when)
  print(("%s: SIGUSR1 handler %s, SIGTERM blocked: %s")
        :format(when, handler_name(signal.getsignal("SIGUSR1")), is_blocked("SIGTERM")))
end

local function flush_events(when)
  for _, e in ipairs(events) do print(when .. ": " .. e) end
  events = {}
end

show("before")

local ok, err = pcall(function()
  local _handler <close> = signal.scoped("SIGUSR1", inner)
  local _mask <close> = signal.blocked({ "SIGTERM" })
  show("inside")

  if wait_for_others then
    print(("inside: pid %d waiting for SIGUSR1 and SIGTERM"):format(signal.getpid()))
    local deadline = os.time() + 20
    -- SIGUSR1 is handled as it arrives; SIGTERM stays pending.
    while (#events == 0 or not is_pending("SIGTERM")) and os.time() < deadline do
      signal.sleep(0.02)
    end
    if #events == 0 or not is_pending("SIGTERM") then
      print("inside: gave up waiting for the signals")
      os.exit(1, true)
    end
  else
    signal.kill(signal.getpid(), "SIGUSR1")
    signal.kill(signal.getpid(), "SIGTERM")
    signal.check()
  end

  flush_events("inside")
  print(("inside: SIGTERM pending: %s"):format(is_pending("SIGTERM")))
  -- Leave the block with an error: both scopes are closed anyway.
  error("critical section failed on purpose", 0)
end)

-- The mask came back first (closing goes in reverse order), so the
-- pending SIGTERM has been handled by now; then the handler came back.
flush_events("after")
print(("after: the block ended with: %s (ok=%s)"):format(err, ok))
show("after")

-- The outer handler answers SIGUSR1 again.
signal.raise_signal("SIGUSR1")
flush_events("after")
