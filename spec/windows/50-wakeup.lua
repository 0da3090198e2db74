-- pollfd, the watcher, set_wakeup_fd and check on Windows, where the
-- descriptors are sockets. (Whether select sees them readable needs
-- LuaSocket, which this Wine setup has no Windows build of.)
local t = ...
local signal = require "signal"

t.test("pollfd is a socket, the same one each time, and the watcher's", function()
  local fd = signal.pollfd()
  assert(math.type(fd) == "integer" and fd > 0, tostring(fd))
  t.eq(signal.pollfd(), fd, "again")
  local w = signal.watcher()
  t.eq(w:getfd(), fd, "getfd")
  t.eq(w:pollfd(), fd, "pollfd")
  t.eq(w:dirty(), false, "dirty")
  t.eq(w:events(), "r", "events")
  t.eq(tostring(w), "signal.watcher (fd " .. fd .. ")", "tostring")
end)

t.test("set_wakeup_fd takes a socket and returns the previous one", function()
  local fd = signal.pollfd()
  t.eq(signal.set_wakeup_fd(-1), -1, "none at first")
  t.eq(signal.set_wakeup_fd(fd, { warn_on_full_buffer = false }), -1, "set")
  local n = 0
  signal.signal("SIGTERM", function() n = n + 1 end)
  signal.raise_signal("SIGTERM")  -- sends its byte to the socket
  t.eq(n, 1, "handler calls")
  t.eq(signal.set_wakeup_fd(-1), fd, "previous")
  signal.signal("SIGTERM", signal.SIG_DFL)
end)

t.test("check runs what is pending and drains the socket", function()
  local n = 0
  signal.signal("SIGINT", function() n = n + 1 end)
  assert(signal.kill(0, signal.CTRL_C_EVENT))
  assert(t.spin(function() return n > 0 end, 5), "no handler call")
  signal.check()
  signal.check()
  t.eq(n, 1, "handler calls")
  signal.signal("SIGINT", function() end)
end)
