-- timeout.lua: run a function with a deadline.
--
-- Python's documentation shows a timeout made with signal.alarm. Done
-- right it needs three more things, and Lua 5.4's to-be-closed
-- variables give each of them in one line:
--   * sub-second deadlines: setitimer(ITIMER_REAL, ...) instead of alarm;
--   * the timer is cancelled however the function ends (it returns, it
--     fails, or the deadline hits), so no stray SIGALRM comes later;
--   * the SIGALRM handler that was there before is put back.
--
-- This is the one place where a handler should raise an error: the
-- error is how the deadline stops the function, wherever it is. The
-- function must therefore release what it holds with `<close>` (or
-- pcall), as any code must when errors can happen anywhere.
--
-- Usage: lua5.4 timeout.lua

local signal = require "signal"

io.stdout:setvbuf("line")

-- A unique error value, so a timeout is never mistaken for another error.
local Timeout = setmetatable({}, { __tostring = function() return "timeout" end })

-- A to-be-closed guard that disarms the real-time timer.
local function arm_timer(seconds)
  signal.setitimer(signal.ITIMER_REAL, seconds)
  return setmetatable({}, {
    __close = function() signal.setitimer(signal.ITIMER_REAL, 0) end,
  })
end

--- Calls fn(...) with a deadline of `seconds`.
-- Returns true and fn's results if it finished in time, nil and
-- "timeout" if the deadline hit; fn's own errors propagate.
local function with_timeout(seconds, fn, ...)
  local results = table.pack(pcall(function(...)
    -- Closed in reverse order: the timer is disarmed first, then the
    -- previous SIGALRM handler comes back.
    local _handler <close> = signal.scoped(signal.SIGALRM, function()
      error(Timeout, 0)
    end)
    local _timer <close> = arm_timer(seconds)
    return fn(...)
  end, ...))
  if results[1] then
    return true, table.unpack(results, 2, results.n)
  elseif results[2] == Timeout then
    return nil, "timeout"
  end
  error(results[2], 0)
end

local function clock_ms(t0)
  return (os.clock() - t0) * 1000
end

-- 1. A quick function finishes well within its deadline: the timer is
--    cancelled and nothing happens later.
local ok, sum = with_timeout(0.5, function(n)
  local s = 0
  for i = 1, n do s = s + i end
  return s
end, 1000)
print(("quick: ok=%s, result %d"):format(ok, sum))
local left = signal.getitimer(signal.ITIMER_REAL)
print(("quick: timer left after it returned: %g s"):format(left))
signal.sleep(0.8)   -- past the old deadline: no stray alarm arrives
print("quick: no stray SIGALRM after the deadline passed")

-- 2. A CPU-bound loop that never ends by itself: the deadline stops it
--    between two instructions.
local t0 = os.clock()
local ok2, why = with_timeout(0.2, function()
  local n = 0
  while true do n = n + 1 end
end)
print(("busy loop: ok=%s, %s after %.0f ms of CPU"):format(ok2, why, clock_ms(t0)))

-- 3. A function blocked in signal.sleep: the handler's error ends the
--    sleep early.
local ok3, why3 = with_timeout(0.2, function()
  signal.sleep(30)
  return "slept"
end)
print(("sleeping: ok=%s, %s"):format(ok3, why3))

-- 4. The function's own errors are not timeouts: they propagate.
local ok4, err = pcall(with_timeout, 1, function() error("broken", 0) end)
print(("failing: ok=%s, error %q"):format(ok4, err))

-- After all that, SIGALRM is back to what it was (the default) and no
-- timer is armed.
print(("after: SIGALRM handler is SIG_DFL: %s, timer armed: %s")
      :format(signal.getsignal(signal.SIGALRM) == signal.SIG_DFL,
              signal.getitimer(signal.ITIMER_REAL) > 0))
