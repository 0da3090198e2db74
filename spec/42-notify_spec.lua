-- sd_notify(state): a real unix datagram socket bound here is the
-- child's NOTIFY_SOCKET (LuaSocket's socket.unix.dgram), and this
-- reads what the module sends.

local helpers = require "helpers"
local launch = require "launch"
local signal = require "signal"

teardown(helpers.cleanup)

local PRE = [[
local signal = require "signal"
io.stdout:setvbuf("line")
]]

-- A datagram socket bound to a fresh path, or to an abstract name
-- (LuaSocket binds no abstract name of its choosing: an empty path
-- has the kernel pick one, which /proc/net/unix shows by the socket's
-- inode); returns it and the NOTIFY_SOCKET value that names it.
local function listener(abstract)
  local unix = require "socket.unix"
  local s = assert(unix.dgram())
  local name
  if abstract then
    assert(s:bind(""))
    local p = io.popen(("readlink /proc/%d/fd/%d"):format(signal.getpid(), s:getfd()))
    local inode = assert(p:read("a"):match("socket:%[(%d+)%]"))
    p:close()
    for line in io.lines("/proc/net/unix") do
      local fields = {}
      for f in line:gmatch("%S+") do fields[#fields + 1] = f end
      if fields[7] == inode then name = fields[8] end
    end
    assert(name and name:sub(1, 1) == "@", "no abstract name")
  else
    name = helpers.tempname()
    os.remove(name)
    assert(s:bind(name))
  end
  s:settimeout(20)
  return s, name
end

local function run(body, env)
  local p = launch.lua(PRE .. body, nil, { env = env })
  finally(p.cleanup)
  return p
end

describe("sd_notify", function()
  it("sends a string, or a table in the order of its names, as one datagram each", function()
    local s, name = listener()
    finally(function() s:close(); os.remove(name) end)
    local p = run([[
      print(signal.sd_notify("READY=1"))
      print(signal.sd_notify{STATUS = "loading things", READY = 1, MAINPID = signal.getpid(), X_OK = true})
    ]], { NOTIFY_SOCKET = name })
    assert.are.equal("READY=1", s:receive())
    assert.are.equal(("MAINPID=%d\nREADY=1\nSTATUS=loading things\nX_OK=1"):format(p.pid), s:receive())
    assert.are.same({ "exit", 0 }, { p.reap() })
    assert.are.equal("true\ntrue\n", p.output())
  end)

  it("reaches an abstract socket (@name)", function()
    local s, name = listener(true)
    finally(function() s:close() end)
    local p = run([[print(signal.sd_notify("STATUS=abstract"))]], { NOTIFY_SOCKET = name })
    assert.are.equal("STATUS=abstract", s:receive())
    assert.are.same({ "exit", 0 }, { p.reap() })
    assert.are.equal("true\n", p.output())
  end)

  it("adds MONOTONIC_USEC, the monotonic clock in microseconds, to RELOADING=1", function()
    local s, name = listener()
    finally(function() s:close(); os.remove(name) end)
    local p = run([[
      signal.sd_notify("RELOADING=1")
      signal.sleep(0.2)
      signal.sd_notify{RELOADING = 1}
      signal.sd_notify("RELOADING=1\nMONOTONIC_USEC=5")   -- given: kept
      signal.sd_notify("READY=1")
    ]], { NOTIFY_SOCKET = name })
    local a = tonumber(s:receive():match("^RELOADING=1\nMONOTONIC_USEC=(%d+)$"))
    local b = tonumber(s:receive():match("^RELOADING=1\nMONOTONIC_USEC=(%d+)$"))
    assert.truthy(a and b)
    assert.is_true(b - a >= 200000 and b - a < 20e6, ("%d %d"):format(a, b))
    assert.are.equal("RELOADING=1\nMONOTONIC_USEC=5", s:receive())
    assert.are.equal("READY=1", s:receive())
    assert.are.same({ "exit", 0 }, { p.reap() })
  end)

  it("returns false without NOTIFY_SOCKET, fail, message, errno when the socket is not there", function()
    local p = run([[
      print(signal.sd_notify("READY=1"))
    ]], { NOTIFY_SOCKET = false })
    assert.are.same({ "exit", 0 }, { p.reap() })
    assert.are.equal("false\n", p.output())
    local missing = helpers.tempname()
    os.remove(missing)
    p = run([[print(signal.sd_notify("READY=1"))]], { NOTIFY_SOCKET = missing })
    assert.are.same({ "exit", 0 }, { p.reap() })
    assert.are.equal("nil\tsd_notify: No such file or directory\t2\n", p.output())
    p = run([[print(signal.sd_notify("READY=1"))]], { NOTIFY_SOCKET = "vsock:2:1234" })
    assert.are.same({ "exit", 0 }, { p.reap() })
    assert.truthy(p.output():match("^nil\tsd_notify: [^\t]+\t%d+\n$"), p.output())
  end)

  it("refuses bad states with a clear error", function()
    local cases = {
      { nil, "bad argument #1 to 'sd_notify' (string or table expected, got nil)" },
      { 1, "bad argument #1 to 'sd_notify' (string or table expected, got number)" },
      { {}, "bad argument #1 to 'sd_notify' (empty state)" },
      { { "READY=1" }, "bad argument #1 to 'sd_notify' (the keys of a state table must be strings)" },
      { { ["A=B"] = 1 }, "bad argument #1 to 'sd_notify' (invalid state name 'A=B')" },
      { { READY = {} }, "bad argument #1 to 'sd_notify' (the value of 'READY' must be a string, a number or true)" },
      { { READY = false }, "bad argument #1 to 'sd_notify' (the value of 'READY' must be a string, a number or true)" },
      { { STATUS = "a\nb" }, "bad argument #1 to 'sd_notify' (the value of 'STATUS' has a newline)" },
    }
    for _, case in ipairs(cases) do
      local ok, err = pcall(signal.sd_notify, case[1])
      assert.is_false(ok)
      assert.are.equal(case[2], (err:gsub("'[%w%.]*sd_notify'", "'sd_notify'")))
    end
  end)

  it("is sent as STOPPING=1 by a shutdown token at the first signal, from the C handler", function()
    local s, name = listener()
    finally(function() s:close(); os.remove(name) end)
    local fifo = helpers.tempname()
    os.remove(fifo)
    assert(os.execute("mkfifo " .. fifo))
    -- stuck in open() of a FIFO: no Lua code runs when SIGTERM comes
    local p = launch.lua(PRE .. [[
      local stop <close> = signal.shutdown{"SIGTERM"}
      signal.sd_notify("READY=1")
      io.open(arg[1])
    ]], { fifo }, { env = { NOTIFY_SOCKET = name } })
    finally(p.cleanup)
    assert.are.equal("READY=1", s:receive())
    assert.truthy(helpers.wait_until(function() return helpers.state(p.pid) == "S" end))
    assert(signal.kill(p.pid, "SIGTERM"))
    assert.are.equal("STOPPING=1", s:receive())
    assert(signal.kill(p.pid, "SIGTERM"))
    assert.are.same({ "signal", signal.SIGTERM }, { p.reap() }, p.output())
    os.remove(fifo)
  end)
end)
