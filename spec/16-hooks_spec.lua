-- The program's own debug hooks and the module's: races and leaks that
-- a review found, each reproduced in a child process.

local helpers = require "helpers"

local function child(script)
  local out, ok = helpers.run_lua(script)
  assert.is_true(ok, out)
  return out
end

-- A coroutine spinning until SIGALRM's handler runs inside it.
local SPIN_IN_COROUTINE = [[
  local got = false
  signal.signal("SIGALRM", function() got = true end)
  local t0 = os.time()
  local co = coroutine.wrap(function()
    signal.setitimer(signal.ITIMER_REAL, 0.1)
    local n = 0
    while not got do
      n = n + 1
      if n % 10000000 == 0 and os.time() - t0 > 10 then return "stuck" end
    end
    return "handled inside the coroutine"
  end)
  print(co())
]]

describe("hooks", function()
  it("still delivers inside coroutines after many died with a delivery armed", function()
    local out = child([[
      local signal = require "signal"
      signal.signal("SIGUSR1", function() error("boom") end)
      signal.signal("SIGUSR2", function() end)
      for _ = 1, 20 do   -- each dies from a handler's error, USR2 still pending
        local co = coroutine.create(function()
          local b <close> = signal.blocked({ "SIGUSR1", "SIGUSR2" })
          signal.raise_signal("SIGUSR1")
          signal.raise_signal("SIGUSR2")
        end)
        assert(not coroutine.resume(co))
      end
    ]] .. SPIN_IN_COROUTINE)
    assert.equal("handled inside the coroutine\n", out)
  end)

  it("still delivers inside coroutines after dead ones were resumed with deliveries pending", function()
    local out = child([[
      local signal = require "signal"
      local dead = {}
      for i = 1, 20 do dead[i] = coroutine.create(function() end); coroutine.resume(dead[i]) end
      signal.signal("SIGUSR2", function() end)
      signal.signal("SIGUSR1", function()
        signal.raise_signal("SIGUSR2")   -- pending while this handler runs
        for i = 1, 20 do coroutine.resume(dead[i]) end
      end)
      signal.raise_signal("SIGUSR1")
    ]] .. SPIN_IN_COROUTINE)
    assert.equal("handled inside the coroutine\n", out)
  end)

  it("does not lose a delivery to a program hook that raises", function()
    local out = child([[
      local signal = require "signal"
      local got = false
      signal.signal("SIGUSR1", function() got = true end)
      local stop = false
      local kill, pid = signal.kill, signal.getpid()
      debug.sethook(function()
        if stop then stop = false; error("budget exceeded", 0) end
      end, "r")
      local ok, err = pcall(function()
        stop = true
        kill(pid, "SIGUSR1")  -- the next event is kill's return
      end)
      local n = 0   -- the program's hook stays: nothing else re-arms
      while not got and n < 1e8 do n = n + 1 end
      print(ok, err, got)
    ]])
    assert.equal("false\tbudget exceeded\ttrue\n", out)
  end)

  it("keeps the program's debug.sethook whole when deliveries land inside it", function()
    local out = child([[
      local signal = require "signal"
      local got = 0
      signal.signal("SIGALRM", function() got = got + 1 end)
      local function f() end
      local stalls, torn = 0, 0
      for t = 1, 3000 do
        local before = got
        signal.setitimer(signal.ITIMER_REAL, 0.00001 + (t % 50) * 0.000002)
        for _ = 1, 200 do
          debug.sethook(f, "l")
          local h, m = debug.gethook()
          if h ~= f or m ~= "l" then torn = torn + 1 break end
          debug.sethook()
        end
        debug.sethook()
        while signal.getitimer(signal.ITIMER_REAL) > 0 do end
        local x = 0
        for i = 1, 20000 do x = x + i end
        if got == before then stalls = stalls + 1; signal.check() end
      end
      print("stalls", stalls, "torn", torn, "handled", got)
    ]])
    assert.equal("stalls\t0\ttorn\t0\thandled\t3000\n", out)
  end)

  it("wraps debug.sethook and debug.gethook without changing what they do", function()
    local out = child([[
      local stock = { set = debug.sethook, get = debug.gethook }
      local function run(set, get)
        local r = {}
        local function add(...)
          local t = table.pack(...)
          for i = 1, t.n do t[i] = tostring(t[i]):gsub("0x%x+", "ADDR") end
          r[#r + 1] = table.concat(t, ",", 1, t.n)
        end
        local function f() end
        add(get())
        add(pcall(set, f, "crl", 7)); add(get())
        local co = coroutine.create(function() end)
        add(pcall(set, co, f, "l")); add(get(co)); add(get())
        add(pcall(set)); add(get())
        add(pcall(set, f)); add(pcall(set, 1, "l")); add(pcall(set, f, "l", "x"))
        add(pcall(set, co, 1, "l")); add(pcall(get, 1))
        add(select("#", set())); add(select("#", get()))
        return table.concat(r, "\n")
      end
      local a = run(stock.set, stock.get)
      require "signal"
      assert(debug.sethook ~= stock.set and debug.gethook ~= stock.get)
      local b = run(debug.sethook, debug.gethook)
      if a == b then print("same") else print(a) print("----") print(b) end
    ]])
    assert.equal("same\n", out)
  end)
end)
