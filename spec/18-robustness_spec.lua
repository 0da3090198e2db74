-- Failures and hosts that are rougher than a plain script: allocation
-- failures, pids outside pid_t, refusals from the system, coroutines
-- that die where the module cannot see, handlers taken by others, and
-- Ctrl-C during a blocking read.

local signal = require "signal"
local helpers = require "helpers"

teardown(helpers.cleanup)  -- the files of the processes it spawned

describe("robustness", function()
  it("leaves no half state when any allocation of a claiming call fails", function()
    local out, ok = helpers.sh(("exec %s/host_alloc"):format(helpers.BUILD))
    assert.is_true(ok, out)
    local calls = 0
    for name, points, bad in out:gmatch("([^\n]+): (%d+) points, (%d+) half%-changed") do
      calls = calls + 1
      assert.is_true(tonumber(points) > 1, name .. " swept no failure")
      assert.equal("0", bad, name)
    end
    assert.equal(6, calls, out)
  end)

  it("survives states closed while signals arrive on every thread, and restores every disposition", function()
    -- 200 cycles of newstate, require, Lua handlers, storm, lua_close,
    -- in a host whose main and helper threads take deliveries too:
    -- before the module kept itself loaded, nearly every run jumped
    -- into the unloaded module (exit by SIGSEGV)
    -- (a bound: a host that hangs fails here instead of stalling the suite)
    local out, ok, how, code = helpers.sh(("exec timeout -k 10 300 %s/host_cycles 200 2")
      :format(helpers.BUILD))
    assert.is_true(ok, ("%s (%s %s)"):format(out, how, code))
    local cycles, lua_n, between = out:match("^ok (%d+) cycles, (%d+) handled in Lua, (%d+) between states")
    assert.equal("200", cycles, out)
    assert.is_true(tonumber(lua_n) > 0, out)
    assert.is_true(tonumber(between) > 0, out)  -- signals did arrive between the states
  end)

  it("refuses a pid outside pid_t instead of truncating it", function()
    assert.has_error(function() signal.kill(2 ^ 32 - 1, 0) end,  -- would be kill(-1)
      "bad argument #1 to 'kill' (pid out of range)")
    assert.has_error(function() signal.killpg(2 ^ 32 + 1, 0) end,
      "bad argument #1 to 'killpg' (pid out of range)")
    if not helpers.PORTABLE then  -- no pidfd_open there, as on macOS
      assert.has_error(function() signal.pidfd_open(2 ^ 32 + 1) end,
        "bad argument #1 to 'pidfd_open' (pid out of range)")
    end
    assert.has_error(function() signal.kill(-2 ^ 31 - 1, 0) end,
      "bad argument #1 to 'kill' (pid out of range)")
  end)

  it("refuses a thread id that is not a live thread's, without crashing", function()
    -- in a child: pthread_kill on a pthread_t read the id as a pointer,
    -- and 0 or a pid ended the interpreter with SIGSEGV
    local out, ok, how, code = helpers.run_lua([[
      local signal = require "signal"
      -- and ids just beside this thread's own: in a portable build, a
      -- pthread_t is a pointer, and these point into its descriptor
      local me = signal.pthread_self()
      for _, id in ipairs{ 0, 12345, -1, 2 ^ 40, math.maxinteger, math.mininteger,
                           me + 8, me - 8, me + 4096 } do
        for _, sig in ipairs{ 0, "SIGUSR1" } do
          local ok, err = pcall(signal.pthread_kill, id, sig)
          print(id, sig, ok, err)
        end
      end
      signal.pthread_kill(signal.pthread_self(), 0)  -- a live one: nothing
      print("alive")
    ]])
    assert.is_true(ok, ("%s (%s %s)"):format(out, how, code))
    local refused = 0
    for line in out:gmatch("[^\n]+") do
      if line ~= "alive" then
        assert.matches("\tfalse\tpthread_kill: No such process$", line)
        refused = refused + 1
      end
    end
    assert.equal(18, refused, out)
    assert.matches("\nalive\n$", out)
  end)

  it("never crashes whatever odd arguments any function gets", function()
    -- tools/sweep.sh: every function, every pair of ~30 odd values
    -- (nil, NaN, huge numbers, wrong types, tables that raise), each
    -- process restarted after a call that ended it by a signal's
    -- default action; before, pthread_kill crashed on 9 of the ids
    local out, ok = helpers.sh(("LUA='%s' sh tools/sweep.sh '%s'"):format(helpers.LUA_BIN, helpers.BUILD))
    assert.is_true(ok, out)
    local calls, crashes = out:match("sweep: (%d+) calls, (%d+) crashes")
    assert.equal("0", crashes, out)
    assert.is_true(tonumber(calls) > 20000, out)
  end)

  it("refuses pidfd flags outside unsigned int instead of truncating them", function()
    if not signal.pidfd_open then return pending("no pidfds here") end
    -- 2^32 would have become 0: a call with flags the caller never gave
    assert.has_error(function() signal.pidfd_open(signal.getpid(), 2 ^ 32) end,
      "bad argument #2 to 'pidfd_open' (invalid flags)")
    assert.has_error(function() signal.pidfd_open(signal.getpid(), -1) end,
      "bad argument #2 to 'pidfd_open' (invalid flags)")
    assert.has_error(function() signal.pidfd_send_signal(0, 0, nil, 2 ^ 32) end,
      "bad argument #4 to 'pidfd_send_signal' (invalid flags)")
  end)

  it("raises the system's refusal from siginterrupt, as CPython", function()
    if os.getenv("LUA_WRAPPER") then
      return pending("under valgrind, whose sigaction accepts flags for SIGKILL")
    end
    assert.has_error(function() signal.siginterrupt("SIGKILL", true) end,
      "siginterrupt: SIGKILL cannot be caught or ignored: Invalid argument")
    assert.has_error(function() signal.siginterrupt("SIGSTOP", false) end,
      "siginterrupt: SIGSTOP cannot be caught or ignored: Invalid argument")
  end)

  it("keeps prompt delivery in coroutines after untracked coroutines die of a handler's error", function()
    local out, ok = helpers.run_lua([[
      local raw_resume = coroutine.resume  -- a copy the module cannot see
      local signal = require "signal"
      signal.signal("SIGUSR1", function() error("boom") end)
      signal.signal("SIGUSR2", function() end)
      for _ = 1, 12 do
        local co = coroutine.create(function()
          signal.pthread_sigmask(signal.SIG_BLOCK, { "SIGUSR1", "SIGUSR2" })
          signal.raise_signal("SIGUSR1")
          signal.raise_signal("SIGUSR2")
          signal.pthread_sigmask(signal.SIG_UNBLOCK, { "SIGUSR1", "SIGUSR2" })
        end)
        assert(not raw_resume(co))  -- died of "boom", SIGUSR2 still pending
        signal.check()
      end
      local seen = false
      signal.signal("SIGALRM", function() seen = true end)
      local inside = coroutine.wrap(function()
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        local t = os.clock()
        while not seen and os.clock() - t < 10 do end
        return seen
      end)
      print(inside())
    ]])
    assert.is_true(ok, out)
    assert.equal("true\n", out)
  end)

  it("drops a Lua handler once another piece of code replaced it, with one warning", function()
    -- lua.c sets SIGINT to SIG_DFL after each chunk and to its own
    -- handler before the next: the module's handler is gone
    local out, ok = helpers.sh(helpers.LUA .. [[ -W -e "signal = require 'signal'; signal.signal('SIGINT', function() end)" ]]
      .. [[ -e "print(signal.getsignal('SIGINT')); print(signal.getsignal('SIGINT'))"]])
    assert.is_true(ok, out)
    assert.equal("Lua warning: signal: the handler of SIGINT was replaced outside this module; "
      .. "its Lua handler is dropped\nnil\nnil\n", out)
  end)

  it("ends a blocking read at once when default_int_handler handles SIGINT", function()
    local pid, outfile = helpers.spawn_lua([[
      local signal = require "signal"
      signal.signal("SIGINT", signal.default_int_handler)
      local p = io.popen("echo $$; exec sleep 30")
      local sleeper = p:read("l")
      print("ready") io.stdout:flush()
      local ok, err = pcall(function() local line = p:read("l"); return line end)
      signal.kill(tonumber(sleeper), "SIGTERM")
      print(ok, err == signal.KeyboardInterrupt)
    ]])
    assert.is_truthy(helpers.wait_until(function() return helpers.readfile(outfile):find("ready") end))
    -- blocked in the read, not still on its way there (under valgrind
    -- that way can take long enough for the SIGINT to land on it)
    assert.is_truthy(helpers.wait_until(function() return helpers.state(pid) == "S" end))
    assert.is_true(signal.kill(pid, "SIGINT"))
    assert.is_true(helpers.wait_until(function() return helpers.gone(pid) end, 10))
    assert.equal("ready\nfalse\ttrue\n", helpers.readfile(outfile))
    os.remove(outfile)
  end)
end)
