-- How a delivery becomes a Lua call: at the next VM instruction of
-- the owning state, in coroutines too, once per delivery, lowest signal
-- first, never nested, with the program's own hooks kept.

local signal = require "signal"
local helpers = require "helpers"

teardown(helpers.cleanup)  -- the files of the processes it spawned

local USR1, USR2, TERM = signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM
local ME = signal.getpid()
local spin = helpers.spin

describe("delivery", function()
  local got
  local scopes

  before_each(function()
    got = {}
    scopes = {}
    for _, s in ipairs({ USR1, USR2, TERM }) do
      scopes[#scopes + 1] = signal.scoped(s, function(n) got[#got + 1] = n end)
    end
  end)

  after_each(function()
    for i = #scopes, 1, -1 do scopes[i]:close() end
  end)

  it("runs a self-sent signal's handler inside a busy loop", function()
    assert.is_true(signal.kill(ME, USR1))
    assert.is_true(spin(function() return #got > 0 end))
    assert.same({ USR1 }, got)
  end)

  it("runs the handler of a signal sent by another process inside a busy loop", function()
    helpers.send_from_child(ME, "SIGUSR1", 1, 0.1)
    assert.is_true(spin(function() return #got > 0 end))
    assert.same({ USR1 }, got)
  end)

  it("runs the handler inside a busy coroutine started with coroutine.resume", function()
    local where, co
    -- handlers run on a thread of their own: the interrupted
    -- coroutine is then active ("normal"), neither suspended nor dead
    signal.signal(USR2, function() where = coroutine.status(co) end)
    co = coroutine.create(function()
      helpers.send_from_child(ME, "SIGUSR2", 1, 0.1)
      local ok = spin(function() return where ~= nil end)
      coroutine.yield(ok)
      return "done"
    end)
    local ok, inside = coroutine.resume(co)
    assert.is_true(ok)
    assert.is_true(inside, "not handled while the coroutine ran")
    assert.equal("normal", where)
    assert.same({ true, "done" }, { coroutine.resume(co) })
  end)

  it("runs the handler inside nested coroutine.wrap loops", function()
    local where, inner
    signal.signal(USR2, function() where = coroutine.status(inner) end)
    local outer = coroutine.wrap(function()
      local f = coroutine.wrap(function()
        inner = coroutine.running()
        helpers.send_from_child(ME, "SIGUSR2", 1, 0.1)
        return spin(function() return where ~= nil end)
      end)
      return f(), "outer"
    end)
    local ok, tag = outer()
    assert.is_true(ok, "not handled while the inner coroutine ran")
    assert.equal("outer", tag)
    assert.equal("normal", where)
  end)

  it("handles a delivery inside the coroutine it arrives in, before the coroutine yields", function()
    -- three times: the coroutine sends itself a signal, which is
    -- handled there (got has it before the yield); the main thread,
    -- which resumes it, keeps running normally between
    local co = coroutine.wrap(function()
      for _ = 1, 3 do
        signal.kill(ME, USR1)
        spin(function() return #got > 0 end)
        coroutine.yield(#got)
        got = {}
      end
    end)
    assert.equal(1, co())
    assert.equal(1, co())
    assert.equal(1, co())
  end)

  it("runs pending handlers in ascending order, one at a time", function()
    local events, depth, maxdepth = {}, 0, 0
    local function h(n)
      depth = depth + 1
      maxdepth = math.max(maxdepth, depth)
      events[#events + 1] = n
      depth = depth - 1
    end
    signal.signal(USR1, h)
    signal.signal(USR2, h)
    signal.signal(TERM, h)
    signal.signal("SIGHUP", function()
      depth = depth + 1
      events[#events + 1] = "HUP>"
      signal.raise_signal(TERM)
      signal.raise_signal(USR2)
      signal.raise_signal(USR1)
      signal.check()
      for _ = 1, 1000 do local _ = {} end  -- instruction boundaries
      events[#events + 1] = "HUP<"
      depth = depth - 1
    end)
    finally(function() signal.signal("SIGHUP", signal.SIG_DFL) end)
    signal.raise_signal("SIGHUP")
    assert.same({ "HUP>", "HUP<", USR1, USR2, TERM }, events)
    assert.equal(1, maxdepth)
  end)

  it("dispatches deliveries pending together lowest signal first", function()
    do
      local b <close> = signal.blocked({ TERM, USR2, USR1 })
      signal.raise_signal(TERM)
      signal.raise_signal(USR2)
      signal.raise_signal(USR1)
      assert.same({}, got)
    end
    assert.same({ USR1, USR2, TERM }, got)
  end)

  it("propagates a handler's error and runs the others at the next instruction", function()
    signal.signal(USR1, function() error("boom") end)
    signal.pthread_sigmask(signal.SIG_BLOCK, { TERM, USR2, USR1 })
    signal.raise_signal(TERM)
    signal.raise_signal(USR2)
    signal.raise_signal(USR1)
    assert.same({}, got)
    local ok, err = pcall(signal.pthread_sigmask, signal.SIG_UNBLOCK, { USR1, USR2, TERM })
    assert.is_false(ok)
    assert.matches("boom", err)
    local after = #got  -- an instruction boundary has passed
    assert.equal(2, after)
    assert.same({ USR2, TERM }, got)
  end)

  it("propagates a handler's error from the instruction after the delivery", function()
    signal.signal(USR1, function() error({ code = 42 }) end)
    local reached = 0
    local ok, err = pcall(function()
      while true do
        reached = reached + 1
        -- the signal is delivered before kill returns; the handler
        -- runs, and raises, before the loop counts once more
        if reached == 1000 then signal.kill(ME, USR1) end
      end
    end)
    assert.is_false(ok)
    assert.same({ code = 42 }, err)
    assert.equal(1000, reached)
    -- and inside a coroutine, resume reports it
    local co = coroutine.create(function()
      signal.kill(ME, USR1)
      while true do end
    end)
    local ok2, err2 = coroutine.resume(co)
    assert.is_false(ok2)
    assert.same({ code = 42 }, err2)
    assert.equal("dead", coroutine.status(co))
  end)

  it("leaves no hook behind after deliveries", function()
    for _ = 1, 10 do signal.raise_signal(USR1) end
    signal.kill(ME, USR2)
    assert.is_true(spin(function() return #got == 11 end))
    assert.is_nil(debug.gethook())
    local co = coroutine.create(function()
      signal.kill(ME, USR1)
      spin(function() return #got == 12 end)
      return debug.gethook()
    end)
    assert.same({ true }, { coroutine.resume(co) })
    assert.is_nil(debug.gethook(co))
    assert.is_nil(debug.gethook())
  end)

  it("keeps the program's line hook installed and firing across 50 deliveries", function()
    local lines = 0
    local function hook() lines = lines + 1 end
    debug.sethook(hook, "l")
    for i = 1, 50 do
      if i % 2 == 0 then signal.raise_signal(USR1) else signal.kill(ME, USR2) end
      spin(function() return #got == i end)
    end
    local f, mask = debug.gethook()
    local before = lines
    for _ = 1, 10 do local _ = 1 end
    local after = lines
    debug.sethook()
    assert.equal(50, #got)
    assert.equal(hook, f)
    assert.equal("l", mask)
    assert.is_true(after > before, "line hook stopped firing")
  end)

  it("keeps a count hook and a coroutine's own hook", function()
    local counts = 0
    local function hook() counts = counts + 1 end
    debug.sethook(hook, "", 100)
    for _ = 1, 20 do signal.raise_signal(USR1) end
    local f, mask, count = debug.gethook()
    debug.sethook()
    assert.equal(hook, f)
    assert.equal("", mask)
    assert.equal(100, count)
    assert.is_true(counts > 0)

    local calls = 0
    local co = coroutine.create(function()
      debug.sethook(function() calls = calls + 1 end, "c")
      signal.kill(ME, USR1)
      spin(function() return #got == 21 end)
      local g, m = debug.gethook()
      return g ~= nil, m
    end)
    local ok, has, m = coroutine.resume(co)
    assert.is_true(ok)
    assert.is_true(has)
    assert.equal("c", m)
    assert.is_true(calls > 0)
  end)

  it("lets the program's hook change hooks while a delivery is armed", function()
    local seen = 0
    debug.sethook(function()
      seen = seen + 1
      debug.sethook()  -- removes itself at its first call
    end, "l")
    signal.raise_signal(USR1)
    local _ = 1
    assert.is_nil(debug.gethook())
    assert.equal(1, seen)
    assert.equal(1, #got)
  end)
end)

describe("ownership", function()
  it("belongs to the main thread even when require ran in a dead coroutine", function()
    local out, ok = helpers.run_lua([[
      local signal
      local co = coroutine.create(function()
        signal = require "signal"
        local n = 0
        signal.signal("SIGUSR1", function() n = n + 1 end)
        return function() return n end
      end)
      local _, count = coroutine.resume(co)
      local weak = setmetatable({ co }, { __mode = "v" })
      co = nil
      collectgarbage() collectgarbage()
      assert(weak[1] == nil, "the dead coroutine was not collected")
      os.execute(("kill -USR1 %d"):format(signal.getpid()))
      local t0 = os.clock()
      while count() == 0 and os.clock() - t0 < 20 do end
      print(count())
    ]])
    assert.is_true(ok, out)
    assert.equal("1\n", out)
  end)
end)

describe("the coroutine wrappers", function()
  it("behave exactly as the stock functions", function()
    local script = [[
      local stock = { resume = coroutine.resume, wrap = coroutine.wrap, create = coroutine.create }
      local report = {}
      local function run(resume, wrap)
        local r = {}
        local function add(...) r[#r + 1] = table.concat((function(...)
          local t = table.pack(...)
          for i = 1, t.n do t[i] = tostring(t[i]):gsub("0x%x+", "ADDR") end
          return t end)(...), ",") end
        local co = coroutine.create(function(a, b) local c = coroutine.yield(a + b) error("e" .. c) end)
        add(resume(co, 1, 2)); add(resume(co, 7)); add(resume(co))
        add(pcall(resume)); add(pcall(resume, 1))
        add(pcall(coroutine.wrap, 1))
        add(pcall(coroutine.create, 1)); add(pcall(coroutine.create))
        local w = wrap(function(...) coroutine.yield(...) return "end" end)
        add(w(1, nil, 3)); add(w()); add(pcall(w))
        add(pcall(wrap(function() error("str") end)))
        add(pcall(wrap(function() error({}) end)))
        add(pcall(wrap(function() error() end)))
        add(pcall(wrap(function() local x <close> = setmetatable({}, {__close = function() r[#r+1] = "closed" end}) error("c") end)))
        add(pcall(wrap(function() local x <close> = setmetatable({}, {__close = function() error("in close") end}) error("c") end)))
        -- how deep coroutines nest before "C stack overflow"
        local function nest(n)
          local ok, d = resume(coroutine.create(function() return nest(n + 1) end))
          if ok then return d end
          return n
        end
        local function nestwrap(n)
          local ok, d = pcall(wrap(function() return nestwrap(n + 1) end))
          if ok then return d end
          return n
        end
        add(nest(0)); add(nestwrap(0))
        local dead = coroutine.create(function() local x = nil; return x.y end)
        add(resume(dead))
        add((debug.traceback(dead):gsub("\n%s*%[C%]: in %?", "")))
        local self
        self = coroutine.create(function() return resume(self) end)
        add(resume(self))
        add(select("#", resume(coroutine.create(function() return end))))
        return table.concat(r, "\n")
      end
      local a = run(stock.resume, stock.wrap)
      require "signal"
      local b = run(coroutine.resume, coroutine.wrap)
      assert(coroutine.resume ~= stock.resume and coroutine.wrap ~= stock.wrap
             and coroutine.create ~= stock.create)
      if a == b then print("same") else print(a) print("----") print(b) end
    ]]
    local out, ok = helpers.run_lua(script)
    assert.is_true(ok, out)
    assert.equal("same\n", out)
  end)
end)
