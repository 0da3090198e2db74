-- echo_luv.lua: signals in a luv (libuv) event loop.
--
-- uv.run() blocks in C, so a Lua handler alone would wait for the next
-- callback. A luv poll handle on the watcher's descriptor wakes the
-- loop at once; its callback runs the handlers (w:check()) and acts on
-- the flags they set. luv's own uv.new_signal is not used: when such a
-- handle closes, libuv resets the signal to SIG_DFL, whoever handled it.
--
-- The server answers each line a client sends with "echo: <line>", on
-- 127.0.0.1 only, at a port the system picks. SIGTERM or SIGINT stop it,
-- also while a client floods it; SIGHUP reloads (here: counts a new
-- configuration generation); SIGUSR1 prints how many lines it answered.
--
-- Usage: lua5.4 echo_luv.lua [max_seconds]   (default 60)

local signal = require "signal"
local uv = require "luv"

io.stdout:setvbuf("line")

local max_seconds = tonumber(arg[1]) or 60
local NAME = "echo_luv"

local stop_signal, reload_wanted, status_wanted = nil, false, false
local function stop(signum) stop_signal = signal.Signals[signum] end
signal.signal("SIGTERM", stop)
signal.signal("SIGINT", stop)
signal.signal("SIGHUP", function() reload_wanted = true end)
signal.signal("SIGUSR1", function() status_wanted = true end)

local server = uv.new_tcp()
assert(server:bind("127.0.0.1", 0))
local clients = {}     -- client handle -> partial line received so far
local served, generation = 0, 1

local function drop(client)
  clients[client] = nil
  if not client:is_closing() then client:close() end
end

-- Reads what a client sends and answers each full line. Reading pauses
-- while the replies are written, so that a client that sends without
-- reading cannot make the write queue grow for ever.
local function reader(client)
  local function on_read(err, data)
    if err or not data then return drop(client) end
    local buffer = clients[client] .. data
    local replies = {}
    for line in buffer:gmatch("([^\n]*)\n") do
      replies[#replies + 1] = "echo: " .. line .. "\n"
    end
    clients[client] = buffer:match("[^\n]*$")
    served = served + #replies
    if #replies > 0 then
      client:read_stop()
      client:write(replies, function()
        if clients[client] then client:read_start(on_read) end
      end)
    end
  end
  return on_read
end

assert(server:listen(128, function(err)
  assert(not err, err)
  local client = uv.new_tcp()
  server:accept(client)
  clients[client] = ""
  client:read_start(reader(client))
end))

local port = server:getsockname().port
print(("%s: pid %d, listening on 127.0.0.1:%d"):format(NAME, signal.getpid(), port))

local timer = uv.new_timer()

-- Runs after the handlers, from the loop: where acting is safe.
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
  if stop_signal then
    -- A clean stop: close the connections and the server, and have
    -- uv.run() return.
    for client in pairs(clients) do drop(client) end
    server:close()
    uv.stop()
  end
end

-- The glue: a poll handle on the watcher's descriptor.
local w = signal.watcher()
uv.new_poll(w:getfd()):start("r", function() w:check(); act() end)

timer:start(max_seconds * 1000, 0, function()
  stop_signal = "time limit"
  act()
end)

uv.run()
print(("%s: stopped (%s), %d lines answered"):format(NAME, stop_signal, served))
