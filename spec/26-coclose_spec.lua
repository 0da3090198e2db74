-- Lua 5.5's coroutine.close may close the running coroutine: the
-- resume that started it returns. The module replaces coroutine.resume
-- and coroutine.wrap (src/coroutines.c); with it loaded, every result
-- and error is the stock one, guards opened inside such a coroutine
-- close, and signals still reach coroutines promptly afterwards.

local helpers = require "helpers"

teardown(helpers.cleanup)  -- the files of the processes it spawned

local SCRIPT = [==[
local with = arg[1] == "with"
local signal
if with then signal = require "signal" end
local function show(...) local t = table.pack(...) for i = 1, t.n do t[i] = tostring(t[i]) end return table.concat(t, " ", 1, t.n) end
-- 1 plain
local co = coroutine.create(function(a) local x = a + 1; coroutine.close(coroutine.running()); return "not reached" end)
print("1", show(coroutine.resume(co, 1)), coroutine.status(co))
-- 2 tbc with close running, after a yield
co = coroutine.create(function()
  local t <close> = setmetatable({}, {__close = function(_, e) print("  closing t", e) end})
  coroutine.yield("y1")
  coroutine.close(coroutine.running())
end)
print("2a", show(coroutine.resume(co)))
print("2b", show(coroutine.resume(co, "v")), coroutine.status(co))
-- 3 error in __close
co = coroutine.create(function()
  local t <close> = setmetatable({}, {__close = function() error("in close", 0) end})
  coroutine.close(coroutine.running())
end)
print("3", show(coroutine.resume(co)), coroutine.status(co))
-- 4 wrap
local f = coroutine.wrap(function() coroutine.close(coroutine.running()) end)
print("4", show(pcall(f)))
f = coroutine.wrap(function()
  local t <close> = setmetatable({}, {__close = function() error("wclose", 0) end})
  coroutine.close(coroutine.running())
end)
print("4b", show(pcall(f)))
-- 5 nested
local outer = coroutine.create(function()
  local inner = coroutine.create(function() coroutine.yield(1); coroutine.close(coroutine.running()) end)
  local r1 = show(coroutine.resume(inner))
  local r2 = show(coroutine.resume(inner))
  coroutine.yield(r1 .. " | " .. r2 .. " | " .. coroutine.status(inner))
  return "outer done"
end)
print("5", show(coroutine.resume(outer)))
print("5b", show(coroutine.resume(outer)))
-- 6 wrap inside wrap, close the inner via wrap
print("6", show(pcall(coroutine.wrap(function()
  local g = coroutine.wrap(function() coroutine.close(coroutine.running()) end)
  return "inner gave", g()
end))))
-- 7 close running from main? error
print("7", show(pcall(coroutine.close, coroutine.running())))
-- 8 traceback after
co = coroutine.create(function() coroutine.close(coroutine.running()) end)
coroutine.resume(co)
print("8", coroutine.status(co), show(coroutine.resume(co)))
if with then
  local function mask() return table.concat(signal.pthread_sigmask(signal.SIG_BLOCK, {}), ",") end
  local n = 0
  local h0 = function() n = n + 1 end
  signal.signal("SIGUSR1", h0)
  co = coroutine.create(function()
    local b <close> = signal.blocked({ "SIGUSR1" })
    local s <close> = signal.scoped("SIGUSR1", function() n = n + 100 end)
    signal.raise_signal("SIGUSR1")  -- blocked: pending
    print("  inside", mask() == tostring(signal.SIGUSR1), n)
    coroutine.close(coroutine.running())
  end)
  print("9", show(coroutine.resume(co)), coroutine.status(co), "mask=" .. mask(), "n=" .. n, signal.getsignal("SIGUSR1") == h0)
  -- delivery in a busy loop still works after
  local got = false
  signal.signal("SIGUSR2", function() got = true end)
  local c2 = coroutine.wrap(function()
    signal.raise_signal("SIGUSR2")
    local i = 0 while not got and i < 1e7 do i = i + 1 end
    return got
  end)
  print("10", c2())
  -- and in a coroutine whose inner coroutine closed itself
  got = false
  local c3 = coroutine.wrap(function()
    local inner = coroutine.create(function() coroutine.close(coroutine.running()) end)
    coroutine.resume(inner)
    signal.raise_signal("SIGUSR2")
    local i = 0 while not got and i < 1e7 do i = i + 1 end
    return got, i < 1e7
  end)
  print("11", c3())
end
]==]

describe("coroutine.close of the running coroutine", function()
  local function run(with)
    local out, ok = helpers.run_lua(SCRIPT, with)
    assert.is_true(ok, out)
    return out
  end

  it("gives the stock results and errors with the module's resume and wrap", function()
    if helpers.LUAV == "5.4" then
      return pending("Lua 5.4's coroutine.close cannot close the running coroutine (5.5 only)")
    end
    local stock, with = run("without"), run("with")
    -- the first lines are the same script with and without the module
    local shared = with:sub(1, #stock)
    assert.equal(stock, shared)
    assert.truthy(stock:find("1\ttrue\tdead\n", 1, true), stock)
    assert.truthy(stock:find("3\tfalse in close\tdead\n", 1, true), stock)
  end)

  it("closes the guards opened inside it, and signals still reach coroutines", function()
    if helpers.LUAV == "5.4" then
      return pending("Lua 5.4's coroutine.close cannot close the running coroutine (5.5 only)")
    end
    local with = run("with")
    -- inside: SIGUSR1 blocked and pending under the scope's handler;
    -- after: the scope closed first, then the mask, so the handler
    -- from before ran once, and both are back
    assert.truthy(with:find("  inside\ttrue\t0\n9\ttrue\tdead\tmask=\tn=1\ttrue\n", 1, true), with)
    assert.truthy(with:find("\n10\ttrue\n11\ttrue\ttrue\n", 1, true), with)
  end)
end)
