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

  it("raises the system's refusal from siginterrupt, as CPython", function()
    if os.getenv("LUA_WRAPPER") then
      return pending("under valgrind, whose sigaction accepts flags for SIGKILL")
    end
    assert.has_error(function() signal.siginterrupt("SIGKILL", true) end,
      "siginterrupt: Invalid argument")
    assert.has_error(function() signal.siginterrupt("SIGSTOP", false) end,
      "siginterrupt: Invalid argument")
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
    assert.equal("Lua warning: signal: the handler of signal 2 was replaced outside this module; "
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
