-- The core functions: their results, bad arguments refused with
-- luaL_argerror's exact messages (Python's wording inside), and no
-- state changed by a refused call.

local signal = require "signal"
local helpers = require "helpers"

teardown(helpers.cleanup)  -- the files of the processes it spawned

local USR1 = signal.SIGUSR1
local restore = helpers.restore

describe("signal and getsignal", function()
  after_each(restore)

  it("return the previous handler in every form", function()
    local function h() end
    local callable = setmetatable({}, { __call = function() end })
    assert.equal(signal.SIG_DFL, signal.getsignal(USR1))
    assert.equal(signal.SIG_DFL, signal.signal(USR1, h))
    assert.equal(h, signal.getsignal(USR1))
    assert.equal(h, signal.signal(USR1, callable))
    assert.equal(callable, signal.signal(USR1, signal.SIG_IGN))
    assert.equal(signal.SIG_IGN, signal.signal(USR1, signal.SIG_DFL))
    assert.equal(signal.SIG_DFL, signal.getsignal(USR1))
  end)

  it("take signal names wherever numbers go", function()
    local function h() end
    signal.signal("SIGUSR1", h)
    assert.equal(h, signal.getsignal(USR1))
    assert.equal(h, signal.getsignal("SIGUSR1"))
  end)

  it("call a callable table with the signal number", function()
    local got
    local callable = setmetatable({}, { __call = function(self, signo) got = { self, signo } end })
    signal.signal(USR1, callable)
    signal.raise_signal(USR1)
    assert.same({ callable, USR1 }, got)
  end)

  local bad = {
    { { 0, 0 }, "bad argument #1 to 'signal' (signal number out of range)" },
    { { 65, 0 }, "bad argument #1 to 'signal' (signal number out of range)" },
    { { -1, 0 }, "bad argument #1 to 'signal' (signal number out of range)" },
    { { 2.5, 0 }, "bad argument #1 to 'signal' (number has no integer representation)" },
    { { "SIGFOO", 0 }, "bad argument #1 to 'signal' (unknown signal name 'SIGFOO')" },
    { { "10", 0 }, "bad argument #1 to 'signal' (unknown signal name '10')" },
    { { {}, 0 }, "bad argument #1 to 'signal' (signal number or name expected, got table)" },
    { { nil, 0 }, "bad argument #1 to 'signal' (signal number or name expected, got nil)" },
    { { 10, 5 }, "bad argument #2 to 'signal' (signal handler must be signal.SIG_IGN, signal.SIG_DFL, or a callable object)" },
    { { 10, "x" }, "bad argument #2 to 'signal' (signal handler must be signal.SIG_IGN, signal.SIG_DFL, or a callable object)" },
    { { 10, {} }, "bad argument #2 to 'signal' (signal handler must be signal.SIG_IGN, signal.SIG_DFL, or a callable object)" },
    { { 10, nil }, "bad argument #2 to 'signal' (signal handler must be signal.SIG_IGN, signal.SIG_DFL, or a callable object)" },
    { { 9, print }, "SIGKILL cannot be caught or ignored: Invalid argument" },
    { { "SIGKILL", signal.SIG_DFL }, "SIGKILL cannot be caught or ignored: Invalid argument" },
    { { "SIGSTOP", print }, "SIGSTOP cannot be caught or ignored: Invalid argument" },
  }
  -- the numbers the C library reserves for itself: 32 to SIGRTMIN - 1
  for s = 32, helpers.platform().SIGRTMIN - 1 do
    bad[#bad + 1] = { { s, s % 2 == 0 and print or signal.SIG_IGN },
                      "signal " .. s .. " is reserved by the C library: Invalid argument" }
  end
  for _, case in ipairs(bad) do
    local args, message = case[1], case[2]
    it("refuses (" .. message .. ") for " .. tostring(args[1]) .. ", " .. tostring(args[2]) .. " and changes nothing", function()
      if os.getenv("LUA_WRAPPER") and message:find("cannot be caught", 1, true) then
        return pending("under valgrind, whose sigaction accepts SIGKILL and SIGSTOP")
      end
      local function h() end
      signal.signal(USR1, h)
      local before = {}
      for s = 1, 64 do before[s] = signal.getsignal(s) end
      assert.has_error(function() signal.signal(args[1], args[2]) end, message)
      for s = 1, 64 do assert.equal(before[s], signal.getsignal(s), "signal " .. s) end
      assert.equal(h, signal.getsignal(USR1))
    end)
  end

  it("getsignal checks its argument like signal", function()
    assert.has_error(function() signal.getsignal(99) end,
      "bad argument #1 to 'getsignal' (signal number out of range)")
    assert.has_error(function() signal.getsignal("TERM") end,
      "bad argument #1 to 'getsignal' (unknown signal name 'TERM')")
  end)

  it("getsignal gives SIG_DFL for SIGKILL and nil for a handler not set from Lua", function()
    assert.equal(signal.SIG_DFL, signal.getsignal("SIGKILL"))
    -- lua.c's own SIGINT handler, seen from a child interpreter
    local out = helpers.run_lua("print(require('signal').getsignal(2))")
    assert.equal("nil\n", out)
  end)
end)

