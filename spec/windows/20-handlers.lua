-- Handlers run by raise_signal, in the Lua state, on the Lua thread.
local t = ...
local signal = require "signal"

t.test("a handler for every raise_signal, run before it returns", function()
  for _, signo in ipairs(signal.valid_signals()) do
    local got = {}
    local previous = signal.signal(signo, function(s) got[#got + 1] = s end)
    signal.raise_signal(signo)
    t.eq(#got, 1, "calls for " .. signal.Signals[signo])
    t.eq(got[1], signo, "argument for " .. signal.Signals[signo])
    signal.raise_signal(signal.Signals[signo])  -- by name
    t.eq(#got, 2, "calls for " .. signal.Signals[signo] .. " by name")
    signal.signal(signo, previous == nil and signal.SIG_DFL or previous)
  end
end)

t.test("getsignal and the previous handler", function()
  local function h() end
  t.eq(signal.getsignal("SIGTERM"), signal.SIG_DFL, "at first")
  t.eq(signal.signal("SIGTERM", h), signal.SIG_DFL, "previous")
  t.eq(signal.getsignal("SIGTERM"), h, "installed")
  t.eq(signal.signal("SIGTERM", signal.SIG_IGN), h, "previous")
  t.eq(signal.getsignal("SIGTERM"), signal.SIG_IGN, "ignored")
  signal.raise_signal("SIGTERM")  -- ignored: the process goes on
  t.eq(signal.signal("SIGTERM", signal.SIG_DFL), signal.SIG_IGN, "previous")
end)

t.test("lua.exe's own SIGINT handler is reported as nil", function()
  -- lua.c installs it around the script it runs
  local out = t.run([[
    local signal = require "signal"
    print(signal.getsignal("SIGINT"))]])
  t.eq(out, "nil\n", "child's getsignal(SIGINT)")
end)

t.test("scoped puts the previous handler back", function()
  local function a() end
  local function b() end
  signal.signal("SIGTERM", a)
  do
    local _s <close> = signal.scoped("SIGTERM", b)
    t.eq(signal.getsignal("SIGTERM"), b, "inside")
  end
  t.eq(signal.getsignal("SIGTERM"), a, "after")
  signal.signal("SIGTERM", signal.SIG_DFL)
end)

t.test("default_int_handler raises KeyboardInterrupt", function()
  local previous = signal.signal("SIGINT", signal.default_int_handler)
  local ok, e = pcall(signal.raise_signal, "SIGINT")
  t.eq(ok, false, "pcall")
  t.eq(e, signal.KeyboardInterrupt, "error")
  ok, e = pcall(signal.default_int_handler, 2)
  t.eq(ok, false, "pcall, called directly")
  t.eq(e, signal.KeyboardInterrupt, "called directly")
  signal.signal("SIGINT", previous or signal.SIG_DFL)
end)

t.test("a handler's error propagates from the interrupted code", function()
  signal.signal("SIGTERM", function() error("from the handler", 0) end)
  local ok, e = pcall(signal.raise_signal, "SIGTERM")
  t.eq(ok, false, "pcall")
  t.eq(e, "from the handler", "error")
  signal.signal("SIGTERM", signal.SIG_DFL)
end)

t.test("handlers do not nest", function()
  local depth, max, n = 0, 0, 0
  signal.signal("SIGTERM", function()
    depth = depth + 1
    max = math.max(max, depth)
    n = n + 1
    if n < 3 then signal.raise_signal("SIGTERM") end
    depth = depth - 1
  end)
  signal.raise_signal("SIGTERM")
  t.eq(n, 3, "calls")
  t.eq(max, 1, "depth")
  signal.signal("SIGTERM", signal.SIG_DFL)
end)

t.test("the program's debug hook keeps working across a delivery", function()
  local counts, n = 0, 0
  debug.sethook(function() counts = counts + 1 end, "", 100)
  signal.signal("SIGTERM", function() n = n + 1 end)
  signal.raise_signal("SIGTERM")
  for _ = 1, 10000 do local _ = n end
  local h, mask, count = debug.gethook()
  debug.sethook()
  t.eq(n, 1, "handler calls")
  t.eq(mask, "", "mask")
  t.eq(count, 100, "count")
  t.eq(type(h), "function", "hook")
  assert(counts > 10, "the count hook ran " .. counts .. " times")
  signal.signal("SIGTERM", signal.SIG_DFL)
end)

t.test("main ends the process as Python does on a KeyboardInterrupt", function()
  local out, status = t.run([[
    local signal = require "signal"
    signal.main(function()
      signal.raise_signal("SIGINT")
      print("not reached")
    end)]])
  -- STATUS_CONTROL_C_EXIT, as cmd.exe passes it on
  assert(status == 0xC000013A or status == 0xC000013A - 2^32,
         "exit status " .. tostring(status) .. ", output: " .. out)
  assert(out:find("KeyboardInterrupt", 1, true), out)
  assert(out:find("stack traceback", 1, true), out)
  assert(not out:find("not reached", 1, true), out)
end)

t.test("a console event after lua_close finds the module's handler still there", function()
  -- spec/windows/hosts/close.c; the Ctrl-C reaches this process too
  signal.signal("SIGINT", function() end)
  local host = t.lua:gsub("lua%.exe$", "host_close.exe")
  local p = assert(io.popen(('""%s" 2>&1"'):format(host), "r"))
  local out = p:read("a")
  p:close()
  t.eq(out, "module loaded\nalive\n", "host's output")
  signal.signal("SIGINT", function() end)
end)
