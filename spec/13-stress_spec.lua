-- Race-prone paths under many thousands of real deliveries. Real-time
-- signals queue in the kernel, so every one sent must be handled once.

local signal = require "signal"
local helpers = require "helpers"

teardown(helpers.cleanup)  -- the files of the processes it spawned

local ME = signal.getpid()
-- by number: the portable build (PORTABLE=1) names no real-time signal
local RTMIN = helpers.platform().SIGRTMIN
local RT1, RT2 = RTMIN + 1, RTMIN + 2

-- Waits for the sender to exit, then for `total()` to reach `n`, and
-- checks that nothing more arrives.
local function settle(sender, total, n)
  assert.is_true(helpers.wait_until(function() return helpers.gone(sender) end, 60), "sender still running")
  helpers.wait_until(function() return total() >= n end, 60)
  signal.sleep(0.05)
  return total()
end

describe("stress", function()
  it("handles 500 real-time signals sent by another process, each once", function()
    local n = 0
    local scope <close> = signal.scoped(RT1, function() n = n + 1 end)
    local sender = helpers.send_from_child(ME, RT1, 500)
    assert.equal(500, settle(sender, function() return n end, 500))
  end)

  it("counts 100,000 raise_signal round trips exactly", function()
    local n = 0
    local scope <close> = signal.scoped("SIGUSR1", function() n = n + 1 end)
    for _ = 1, 100000 do signal.raise_signal("SIGUSR1") end
    assert.equal(100000, n)
  end)

  it("keeps every delivery while handlers are swapped a thousand times amid storms", function()
    -- Storms of 20,000 (fewer than the kernel queues for a user), sent
    -- in bursts of ten so that the loop runs between bursts, follow one
    -- another until a thousand swaps have had deliveries land between
    -- them, however slow the machine: no rate is assumed.
    local a, b = 0, 0
    local function ha() a = a + 1 end
    local function hb() b = b + 1 end
    local scope <close> = signal.scoped(RT1, ha)
    local swaps, storms = 0, 0
    local deadline = helpers.now() + 300  -- a bound for a stall, not a speed
    while swaps < 1000 and helpers.now() < deadline do
      local sender = helpers.spawn_lua(([[
        local signal = require "signal"
        for i = 1, 20000 do
          assert(signal.kill(%d, %d))
          if i %% 10 == 0 then signal.sleep(0.0001) end
        end
      ]]):format(ME, RT1))
      storms = storms + 1
      local seen = a + b
      repeat
        signal.signal(RT1, hb)
        signal.signal(RT1, ha)
        if a + b > seen then swaps, seen = swaps + 1, a + b end
      until helpers.gone(sender) and a + b >= 20000 * storms or helpers.now() > deadline
      assert.equal(20000 * storms, settle(sender, function() return a + b end, 20000 * storms))
    end
    assert.is_true(swaps >= 1000, swaps .. " swaps with deliveries between them in " .. storms .. " storms")
  end)

  it("keeps every delivery under heavy garbage collection", function()
    local n = 0
    local keep = setmetatable({}, { __mode = "v" })
    local scope <close> = signal.scoped(RT2, function(s)
      n = n + 1
      keep[n] = { s, tostring(n) }  -- the handler allocates too
    end)
    local sender = helpers.send_from_child(ME, RT2, 20000)
    local rounds = 0
    repeat
      local t = {}  -- luacheck: ignore 241 (garbage on purpose)
      for i = 1, 200 do t[i] = { i, tostring(i) } end
      collectgarbage("step", 10)
      rounds = rounds + 1
    until helpers.gone(sender) and n >= 20000 or rounds > 1e6
    collectgarbage()
    assert.equal(20000, settle(sender, function() return n end, 20000))
  end)

  it("keeps coroutines exact and every delivery during a storm", function()
    local n = 0
    local scope <close> = signal.scoped(RT1, function() n = n + 1 end)
    local sender = helpers.send_from_child(ME, RT1, 20000)
    local sums, rounds = 0, 0
    repeat
      local gen = coroutine.wrap(function()
        for i = 1, 100 do coroutine.yield(i) end
      end)
      local co = coroutine.create(function(x)
        local s = 0
        while x do s = s + x; x = coroutine.yield() end
        return s
      end)
      local ok = coroutine.resume(co, gen())
      for _ = 2, 100 do ok = coroutine.resume(co, gen()) and ok end
      local _, s = coroutine.resume(co, nil)
      if ok and s == 5050 then sums = sums + 1 end
      rounds = rounds + 1
    until helpers.gone(sender) and n >= 20000 or rounds > 1e6
    assert.equal(20000, settle(sender, function() return n end, 20000))
    assert.equal(rounds, sums)
  end)

  it("survives a storm of a standard signal, which the kernel merges", function()
    local n = 0
    local scope <close> = signal.scoped("SIGUSR2", function() n = n + 1 end)
    local sender = helpers.send_from_child(ME, "SIGUSR2", 20000)
    -- a busy loop, where deliveries land between instructions
    local deadline = helpers.now() + 60  -- a bound for a stall, not a speed
    repeat until helpers.gone(sender) or helpers.now() > deadline
    assert.is_true(helpers.gone(sender), "sender still running")
    assert.is_truthy(helpers.wait_until(function() return n >= 1 end, 10))
    assert.is_true(n <= 20000, tostring(n))
  end)
end)
