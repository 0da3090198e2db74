-- The daemon-kit examples, run as separate processes with real
-- signals: examples/supervisor.lua, and what examples/graceful_shutdown.lua
-- tells systemd (a real datagram socket as its NOTIFY_SOCKET).

local helpers = require "helpers"
local launch = require "launch"
local signal = require "signal"

teardown(helpers.cleanup)

local function example(name, args, options)
  local p = launch.lua(helpers.readfile("examples/" .. name), args, options)
  finally(p.cleanup)
  return p
end

describe("examples/supervisor.lua", function()
  it("starts its programs, restarts one that exits, and stops them all on SIGTERM", function()
    local p = example("supervisor.lua", {
      "sh", "-c", "echo a $$; exec sleep 60", "--",
      "sh", "-c", "echo b $$; exit 3",
    })
    local a = tonumber(p.await("\na (%d+)\n") or p.await("^a (%d+)\n"))
    assert.truthy(a, p.output())
    -- b exits at once and is started again, more than once
    assert.truthy(helpers.wait_until(function()
      local _, n = p.output():gsub("exited %(exit 3%); again in", "")
      return n >= 2
    end), p.output())
    -- a runs sleep with nothing blocked, though the supervisor handles
    -- and ignores signals
    assert.truthy(helpers.wait_until(function()
      return helpers.readfile(("/proc/%d/comm"):format(a)) == "sleep\n"
    end))
    local status = helpers.readfile(("/proc/%d/status"):format(a))
    assert.are.equal(0, tonumber(status:match("SigBlk:%s*(%x+)"), 16), status)
    assert(signal.kill(p.pid, "SIGTERM"))
    assert.are.same({ "exit", 0 }, { p.reap() }, p.output())
    local out = p.output()
    assert.truthy(out:find("supervisor: SIGTERM: stopping", 1, true), out)
    assert.truthy(out:find(("(pid %d) stopped (signal 15)"):format(a), 1, true), out)
    assert.truthy(out:find("supervisor: every program stopped\n", 1, true), out)
    assert.is_true(helpers.gone(a))
  end)
end)

describe("examples/graceful_shutdown.lua under systemd", function()
  it("sends READY=1, RELOADING=1 and READY=1 around a reload, and STOPPING=1 at SIGTERM", function()
    local unix = require "socket.unix"
    local s = assert(unix.dgram())
    local name = helpers.tempname()
    os.remove(name)
    assert(s:bind(name))
    s:settimeout(20)
    finally(function() s:close(); os.remove(name) end)
    local p = example("graceful_shutdown.lua", { "60" }, { env = { NOTIFY_SOCKET = name } })
    local function receive()
      local msg = s:receive()
      return msg and msg:gsub("\n", " ")
    end
    assert.are.equal(("MAINPID=%d READY=1 STATUS=working"):format(p.pid), receive())
    assert.truthy(p.await("worker: ready"), p.output())
    assert(signal.kill(p.pid, "SIGHUP"))
    assert.truthy(receive():match("^RELOADING=1 MONOTONIC_USEC=%d+$"))
    assert.are.equal("READY=1 STATUS=reloaded", receive())
    assert(signal.kill(p.pid, "SIGTERM"))
    assert.are.equal("STOPPING=1", receive())
    assert.are.same({ "exit", 0 }, { p.reap() }, p.output())
    assert.truthy(p.output():match("stopped cleanly after %d+ jobs? %(SIGTERM%)"), p.output())
  end)
end)
