-- waitpid(pid [, options]): Python's os.waitpid with Lua's os.execute
-- convention. Real children, each case in a child Lua process (its
-- children are its own), started through io.popen with `exec` so that
-- the pid the shell prints is the child's.

local helpers = require "helpers"

local PRE = [[
local signal = require "signal"
io.stdout:setvbuf("line")
-- a child of this process running `cmd`, and its io.popen handle
local function child(cmd)
  local p = io.popen("echo $$; exec " .. cmd)
  return tonumber(p:read("l")), p
end
-- a sender, waited for when this state closes (io.popen's handles
-- close then): nothing is left to be reparented
local senders = {}
local function later(delay, sig)
  senders[#senders + 1] = io.popen(("sleep %g; kill -%s %d"):format(delay, sig, signal.getpid()))
end
]]

local function run(body)
  local out, ok, how, code = helpers.run_lua(PRE .. body)
  assert.is_true(ok, ("%s %s\n%s"):format(how, code, out))
  return out
end


-- ECHILD's text is the C library's: musl says "No child process".
local function echild(out)
  return (out:gsub("No child process%f[^%a]", "No child processes"))
end

describe("waitpid", function()
  it("has the WNOHANG, WUNTRACED and WCONTINUED of the platform", function()
    local signal = require "signal"
    assert.are.equal(1, signal.WNOHANG)
    assert.are.equal(2, signal.WUNTRACED)
    assert.are.equal(8, signal.WCONTINUED)
  end)

  it("returns pid, \"exit\", code and pid, \"signal\", signum", function()
    local out = run [[
      local pid = child("sh -c 'exit 3'")
      local a, how, code = signal.waitpid(pid)
      print(a == pid, how, code)
      pid = child("sh -c 'kill -TERM $$'")
      a, how, code = signal.waitpid(pid)
      print(a == pid, how, code)
      pid = child("true")
      a, how, code = signal.waitpid(-1)   -- any child
      print(a == pid, how, code)
    ]]
    assert.are.equal("true\texit\t3\ntrue\tsignal\t15\ntrue\texit\t0\n", out)
  end)

  it("returns 0 with WNOHANG while the child runs, fail, message, errno without children", function()
    local out = run [[
      local pid = child("sleep 60")
      print(signal.waitpid(pid, signal.WNOHANG))
      signal.kill(pid, "SIGKILL")
      print(select(2, signal.waitpid(pid)))
      print(signal.waitpid(-1, signal.WNOHANG))
      print(signal.waitpid(-1))
    ]]
    assert.are.equal("0\nsignal\t9\n" .. ("nil\twaitpid: No child processes\t10\n"):rep(2), echild(out))
  end)

  it("reports a stopped and a continued child", function()
    local out = run [[
      local pid = child("sleep 60")
      signal.kill(pid, "SIGSTOP")
      print(select(2, signal.waitpid(pid, signal.WUNTRACED)))
      signal.kill(pid, "SIGCONT")
      print(select(2, signal.waitpid(pid, signal.WCONTINUED)))
      signal.kill(pid, "SIGKILL")
      print(select(2, signal.waitpid(pid)))
    ]]
    assert.are.equal("stopped\t19\ncontinued\t18\nsignal\t9\n", out)
  end)

  it("refuses a pid outside pid_t rather than truncate it", function()
    local signal = require "signal"
    local me = signal.getpid()
    for _, f in ipairs({ "waitpid", "kill", "killpg" }) do
      local ok, err = pcall(signal[f], 2^32 + me, 0)
      assert.is_false(ok)
      assert.matches("bad argument #1 to '.-" .. f .. "' %(pid out of range%)", err)
    end
    -- options it does not know are refused, not passed on (the kernel
    -- would say EINVAL, an ordinary-looking failure)
    for _, bad in ipairs({ -1, 12345, signal.WNOHANG | 0x100, 2^40 }) do
      assert.error_matches(function() signal.waitpid(-1, bad) end,
        "bad argument #2 to '.-waitpid' %(options must be WNOHANG, WUNTRACED and WCONTINUED, added together%)")
    end
  end)

  it("runs handlers while it waits, and goes on waiting (PEP 475)", function()
    -- The handler ends the child: proof that it ran during the wait.
    local out = run [[
      local pid = child("sleep 60")
      local calls = 0
      signal.signal("SIGUSR1", function()
        calls = calls + 1
        if calls == 2 then signal.kill(pid, "SIGTERM") end
      end)
      later(0.1, "USR1")
      later(0.3, "USR1")
      local a, how, code = signal.waitpid(pid)
      print(a == pid, how, code, calls)
    ]]
    assert.are.equal("true\tsignal\t15\t2\n", out)
  end)

  it("runs a SIGCHLD handler and still returns the child", function()
    local out = run [[
      local chld = 0
      signal.signal("SIGCHLD", function() chld = chld + 1 end)
      local pid = child("sleep 0.2")
      local a, how, code = signal.waitpid(pid)
      signal.check()
      print(a == pid, how, code, chld >= 1)
    ]]
    assert.are.equal("true\texit\t0\ttrue\n", out)
  end)

  it("ends when a handler raises, and the child can still be reaped", function()
    local out = run [[
      local pid = child("sleep 60")
      signal.signal("SIGUSR1", function() error("stop waiting", 0) end)
      later(0.1, "USR1")
      print(pcall(signal.waitpid, pid))
      signal.kill(pid, "SIGKILL")
      print(select(2, signal.waitpid(pid)))
    ]]
    assert.are.equal("false\tstop waiting\nsignal\t9\n", out)
  end)

  it("with SIGCHLD ignored, waits until the kernel has reaped them all", function()
    local out = run [[
      signal.signal("SIGCHLD", signal.SIG_IGN)
      child("sleep 0.1")
      child("sleep 0.2")
      print(signal.waitpid(-1))
    ]]
    assert.are.equal("nil\twaitpid: No child processes\t10\n", echild(out))
  end)

  it("shows the trap: a SIGCHLD handler that reaps everything reaps io.popen's child", function()
    local out = run [[
      signal.signal("SIGCHLD", function()
        while (signal.waitpid(-1, signal.WNOHANG) or 0) > 0 do end
      end)
      local p = io.popen("echo hello")
      print(p:read("l"))
      -- wait until the handler has reaped the shell
      while signal.waitpid(-1, signal.WNOHANG) ~= nil do signal.sleep(0.01) end
      print(p:close())
    ]]
    assert.are.equal("hello\nnil\tNo child processes\t10\n", echild(out))
  end)
end)
