-- sigwait, sigwaitinfo and sigtimedwait on real signals from this and
-- other processes, and the pidfd functions on a real child process.

local signal = require "signal"
local helpers = require "helpers"
local it_needs = helpers.it_needs(it, pending)

teardown(helpers.cleanup)  -- the files of the processes it spawned

local now = helpers.now
local mask, counter = helpers.mask, helpers.counter
local USR1, USR2, ALRM = signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM
local REAL = signal.ITIMER_REAL
local ME = signal.getpid()
local UID = tonumber((helpers.sh("id -u")))
local SI_QUEUE = -1  -- Linux

-- Python's seven fields and si_value (si_addr only for a fault)
local FIELDS = { "si_band", "si_code", "si_errno", "si_pid", "si_signo", "si_status", "si_uid", "si_value" }

local function keys(t)
  local k = {}
  for name, v in pairs(t) do
    k[#k + 1] = name
    assert.equal("integer", math.type(v), name)
  end
  table.sort(k)
  return k
end

-- Another process sends `sig` after `delay`; a second one sends it
-- after 15 s, so that a wait that missed the first ends (and fails the
-- test) instead of hanging the suite. Returns the first sender's pid and
-- a function that stops the second.
local function sender(sig, delay)
  local pid = helpers.send_from_child(ME, sig, 1, delay)
  local _, _, stop_backup = helpers.send_from_child(ME, sig, 1, 15)
  return pid, stop_backup
end

-- Accepts what is pending of USR1 and USR2: sigwait then returns at once
-- (the portable build, as macOS, has no sigtimedwait to poll with).
local function drain()
  local function usr_pending()
    for _, s in ipairs(signal.sigpending()) do
      if s == USR1 or s == USR2 then return true end
    end
    return false
  end
  while usr_pending() do signal.sigwait({ USR1, USR2 }) end
end

describe("the sigwait family", function()
  -- USR1/USR2 have counting handlers (a handler that runs shows that a
  -- signal was delivered instead of accepted) and are blocked, as
  -- sigwait needs.
  local c, scopes
  before_each(function()
    c = counter()
    scopes = { signal.scoped(USR1, c.handler), signal.scoped(USR2, c.handler),
               signal.blocked({ USR1, USR2 }) }
  end)
  after_each(function()
    signal.setitimer(REAL, 0)
    -- accept what a failed test left pending, then unblock, then restore
    drain()
    for i = #scopes, 1, -1 do getmetatable(scopes[i]).__close(scopes[i]) end
    signal.signal(ALRM, signal.SIG_DFL)
    assert.same({}, mask())
  end)

  it("sigwait accepts a pending signal and returns its number; no handler runs", function()
    signal.raise_signal(USR2)
    assert.equal(USR2, signal.sigwait({ USR1, "SIGUSR2" }))
    assert.same({}, signal.sigpending())
    assert.equal(0, c.n)
  end)

  it("sigwait waits for a signal that another process sends", function()
    local t0 = now()  -- before the sender starts: it sends 0.2 s later
    local _, stop = sender("SIGUSR1", 0.2)
    local got = signal.sigwait({ USR1 })
    stop()
    assert.equal(USR1, got)
    assert.is_true(now() - t0 >= 0.1 and now() - t0 < 14)
    assert.equal(0, c.n)
  end)

  it_needs({ "sigwaitinfo" }, "sigwaitinfo returns a siginfo table with Python's seven fields", function()
    signal.raise_signal(USR1)
    local info = signal.sigwaitinfo({ USR1 })
    assert.same(FIELDS, keys(info))
    assert.equal(USR1, info.si_signo)
    assert.is_true(info.si_code <= 0, "si_code " .. info.si_code)  -- SI_USER or SI_TKILL: sent by a process
    assert.equal(ME, info.si_pid)
    assert.equal(UID, info.si_uid)
    assert.equal(0, info.si_errno)
    assert.equal(0, c.n)
  end)

  it_needs({ "sigwaitinfo" }, "sigwaitinfo gives the sender's pid and uid for a signal from another process", function()
    local pid, stop = sender("SIGUSR2", 0.2)
    local info = signal.sigwaitinfo({ USR1, USR2 })
    stop()
    assert.equal(USR2, info.si_signo)
    assert.equal(SI_QUEUE, info.si_code)  -- the sender uses sigqueue
    assert.equal(pid, info.si_pid)
    assert.equal(UID, info.si_uid)
    assert.equal(0, c.n)
  end)

  it_needs({ "sigwaitinfo" }, "sigwaitinfo runs the handler of another signal that interrupts it and goes on", function()
    -- SIGUSR1 is sent only once SIGALRM's handler has run in the wait
    -- (and after 15 s by a backup, so that a wait that runs no handler
    -- ends, and fails the test)
    local pid
    local _, _, stop_backup = helpers.send_from_child(ME, "SIGUSR1", 1, 15)
    local a = counter()
    local h <close> = signal.scoped(ALRM, function(n)
      a.handler(n)
      pid = helpers.send_from_child(ME, "SIGUSR1", 1, 0)
    end)
    signal.setitimer(REAL, 0.1)
    local info = signal.sigwaitinfo({ USR1 })
    stop_backup()
    assert.equal(1, a.n)
    assert.equal(pid, info.si_pid)
    assert.is_true(info.si_pid ~= ME)
  end)

  it_needs({ "sigtimedwait" }, "sigtimedwait returns nil when the time is up", function()
    local t0 = now()
    assert.is_nil(signal.sigtimedwait({ USR1 }, 0.2))
    local took = now() - t0
    assert.is_true(took >= 0.19 and took < 5, "took " .. took)
    assert.is_nil(signal.sigtimedwait({ USR1 }, 0))
    assert.is_nil(signal.sigtimedwait({}, 0))
  end)

  it_needs({ "sigtimedwait" }, "sigtimedwait returns a pending signal at once, and one that arrives in time", function()
    signal.raise_signal(USR2)
    local info = signal.sigtimedwait({ USR2 }, 0)
    assert.equal(USR2, info.si_signo)
    assert.same(FIELDS, keys(info))
    local pid, stop = sender("SIGUSR1", 0.2)
    info = signal.sigtimedwait({ USR1 }, 10)
    stop()
    assert.equal(USR1, info.si_signo)
    assert.equal(pid, info.si_pid)
    assert.equal(0, c.n)
  end)

  it_needs({ "sigtimedwait" }, "sigtimedwait interrupted by an itimer's handler still waits its full timeout", function()
    local a = counter()
    local h <close> = signal.scoped(ALRM, a.handler)
    local t0 = now()
    signal.setitimer(REAL, 0.15)
    local got = signal.sigtimedwait({ USR1 }, 1.5)
    local took = now() - t0
    assert.is_nil(got)
    assert.equal(1, a.n)
    -- the handler ran when the signal came, well before the wait ended
    assert.is_true(a.at[1] - t0 >= 0.14 and a.at[1] < t0 + took - 0.5,
      ("handler at %.3f, wait ended at %.3f"):format(a.at[1] - t0, took))
    assert.is_true(took >= 1.45 and took < 6, "took " .. took)
  end)

  it_needs({ "sigtimedwait" }, "sigtimedwait ends with a handler's error, which propagates", function()
    local h <close> = signal.scoped(ALRM, function() error("stop waiting", 0) end)
    local t0 = now()
    signal.setitimer(REAL, 0.1)
    local ok, err = pcall(signal.sigtimedwait, { USR1 }, 20)
    assert.is_false(ok)
    assert.equal("stop waiting", err)
    assert.is_true(now() - t0 < 15)
  end)

  local bad = {
    { function() signal.sigwait(USR1) end, "bad argument #1 to 'sigwait' (table expected, got number)" },
    { function() signal.sigwait({ 65 }) end, "bad argument #1 to 'sigwait' (signal number 65 out of range [1; 64])" },
    { function() signal.sigwaitinfo("SIGUSR1") end, "bad argument #1 to 'sigwaitinfo' (table expected, got string)" },
    { function() signal.sigwaitinfo({ USR1, 0 }) end, "bad argument #1 to 'sigwaitinfo' (signal number 0 out of range [1; 64])" },
    { function() signal.sigtimedwait({ USR1 }, -1) end, "bad argument #2 to 'sigtimedwait' (timeout must be non-negative)" },
    { function() signal.sigtimedwait({ USR1 }, -1e-300) end, "bad argument #2 to 'sigtimedwait' (timeout must be non-negative)" },
    { function() signal.sigtimedwait({ USR1 }, 0 / 0) end, "bad argument #2 to 'sigtimedwait' (timeout must be non-negative)" },
    { function() signal.sigtimedwait({ USR1 }, "x") end, "bad argument #2 to 'sigtimedwait' (number expected, got string)" },
    { function() signal.sigtimedwait({ USR1 }) end, "bad argument #2 to 'sigtimedwait' (number expected, got no value)" },
    { function() signal.sigtimedwait(USR1, 1) end, "bad argument #1 to 'sigtimedwait' (table expected, got number)" },
    { function() signal.sigtimedwait({ 99 }, 1) end, "bad argument #1 to 'sigtimedwait' (signal number 99 out of range [1; 64])" },
  }
  for _, case in ipairs(bad) do
    local f, message = case[1], case[2]
    local needs = message:match("to '(sig%a*wait%a*)'")
    it_needs({ needs }, "refuses (" .. message .. ") and accepts nothing", function()
      signal.raise_signal(USR1)
      assert.has_error(f, message)
      assert.same({ USR1 }, signal.sigpending())
      assert.equal(0, c.n)
    end)
  end
end)

describe("pidfd_open and pidfd_send_signal", function()
  -- Kernels before 5.3, and valgrind, answer ENOSYS.
  local probe, why, code = false, "[no pidfd_open on this platform]", nil
  if helpers.PORTABLE then why = "[portable build: no pidfd_open]" end
  if signal.pidfd_open then probe, why, code = signal.pidfd_open(ME) end
  if not probe and (code == nil or code == 38) then
    pending(why)
    return
  end

  -- A child that reports the signals it gets and leaves on SIGTERM.
  local function child()
    local pid, out = helpers.spawn_lua([[
      local signal = require "signal"
      local function say(...) io.write(...) io.write("\n") io.flush() end
      signal.signal("SIGUSR1", function(n) say("got ", n) end)
      signal.signal("SIGTERM", function(n) say("got ", n) os.exit(0) end)
      say("ready")
      signal.sleep(30)
    ]])
    assert.is_truthy(helpers.wait_until(function() return helpers.readfile(out):match("ready") end, 10))
    return pid, out
  end

  it("signal a real child through its pidfd", function()
    local pid, out = child()
    local fd = signal.pidfd_open(pid)
    assert.equal("integer", math.type(fd))
    assert.is_true(fd >= 0)
    assert.is_true(signal.pidfd_send_signal(fd, 0))
    assert.is_true(signal.pidfd_send_signal(fd, "SIGUSR1"))
    assert.is_truthy(helpers.wait_until(function() return helpers.readfile(out):match("got " .. USR1) end, 10))
    assert.is_true(signal.pidfd_send_signal(fd, signal.SIGTERM, nil, 0))
    assert.is_truthy(helpers.wait_until(function() return helpers.gone(pid) end, 10))
    assert.equal("ready\ngot " .. USR1 .. "\ngot " .. signal.SIGTERM .. "\n", helpers.readfile(out))
    -- the process is gone: an ordinary failure, not an error
    local ok, msg, errno = signal.pidfd_send_signal(fd, "SIGUSR1")
    assert.is_nil(ok)
    assert.equal("pidfd_send_signal: No such process", msg)
    assert.equal(3, errno)
    os.remove(out)
  end)

  it("pidfd_send_signal refuses a siginfo that is not a table of integers, and sends nothing", function()
    local pid, out = child()
    local fd = signal.pidfd_open(pid)
    assert.has_error(function() signal.pidfd_send_signal(fd, "SIGUSR1", 5) end,
      "bad argument #3 to 'pidfd_send_signal' (table expected, got number)")
    assert.has_error(function() signal.pidfd_send_signal(fd, "SIGUSR1", { si_value = "x" }) end,
      "bad argument #3 to 'pidfd_send_signal' (si_value must be an integer)")
    assert.has_error(function() signal.pidfd_send_signal(fd, 65) end,
      "bad argument #2 to 'pidfd_send_signal' (signal number out of range)")
    assert.has_error(function() signal.pidfd_send_signal("x", USR1) end,
      "bad argument #1 to 'pidfd_send_signal' (number expected, got string)")
    signal.sleep(0.2)
    assert.equal("ready\n", helpers.readfile(out))
    assert.is_true(signal.kill(pid, "SIGTERM"))
    assert.is_truthy(helpers.wait_until(function() return helpers.gone(pid) end, 10))
    os.remove(out)
  end)

  it("return fail, message, errno for what does not exist", function()
    local ok, msg, errno = signal.pidfd_open(2 ^ 22 + 12345)
    assert.is_nil(ok)
    assert.equal("pidfd_open: No such process", msg)
    assert.equal(3, errno)
    ok, msg, errno = signal.pidfd_send_signal(1000000, "SIGUSR1")
    assert.is_nil(ok)
    assert.equal("pidfd_send_signal: Bad file descriptor", msg)
    assert.equal(9, errno)
    assert.has_error(function() signal.pidfd_open("x") end,
      "bad argument #1 to 'pidfd_open' (number expected, got string)")
  end)
end)
