-- examples/who_sent.lua and examples/reaper.lua, each run as a
-- separate process and sent real signals (the examples are
-- documentation: this keeps them true).

local helpers = require "helpers"
local it_needs = helpers.it_needs(it, pending)  -- the portable build lacks some
local signal = require "signal"

teardown(helpers.cleanup)  -- the files of the processes it spawned

describe("examples/who_sent.lua", function()
  it_needs({ "sigqueue" }, "logs the pid, uid and way of each sender, and who asked it to stop", function()
    local p = helpers.start("examples/who_sent.lua 60")
    assert.truthy(p.await("running as pid"), p.output())
    assert.is_true(signal.kill(p.pid, "SIGHUP"))
    assert.truthy(p.await("SIGHUP from"), p.output())
    assert.is_true(signal.sigqueue(p.pid, "SIGUSR1", 9))
    assert.truthy(p.await("SIGUSR1 from"), p.output())
    assert.is_true(signal.kill(p.pid, "SIGTERM"))
    assert.equal(0, p.wait(20))
    local me, uid = signal.getpid(), tonumber((helpers.sh("id -u")))
    local out = p.output()
    assert.truthy(out:find(("SIGHUP from pid %d (%%S+), uid %d, by kill\n"):format(me, uid)), out)
    assert.truthy(out:find(("SIGUSR1 from pid %d (%%S+), uid %d, by sigqueue, value 9\n"):format(me, uid)), out)
    assert.truthy(out:find(("SIGTERM from pid %d (%%S+), uid %d, by kill\n"):format(me, uid)), out)
    assert.truthy(out:find(("stopping, as pid %d asked\n"):format(me)), out)
    p.cleanup()
  end)
end)

describe("examples/reaper.lua", function()
  it("tells from SIGCHLD's info how each child ended, as close() does", function()
    local p = helpers.start("examples/reaper.lua")
    assert.equal(0, p.wait(30))
    local out = p.output():gsub("%d+ exited", "N exited"):gsub("child %d+", "child N")
    assert.equal(table.concat({
      "reaper: child N exited with status 3",
      "reaper: close says\tnil\texit\t3",
      "reaper: child N was killed (SIGTERM)",
      "reaper: close says\tnil\tsignal\t15",
      "reaper: child N exited with status 0",
      "reaper: close says\ttrue\texit\t0",
      "reaper: queued SIGCHLD: child N exited with status 5",
    }, "\n") .. "\n", out)
    p.cleanup()
  end)
end)
