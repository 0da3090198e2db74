-- set_wakeup_fd and pollfd, read back through real
-- sockets (LuaSocket, whose sockets are non-blocking) and waking
-- LuaSocket's select.

local signal = require "signal"
local helpers = require "helpers"

teardown(helpers.cleanup)  -- the files of the processes it spawned
local socket = require "socket"

local now = helpers.now
local counter = helpers.counter
local USR1, USR2, WINCH = signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH
local ME = signal.getpid()

-- Two connected TCP sockets on the loopback: what is written to one
-- can be read from the other.
local function pair()
  local server = assert(socket.bind("127.0.0.1", 0))
  local ip, port = server:getsockname()
  local a = assert(socket.connect(ip, port))
  local b = assert(server:accept())
  server:close()
  return a, b
end

-- An integer fd as LuaSocket's select wants it.
local function selectable(fd)
  return { getfd = function() return fd end, dirty = function() return false end }
end

local function readable(fd, timeout)
  local r = socket.select({ selectable(fd) }, nil, timeout or 0)
  return #r > 0
end

-- The descriptor of a file this process has open, found in /proc.
local function fdof(path)
  local p = assert(io.popen("ls -l /proc/" .. ME .. "/fd"))
  local listing = p:read("a")
  p:close()
  for fd, target in listing:gmatch("(%d+) %-> ([^\n]+)") do
    if target == path then return tonumber(fd) end
  end
end

describe("set_wakeup_fd", function()
  local a, b, c, scopes
  before_each(function()
    a, b = pair()
    c = counter()
    scopes = { signal.scoped(USR1, c.handler), signal.scoped(USR2, c.handler),
               signal.scoped(WINCH, signal.SIG_IGN) }
  end)
  after_each(function()
    signal.set_wakeup_fd(-1)
    for i = #scopes, 1, -1 do getmetatable(scopes[i]).__close(scopes[i]) end
    a:close()
    b:close()
  end)

  it("returns the previous fd, -1 if none", function()
    local fa, fb = math.tointeger(a:getfd()), math.tointeger(b:getfd())
    assert.equal(-1, signal.set_wakeup_fd(-1))
    assert.equal(-1, signal.set_wakeup_fd(fa))
    assert.equal(fa, signal.set_wakeup_fd(fb, { warn_on_full_buffer = false }))
    assert.equal(fb, signal.set_wakeup_fd(-1))
    assert.equal(-1, signal.set_wakeup_fd(-1))
  end)

  it("writes each delivery's signal number as one byte, for Lua handlers only", function()
    signal.set_wakeup_fd(a:getfd())
    signal.raise_signal(USR2)
    signal.raise_signal(USR1)
    signal.raise_signal(WINCH)  -- ignored: no byte
    signal.raise_signal(USR2)
    assert.same({ USR2, USR1, USR2 }, c.got)
    b:settimeout(5)
    assert.equal(string.char(USR2, USR1, USR2), b:receive(3))
    -- one from another process, while this one waits in select
    helpers.send_from_child(ME, "SIGUSR1", 1, 0.1)
    local r = socket.select({ b }, nil, 10)
    assert.equal(b, r[1])
    assert.equal(string.char(USR1), b:receive(1))
    assert.is_truthy(helpers.wait_until(function() return c.n == 4 end, 5))
    -- and nothing else came
    b:settimeout(0.1)
    local data, err = b:receive(1)
    assert.is_nil(data)
    assert.equal("timeout", err)
  end)

  it("writes nothing once set back to -1", function()
    signal.set_wakeup_fd(a:getfd())
    signal.set_wakeup_fd(-1)
    signal.raise_signal(USR1)
    assert.equal(1, c.n)
    assert.is_false(readable(b:getfd(), 0.1))
  end)

  it("refuses a blocking fd, a bad fd and bad options, and keeps the fd it had", function()
    local fa = math.tointeger(a:getfd())
    signal.set_wakeup_fd(fa)
    local name = os.tmpname()
    local f = assert(io.open(name, "w"))
    local fd = fdof(name)
    assert.is_number(fd, "no fd for the temporary file")
    assert.has_error(function() signal.set_wakeup_fd(fd) end,
      ("bad argument #1 to 'set_wakeup_fd' (the fd %d must be in non-blocking mode)"):format(fd))
    f:close()
    os.remove(name)
    assert.has_error(function() signal.set_wakeup_fd(1000000) end,
      "set_wakeup_fd: Bad file descriptor")
    assert.has_error(function() signal.set_wakeup_fd(-2) end,
      "bad argument #1 to 'set_wakeup_fd' (invalid fd)")
    -- a number that a cast to int would turn into a valid fd
    assert.has_error(function() signal.set_wakeup_fd(2 ^ 32 + fa) end,
      "bad argument #1 to 'set_wakeup_fd' (invalid fd)")
    assert.has_error(function() signal.set_wakeup_fd(-2 ^ 32 - 1) end,
      "bad argument #1 to 'set_wakeup_fd' (invalid fd)")
    assert.has_error(function() signal.set_wakeup_fd(1.5) end,
      "bad argument #1 to 'set_wakeup_fd' (number has no integer representation)")
    assert.has_error(function() signal.set_wakeup_fd("x") end,
      "bad argument #1 to 'set_wakeup_fd' (number expected, got string)")
    assert.has_error(function() signal.set_wakeup_fd() end,
      "bad argument #1 to 'set_wakeup_fd' (number expected, got no value)")
    assert.has_error(function() signal.set_wakeup_fd(fa, true) end,
      "bad argument #2 to 'set_wakeup_fd' (table expected, got boolean)")
    assert.equal(fa, signal.set_wakeup_fd(-1))
  end)
end)

