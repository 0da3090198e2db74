-- Console control events: Ctrl-C and Ctrl-Break arrive on a thread
-- Windows creates, and the Lua handler runs on the Lua thread at an
-- instruction boundary. The runner runs under a pseudo-terminal
-- (tools/windows.sh), so Wine gives it a console.
local t = ...
local signal = require "signal"

-- Between tests SIGINT has a handler that does nothing, not SIG_DFL:
-- an event that came late must not end the runner.
local function settle()
  signal.signal("SIGINT", function() end)
end

-- Sends Ctrl-C to every process of this console (this one too), as a
-- user's Ctrl-C does; false and Wine's message when it cannot.
local function ctrl_c()
  return signal.kill(0, signal.CTRL_C_EVENT)
end

t.test("Ctrl-C sent to its own console runs the handler in a long Lua loop", function()
  local n, where = 0, nil
  signal.signal("SIGINT", function(s)
    n = n + 1
    where = s
  end)
  signal.check()  -- nothing left from an earlier test
  n = 0
  assert(ctrl_c())
  assert(t.spin(function() return n > 0 end, 5), "no handler call within 5 s")
  t.eq(where, signal.SIGINT, "signum")
  -- one call per event
  assert(ctrl_c())
  assert(ctrl_c())
  assert(t.spin(function() return n >= 3 end, 5), "calls: " .. n)
  t.spin(function() return false end, 0.3)
  t.eq(n, 3, "calls")
  settle()
end)

t.test("Ctrl-C runs the handler inside a coroutine's long loop", function()
  local n = 0
  signal.signal("SIGINT", function() n = n + 1 end)
  signal.check()  -- nothing left from an earlier test
  n = 0
  local co = coroutine.wrap(function()
    assert(ctrl_c())
    return t.spin(function() return n > 0 end, 5)
  end)
  assert(co(), "no handler call within 5 s")
  settle()
end)

t.test("Ctrl-C with default_int_handler raises KeyboardInterrupt in a loop", function()
  signal.signal("SIGINT", signal.default_int_handler)
  local ok, e = pcall(function()
    assert(ctrl_c())
    t.spin(function() return false end, 5)
  end)
  t.eq(ok, false, "pcall")
  t.eq(e, signal.KeyboardInterrupt, "error")
  settle()
end)

-- A child that sends Ctrl-C to the console after 'delay' seconds,
-- ignoring it itself.
local function sender(delay)
  return io.popen(t.child(([[
    local signal = require "signal"
    signal.signal("SIGINT", signal.SIG_IGN)
    signal.sleep(%g)
    print(signal.kill(0, signal.CTRL_C_EVENT))]]):format(delay)), "r")
end

t.test("Ctrl-C from another process ends sleep with KeyboardInterrupt", function()
  signal.signal("SIGINT", signal.default_int_handler)
  local p = sender(0.5)
  local start = t.now()
  local ok, e = pcall(signal.sleep, 10)
  local took = t.now() - start
  t.eq(p:read("a"), "true\n", "the sender's kill")
  p:close()
  t.eq(ok, false, "pcall")
  t.eq(e, signal.KeyboardInterrupt, "error")
  assert(took < 5, "slept " .. took .. " s")
  settle()
end)

t.test("sleep goes on for the time left after a handler ran (PEP 475)", function()
  local n = 0
  signal.signal("SIGINT", function() n = n + 1 end)
  local p = sender(0.3)
  local start = t.now()
  signal.sleep(1.5)
  local took = t.now() - start
  p:read("a")
  p:close()
  t.eq(n, 1, "handler calls")
  assert(took >= 1.4, "slept only " .. took .. " s")
  settle()
end)

