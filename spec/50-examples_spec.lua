-- The examples and the demo, each run as a separate process and sent
-- real signals: they are documentation, and this keeps them true.

local helpers = require "helpers"

teardown(helpers.cleanup)  -- the files of the processes it spawned
local signal = require "signal"
local socket = require "socket"

local wait_until = helpers.wait_until
local readfile = helpers.readfile

-- Starts examples/NAME with ARGS in the background (helpers.start).
local function start(name, args)
  return helpers.start(("examples/%s %s"):format(name, args or ""))
end

-- Asserts that `patterns` (Lua patterns) match lines of `text` in order.
local function assert_in_order(text, patterns)
  local pos = 1
  for _, pattern in ipairs(patterns) do
    local s, e = text:find(pattern, pos)
    assert(s, ("expected %q after position %d in:\n%s"):format(pattern, pos, text))
    pos = e + 1
  end
end

local terminate = helpers.terminate


describe("examples/graceful_shutdown.lua", function()
  it("finishes the job in hand on SIGTERM and exits 0 before the SIGKILL", function()
    local p = start("graceful_shutdown.lua", "60")
    finally(p.cleanup)
    assert.truthy(p.await("worker: ready, pid " .. p.pid), p.output())
    assert.truthy(p.await("10 jobs done"), p.output())   -- well into its work
    local status = terminate(p, 20)
    local out = p.output()
    assert.are.equal(0, status, out)
    local finished = out:match("worker: SIGTERM: finished job (%d+), taking no more work")
    local done = out:match("worker: stopped cleanly after (%d+) jobs %(SIGTERM%)")
    assert.truthy(finished, out)
    -- Every job it started was finished, and it started none after.
    assert.are.equal(finished, done, out)
  end)

  it("stops the same way on SIGINT", function()
    local p = start("graceful_shutdown.lua", "60")
    finally(p.cleanup)
    assert.truthy(p.await("worker: ready"), p.output())
    p.send("SIGINT")
    assert.are.equal(0, p.wait(20), p.output())
    assert.truthy(p.output():match("stopped cleanly after %d+ jobs? %(SIGINT%)"), p.output())
  end)

  it("answers SIGHUP and SIGUSR1 and keeps working", function()
    local p = start("graceful_shutdown.lua", "60")
    finally(p.cleanup)
    assert.truthy(p.await("worker: ready"), p.output())
    p.send("SIGHUP")
    assert.truthy(p.await("worker: SIGHUP: would reload"), p.output())
    p.send("SIGUSR1")
    local done = p.await("worker: SIGUSR1: status: (%d+) jobs done")
    assert.truthy(done, p.output())
    assert.is_nil(p.status(), "the worker stopped on SIGHUP or SIGUSR1")
    -- Still taking work: the count goes on past what it reported.
    assert.truthy(p.await(("worker: %d0 jobs done"):format(tonumber(done) // 10 + 1)), p.output())
    assert.are.equal(0, terminate(p, 20), p.output())
  end)

  it("stops by itself at its time limit", function()
    local p = start("graceful_shutdown.lua", "1")
    finally(p.cleanup)
    assert.are.equal(0, p.wait(20), p.output())
    assert.truthy(p.output():match("stopped cleanly after %d+ jobs? %(time limit%)"), p.output())
  end)
end)


describe("examples/demo.sh", function()
  it("tells the whole story and exits 0", function()
    local out, ok = helpers.sh("DEMO_PAUSE=0.3 DEMO_GRACE=20 timeout 90 sh examples/demo.sh")
    assert.is_true(ok, out)
    assert_in_order(out, {
      "demo: starting the worker",
      "| worker: ready",
      "demo: sending SIGHUP",
      "| worker: SIGHUP: would reload",
      "demo: sending SIGUSR1",
      "| worker: SIGUSR1: status",
      "demo: sending SIGTERM",
      "| worker: SIGTERM: finished job %d+, taking no more work",
      "| worker: stopped cleanly",
      "demo: the worker finished its job and exited with status 0",
      "demo: starting a worker whose job hangs",
      "| worker: job 1 hangs",
      "sending SIGTERM again",
      "demo: a second SIGTERM ended the worker at once: status 143",
      "demo: starting a worker whose job hangs",
      "| worker: job 1 hangs",
      "demo: its grace period over, the worker ended itself by SIGTERM: status 143",
    })
  end)

  it("fails when the worker has to be killed", function()
    local stubborn = helpers.writetemp([[
      local signal = require "signal"
      io.stdout:setvbuf("line")
      signal.signal("SIGTERM", signal.SIG_IGN)
      signal.signal("SIGHUP", function() print("SIGHUP: noted") end)
      signal.signal("SIGUSR1", function() print("SIGUSR1: noted") end)
      print("ready")
      for _ = 1, 600 do signal.sleep(0.1) end
    ]])
    finally(function() os.remove(stubborn) end)
    local out, ok = helpers.sh("DEMO_PAUSE=0 DEMO_GRACE=1 timeout 60 sh examples/demo.sh " .. stubborn)
    assert.is_falsy(ok, out)
    assert.truthy(out:match("demo: FAILED: the worker ignored SIGTERM and had to be killed"), out)
  end)
end)


describe("examples/reload.lua", function()
  local config

  -- Replaces the file in one step, as an editor or a deploy tool would,
  -- so the program never reads half a file.
  local function write_config(text)
    local tmp = config .. ".new"
    local f = assert(io.open(tmp, "w"))
    f:write(text)
    f:close()
    assert(os.rename(tmp, config))
  end

  before_each(function() config = os.tmpname() end)
  after_each(function() os.remove(config) end)

  it("re-reads its configuration file on SIGHUP without stopping", function()
    write_config('greeting = "first"\ninterval = 0.05\n')
    local p = start("reload.lua", config .. " 60")
    finally(p.cleanup)
    assert.truthy(p.await('loaded .-: greeting="first" interval=0.05'), p.output())

    write_config('greeting = "second"\ninterval = 0.1\n')
    p.send("SIGHUP")
    assert.truthy(p.await('SIGHUP: configuration 2 loaded: greeting="second" interval=0.1'),
                  p.output())

    p.send("SIGUSR1")
    assert.truthy(p.await('SIGUSR1: status: configuration 2 %(greeting="second"'), p.output())

    -- A broken file leaves the running configuration in place.
    write_config('greeting = \n')
    p.send("SIGHUP")
    assert.truthy(p.await("SIGHUP: kept configuration 2, the file is wrong"), p.output())
    write_config('interval = -1\n')
    p.send("SIGHUP")
    assert.truthy(p.await("kept configuration 2, the file is wrong: .-interval must be"),
                  p.output())
    p.send("SIGUSR1")
    assert.truthy(wait_until(function()
      local _, n = p.output():gsub('SIGUSR1: status: configuration 2 %(greeting="second"', "")
      return n == 2
    end), p.output())

    -- A good file again: generation 3.
    write_config('greeting = "third"\n')
    p.send("SIGHUP")
    assert.truthy(p.await('configuration 3 loaded: greeting="third" interval=0.5'), p.output())

    assert.are.equal(0, terminate(p, 20), p.output())
    assert.truthy(p.output():match("reload: stopping %(SIGTERM%)"), p.output())
  end)
end)


describe("examples/timeout.lua", function()
  it("hits a deadline, cancels a timer cleanly and restores SIGALRM", function()
    local t0 = socket.gettime()
    local out, ok, how, code = helpers.sh("timeout 60 " .. helpers.LUA .. " examples/timeout.lua")
    local elapsed = socket.gettime() - t0
    assert.is_true(ok, ("%s %s\n%s"):format(how, code, out))
    assert_in_order(out, {
      "quick: ok=true, result 500500\n",
      "quick: timer left after it returned: 0 s\n",
      -- SIGALRM is back to SIG_DFL here: a stray alarm would kill it.
      "quick: no stray SIGALRM after the deadline passed\n",
      "busy loop: ok=nil, timeout after %d+ ms of CPU\n",
      "sleeping: ok=nil, timeout\n",
      'failing: ok=false, error "broken"\n',
      "after: SIGALRM handler is SIG_DFL: true, timer armed: false\n",
    })
    -- The 30 s sleep was cut short by its 0.2 s deadline.
    assert.is_true(elapsed < 25, ("took %.1f s"):format(elapsed))
  end)
end)


-- examples/event_loop.lua and the other event loops: spec/51-loops_spec.lua.


describe("examples/scoped.lua", function()
  local story = {
    "before: SIGUSR1 handler outer, SIGTERM blocked: false\n",
    "inside: SIGUSR1 handler inner, SIGTERM blocked: true\n",
    "inside: inner handler: SIGUSR1\n",
    "inside: SIGTERM pending: true\n",
    "after: SIGTERM handler\n",
    "after: the block ended with: critical section failed on purpose %(ok=false%)\n",
    "after: SIGUSR1 handler outer, SIGTERM blocked: false\n",
    "after: outer handler: SIGUSR1\n",
  }

  it("scopes a handler and a mask to a block, signals sent from outside", function()
    local p = start("scoped.lua", "wait")
    finally(p.cleanup)
    assert.truthy(p.await("inside: pid %d+ waiting for SIGUSR1 and SIGTERM"), p.output())
    p.send("SIGUSR1")
    p.send("SIGTERM")
    assert.are.equal(0, p.wait(20), p.output())
    local out = p.output()
    assert_in_order(out, story)
    assert.is_nil(out:find("inside: outer handler", 1, true), out)
    assert.is_nil(out:find("after: inner handler", 1, true), out)
  end)

  it("tells the same story when it sends the signals to itself", function()
    local out, ok = helpers.sh("timeout 60 " .. helpers.LUA .. " examples/scoped.lua")
    assert.is_true(ok, out)
    assert_in_order(out, story)
  end)
end)
