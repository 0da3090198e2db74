-- The signal mask (pthread_sigmask, sigpending, blocked), pthread_kill,
-- siginterrupt, the scoped forms, and the mask that Lua handlers run
-- with: the program's own, never the C handler's nor a wait's.

local signal = require "signal"
local helpers = require "helpers"
local it_needs = helpers.it_needs(it, pending)

teardown(helpers.cleanup)  -- the files of the processes it spawned

local now = helpers.now
local mask, counter, disarmed = helpers.mask, helpers.counter, helpers.disarmed
local USR1, USR2, ALRM, WINCH = signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM, signal.SIGWINCH
local BLOCK, UNBLOCK, SETMASK = signal.SIG_BLOCK, signal.SIG_UNBLOCK, signal.SIG_SETMASK
local REAL = signal.ITIMER_REAL

-- Every test leaves the mask as it found it and USR1/USR2 at SIG_DFL
-- (nothing here is sent to them unless a handler is in place).
local restore = helpers.restore

describe("pthread_sigmask", function()
  after_each(restore)

  it("returns the previous mask as an ascending array; an empty set only reads it", function()
    assert.same({}, helpers.INITIAL_MASK)  -- the runner blocks nothing
    assert.same({}, signal.pthread_sigmask(BLOCK, { USR2 }))
    assert.same({ USR2 }, signal.pthread_sigmask(BLOCK, { "SIGUSR1", WINCH }))
    assert.same({ USR1, USR2, WINCH }, mask())
    assert.same({ USR1, USR2, WINCH }, mask())
    assert.same({ USR1, USR2, WINCH }, signal.pthread_sigmask(UNBLOCK, { USR1 }))
    assert.same({ USR2, WINCH }, signal.pthread_sigmask(SETMASK, { ALRM }))
    assert.same({ ALRM }, signal.pthread_sigmask(signal.Sigmasks.SIG_UNBLOCK, { ALRM, USR1 }))
    assert.same({}, mask())
  end)

  it("silently does not block SIGKILL and SIGSTOP", function()
    assert.same({}, signal.pthread_sigmask(BLOCK, { signal.SIGKILL, "SIGSTOP", USR1 }))
    assert.same({ USR1 }, mask())
  end)

  it("blocks a signal: raised, it stays pending until unblocked, then its handler runs", function()
    local c = counter()
    signal.signal(USR1, c.handler)
    signal.pthread_sigmask(BLOCK, { USR1 })
    signal.raise_signal(USR1)
    assert.equal(0, c.n)
    assert.same({ USR1 }, signal.sigpending())
    assert.same({ USR1 }, signal.pthread_sigmask(UNBLOCK, { USR1 }))
    assert.equal(1, c.n)
    assert.same({}, signal.sigpending())
    assert.same({}, mask())
  end)

  it("runs the handlers of the signals it unblocks before it returns", function()
    -- A handler that runs inside the call makes the call itself fail;
    -- one that ran at the next instruction would fail outside the pcall.
    signal.signal(USR1, function() error("handled inside", 0) end)
    signal.pthread_sigmask(BLOCK, { USR1 })
    signal.raise_signal(USR1)
    local ok, err = pcall(signal.pthread_sigmask, UNBLOCK, { USR1 })
    assert.is_false(ok)
    assert.equal("handled inside", err)
    assert.same({}, mask())  -- the change was made before the handler ran
  end)

  it("runs pending handlers in ascending order when several are unblocked", function()
    local got = {}
    signal.signal(USR2, function(n) got[#got + 1] = n end)
    signal.signal(USR1, function(n) got[#got + 1] = n end)
    signal.pthread_sigmask(BLOCK, { USR1, USR2 })
    signal.raise_signal(USR2)
    signal.raise_signal(USR1)
    assert.same({ USR1, USR2 }, signal.sigpending())
    signal.pthread_sigmask(SETMASK, {})
    assert.same({ USR1, USR2 }, got)
  end)

  local bad = {
    { { 99, {} }, "bad argument #1 to 'pthread_sigmask' (how must be SIG_BLOCK, SIG_UNBLOCK or SIG_SETMASK)" },
    { { "x", {} }, "bad argument #1 to 'pthread_sigmask' (number expected, got string)" },
    { { BLOCK, USR1 }, "bad argument #2 to 'pthread_sigmask' (table expected, got number)" },
    { { BLOCK }, "bad argument #2 to 'pthread_sigmask' (table expected, got no value)" },
    { { BLOCK, { USR1, 65 } }, "bad argument #2 to 'pthread_sigmask' (signal number 65 out of range [1; 64])" },
    { { BLOCK, { USR1, 0 } }, "bad argument #2 to 'pthread_sigmask' (signal number 0 out of range [1; 64])" },
    { { BLOCK, { -3, USR1 } }, "bad argument #2 to 'pthread_sigmask' (signal number -3 out of range [1; 64])" },
    { { SETMASK, { USR1, "SIGFOO" } }, "bad argument #2 to 'pthread_sigmask' (unknown signal name 'SIGFOO')" },
    { { SETMASK, { USR1, 1.5 } }, "bad argument #2 to 'pthread_sigmask' (set member #2 is not a signal number or name)" },
    { { SETMASK, { USR1, {} } }, "bad argument #2 to 'pthread_sigmask' (set member #2 is not a signal number or name)" },
  }
  for _, case in ipairs(bad) do
    it("refuses (" .. case[2] .. ") and leaves the mask as it was", function()
      signal.pthread_sigmask(BLOCK, { WINCH })
      local n = select("#", table.unpack(case[1]))
      assert.has_error(function() signal.pthread_sigmask(table.unpack(case[1], 1, n)) end, case[2])
      assert.same({ WINCH }, mask())
    end)
  end

  it("skips glibc's reserved 32 and 33 with a Lua warning", function()
    local out, ok = helpers.run_lua([[
      local signal = require "signal"
      warn("@on")
      local old = signal.pthread_sigmask(signal.SIG_BLOCK, { 32, "SIGUSR1", 33 })
      io.stderr:write("old: ", #old, "\n")
      io.stderr:write("mask: ", table.concat(signal.pthread_sigmask(signal.SIG_BLOCK, {}), " "), "\n")
    ]])
    assert.is_true(ok, out)
    assert.equal("Lua warning: invalid signal number 32, please use valid_signals()\n" ..
                 "Lua warning: invalid signal number 33, please use valid_signals()\n" ..
                 "old: 0\nmask: " .. USR1 .. "\n", out)
  end)
end)

describe("sigpending", function()
  after_each(restore)

  it("lists the blocked signals raised and not yet handled, ascending", function()
    local c = counter()
    signal.signal(USR1, c.handler)
    signal.signal(USR2, c.handler)
    assert.same({}, signal.sigpending())
    signal.pthread_sigmask(BLOCK, { USR1, USR2 })
    signal.raise_signal(USR2)
    assert.same({ USR2 }, signal.sigpending())
    signal.raise_signal(USR1)
    signal.raise_signal(USR1)  -- a standard signal is pending once
    assert.same({ USR1, USR2 }, signal.sigpending())
    assert.equal(0, c.n)
    signal.pthread_sigmask(UNBLOCK, { USR2 })
    assert.same({ USR1 }, signal.sigpending())
    assert.equal(1, c.n)
    signal.pthread_sigmask(UNBLOCK, { USR1 })
    assert.same({}, signal.sigpending())
    assert.equal(2, c.n)
  end)

  it("sees a signal that another process sent", function()
    signal.signal(USR1, counter().handler)
    signal.pthread_sigmask(BLOCK, { USR1 })
    helpers.send_from_child(signal.getpid(), "SIGUSR1", 1, 0)
    assert.is_truthy(helpers.wait_until(function() return #signal.sigpending() > 0 end, 10))
    -- under valgrind, which catches every signal itself, the sender's
    -- SIGCHLD may be pending too
    local got = {}
    for _, s in ipairs(signal.sigpending()) do
      if s ~= signal.SIGCHLD then got[#got + 1] = s end
    end
    assert.same({ USR1 }, got)
  end)
end)

describe("blocked", function()
  after_each(restore)

  it("blocks for the length of a block, then restores the mask and runs what is pending", function()
    local c = counter()
    signal.signal(USR1, c.handler)
    signal.pthread_sigmask(BLOCK, { WINCH })
    do
      local b <close> = signal.blocked({ USR1, "SIGUSR2" })
      assert.equal("signal mask scope (open)", tostring(b))
      assert.same({ USR1, USR2, WINCH }, mask())
      signal.raise_signal(USR1)
      assert.equal(0, c.n)
    end
    assert.equal(1, c.n)
    assert.same({ WINCH }, mask())
  end)

  it("can be closed early with :close(), once", function()
    local c = counter()
    signal.signal(USR1, c.handler)
    local b = signal.blocked({ USR1 })
    signal.raise_signal(USR1)
    assert.equal(0, c.n)
    b:close()
    assert.equal(1, c.n)
    assert.same({}, mask())
    signal.pthread_sigmask(BLOCK, { USR2 })
    b:close()  -- a second close changes nothing
    assert.same({ USR2 }, mask())
    signal.pthread_sigmask(signal.SIG_UNBLOCK, { USR2 })
  end)

  it("restores the mask when the block ends with an error", function()
    local c = counter()
    signal.signal(USR1, c.handler)
    local b
    local ok, err = pcall(function()
      local scope <close> = signal.blocked({ USR1 })
      b = scope
      signal.raise_signal(USR1)
      error("inside the block", 0)
    end)
    assert.is_false(ok)
    assert.equal("inside the block", err)
    assert.same({}, mask())
    assert.equal(1, c.n)
    assert.equal("signal mask scope (closed)", tostring(b))
  end)

  it("puts back the mask it found, so nested blocks unwind in order", function()
    do
      local a <close> = signal.blocked({ USR1 })
      do
        local b <close> = signal.blocked({ USR2, USR1 })
        assert.same({ USR1, USR2 }, mask())
      end
      assert.same({ USR1 }, mask())
    end
    assert.same({}, mask())
  end)

  it("runs a pending handler when it closes, and its error propagates from there", function()
    signal.signal(USR1, function() error("at the close", 0) end)
    local reached = false
    local ok, err = pcall(function()
      local b <close> = signal.blocked({ USR1 })
      signal.raise_signal(USR1)
      reached = true
    end)
    assert.is_true(reached)
    assert.is_false(ok)
    assert.equal("at the close", err)
    assert.same({}, mask())
  end)

  local bad = {
    { { USR1 }, "bad argument #1 to 'blocked' (table expected, got number)" },
    { {}, "bad argument #1 to 'blocked' (table expected, got no value)" },
    { { { USR1, 65 } }, "bad argument #1 to 'blocked' (signal number 65 out of range [1; 64])" },
    { { { USR1, "SIGNOPE" } }, "bad argument #1 to 'blocked' (unknown signal name 'SIGNOPE')" },
  }
  for _, case in ipairs(bad) do
    it("refuses (" .. case[2] .. ") and blocks nothing", function()
      local n = select("#", table.unpack(case[1]))
      assert.has_error(function() signal.blocked(table.unpack(case[1], 1, n)) end, case[2])
      assert.same({}, mask())
    end)
  end
end)

describe("scoped", function()
  after_each(restore)

  it("restores the previous handler when the block ends with an error", function()
    local function outer() end
    local function inner() end
    signal.signal(USR1, outer)
    local ok, err = pcall(function()
      local s <close> = signal.scoped(USR1, inner)
      assert.equal(inner, signal.getsignal(USR1))
      error("inside the scope", 0)
    end)
    assert.is_false(ok)
    assert.equal("inside the scope", err)
    assert.equal(outer, signal.getsignal(USR1))
    -- and the restored handler is the one that runs
    local c = counter()
    signal.signal(USR1, c.handler)
    pcall(function()
      local s <close> = signal.scoped(USR1, signal.SIG_IGN)
      error("again")
    end)
    signal.raise_signal(USR1)
    assert.equal(1, c.n)
  end)

  it("can be closed early with :close(), once", function()
    local function outer() end
    signal.signal(USR1, outer)
    local s = signal.scoped(USR1, function() end)
    assert.equal("signal scope (SIGUSR1, open)", tostring(s))
    s:close()
    assert.equal(outer, signal.getsignal(USR1))
    assert.matches("closed", tostring(s))
    local function later() end
    signal.signal(USR1, later)
    s:close()  -- a second close changes nothing
    assert.equal(later, signal.getsignal(USR1))
  end)

  it("restores SIG_DFL and SIG_IGN as they were, nested", function()
    signal.signal(USR2, signal.SIG_IGN)
    do
      local a <close> = signal.scoped(USR2, function() end)
      do
        local b <close> = signal.scoped("SIGUSR2", signal.SIG_DFL)
        assert.equal(signal.SIG_DFL, signal.getsignal(USR2))
      end
      assert.is_function(signal.getsignal(USR2))
    end
    assert.equal(signal.SIG_IGN, signal.getsignal(USR2))
  end)

  it("refuses a bad handler and changes nothing", function()
    local function h() end
    signal.signal(USR1, h)
    assert.has_error(function() signal.scoped(USR1, "x") end,
      "bad argument #2 to 'scoped' (signal handler must be signal.SIG_IGN, signal.SIG_DFL, or a callable object)")
    assert.has_error(function() signal.scoped(65, h) end,
      "bad argument #1 to 'scoped' (signal number out of range)")
    assert.equal(h, signal.getsignal(USR1))
  end)
end)

describe("pthread_kill and pthread_self", function()
  after_each(restore)

  it("pthread_self is this thread's id, an integer", function()
    local id = signal.pthread_self()
    assert.equal("integer", math.type(id))
    assert.equal(id, signal.pthread_self())
  end)

  it("runs the handler of a signal sent to this thread before it returns", function()
    local c = counter()
    signal.signal(USR1, c.handler)
    signal.pthread_kill(signal.pthread_self(), USR1)
    assert.equal(1, c.n)
    assert.equal(USR1, c.signo)
    signal.signal(USR2, function() error("inside pthread_kill", 0) end)
    local ok, err = pcall(signal.pthread_kill, signal.pthread_self(), "SIGUSR2")
    assert.is_false(ok)
    assert.equal("inside pthread_kill", err)
  end)

  it("sends nothing with signal 0", function()
    local c = counter()
    signal.signal(USR1, c.handler)
    signal.pthread_kill(signal.pthread_self(), 0)
    assert.equal(0, c.n)
    assert.same({}, signal.sigpending())
  end)

  it("checks its arguments", function()
    local me = signal.pthread_self()
    assert.has_error(function() signal.pthread_kill(me, 65) end,
      "bad argument #2 to 'pthread_kill' (signal number out of range)")
    assert.has_error(function() signal.pthread_kill(me, "SIGNOPE") end,
      "bad argument #2 to 'pthread_kill' (unknown signal name 'SIGNOPE')")
    assert.has_error(function() signal.pthread_kill("me", USR1) end,
      "bad argument #1 to 'pthread_kill' (number expected, got string)")
  end)
end)

describe("siginterrupt", function()
  after_each(restore)

  -- A child that writes a line after a delay: Lua's read waits in read(2).
  local WRITER = "sleep 0.5; echo late"

  it("leaves slow system calls restarted by default: a pipe read gets its line", function()
    local c = counter()
    local h <close> = signal.scoped(ALRM, c.handler)
    local d <close> = disarmed()
    local p = assert(io.popen(WRITER))
    local t0 = now()
    signal.setitimer(REAL, 0.1)
    local line, err = p:read("l")
    local took = now() - t0
    p:close()
    assert.equal("late", line, err)
    assert.equal(1, c.n)
    assert.is_true(took >= 0.3, "read returned after " .. took)
  end)

  it("with true makes the signal interrupt a blocking read, and false undoes it", function()
    local out, ok = helpers.run_lua(([[
      local signal = require "signal"
      local n = 0
      signal.signal("SIGALRM", function() n = n + 1 end)
      signal.siginterrupt("SIGALRM", true)
      local p = io.popen(%q)
      signal.setitimer(signal.ITIMER_REAL, 0.1)
      print(pcall(p.read, p, "l"))
      print(n)
      print(p:read("l"))  -- the line is still there to read
      p:close()
      signal.siginterrupt(signal.SIGALRM, false)
      p = io.popen(%q)
      signal.setitimer(signal.ITIMER_REAL, 0.1)
      print(pcall(p.read, p, "l"))
      print(n)
      p:close()
    ]]):format(WRITER, WRITER))
    assert.is_true(ok, out)
    assert.equal("true\tnil\tInterrupted system call\t4\n1\nlate\ntrue\tlate\n2\n", out)
  end)

  it("set before the handler still applies when the handler is installed", function()
    local out, ok = helpers.run_lua(([[
      local signal = require "signal"
      signal.siginterrupt("SIGALRM", true)
      signal.signal("SIGALRM", function() end)
      local p = io.popen(%q)
      signal.setitimer(signal.ITIMER_REAL, 0.1)
      print(pcall(p.read, p, "l"))
      print(p:read("l"))
      p:close()
    ]]):format(WRITER))
    assert.is_true(ok, out)
    assert.equal("true\tnil\tInterrupted system call\t4\nlate\n", out)
  end)

  it("checks its arguments", function()
    assert.has_error(function() signal.siginterrupt(65, true) end,
      "bad argument #1 to 'siginterrupt' (signal number out of range)")
    assert.has_error(function() signal.siginterrupt("SIGNOPE", true) end,
      "bad argument #1 to 'siginterrupt' (unknown signal name 'SIGNOPE')")
    assert.has_error(function() signal.siginterrupt(USR1) end,
      "bad argument #2 to 'siginterrupt' (value expected)")
  end)
end)

describe("Lua handlers", function()
  -- The program keeps SIGWINCH blocked: inside every handler the mask
  -- must be exactly that, never the C handler's full mask nor the
  -- handled signals that a wait blocks.
  local seen
  local function record() seen[#seen + 1] = mask() end
  local program

  before_each(function()
    seen = {}
    signal.pthread_sigmask(BLOCK, { WINCH })
    program = mask()
    signal.signal(USR1, record)
  end)
  after_each(function()
    signal.setitimer(REAL, 0)
    signal.signal(ALRM, signal.SIG_DFL)
    restore()
  end)

  local function check(n)
    assert.equal(n, #seen)
    for i = 1, n do assert.same(program, seen[i], "delivery " .. i) end
    assert.same(program, mask())
  end

  it("run with the program's own mask from raise_signal, pthread_kill and check", function()
    signal.raise_signal(USR1)
    signal.pthread_kill(signal.pthread_self(), USR1)
    check(2)
  end)

  it("run with the program's own mask from a delivery in a busy loop", function()
    helpers.send_from_child(signal.getpid(), "SIGUSR1", 1, 0.05)
    local deadline = now() + 10
    while #seen == 0 and now() < deadline do end
    check(1)
  end)

  it_needs({ "sigtimedwait" }, "run with the program's own mask from sleep, sigtimedwait and a blocked scope", function()
    signal.signal(ALRM, record)
    signal.setitimer(REAL, 0.05)
    signal.sleep(0.2)
    check(1)
    signal.setitimer(REAL, 0.05)
    signal.sigtimedwait({ USR2 }, 0.2)
    check(2)
    do
      local b <close> = signal.blocked({ USR1 })
      signal.raise_signal(USR1)
    end
    check(3)
    signal.pthread_sigmask(BLOCK, { USR1 })
    signal.raise_signal(USR1)
    signal.pthread_sigmask(UNBLOCK, { USR1 })
    check(4)
  end)

  it("run with the program's own mask from pause", function()
    local out, ok = helpers.run_lua([[
      local signal = require "signal"
      local seen
      signal.pthread_sigmask(signal.SIG_BLOCK, { signal.SIGWINCH })
      signal.signal("SIGALRM", function()
        seen = table.concat(signal.pthread_sigmask(signal.SIG_BLOCK, {}), " ")
      end)
      signal.setitimer(signal.ITIMER_REAL, 0.05)
      signal.pause()
      print(seen, table.concat(signal.pthread_sigmask(signal.SIG_BLOCK, {}), " "))
    ]])
    assert.is_true(ok, out)
    assert.equal(WINCH .. "\t" .. WINCH .. "\n", out)
  end)

  it("leave no mask to a child started from a handler", function()
    local child
    signal.pthread_sigmask(UNBLOCK, { WINCH })
    signal.signal(USR1, function()
      local p = io.popen("grep SigBlk /proc/self/status")
      child = p:read("a")
      p:close()
    end)
    signal.raise_signal(USR1)
    assert.matches("SigBlk:%s+0+\n", child)
  end)
end)
