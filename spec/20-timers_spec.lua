-- alarm, the interval timers, sleep and pause, with real timers and a
-- wall clock (LuaSocket's gettime). Bounds are generous: a test checks
-- that a thing happens and in what order, never how fast.

local signal = require "signal"
local helpers = require "helpers"

teardown(helpers.cleanup)  -- the files of the processes it spawned

local now = helpers.now
local counter, spin, disarmed = helpers.counter, helpers.spin, helpers.disarmed
local REAL, VIRTUAL, PROF = signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF
local ALRM, VTALRM, PROFSIG = signal.SIGALRM, signal.SIGVTALRM, signal.SIGPROF
local USR1, USR2 = signal.SIGUSR1, signal.SIGUSR2

-- Runs a script in a child lua that `timeout` kills after `limit`
-- seconds, so a wait that never ends fails the test instead of hanging
-- the suite. Returns output, ok, how, code as helpers.run_lua.
local function run(script, limit)
  local file = helpers.writetemp(script)
  local p = assert(io.popen(("%s timeout -s KILL %d %s %s 2>&1")
    :format(helpers.ENV, limit or 20, helpers.LUA, file)))
  local out = p:read("a")
  local ok, how, code = p:close()
  os.remove(file)
  return out, ok, how, code
end

-- An ItimerError message starts with "ItimerError:", with no
-- position before it, so it is compared whole (has_error would strip a
-- position); a message starting with "^" is a pattern (NaN prints as
-- "nan" or "-nan"). Other messages are luaL_argerror's, with has_error.
local function raises(f, message)
  if message:match("^bad argument") then
    assert.has_error(f, message)
    return
  end
  local ok, err = pcall(f)
  assert.is_false(ok, "no error")
  if message:sub(1, 1) == "^" then
    assert.matches(message, err)
  else
    assert.equal(message, err)
  end
end

local function near(expected, got, slack)
  return math.abs(got - expected) <= (slack or 0.5)
end

describe("alarm", function()
  after_each(function() signal.alarm(0) end)

  it("returns the seconds left on the previous alarm, 0 if none", function()
    assert.equal(0, signal.alarm(0))
    assert.equal(0, signal.alarm(50))
    local left = signal.alarm(70)
    assert.is_true(left == 49 or left == 50, "left: " .. left)
    assert.equal("integer", math.type(left))
    -- alarm and ITIMER_REAL are the same timer
    local delay, interval = signal.getitimer(REAL)
    assert.is_true(near(70, delay, 1.5), "delay: " .. delay)
    assert.equal(0, interval)
    left = signal.alarm(0)
    assert.is_true(left == 69 or left == 70, "left: " .. left)
    assert.same({ 0, 0 }, { signal.getitimer(REAL) })
  end)

  it("delivers SIGALRM once, after about a second", function()
    local c = counter()
    local h <close> = signal.scoped(ALRM, c.handler)
    local d <close> = disarmed()
    local t0 = now()
    assert.equal(0, signal.alarm(1))
    assert.is_truthy(helpers.wait_until(function() return c.n > 0 end, 10))
    assert.is_true(c.at[1] - t0 >= 0.9, "fired after " .. (c.at[1] - t0))
    assert.equal(ALRM, c.signo)
    signal.sleep(0.2)
    assert.equal(1, c.n)
    assert.equal(0, signal.alarm(0))
  end)

  local bad = {
    { { -1 }, "bad argument #1 to 'alarm' (seconds must be a non-negative integer below 2^32)" },
    { { 2 ^ 32 }, "bad argument #1 to 'alarm' (seconds must be a non-negative integer below 2^32)" },
    { { 1.5 }, "bad argument #1 to 'alarm' (number has no integer representation)" },
    { { "x" }, "bad argument #1 to 'alarm' (number expected, got string)" },
    { {}, "bad argument #1 to 'alarm' (number expected, got no value)" },
  }
  for _, case in ipairs(bad) do
    it("refuses " .. tostring(case[1][1]) .. " and leaves the alarm as it was", function()
      signal.alarm(60)
      assert.has_error(function() signal.alarm(table.unpack(case[1])) end, case[2])
      local delay = signal.getitimer(REAL)
      assert.is_true(near(60, delay, 1.5), "delay: " .. delay)
    end)
  end
end)

describe("setitimer and getitimer", function()
  local c
  before_each(function() c = counter() end)

  it("return the old delay and interval as two numbers", function()
    local d <close> = disarmed()
    assert.same({ 0, 0 }, { signal.getitimer(REAL) })
    assert.same({ 0, 0 }, { signal.setitimer(REAL, 50, 20) })
    local delay, interval = signal.setitimer(REAL, 80, 30)
    assert.equal("float", math.type(delay))
    assert.is_true(delay > 48 and delay <= 50, "delay: " .. delay)
    assert.equal(20, interval)
    delay, interval = signal.getitimer(REAL)
    assert.is_true(delay > 78 and delay <= 80, "delay: " .. delay)
    assert.equal(30, interval)
    -- fractions survive the round trip
    signal.setitimer(REAL, 40.25, 0.5)
    delay, interval = signal.getitimer(REAL)
    assert.is_true(delay > 38 and delay <= 40.25, "delay: " .. delay)
    assert.is_true(near(0.5, interval, 1e-5), "interval: " .. interval)
    -- 0 disarms, and returns what was armed
    delay, interval = signal.setitimer(REAL, 0)
    assert.is_true(delay > 38 and delay <= 40.25, "delay: " .. delay)
    assert.is_true(near(0.5, interval, 1e-5))
    assert.same({ 0, 0 }, { signal.getitimer(REAL) })
  end)

  it("keep the three timers apart", function()
    local d <close> = disarmed()
    signal.setitimer(REAL, 50)
    signal.setitimer(VIRTUAL, 60, 1)
    signal.setitimer(PROF, 70, 2)
    local r, v, p = { signal.getitimer(REAL) }, { signal.getitimer(VIRTUAL) }, { signal.getitimer(PROF) }
    assert.is_true(near(50, r[1], 2) and r[2] == 0, "real")
    assert.is_true(near(60, v[1], 2) and v[2] == 1, "virtual")
    assert.is_true(near(70, p[1], 2) and p[2] == 2, "prof")
  end)

  it("ITIMER_REAL fires SIGALRM once and is disarmed after one shot", function()
    local h <close> = signal.scoped(ALRM, c.handler)
    local d <close> = disarmed()
    local t0 = now()
    signal.setitimer(REAL, 0.1)
    assert.is_truthy(helpers.wait_until(function() return c.n > 0 end, 10))
    assert.is_true(c.at[1] - t0 >= 0.09, "fired after " .. (c.at[1] - t0))
    assert.equal(ALRM, c.signo)
    assert.same({ 0, 0 }, { signal.getitimer(REAL) })
    signal.sleep(0.3)
    assert.equal(1, c.n)
  end)

  it("ITIMER_REAL with an interval fires periodically until disarmed", function()
    local h <close> = signal.scoped(ALRM, c.handler)
    local d <close> = disarmed()
    local t0 = now()
    signal.setitimer(REAL, 0.05, 0.05)
    assert.is_truthy(helpers.wait_until(function() return c.n >= 4 end, 10))
    local delay, interval = signal.getitimer(REAL)
    assert.is_true(delay > 0 and delay <= 0.05, "delay: " .. delay)
    assert.is_true(near(0.05, interval, 1e-5), "interval: " .. interval)
    local _, old = signal.setitimer(REAL, 0)
    assert.is_true(near(0.05, old, 1e-5))
    assert.is_true(c.at[4] - t0 >= 0.19, "4 periods in " .. (c.at[4] - t0))
    for i = 2, 4 do assert.is_true(c.at[i] > c.at[i - 1]) end
    local n = c.n
    signal.sleep(0.2)
    assert.equal(n, c.n)
  end)

  it("ITIMER_VIRTUAL counts CPU time of the process and fires SIGVTALRM", function()
    local h <close> = signal.scoped(VTALRM, c.handler)
    local d <close> = disarmed()
    -- sleeping uses no CPU, so the timer does not run out meanwhile
    signal.setitimer(VIRTUAL, 0.1)
    signal.sleep(0.3)
    assert.equal(0, c.n)
    local left = signal.getitimer(VIRTUAL)
    assert.is_true(left > 0.05, "left after sleeping: " .. left)
    local cpu0 = os.clock()
    assert.is_true(spin(function() return c.n > 0 end))
    assert.is_true(os.clock() - cpu0 >= 0.03, "CPU used: " .. (os.clock() - cpu0))
    assert.equal(VTALRM, c.signo)
    assert.same({ 0, 0 }, { signal.getitimer(VIRTUAL) })
  end)

  it("ITIMER_PROF fires SIGPROF, periodically with an interval", function()
    local h <close> = signal.scoped(PROFSIG, c.handler)
    local d <close> = disarmed()
    local cpu0 = os.clock()
    signal.setitimer(PROF, 0.03, 0.03)
    assert.is_true(spin(function() return c.n >= 3 end))
    assert.is_true(os.clock() - cpu0 >= 0.06, "CPU used: " .. (os.clock() - cpu0))
    assert.equal(PROFSIG, c.signo)
    local _, interval = signal.setitimer(PROF, 0)
    assert.is_true(near(0.03, interval, 1e-5))
  end)

  it("round a tiny positive time up instead of disarming", function()
    local h <close> = signal.scoped(ALRM, c.handler)
    local d <close> = disarmed()
    signal.setitimer(REAL, 100, 1e-9)
    local _, interval = signal.getitimer(REAL)
    assert.is_true(interval > 0 and interval <= 1e-5, "interval: " .. interval)
    signal.setitimer(REAL, 0)
    signal.setitimer(REAL, 1e-300)
    assert.is_truthy(helpers.wait_until(function() return c.n > 0 end, 5))
    signal.setitimer(REAL, 2.0000000001)
    local delay = signal.getitimer(REAL)
    assert.is_true(delay > 1.5 and delay <= 2.00001, "delay: " .. delay)
  end)

  local MSG = "ItimerError: invalid time %s (must be a non-negative finite number of seconds)"
  local bad = {
    { { 3, 1 }, "ItimerError: which must be ITIMER_REAL, ITIMER_VIRTUAL or ITIMER_PROF" },
    { { -1, 1 }, "ItimerError: which must be ITIMER_REAL, ITIMER_VIRTUAL or ITIMER_PROF" },
    { { "x", 1 }, "bad argument #1 to 'setitimer' (number expected, got string)" },
    { { 0.5, 1 }, "bad argument #1 to 'setitimer' (number has no integer representation)" },
    { { REAL, -1 }, MSG:format("-1.0") },
    { { REAL, -1e-300 }, MSG:format("-1e-300") },
    { { REAL, math.huge }, MSG:format("inf") },
    { { REAL, -math.huge }, MSG:format("-inf") },
    { { REAL, 0 / 0 }, "^ItimerError: invalid time %-?nan %(must be" },
    { { REAL, 1, -2 }, MSG:format("-2.0") },
    { { REAL, 1, 0 / 0 }, "^ItimerError: invalid time %-?nan %(must be" },
    { { REAL, 1, math.huge }, MSG:format("inf") },
    { { REAL, 1e16 }, "ItimerError: invalid time 1e+16 (too large: at most 1e15 seconds)" },
    { { REAL, "x" }, "bad argument #2 to 'setitimer' (number expected, got string)" },
    { { REAL }, "bad argument #2 to 'setitimer' (number expected, got no value)" },
    { { REAL, 1, "x" }, "bad argument #3 to 'setitimer' (number expected, got string)" },
  }
  for _, case in ipairs(bad) do
    local args, message = case[1], case[2]
    it(("refuses %s, %s, %s and leaves every timer as it was")
        :format(tostring(args[1]), tostring(args[2]), tostring(args[3])), function()
      local d <close> = disarmed()
      signal.setitimer(REAL, 50, 5)
      signal.setitimer(VIRTUAL, 60, 6)
      local n = select("#", table.unpack(args))
      raises(function() signal.setitimer(table.unpack(args, 1, n)) end, message)
      local delay, interval = signal.getitimer(REAL)
      assert.is_true(near(50, delay, 2) and interval == 5, "real: " .. delay .. ", " .. interval)
      delay, interval = signal.getitimer(VIRTUAL)
      assert.is_true(near(60, delay, 2) and interval == 6, "virtual: " .. delay .. ", " .. interval)
      assert.same({ 0, 0 }, { signal.getitimer(PROF) })
    end)
  end

  it("getitimer refuses a bad which", function()
    raises(function() signal.getitimer(7) end,
      "ItimerError: which must be ITIMER_REAL, ITIMER_VIRTUAL or ITIMER_PROF")
    assert.has_error(function() signal.getitimer("ITIMER_REAL") end,
      "bad argument #1 to 'getitimer' (number expected, got string)")
    assert.has_error(function() signal.getitimer() end,
      "bad argument #1 to 'getitimer' (number expected, got no value)")
  end)
end)

describe("sleep", function()
  it("sleeps about as long as asked", function()
    local t0 = now()
    signal.sleep(0)
    signal.sleep(0.2)
    local took = now() - t0
    assert.is_true(took >= 0.19 and took < 5, "took " .. took)
  end)

  it("runs a handler when its signal arrives and sleeps on for the time left", function()
    local c = counter()
    local h <close> = signal.scoped(ALRM, c.handler)
    local d <close> = disarmed()
    local t0 = now()
    signal.setitimer(REAL, 0.15)
    signal.sleep(1.5)
    local took = now() - t0
    assert.equal(1, c.n)
    -- the handler ran when the signal came, well before the sleep ended
    assert.is_true(c.at[1] - t0 >= 0.14 and c.at[1] < t0 + took - 0.5,
      ("handler at %.3f, sleep ended at %.3f"):format(c.at[1] - t0, took))
    assert.is_true(took >= 1.45 and took < 6, "took " .. took)
  end)

  it("sleeps on through many deliveries", function()
    -- Each sleep lasts as long as asked, however many deliveries it
    -- sees; a loaded machine may merge the timer's signals, so sleeps
    -- are tried until one has seen three.
    local c = counter()
    local h <close> = signal.scoped(ALRM, c.handler)
    local d <close> = disarmed()
    local most = 0
    for _ = 1, 50 do
      local n0, t0 = c.n, now()
      signal.setitimer(REAL, 0.02, 0.02)
      signal.sleep(0.4)
      local took, n = now() - t0, c.n - n0
      signal.setitimer(REAL, 0)
      assert.is_true(took >= 0.39 and took < 5, "took " .. took)
      most = math.max(most, n)
      if most >= 3 then break end
    end
    assert.is_true(most >= 3, "deliveries in a sleep: " .. most)
  end)

  it("ends with a handler's error, which propagates", function()
    local h <close> = signal.scoped(ALRM, function() error("stop sleeping", 0) end)
    local d <close> = disarmed()
    local t0 = now()
    signal.setitimer(REAL, 0.1)
    local ok, err = pcall(signal.sleep, 20)
    assert.is_false(ok)
    assert.equal("stop sleeping", err)
    assert.is_true(now() - t0 < 15, "the sleep went on after the error")
  end)

  it("does not spin when called in a handler while another signal is pending", function()
    local got = {}
    local cpu
    local h1 <close> = signal.scoped(USR2, function() got[#got + 1] = "USR2" end)
    local h2 <close> = signal.scoped(USR1, function()
      got[#got + 1] = "USR1"
      signal.raise_signal(USR2)  -- handled after this handler: no nesting
      local c0, t0 = os.clock(), now()
      signal.sleep(0.5)
      cpu = os.clock() - c0
      got[#got + 1] = now() - t0
    end)
    signal.raise_signal(USR1)
    assert.equal("USR1", got[1])
    assert.is_true(got[2] >= 0.49, "slept " .. tostring(got[2]))
    assert.equal("USR2", got[3])
    assert.is_true(cpu < 0.25, "CPU used while sleeping: " .. cpu)
  end)

  it("goes on for the time left when a handler sets a debug hook", function()
    -- only a hook set from outside while it waits ends a sleep early
    local hooked
    local h <close> = signal.scoped(ALRM, function()
      debug.sethook(function() hooked = true end, "", 1000000)
    end)
    local d <close> = disarmed()
    local t0 = now()
    signal.setitimer(REAL, 0.1)
    signal.sleep(0.5)
    local took = now() - t0
    local f = debug.gethook()
    debug.sethook()
    assert.is_function(f)
    assert.is_nil(hooked)
    assert.is_true(took >= 0.45 and took < 5, "took " .. took)
  end)

  it("lets the interpreter's SIGINT handler end it", function()
    -- lua.c's handler sets a hook that raises "interrupted!"; a sleep
    -- that went on would only let it run when the whole time is up.
    local pid, out, stop = helpers.spawn_lua([[
      local signal = require "signal"
      local socket = require "socket"
      local t0 = socket.gettime()
      io.write("ready\n") io.flush()
      local ok, err = pcall(signal.sleep, 30)
      io.write(tostring(ok), " ", tostring(err), " ", socket.gettime() - t0, "\n")
    ]])
    assert.is_truthy(helpers.wait_until(function() return helpers.readfile(out):match("ready") end, 30))
    -- SIGINT must land inside the sleep, not before pcall starts it:
    -- wait until the child is asleep in the kernel
    assert.is_truthy(helpers.wait_until(function() return helpers.state(pid) == "S" end, 30))
    signal.sleep(0.1)
    assert.is_true(signal.kill(pid, "SIGINT"))
    local line = helpers.wait_until(function()
      return helpers.readfile(out):match("\n(%a+ [^\n]*)\n")
    end, 25)
    stop()
    os.remove(out)
    assert.is_truthy(line, "no result")
    local ok, err, took = line:match("^(%a+) (.-) ([%d.e+-]+)$")
    assert.equal("false", ok)
    assert.matches("interrupted!", err)
    assert.is_true(tonumber(took) < 20, "slept " .. took)
  end)

  local bad = {
    { { -1 }, "bad argument #1 to 'sleep' (sleep length must be non-negative)" },
    { { -1e-300 }, "bad argument #1 to 'sleep' (sleep length must be non-negative)" },
    { { 0 / 0 }, "bad argument #1 to 'sleep' (sleep length must be non-negative)" },
    { { "x" }, "bad argument #1 to 'sleep' (number expected, got string)" },
    { {}, "bad argument #1 to 'sleep' (number expected, got no value)" },
  }
  for _, case in ipairs(bad) do
    it("refuses " .. tostring(case[1][1]), function()
      local t0 = now()
      assert.has_error(function() signal.sleep(table.unpack(case[1])) end, case[2])
      assert.is_true(now() - t0 < 5)
    end)
  end
end)

describe("pause", function()
  it("returns after an itimer's handler has run", function()
    local out, ok = run([[
      local signal = require "signal"
      local socket = require "socket"
      local n, at = 0, nil
      signal.signal("SIGALRM", function() n = n + 1; at = at or socket.gettime() end)
      local t0 = socket.gettime()
      -- periodic: should the first tick come before pause starts (and
      -- be handled there), the next one wakes it
      signal.setitimer(signal.ITIMER_REAL, 0.2, 0.2)
      signal.pause()
      local t1 = socket.gettime()
      signal.setitimer(signal.ITIMER_REAL, 0)
      print(n >= 1, at - t0 >= 0.19, t1 >= at, t1 - t0 < 10)
    ]])
    assert.equal("true\ttrue\ttrue\ttrue\n", out)
    assert.is_true(ok)
  end)

  it("propagates a handler's error", function()
    local out, ok = run([[
      local signal = require "signal"
      signal.signal("SIGALRM", function()
        signal.setitimer(signal.ITIMER_REAL, 0)
        error("from the handler", 0)
      end)
      print(pcall(function()
        signal.setitimer(signal.ITIMER_REAL, 0.1, 0.1)  -- as above
        signal.pause()
      end))
    ]])
    assert.equal("false\tfrom the handler\n", out)
    assert.is_true(ok)
  end)

  it("is woken by a signal another process sends", function()
    local out, ok = run([[
      local signal = require "signal"
      local helpers = require "helpers"
      local got
      signal.signal("SIGUSR1", function(n) got = n end)
      -- Another process sends SIGUSR1 every 0.1 s until this one says it
      -- woke (one may come before pause starts, and be handled there; a
      -- later one wakes it). This one waits for the sender to exit, so
      -- the sender never signals a process that is gone.
      local flag = helpers.tempname()
      os.remove(flag)
      local sender = helpers.spawn_lua(([=[
        local signal = require "signal"
        for _ = 1, 150 do
          if io.open(%q) then break end
          signal.kill(%d, "SIGUSR1")
          signal.sleep(0.1)
        end
      ]=]):format(flag, signal.getpid()))
      signal.pause()
      assert(io.open(flag, "w")):close()
      helpers.wait_until(function() return helpers.gone(sender) end, 20)
      helpers.cleanup()
      print(got)
    ]])
    assert.equal(USR1 .. "\n", out)
    assert.is_true(ok)
  end)

end)
