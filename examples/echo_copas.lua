-- echo_copas.lua: signals in a Copas (4.x) event loop.
--
-- Copas blocks in LuaSocket's select between steps, so a Lua handler for
-- a signal that arrives then waits for the next step. One Copas thread
-- waits on the watcher (w:wait() yields to Copas, which selects on its
-- descriptor) and runs the handlers at once.
--
-- Require signal before Copas: Copas keeps its own copy of
-- coroutine.resume, and only a copy of the module's (transparent)
-- replacement lets a handler run inside a busy Copas thread.
--
-- The server answers each line a client sends with "echo: <line>", on
-- 127.0.0.1 only, at a port the system picks. SIGTERM or SIGINT stop it,
-- also while a client floods it; SIGHUP reloads (here: counts a new
-- configuration generation); SIGUSR1 prints how many lines it answered.
--
-- Usage: lua5.4 echo_copas.lua [max_seconds]   (default 60)

local signal = require "signal"   -- first: see above
local copas = require "copas"
local socket = require "socket"

io.stdout:setvbuf("line")

local max_seconds = tonumber(arg[1]) or 60
local NAME = "echo_copas"

local stop_signal, reload_wanted, status_wanted = nil, false, false
local function stop(signum) stop_signal = signal.Signals[signum] end
signal.signal("SIGTERM", stop)
signal.signal("SIGINT", stop)
signal.signal("SIGHUP", function() reload_wanted = true end)
signal.signal("SIGUSR1", function() status_wanted = true end)

local server = assert(socket.bind("127.0.0.1", 0))
local _, port = server:getsockname()
print(("%s: pid %d, listening on 127.0.0.1:%d"):format(NAME, signal.getpid(), port))

local clients = {}     -- the Copas-wrapped client socket -> true
local served, generation = 0, 1

-- Copas's receive lets other threads run now and then, even while a
-- client floods, so the stop flag is looked at.
copas.addserver(server, copas.handler(function(client)
  clients[client] = true
  while not stop_signal do
    local line = client:receive("*l")
    if not line then break end
    client:send("echo: " .. line .. "\n")
    served = served + 1
  end
  clients[client] = nil
  client:close()
end))

local function shutdown()
  copas.removeserver(server)
  for client in pairs(clients) do client:close() end
end

-- Runs after the handlers: where acting on their flags is safe.
local function act()
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

-- The glue: a thread that waits on the watcher and runs the handlers.
local w = signal.watcher()
copas.addthread(function() while not stop_signal do w:wait(); act() end shutdown() end)

-- The time limit, as a signal too.
signal.signal("SIGALRM", function() stop_signal = stop_signal or "time limit" end)
signal.alarm(max_seconds)

copas.loop()
print(("%s: stopped (%s), %d lines answered"):format(NAME, stop_signal, served))
