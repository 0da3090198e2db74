-- event_loop.lua: signals in a select() loop, with LuaSocket.
--
-- A program that spends its time blocked in a C call (select, poll,
-- epoll_wait, a read) does not run Lua code, so a Lua handler would
-- have to wait until that call returns, and LuaSocket's select simply
-- restarts itself when a signal interrupts it. signal.watcher() solves
-- this: an object whose descriptor becomes readable whenever a delivery
-- is pending, which select takes next to its sockets, so the loop wakes
-- up at once; w:check() then runs the handlers.
--
-- The server answers each line a client sends with "echo: <line>", on
-- 127.0.0.1 only, at a port the system picks. SIGTERM or SIGINT stop it,
-- also while a client floods it; SIGHUP reloads (here: counts a new
-- configuration generation); SIGUSR1 prints how many lines it answered.
--
-- Usage: lua5.4 event_loop.lua [max_seconds]   (default 60)

local signal = require "signal"
local socket = require "socket"

io.stdout:setvbuf("line")

local max_seconds = tonumber(arg[1]) or 60
local NAME = "event_loop"

-- Handlers set flags; the loop acts on them between two rounds.
local stop_signal, reload_wanted, status_wanted = nil, false, false
local function stop(signum) stop_signal = signal.Signals[signum] end
signal.signal("SIGTERM", stop)
signal.signal("SIGINT", stop)
signal.signal("SIGHUP", function() reload_wanted = true end)
signal.signal("SIGUSR1", function() status_wanted = true end)

-- The glue: one object that select takes as it is (getfd, dirty).
local w = signal.watcher()

local server = assert(socket.bind("127.0.0.1", 0))
server:settimeout(0)
local _, port = server:getsockname()
print(("%s: pid %d, listening on 127.0.0.1:%d"):format(NAME, signal.getpid(), port))

local clients = {}     -- client socket -> partial line received so far
local served, generation = 0, 1

local function drop(client)
  clients[client] = nil
  client:close()
end

-- Answers the lines a client sent, without blocking. At most 'BATCH'
-- lines per round: a client that sends faster than it is answered
-- would otherwise keep the loop here for ever, and the flags set by
-- the handlers would never be looked at.
local BATCH = 64
local function serve(client)
  for _ = 1, BATCH do
    local line, err, partial = client:receive("*l", clients[client])
    if line then
      clients[client] = ""
      client:send("echo: " .. line .. "\n")
      served = served + 1
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
  local watched = { server, w }
  for client in pairs(clients) do watched[#watched + 1] = client end

  local readable = socket.select(watched, nil, left)

  -- A signal arrived: drain the descriptor and run the handlers now
  -- (they may already have run, between two instructions; check() is
  -- then cheap).
  if readable[w] then w:check() end
  if readable[server] then
    local client = server:accept()
    if client then
      client:settimeout(0)
      clients[client] = ""
    end
  end
  for client in pairs(clients) do
    if stop_signal then break end
    if readable[client] then serve(client) end
  end
  if reload_wanted then
    reload_wanted = false
    generation = generation + 1
    print(("%s: SIGHUP: configuration %d loaded"):format(NAME, generation))
  end
  if status_wanted then
    status_wanted = false
    local connected = 0
    for _ in pairs(clients) do connected = connected + 1 end
    print(("%s: SIGUSR1: %d lines answered, %d clients connected")
          :format(NAME, served, connected))
  end
end

-- A clean stop: close every connection and the server, exit 0.
for client in pairs(clients) do drop(client) end
server:close()
print(("%s: stopped (%s), %d lines answered"):format(NAME, stop_signal, served))