describe("raise_signal", function()
  after_each(restore)

  it("has run the handler when it returns", function()
    local got = {}
    signal.signal(USR1, function(s) got[#got + 1] = s end)
    signal.raise_signal(USR1)
    assert.same({ USR1 }, got)
    signal.raise_signal("SIGUSR1")
    assert.same({ USR1, USR1 }, got)
  end)

  it("does nothing visible for an ignored signal", function()
    signal.signal(USR1, signal.SIG_IGN)
    signal.raise_signal(USR1)
  end)

  it("kills the process under the default action", function()
    local _, ok, how, code = helpers.run_lua("require('signal').raise_signal('SIGTERM') print('alive')")
    assert.is_nil(ok)
    assert.equal("signal", how)
    assert.equal(signal.SIGTERM, code)
  end)

  it("refuses bad numbers and the C library's reserved signals", function()
    assert.has_error(function() signal.raise_signal(0) end,
      "bad argument #1 to 'raise_signal' (signal number out of range)")
    -- 32 to SIGRTMIN - 1 belong to the C library's threads: glibc's
    -- raise refuses them, musl's sends them, which kills the process;
    -- so a child tries, and must be refused with an error
    for s = 32, helpers.platform().SIGRTMIN - 1 do
      local out, ok = helpers.run_lua(([[
        print(pcall(require("signal").raise_signal, %d))
      ]]):format(s))
      assert.is_true(ok, "raise_signal(" .. s .. "): " .. out)
      assert.matches("^false\t.*reserved", out)
    end
  end)
end)

describe("strsignal and valid_signals", function()
  it("describes known signals and gives nil for unknown ones", function()
    assert.equal("Interrupt", signal.strsignal(2))
    assert.equal("Hangup", signal.strsignal("SIGHUP"))
    assert.is_string(signal.strsignal(helpers.platform().SIGRTMIN))
    -- glibc: "Unknown signal 32", which is nil; musl: "RT32"
    local text = helpers.platform().strsignal32
    if text:match("^Unknown signal") then
      assert.is_nil(signal.strsignal(32))
    else
      assert.equal(text, signal.strsignal(32))
    end
    assert.has_error(function() signal.strsignal(0) end,
      "bad argument #1 to 'strsignal' (signal number out of range)")
  end)

  it("lists every valid signal in ascending order, as Python", function()
    local v = signal.valid_signals()
    -- what the C library's sigfillset fills: 62 signals with glibc, 61 with musl
    assert.same(helpers.platform().valid, v)
    for i = 2, #v do assert.is_true(v[i - 1] < v[i]) end
    if not helpers.musl() then  -- Python here is built on glibc
      local out = helpers.sh([[python3 -c "import signal; print(' '.join(str(s) for s in sorted(signal.valid_signals())))"]])
      assert.equal(out:gsub("%s+$", ""), table.concat(v, " "))
      assert.equal(62, #v)
    end
  end)
end)

describe("kill, killpg and getpid", function()
  it("getpid is this process's id", function()
    local out = helpers.sh("echo $PPID")  -- the shell's parent is this process
    assert.equal(tonumber(out), signal.getpid())
  end)

  it("kill returns true, or fail, message and errno without raising", function()
    assert.is_true(signal.kill(signal.getpid(), 0))
    local ok, msg, errno = signal.kill(2 ^ 22 + 12345, 0)
    assert.is_nil(ok)
    assert.equal("kill: No such process", msg)
    assert.equal(3, errno)
  end)

  it("kill and killpg stop a real child", function()
    local pid = helpers.spawn_lua("require('signal').sleep(60)")
    assert.is_true(helpers.wait_until(function() return signal.kill(pid, 0) end))
    assert.is_true(signal.kill(pid, "SIGTERM"))
    assert.is_true(helpers.wait_until(function() return helpers.gone(pid) end))
    local ok, msg, errno = signal.killpg(2 ^ 22 + 12345, signal.SIGTERM)
    assert.is_nil(ok)
    assert.equal("killpg: No such process", msg)
    assert.equal(3, errno)
  end)

  it("kill checks its arguments", function()
    assert.has_error(function() signal.kill("x", 0) end,
      "bad argument #1 to 'kill' (number expected, got string)")
    assert.has_error(function() signal.kill(1, 65) end,
      "bad argument #2 to 'kill' (signal number out of range)")
    assert.has_error(function() signal.killpg(1, "SIGNOPE") end,
      "bad argument #2 to 'killpg' (unknown signal name 'SIGNOPE')")
  end)
end)

describe("check and default_int_handler", function()
  after_each(restore)

  it("check runs what is pending and does nothing otherwise", function()
    local n = 0
    signal.signal(USR1, function() n = n + 1 end)
    signal.check()
    assert.equal(0, n)
    local blocker <close> = signal.blocked({ USR1 })
    signal.raise_signal(USR1)        -- blocked: stays in the kernel
    assert.equal(0, n)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, { USR1 })  -- handled inside
    assert.equal(1, n)
    signal.check()
    assert.equal(1, n)
  end)

  it("default_int_handler raises KeyboardInterrupt from a delivery", function()
    signal.signal(USR1, signal.default_int_handler)
    local ok, err = pcall(function()
      signal.kill(signal.getpid(), USR1)
      local x = 0
      for i = 1, 1e8 do x = x + i end
      return x
    end)
    assert.is_false(ok)
    assert.equal(signal.KeyboardInterrupt, err)
  end)

  it("an uncaught KeyboardInterrupt ends a script with its name", function()
    local out, ok = helpers.run_lua([[
      local signal = require "signal"
      signal.signal("SIGINT", signal.default_int_handler)
      signal.raise_signal("SIGINT")
    ]])
    assert.is_nil(ok)
    assert.matches("KeyboardInterrupt", out)
  end)
end)
