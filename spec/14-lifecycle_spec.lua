-- Ownership (one Lua state per process owns delivery), restoring the
-- dispositions when it closes, fork, and the default actions coming
-- back.

local signal = require "signal"
local helpers = require "helpers"

local function host(name, args)
  return helpers.sh(("exec %s/host_%s %s"):format(helpers.BUILD, name, args or ""))
end

describe("lifecycle", function()
  it("restores SIG_DFL when the owning state closes, so a later signal kills", function()
    local out, ok, how, code = host("close", "dfl")
    assert.equal("restored\n", out)
    assert.is_nil(ok)
    assert.equal("signal", how)
    assert.equal(signal.SIGUSR1, code)
  end)

  it("restores SIG_IGN when the owning state closes, and a later signal is ignored", function()
    local out, ok = host("close", "ign")
    assert.equal("restored\nsurvived\n", out)
    assert.is_true(ok)
  end)

  it("restores the host's own handler, with its flags and mask, when the owning state closes", function()
    local out, ok = host("close", "host")
    assert.is_true(ok, out)
    assert.equal("restored, the host's handler ran\n", out)
  end)

  it("refuses a second state while the first owns delivery", function()
    local out, ok = host("twostates")
    assert.is_true(ok, out)
    assert.matches("^first: installed, handled 1\n", out)
    assert.matches("\nsecond: refused: [^\n]*signal handlers are owned by another Lua state in this process\n", out)
    assert.matches("\nsecond after close: installed, handled 1\n$", out)
  end)

  it("gives a forked child none of the parent's pending deliveries", function()
    local out, ok = host("fork")
    assert.is_true(ok, out)
    assert.equal("child\t0\nparent\t1\n", out)
  end)

  it("lets the default action kill the process after SIG_DFL is restored", function()
    local out, ok, how, code = helpers.run_lua([[
      local signal = require "signal"
      local n = 0
      signal.signal("SIGTERM", function() n = n + 1 end)
      signal.raise_signal("SIGTERM")
      signal.kill(signal.getpid(), "SIGTERM")
      signal.sleep(0.2)
      io.write(n, "\n") io.flush()
      signal.signal("SIGTERM", signal.SIG_DFL)
      signal.raise_signal("SIGTERM")
      print("still alive")
    ]])
    assert.equal("2\n", out)
    assert.is_nil(ok)
    assert.equal("signal", how)
    assert.equal(signal.SIGTERM, code)
  end)

  it("ignores a signal set to SIG_IGN, sent by another process", function()
    local out, ok = helpers.run_lua([[
      local signal = require "signal"
      signal.signal("SIGTERM", signal.SIG_IGN)
      os.execute(("kill -TERM %d"):format(signal.getpid()))
      signal.sleep(0.1)
      print("alive")
    ]])
    assert.is_true(ok, out)
    assert.equal("alive\n", out)
  end)

  it("drops a delivery whose handler became SIG_IGN before its turn", function()
    local usr2 = 0
    local s1 <close> = signal.scoped("SIGUSR2", function() usr2 = usr2 + 1 end)
    local s2 <close> = signal.scoped("SIGUSR1", function()
      signal.raise_signal("SIGUSR2")     -- counted, waits for this handler
      signal.signal("SIGUSR2", signal.SIG_IGN)
    end)
    signal.raise_signal("SIGUSR1")
    assert.equal(0, usr2)
    assert.equal(signal.SIG_IGN, signal.getsignal("SIGUSR2"))
  end)

  it("scoped restores the previous handler however the block ends", function()
    local function outer() end
    local prev = signal.signal("SIGUSR1", outer)
    local ok = pcall(function()
      local s <close> = signal.scoped("SIGUSR1", function() end)
      assert.are_not.equal(outer, signal.getsignal("SIGUSR1"))
      error("leave")
    end)
    assert.is_false(ok)
    assert.equal(outer, signal.getsignal("SIGUSR1"))
    signal.signal("SIGUSR1", prev)
  end)

  it("scoped restores a handler installed outside Lua", function()
    local out, ok = helpers.run_lua([[
      local signal = require "signal"
      assert(signal.getsignal("SIGINT") == nil)   -- lua.c's own handler
      do
        local s <close> = signal.scoped("SIGINT", signal.SIG_IGN)
        assert(signal.getsignal("SIGINT") == signal.SIG_IGN)
      end
      print(signal.getsignal("SIGINT"))
    ]])
    assert.is_true(ok, out)
    assert.equal("nil\n", out)
  end)

  it("scoped checks its arguments and changes nothing when refused", function()
    local before = signal.getsignal("SIGUSR1")
    assert.has_error(function() signal.scoped("SIGUSR1", 7) end,
      "bad argument #2 to 'scoped' (signal handler must be signal.SIG_IGN, signal.SIG_DFL, or a callable object)")
    assert.has_error(function() signal.scoped("SIGKILL", print) end,
      "SIGKILL cannot be caught or ignored: Invalid argument")
    assert.equal(before, signal.getsignal("SIGUSR1"))
    assert.equal(signal.SIG_DFL, signal.getsignal("SIGKILL"))
  end)
end)
