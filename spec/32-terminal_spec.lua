-- Terminals: Python's exit on an uncaught KeyboardInterrupt
-- (signal.main), the stand-alone interpreter's SIGINT reset, and the
-- SIGTSTP recipe (examples/suspend.lua). Every SIGINT here is raised
-- by a child at itself only.

local helpers = require "helpers"

teardown(helpers.cleanup)  -- the files of the processes it spawned
local signal = require "signal"

local wait_until = helpers.wait_until
local readfile = helpers.readfile

describe("signal.main", function()
  it("ends the process by SIGINT on an uncaught KeyboardInterrupt, with a traceback", function()
    local out, ok, how, code = helpers.run_lua([[
      local signal = require "signal"
      io.stdout:setvbuf("full")   -- flushed before the end
      signal.main(function()
        print("working")
        local function deep() signal.raise_signal("SIGINT") end
        deep()
        print("not reached")
      end)
    ]])
    assert.is_falsy(ok, out)
    assert.are.same({ "signal", 2 }, { how, code }, out)
    assert.truthy(out:find("working\n", 1, true), out)
    assert.truthy(out:match(": KeyboardInterrupt\nstack traceback:\n"), out)
    assert.truthy(out:match("in %a+ 'deep'"), out)
    assert.is_nil(out:find("not reached", 1, true), out)
  end)

  it("gives status 130 in the shell", function()
    local file = helpers.writetemp([[
      local signal = require "signal"
      signal.main(function() signal.raise_signal("SIGINT") end)
    ]])
    finally(function() os.remove(file) end)
    local out = helpers.sh(("sh -c '%s %s 2>/dev/null; echo status $?'"):format(helpers.LUA, file))
    assert.are.equal("status 130\n", out)
  end)

  it("returns what the function returns, and lets other errors through unchanged", function()
    local out = helpers.run_lua([[
      local signal = require "signal"
      print(signal.main(function(a, b) return a + b, "x", nil end, 1, 2))
      local e = {}
      print(select(2, pcall(signal.main, function() error(e) end)) == e)
      print(signal.getsignal("SIGINT") == signal.default_int_handler)
      -- KeyboardInterrupt caught inside stays caught
      print(signal.main(function()
        return pcall(signal.raise_signal, "SIGINT")
      end))
    ]])
    assert.are.equal("3\tx\tnil\ntrue\ntrue\nfalse\tKeyboardInterrupt\n", out)
  end)

  it("keeps a SIGINT handler the program set", function()
    local out = helpers.run_lua([[
      local signal = require "signal"
      local function mine() print("mine") end
      signal.signal("SIGINT", mine)
      signal.main(function() signal.raise_signal("SIGINT") end)
      print(signal.getsignal("SIGINT") == mine)
    ]])
    assert.are.equal("mine\ntrue\n", out)
  end)
end)


describe("the stand-alone interpreter", function()
  it("resets SIGINT after each chunk: a handler set in -e is gone in the next", function()
    local out, ok = helpers.sh(helpers.LUA
      .. [[ -e "S = require 'signal'; S.signal('SIGINT', function() print('handled') end)"]]
      .. [[ -e "S.raise_signal('SIGINT')"]])
    assert.is_falsy(ok, out)
    assert.is_nil(out:find("handled", 1, true), out)
    assert.truthy(out:find("interrupted!", 1, true), out)
  end)
end)


describe("examples/suspend.lua", function()
  local state = helpers.state

  it("stops on SIGTSTP after its handler ran, goes on at SIGCONT, again and again", function()
    if os.getenv("LUA_WRAPPER") then
      return pending("under valgrind, which handles the stop signals itself")
    end
    -- In its own process group, whose parent (the waiting subshell) is
    -- in this session: a group the kernel lets SIGTSTP stop.
    local p = helpers.start("examples/suspend.lua 60", nil,
                            "perl -e 'setpgrp(0, 0); exec @ARGV or die'")
    local pid, output, status = p.pid, p.output, p.status
    finally(function()
      if not status() then
        signal.kill(pid, "SIGKILL")
        signal.kill(pid, "SIGCONT")
      end
      wait_until(status, 10)
    end)
    assert.truthy(wait_until(function() return output():match("suspend: pid %d+ ready") end),
                  output())

    for n = 1, 2 do
      assert(signal.kill(pid, "SIGTSTP"))
      assert.truthy(wait_until(function() return state(pid) == "T" end), output())
      assert.truthy(output():find(("SIGTSTP: saving state, stopping (%d)"):format(n), 1, true),
                    output())
      assert(signal.kill(pid, "SIGCONT"))
      assert.truthy(wait_until(function()
        return output():find(("continued (%d), redrawing"):format(n), 1, true)
      end), output())
      assert.are_not.equal("T", state(pid))
    end

    assert(signal.kill(pid, "SIGTERM"))
    assert.are.equal(0, wait_until(status), output())
    assert.truthy(output():find("suspend: ended (SIGTERM) after 2 stops", 1, true), output())
  end)
end)