describe("set_wakeup_fd's warnings", function()
  -- Lua's warnings reach stderr only in a child that turned them on.
  local function run(fill, options)
    return helpers.run_lua(([[
      local signal = require "signal"
      local socket = require "socket"
      warn("@on")
      -- a Unix-domain stream pair, not TCP: on the loopback TCP goes on
      -- freeing send-buffer space for a while after send() has failed
      -- (ACKs, buffer autotuning), so a byte written a moment later may
      -- fit; a Unix socket stays full until the other end reads
      local unix = require "socket.unix"
      local path = os.tmpname()
      os.remove(path)
      local server = assert(unix.stream())
      assert(server:bind(path))
      assert(server:listen(1))
      local a = assert(unix.stream())
      assert(a:connect(path))
      local b = assert(server:accept())  -- kept open, never read
      server:close()
      os.remove(path)
      signal.signal("SIGUSR1", function() io.stderr:write("handled\n") end)
      local fd = a:getfd()
      local mode = %q
      -- fills the buffer right before each delivery
      local function fill()
        if mode ~= "full" then return end
        a:settimeout(0)
        local chunk = string.rep("x", 65536)
        repeat local ok = a:send(chunk) until not ok
        repeat local ok = a:send("x") until not ok
        assert(not socket.select(nil, { a }, 0)[1], "still writable")
      end
      if mode == "readonly" then
        fd = signal.pollfd()  -- the read end of a pipe: write(2) fails
      end
      signal.set_wakeup_fd(fd, %s)
      fill()
      signal.raise_signal("SIGUSR1")
      fill()
      signal.raise_signal("SIGUSR1")
      io.stderr:write("done\n")
    ]]):format(fill, options or "nil"))
  end

  it("report a full buffer, by default", function()
    local out, ok = run("full")
    assert.is_true(ok, out)
    assert.equal("Lua warning: signal: failed to write to the wakeup fd: Resource temporarily unavailable\n" ..
                 "handled\n" ..
                 "Lua warning: signal: failed to write to the wakeup fd: Resource temporarily unavailable\n" ..
                 "handled\ndone\n", out)
  end)

  it("say nothing of a full buffer with warn_on_full_buffer = false", function()
    local out, ok = run("full", "{ warn_on_full_buffer = false }")
    assert.is_true(ok, out)
    assert.equal("handled\nhandled\ndone\n", out)
  end)

  it("report other write failures whatever warn_on_full_buffer says", function()
    local out, ok = run("readonly", "{ warn_on_full_buffer = false }")
    assert.is_true(ok, out)
    assert.equal("Lua warning: signal: failed to write to the wakeup fd: Bad file descriptor\n" ..
                 "handled\n" ..
                 "Lua warning: signal: failed to write to the wakeup fd: Bad file descriptor\n" ..
                 "handled\ndone\n", out)
  end)
end)

