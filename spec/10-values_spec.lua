-- The values and tables the module exports (the platform's numbers,
-- asked of the platform), and the module's effect on the global state.

local signal = require "signal"
local helpers = require "helpers"

describe("values", function()
  it("has the platform's signal numbers, run-time SIGRTMIN/SIGRTMAX and NSIG", function()
    local P = helpers.platform()
    assert.equal(1, signal.SIGHUP)
    assert.equal(2, signal.SIGINT)
    assert.equal(9, signal.SIGKILL)
    assert.equal(10, signal.SIGUSR1)
    assert.equal(15, signal.SIGTERM)
    assert.equal(17, signal.SIGCHLD)
    assert.equal(P.names.SIGCLD, signal.SIGCLD)  -- glibc has it, musl not
    assert.equal(signal.SIGABRT, signal.SIGIOT)
    assert.equal(signal.SIGIO, signal.SIGPOLL)
    if helpers.PORTABLE then  -- no real-time signal by name, as on macOS
      assert.is_nil(signal.SIGRTMIN)
      assert.is_nil(signal.SIGRTMAX)
    else
      assert.equal(P.SIGRTMIN, signal.SIGRTMIN)    -- 34 with glibc, 35 with musl
      assert.equal(P.SIGRTMAX, signal.SIGRTMAX)
    end
    assert.equal(P.NSIG, signal.NSIG)
    assert.equal(65, signal.NSIG)
  end)

  it("has every SIG* name the C library defines, with its number, and no other", function()
    local P = helpers.platform()
    local count = 0
    for name, value in pairs(P.names) do
      count = count + 1
      assert.equal(value, signal[name], name)
    end
    assert.is_true(count >= 30)
    for name, value in pairs(signal) do
      if name:match("^SIG%u+$") and name ~= "SIGRTMIN" and name ~= "SIGRTMAX" then
        assert.equal(P.names[name], value, name)
      end
    end
  end)

  it("lacks in the portable build what macOS lacks, and only that; has it all on Linux", function()
    -- make test PORTABLE=1: the code paths macOS uses (SPEC §6)
    for _, name in ipairs(helpers.PORTABLE_LACKS) do
      if helpers.PORTABLE then
        assert.is_nil(signal[name], name)
      else
        assert.is_not_nil(signal[name], name)
      end
    end
    for _, name in ipairs({ "sigwait", "pthread_kill", "pthread_sigmask", "sigpending", "pause",
                            "set_wakeup_fd", "pollfd", "setitimer", "waitpid" }) do
      assert.is_function(signal[name], name)
    end
    -- the kernel's real-time numbers stay valid signals, named or not
    assert.equal(65, signal.NSIG)
    assert.equal(helpers.platform().SIGRTMAX, signal.valid_signals()[#signal.valid_signals()])
  end)

  it("leaves names the platform lacks nil", function()
    assert.is_nil(signal.SIGEMT)
    assert.is_nil(signal.SIGINFO)
    if not helpers.platform().names.SIGCLD then assert.is_nil(signal.SIGCLD) end
  end)

  it("has Python's every SIG* name that Linux defines", function()
    -- Python here is built on glibc: its names are glibc's, of which
    -- musl lacks SIGCLD (an alias of SIGCHLD).
    local P = helpers.platform()
    local out = helpers.sh([[python3 -c "import signal; print(' '.join(sorted(n for n in dir(signal) if n.startswith('SIG') and not n.startswith('SIG_'))))"]])
    local count = 0
    for name in out:gmatch("%S+") do
      count = count + 1
      if (name == "SIGRTMIN" or name == "SIGRTMAX") and helpers.PORTABLE then
        assert.is_nil(signal[name], name)
      elseif P.names[name] or name == "SIGRTMIN" or name == "SIGRTMAX" then
        assert.is_number(signal[name], name)
      else
        assert.equal("SIGCLD", name, "a name Python has and the C library not")
      end
    end
    assert.is_true(count >= 30)
  end)

  it("has SIG_DFL, SIG_IGN and the mask and timer constants", function()
    assert.equal(0, signal.SIG_DFL)
    assert.equal(1, signal.SIG_IGN)
    assert.equal(0, signal.SIG_BLOCK)
    assert.equal(1, signal.SIG_UNBLOCK)
    assert.equal(2, signal.SIG_SETMASK)
    assert.equal(0, signal.ITIMER_REAL)
    assert.equal(1, signal.ITIMER_VIRTUAL)
    assert.equal(2, signal.ITIMER_PROF)
  end)

  it("maps Signals both ways, with canonical names for aliases", function()
    local S = signal.Signals
    assert.equal(2, S.SIGINT)
    assert.equal("SIGINT", S[2])
    assert.equal("SIGABRT", S[6])
    assert.equal(6, S.SIGIOT)
    assert.equal("SIGCHLD", S[17])
    assert.equal("SIGIO", S[29])
    local P = helpers.platform()
    if helpers.PORTABLE then
      assert.is_nil(S[P.SIGRTMIN])
      assert.is_nil(S[P.SIGRTMAX])
    else
      assert.equal("SIGRTMIN", S[P.SIGRTMIN])
      assert.equal("SIGRTMAX", S[P.SIGRTMAX])
    end
    assert.is_nil(S[40])
    for name, value in pairs(S) do
      if type(name) == "string" then
        assert.equal(signal[name], value)
        assert.is_string(S[value])
      end
    end
  end)

  it("has Handlers and Sigmasks tables", function()
    assert.same({ SIG_DFL = 0, SIG_IGN = 1 }, signal.Handlers)
    assert.same({ SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2 }, signal.Sigmasks)
  end)

  it("has a unique KeyboardInterrupt whose tostring is its name", function()
    local K = signal.KeyboardInterrupt
    assert.is_table(K)
    assert.equal("KeyboardInterrupt", tostring(K))
    local ok, err = pcall(signal.default_int_handler, signal.SIGINT)
    assert.is_false(ok)
    assert.equal(K, err)
    assert.is_true(rawequal(K, err))
  end)
end)

describe("the module", function()
  it("sets no global and replaces only coroutine.resume/wrap/create and debug.sethook/gethook", function()
    local out, ok = helpers.run_lua([[
      local before, saved = {}, {}
      for k in pairs(_G) do before[k] = true end
      for _, lib in ipairs({ "coroutine", "debug", "string", "table", "os", "io" }) do
        saved[lib] = {}
        for k, v in pairs(_G[lib]) do saved[lib][k] = v end
      end
      require "signal"
      for k in pairs(_G) do if not before[k] then print("new global " .. k) end end
      local changed = {}
      for lib, old in pairs(saved) do
        for k, v in pairs(_G[lib]) do
          if old[k] ~= v then changed[#changed + 1] = lib .. "." .. k end
        end
      end
      table.sort(changed)
      print(table.concat(changed, " "))
    ]])
    assert.is_true(ok, out)
    assert.equal("coroutine.create coroutine.resume coroutine.wrap debug.gethook debug.sethook\n", out)
  end)

  it("changes no disposition when required", function()
    local out, ok = helpers.run_lua([[
      local function masks()
        local s = io.open("/proc/self/status"):read("a")
        return s:match("SigIgn:%s*(%x+)") .. " " .. s:match("SigCgt:%s*(%x+)")
      end
      local before = masks()
      local signal = require "signal"
      local after = masks()
      print(before == after and "same" or (before .. " ~= " .. after))
      -- SIG_IGN when inherited ignored (the runner may ignore SIGPIPE)
      local ignored = tonumber(before:match("^%x+"), 16) >> (signal.SIGPIPE - 1) & 1
      print(signal.getsignal("SIGTERM"), signal.getsignal("SIGPIPE") == ignored)
    ]])
    assert.is_true(ok, out)
    assert.equal("same\n0\ttrue\n", out)
  end)

  it("reports the interpreter's own SIGINT handler as nil", function()
    -- lua.c installs a SIGINT handler while it runs a script.
    local out, ok = helpers.run_lua([[
      local signal = require "signal"
      print(signal.getsignal("SIGINT"))
    ]])
    assert.is_true(ok, out)
    assert.equal("nil\n", out)
  end)

  it("reloads after package.loaded.signal = nil and keeps handlers", function()
    local out, ok = helpers.run_lua([[
      local signal = require "signal"
      local n = 0
      local function h() n = n + 1 end
      signal.signal("SIGUSR1", h)
      local K = signal.KeyboardInterrupt
      package.loaded.signal, package.loaded["signal.core"] = nil, nil
      local again = require "signal"
      assert(again ~= signal, "not reloaded")
      assert(again.getsignal("SIGUSR1") == h, "handler lost")
      assert(again.KeyboardInterrupt == K, "KeyboardInterrupt changed")
      again.raise_signal("SIGUSR1")
      local ok, e = pcall(coroutine.wrap(function() error("x", 0) end))
      print(n, ok, e)
    ]])
    assert.is_true(ok, out)
    assert.equal("1\tfalse\tx\n", out)
  end)
end)
