-- event_loop.lua: signals in a select() loop, with LuaSocket.
--
-- A program that spends its time blocked in a C call (select, poll,
-- epoll_wait, a read) does not run Lua code, so a Lua handler would
-- have to wait until that call returns, and LuaSocket's select simply
-- restarts itself when a signal interrupts it. signal.pollfd() solves
-- this: it is a file descriptor that becomes readable whenever a
-- delivery is pending, so the loop waits on it next to its sockets and
-- wakes up at once. signal.check() then runs the handlers.
--
-- The server answers each line a client sends with "echo: <line>", on
-- 127.0.0.1 only, at a port the system picks. SIGTERM or SIGINT stop it;
-- SIGUSR1 prints how many clients it served.
--
-- Usage: lua5.4 event_loop.lua [max_seconds]   (default 60)

local signal = require "signal"
local socket = require "socket"

io.stdout:setvbuf("line")

local max_seconds = tonumber(arg[1]) or 60

-- Handlers set flags; the loop acts on them once select returns.
local stop_signal, status_wanted = nil, false
local function stop(signum) stop_signal = signal.Signals[signum] end
signal.signal("SIGTERM", stop)
signal.signal("SIGINT", stop)
signal.signal("SIGUSR1", function() status_wanted = true end)

-- LuaSocket's select accepts any object with a getfd method; dirty
-- says whether it holds buffered data (never, for a pipe we do not read).
local signal_fd = signal.pollfd()
local wakeup = {
  getfd = function() return signal_fd end,
  dirty = function() return false end,
}

local server = assert(socket.bind("127.0.0.1", 0))
server:settimeout(0)
local _, port = server:getsockname()
print(("event_loop: pid %d, listening on 127.0.0.1:%d"):format(signal.getpid(), port))

local clients = {}     -- client socket -> partial line received so far
local served = 0

local function drop(client)
  clients[client] = nil
  client:close()
end

-- Reads what a client sent without blocking, answering each full line.
local function serve(client)
  while true do
    local line, err, partial = client:receive("*l", clients[client])
    if line then
      clients[client] = ""
      client:send("echo: " .. line .. "\n")
      served = served + 1
      print(("event_loop: answered %q"):format(line))
    elseif err == "timeout" then
      clients[client] = partial
      return
    else
      drop(client)   -- "closed" or a real error
      return
    end
  end
end

local deadline = socket.gettime() + max_seconds
while not stop_signal do
  local left = deadline - socket.gettime()
  if left <= 0 then
    stop_signal = "time limit"
    break
  end
  local watched = { server, wakeup }
  for client in pairs(clients) do watched[#watched + 1] = client end

  local readable = socket.select(watched, nil, left)

  if readable[wakeup] then
    -- A signal arrived while we were blocked: drain the descriptor and
    -- run the handlers now (they may already have run, between two
    -- instructions; check() is then cheap).
    print("event_loop: woken up by a signal while blocked in select")
    signal.check()
  end
  if readable[server] then
    local client = server:accept()
    if client then
      client:settimeout(0)
      clients[client] = ""
    end
  end
  for client in pairs(clients) do
    if readable[client] then serve(client) end
  end
  if status_wanted then
    status_wanted = false
    local connected = 0
    for _ in pairs(clients) do connected = connected + 1 end
    print(("event_loop: SIGUSR1: %d lines answered, %d clients connected")
          :format(served, connected))
  end
end

-- A clean stop: close every connection and the server, exit 0.
for client in pairs(clients) do drop(client) end
server:close()
print(("event_loop: stopped (%s), %d lines answered"):format(stop_signal, served))