describe("pollfd", function()
  local c, scopes
  before_each(function()
    c = counter()
    scopes = { signal.scoped(USR1, c.handler), signal.scoped(USR2, c.handler) }
  end)
  after_each(function()
    for i = #scopes, 1, -1 do getmetatable(scopes[i]).__close(scopes[i]) end
  end)

  it("is one non-blocking fd, unreadable while nothing is pending", function()
    local fd = signal.pollfd()
    assert.equal("integer", math.type(fd))
    assert.is_true(fd >= 0)
    assert.equal(fd, signal.pollfd())
    -- set_wakeup_fd takes only non-blocking fds
    assert.equal(-1, signal.set_wakeup_fd(fd))
    assert.equal(fd, signal.set_wakeup_fd(-1))
    signal.check()
    assert.is_false(readable(fd))
  end)

  it("wakes LuaSocket's select when another process sends a signal", function()
    local fd = signal.pollfd()
    assert.is_false(readable(fd))
    local t0 = now()  -- before the sender starts: it sends 0.2 s later
    helpers.send_from_child(ME, "SIGUSR1", 1, 0.2)
    local r = socket.select({ selectable(fd) }, nil, 10)
    local took = now() - t0
    assert.equal(1, #r)
    assert.is_true(took >= 0.1 and took < 9, "select returned after " .. took)
    signal.check()
    assert.equal(1, c.n)
    assert.is_false(readable(fd))
    -- and again: the fd is ready for the next one
    helpers.send_from_child(ME, "SIGUSR2", 1, 0.1)
    r = socket.select({ selectable(fd) }, nil, 10)
    assert.equal(1, #r)
    signal.check()
    assert.same({ USR1, USR2 }, c.got)
    assert.is_false(readable(fd))
  end)

  it("is readable while a delivery waits for its handler, and until check() drains it", function()
    local fd = signal.pollfd()
    local during
    scopes[#scopes + 1] = signal.scoped(USR1, function(n)
      c.handler(n)
      signal.raise_signal(USR2)  -- waits: handlers do not nest
      during = readable(fd)
      signal.check()  -- does nothing inside a handler
    end)
    signal.raise_signal(USR1)
    assert.is_true(during)
    assert.same({ USR1, USR2 }, c.got)
    -- the handlers ran, but the loop has not looked yet: still readable
    assert.is_true(readable(fd))
    signal.check()
    assert.is_false(readable(fd))
  end)

  it("still wakes select when the handler already ran between the loop's check and select", function()
    -- the self-pipe race: a loop tests its flag, a signal arrives and its
    -- handler runs at the next instruction, then the loop calls select
    local fd = signal.pollfd()
    signal.check()
    local stop = false
    scopes[#scopes + 1] = signal.scoped(USR1, function() stop = true end)
    local woke, took
    while not stop do
      signal.kill(ME, USR1)  -- handled before select is reached
      local t0 = now()
      woke = socket.select({ selectable(fd) }, nil, 5)
      took = now() - t0
      signal.check()
    end
    assert.equal(1, #woke)
    assert.is_true(took < 4, "select slept " .. took .. " s through a delivery")
    assert.is_false(readable(fd))
  end)

  it("serves a select loop through a burst of deliveries", function()
    local fd = signal.pollfd()
    local sender = helpers.spawn_lua(([[
      local signal = require "signal"
      for i = 1, 20 do
        signal.kill(%d, i %% 2 == 0 and "SIGUSR2" or "SIGUSR1")
        signal.sleep(0.01)
      end
    ]]):format(ME))
    local deadline = now() + 60  -- a bound for a stall, not a speed
    while now() < deadline and not (helpers.gone(sender) and c.n > 0 and not readable(fd)) do
      socket.select({ selectable(fd) }, nil, 0.5)
      signal.check()
    end
    assert.is_true(c.n >= 2 and c.n <= 20, "deliveries: " .. c.n)
    assert.is_false(readable(fd))
  end)
end)
