-- echo_cqueues.lua: signals in a cqueues event loop.
--
-- cqueues runs its coroutines from C, so a Lua handler for a signal that
-- arrives while the loop is blocked waits for the loop to return to Lua.
-- One coroutine waits on the watcher (cqueues polls it through its
-- pollfd/events/timeout methods) and runs the handlers. cqueues' own
-- cqueues.signal is not used: it blocks the signals it listens to.
--
-- The server answers each line a client sends with "echo: <line>", on
-- 127.0.0.1 only, at a port the system picks. SIGTERM or SIGINT stop it,
-- also while a client floods it; SIGHUP reloads (here: counts a new
-- configuration generation); SIGUSR1 prints how many lines it answered.
--
-- Usage: lua5.4 echo_cqueues.lua [max_seconds]   (default 60)

local signal = require "signal"   -- first: see the README on load order
local cqueues = require "cqueues"
local socket = require "cqueues.socket"

io.stdout:setvbuf("line")

local max_seconds = tonumber(arg[1]) or 60
local NAME = "echo_cqueues"

local stop_signal, reload_wanted, status_wanted = nil, false, false
local function stop(signum) stop_signal = signal.Signals[signum] end
signal.signal("SIGTERM", stop)
signal.signal("SIGINT", stop)
signal.signal("SIGHUP", function() reload_wanted = true end)
signal.signal("SIGUSR1", function() status_wanted = true end)

local cq = cqueues.new()
local server = assert(socket.listen("127.0.0.1", 0))
assert(server:listen())
local _, _, port = server:localname()
print(("%s: pid %d, listening on 127.0.0.1:%d"):format(NAME, signal.getpid(), port))

local clients = {}     -- client socket -> true
local served, generation = 0, 1

-- Each client in its own coroutine. A client that sends faster than it
-- is answered would never make a read wait, so the coroutine would never
-- yield: it yields every BATCH lines, to let the loop look at the rest.
local BATCH = 64
local function serve(client)
  clients[client] = true
  client:setmode("tl", "tf")
  local n = 0
  pcall(function()   -- a client that resets the connection ends here
    for line in client:lines("*l") do
      if stop_signal then break end
      client:write("echo: ", line, "\n")
      served, n = served + 1, n + 1
      if n % BATCH == 0 then cqueues.poll(0) end   -- a turn for the others
    end
  end)
  clients[client] = nil
  client:close()
end

cq:wrap(function()
  for client in server:clients() do
    cq:wrap(serve, client)
  end
end)

-- The glue: a coroutine that waits on the watcher and runs the handlers.
local w = signal.watcher()
cq:wrap(function() while true do w:wait() end end)

local deadline = cqueues.monotime() + max_seconds
while not stop_signal do
  local left = deadline - cqueues.monotime()
  if left <= 0 then
    stop_signal = "time limit"
    break
  end
  assert(cq:step(left))
  -- After a step: where acting on the handlers' flags is safe.
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
for client in pairs(clients) do client:close() end
server:close()
print(("%s: stopped (%s), %d lines answered"):format(NAME, stop_signal, served))