-- A host (spec/windows/hosts/storm.c) counts the events that reach
-- it, since Wine drops some of a storm; the Lua handler must run once
-- for each of those, never nested, while Lua code runs in the main
-- thread and in a coroutine.
t.test("a storm of Ctrl-C: one handler call per event that arrived", function()
  local host = t.lua:gsub("lua%.exe$", "host_storm.exe")
  local path = t.script([[
    local signal = require "signal"
    local n, depth, max = 0, 0, 0
    signal.signal("SIGINT", function()
      depth = depth + 1
      max = math.max(max, depth)
      n = n + 1
      depth = depth - 1
    end)
    assert(startcount())
    local co = coroutine.wrap(function()
      while true do
        local x = 0
        for i = 1, 1000 do x = x + i end
        coroutine.yield(x)
      end
    end)
    for _ = 1, 200 do
      assert(signal.kill(0, signal.CTRL_C_EVENT))
      co()
    end
    -- until the events stop coming and every one has run its handler
    local last, still = -1, 0
    local start = os.clock()
    while still < 50 and os.clock() - start < 20 do
      co()
      if n == rawcount() and n == last then still = still + 1 else still = 0 end
      last = n
      local t0 = os.clock()
      while os.clock() - t0 < 0.01 do end
    end
    print(rawcount(), n, max)]])
  local p = assert(io.popen(('""%s" "%s" 2>&1"'):format(host, path), "r"))
  local out = p:read("a")
  p:close()
  local arrived, calls, max = out:match("^(%d+)\t(%d+)\t(%d+)\n$")
  assert(arrived, "host's output: " .. out)
  assert(tonumber(arrived) > 0, "no event arrived")
  t.eq(calls, arrived, "handler calls (events that arrived: " .. arrived .. " of 200)")
  t.eq(max, "1", "depth")
  t.note(arrived .. " of 200 events arrived, " .. calls .. " handler calls")
  settle()
end)

t.test("a second process sends Ctrl-C to its child's console", function()
  local p = io.popen(t.child([[
    local signal = require "signal"
    local n = 0
    signal.signal("SIGINT", function() n = n + 1 end)
    io.write("ready\n")
    io.stdout:flush()
    local start = os.clock()
    while n == 0 and os.clock() - start < 10 do end
    print("child handled " .. n)]]), "r")
  t.eq(p:read("l"), "ready", "child")
  -- the event reaches every process of the console: this one too
  local mine = 0
  signal.signal("SIGINT", function() mine = mine + 1 end)
  assert(ctrl_c())
  t.eq(p:read("a"), "child handled 1\n", "child's report")
  p:close()
  assert(t.spin(function() return mine == 1 end, 5), "calls here: " .. mine)
  settle()
end)

t.test("under lua.exe's own SIGINT handler, Ctrl-C ends sleep with 'interrupted!'", function()
  local start = t.now()
  -- (cmd.exe, between this process and lua.exe, gets the Ctrl-C too
  -- and passes on 0 as the status: only the output is checked)
  local out = t.run([[
    local signal = require "signal"
    signal.kill(0, signal.CTRL_C_EVENT)
    signal.sleep(10)
    print("not reached")]])
  assert(out:find("interrupted!", 1, true), out)
  assert(not out:find("not reached", 1, true), out)
  assert(t.now() - start < 8, "the sleep was not cut short")
end)

t.test("a Lua handler keeps Ctrl-C from ending the process; SIG_IGN too", function()
  local out, status = t.run([[
    local signal = require "signal"
    signal.signal("SIGINT", signal.SIG_IGN)
    signal.kill(0, signal.CTRL_C_EVENT)
    signal.sleep(0.5)
    local n = 0
    signal.signal("SIGINT", function() n = n + 1 end)
    signal.kill(0, signal.CTRL_C_EVENT)
    signal.sleep(0.5)
    print("alive " .. n)]])
  t.eq(out, "alive 1\n", "output")
  t.eq(status, 0, "status")
end)

-- Wine 8.0 refuses CTRL_BREAK_EVENT (error 6, invalid handle);
-- Windows delivers it to a process group. The handler stays: an event
-- that arrived late would otherwise end the runner.
local breaks = 0
signal.signal("SIGBREAK", function() breaks = breaks + 1 end)
local ok, msg = signal.kill(0, signal.CTRL_BREAK_EVENT)
if ok then
  t.test("Ctrl-Break runs the SIGBREAK handler", function()
    assert(t.spin(function() return breaks > 0 end, 5), "no handler call within 5 s")
  end)
else
  t.skip("Ctrl-Break runs the SIGBREAK handler",
         "Wine refuses the event: kill(0, CTRL_BREAK_EVENT) returned " .. tostring(msg))
end
