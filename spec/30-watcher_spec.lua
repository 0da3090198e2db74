-- signal.watcher(): one object that each event loop takes as it is.
-- Each case runs in a child process with the real library, and the
-- signal comes from another process while the loop is blocked in C.

local deps = require "support.deps"

local function signal_number(name) return require("signal")[name] end

-- The preamble of each child: a handler that counts, a watcher, and a
-- sender that signals this process from outside after `delay` seconds
-- (the delay only makes it likely the loop is blocked by then; the
-- cases hold either way, as the descriptor stays readable).
local PRE = [[
local signal = require "signal"
io.stdout:setvbuf("line")
local got = 0
signal.signal("SIGUSR1", function() got = got + 1 end)
local w = signal.watcher()
local senders = {}  -- waited for when this state closes (io.popen's handles close then)
local function send_later(delay)
  senders[#senders + 1] = io.popen(("sleep %g; kill -USR1 %d"):format(delay or 0.2, signal.getpid()))
end
local t0 = require("socket").gettime()
local function elapsed() return require("socket").gettime() - t0 end
]]

local function run(body)
  local out, ok, how, code = deps.run_lua(PRE .. body)
  assert.is_true(ok, ("%s %s\n%s"):format(how, code, out))
  return out
end


describe("signal.watcher()", function()
  it("speaks the protocols of select, cqueues and luv", function()
    local out = run [[
      assert(w:getfd() == signal.pollfd() and w:pollfd() == signal.pollfd())
      assert(w:dirty() == false and w:events() == "r" and w:timeout() == nil)
      assert(tostring(w) == ("signal.watcher (fd %d)"):format(signal.pollfd()))
      assert(signal.watcher():getfd() == w:getfd(), "one descriptor for all")
      print("ok")
    ]]
    assert.are.equal("ok\n", out)
  end)

  it("is readable from a delivery until check() drains it", function()
    local out = run [[
      local socket = require "socket"
      assert(not socket.select({w}, nil, 0)[w])
      signal.kill(signal.getpid(), "SIGUSR1")   -- handled at once, here
      assert(got == 1)
      assert(socket.select({w}, nil, 0)[w], "readable although handled")
      w:check()
      assert(not socket.select({w}, nil, 0)[w], "drained")
      print("ok", got)
    ]]
    assert.are.equal("ok\t1\n", out)
  end)

  it("wakes LuaSocket's select at once", function()
    local out = run [[
      local socket = require "socket"
      send_later()
      local ready = socket.select({w}, nil, 60)
      assert(ready[w], "select timed out")
      w:check()
      print("handled", got, elapsed() < 30)
    ]]
    assert.are.equal("handled\t1\ttrue\n", out)
  end)

  it("waits with a time limit on the main thread", function()
    local out = run [[
      assert(w:wait(0.05) == false)
      send_later()
      assert(w:wait(60) == true)
      print("handled", got, elapsed() < 30)
    ]]
    assert.are.equal("handled\t1\ttrue\n", out)
  end)

  it("is polled by cqueues as a descriptor, not taken as a timeout", function()
    if not deps.has("cqueues") then return pending("cqueues is not installed") end
    local out = run [[
      local cqueues = require "cqueues"
      local cq = cqueues.new()
      cq:wrap(function()
        -- a timeout of 30 s: the wait must end at the delivery
        local ready = cqueues.poll(w, 30)
        assert(ready == w, "cqueues.poll did not return the watcher")
        w:check()
        print("poll", got, elapsed() < 20)
        send_later()
        w:wait()
        print("wait", got, elapsed() < 20)
      end)
      send_later()
      assert(cq:loop())
    ]]
    assert.are.equal("poll\t1\ttrue\nwait\t2\ttrue\n", out)
  end)

  it("wakes a luv poll handle on w:getfd()", function()
    if not deps.has("luv") then return pending("luv is not installed") end
    local out = run [[
      local uv = require "luv"
      local poll = uv.new_poll(w:getfd())
      poll:start("r", function()
        w:check()
        print("handled", got, elapsed() < 30)
        poll:close()
      end)
      local guard = uv.new_timer()
      guard:start(60000, 0, function() print("timed out"); uv.stop() end)
      guard:unref()
      send_later()
      uv.run()
    ]]
    assert.are.equal("handled\t1\ttrue\n", out)
  end)

  it("is waited on by a Copas thread", function()
    if not deps.has("copas") then
      return pending("Copas 4 is not installed (tools/luadeps.sh)")
    end
    local out = run [[
      local copas = require "copas"
      copas.addthread(function()
        for i = 1, 2 do
          send_later()
          w:wait()
          print("wait", got, elapsed() < 30)
          assert(got == i)
        end
      end)
      copas.loop()
    ]]
    assert.are.equal("wait\t1\ttrue\nwait\t2\ttrue\n", out)
  end)

  it("is waited on by a Copas thread when the program drives copas.step", function()
    if not deps.has("copas") then
      return pending("Copas 4 is not installed (tools/luadeps.sh)")
    end
    local out = run [[
      local copas = require "copas"
      local done = false
      copas.addthread(function()
        send_later()
        w:wait()
        done = true
      end)
      while not done and elapsed() < 30 do copas.step(1) end
      print("wait", got, done)
    ]]
    assert.are.equal("wait\t1\ttrue\n", out)
  end)

  it("is watched by lua-ev through ev.IO on w:getfd()", function()
    if not deps.has("ev") then
      return pending("lua-ev is not installed (Debian does not package it)")
    end
    local out = run [[
      local ev = require "ev"
      local loop = ev.Loop.default
      ev.IO.new(function(l, io)
        w:check()
        print("handled", got, elapsed() < 30)
        io:stop(l)
      end, w:getfd(), ev.READ):start(loop)
      send_later()
      loop:loop()
    ]]
    assert.are.equal("handled\t1\ttrue\n", out)
  end)
end)


-- What the README says about load order and about signals claimed twice,
-- held true with the real libraries.
describe("event loops and this module together", function()
  -- A Copas thread that computes for up to 5 s without yielding, and a
  -- SIGUSR1 from outside 0.2 s in: was it handled inside the thread?
  local function copas_busy(order)
    return run(order .. [[
      local copas = package.loaded.copas
      copas.addthread(function()
        send_later(0.2)
        local t = elapsed()
        while got == 0 and elapsed() - t < 5 do end   -- never yields
        print(got == 1 and "inside" or "after")
      end)
      copas.loop()
    ]])
  end

  it("runs a handler inside a busy Copas thread when signal is required first", function()
    if not deps.has("copas") then return pending("Copas 4 is not installed") end
    -- PRE requires signal before this chunk requires copas
    assert.are.equal("inside\n", copas_busy('require "copas"\n'))
  end)

  it("waits for the Copas thread to yield when Copas was required first", function()
    if not deps.has("copas") then return pending("Copas 4 is not installed") end
    local out, ok = deps.run_lua([[
      require "copas"
    ]] .. PRE .. [[
      local copas = require "copas"
      copas.addthread(function()
        send_later(0.2)
        local t = elapsed()
        while got == 0 and elapsed() - t < 1 do end   -- never yields
        print(got == 1 and "inside" or "after")
      end)
      copas.loop()
      print("then", got)
    ]])
    assert.is_true(ok, out)
    assert.are.equal("after\nthen\t1\n", out)
  end)

  it("hazard: closing luv's signal handle resets the signal to SIG_DFL", function()
    if not deps.has("luv") then return pending("luv is not installed") end
    local out, ok, how, code = deps.run_lua(PRE .. [[
      local uv = require "luv"
      local h = uv.new_signal()
      h:start("sigusr2", function() end)
      signal.signal("SIGUSR2", function() print("handled by this module") end)
      h:close()
      uv.run("nowait")
      print("raising")
      signal.raise_signal("SIGUSR2")
      print("survived")
    ]])
    assert.is_falsy(ok, out)
    assert.are.same({ "signal", signal_number("SIGUSR2") }, { how, code }, out)
    assert.are.equal("raising\n", out)
  end)

  it("getsignal then says SIG_DFL, with one warning, and the Lua handler is dropped", function()
    if not deps.has("luv") then return pending("luv is not installed") end
    local out, ok = deps.run_lua(PRE .. [[
      warn("@on")
      local uv = require "luv"
      local h = uv.new_signal()
      h:start("sigusr2", function() end)
      signal.signal("SIGUSR2", function() end)
      h:close()
      uv.run("nowait")
      io.stdout:setvbuf("no")
      print(signal.getsignal("SIGUSR2"))
      print(signal.getsignal("SIGUSR2"))
    ]])
    assert.is_true(ok, out)
    assert.are.equal("Lua warning: signal: the handler of SIGUSR2 was replaced outside "
      .. "this module; its Lua handler is dropped\n0\n0\n", out)
  end)

  it("hazard: a signal cqueues blocks never reaches this module's handler", function()
    if not deps.has("cqueues") then return pending("cqueues is not installed") end
    local out = run [[
      local csignal = require "cqueues.signal"
      csignal.block(csignal.SIGUSR1)
      signal.raise_signal("SIGUSR1")
      print(got, signal.sigpending()[1] == signal.SIGUSR1)
    ]]
    assert.are.equal("0\ttrue\n", out)
  end)
end)
