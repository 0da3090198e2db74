-- The target of bench/loops.lua: an event loop that receives SIGUSR1,
-- through signal.watcher() ("watcher") or the loop's own signal API
-- ("own"), idle or kept busy by a task that computes in 1 ms slices
-- and gives the loop a turn between slices. On each delivery it prints
-- the time the handler ran (socket.gettime, the clock of the sender).
-- Usage: lua5.4 loops_target.lua select|luv|cqueues|copas|ev watcher|own idle|busy

local signal = require "signal"
local socket = require "socket"

local loop, mode, load = arg[1], arg[2], arg[3]
local busy = load == "busy"
local now = socket.gettime
io.stdout:setvbuf("line")

local function record() io.stdout:write(("%.6f\n"):format(now())) end

-- About 1 ms of Lua computation.
local sink = 0
local function burn()
  local stop = now() + 0.001
  repeat
    for i = 1, 200 do sink = (sink + i) % 7 end
  until now() >= stop
end

local w
if mode == "watcher" then
  signal.signal("SIGUSR1", record)
  w = signal.watcher()
end

local function ready() print(signal.getpid()) end

if loop == "select" then
  assert(mode == "watcher", "LuaSocket has no signal API of its own")
  ready()
  while true do
    local r = socket.select({ w }, nil, busy and 0 or 60)
    if r[w] then w:check() end
    if busy then burn() end
  end

elseif loop == "luv" then
  local uv = require "luv"
  if mode == "watcher" then
    uv.new_poll(w:getfd()):start("r", function() w:check() end)
  else
    uv.new_signal():start("sigusr1", record)
  end
  if busy then uv.new_idle():start(burn) end
  ready()
  uv.run()

elseif loop == "cqueues" then
  local cqueues = require "cqueues"
  local cq = cqueues.new()
  if mode == "watcher" then
    cq:wrap(function() while true do w:wait() end end)
  else
    local csignal = require "cqueues.signal"
    csignal.block(csignal.SIGUSR1)
    local listener = csignal.listen(csignal.SIGUSR1)
    cq:wrap(function() while true do if listener:wait() then record() end end end)
  end
  if busy then
    cq:wrap(function() while true do burn(); cqueues.poll(0) end end)
  end
  ready()
  assert(cq:loop())

elseif loop == "copas" then
  assert(mode == "watcher", "Copas has no signal API of its own")
  local copas = require "copas"
  copas.addthread(function() while true do w:wait() end end)
  if busy then
    copas.addthread(function() while true do burn(); copas.pause(0) end end)
  end
  ready()
  copas.loop()

elseif loop == "ev" then
  local ev = require "ev"
  local evloop = ev.Loop.default
  if mode == "watcher" then
    ev.IO.new(function() w:check() end, w:getfd(), ev.READ):start(evloop)
  else
    ev.Signal.new(function() record() end, signal.SIGUSR1):start(evloop)
  end
  if busy then ev.Idle.new(function() burn() end):start(evloop) end
  ready()
  evloop:loop()
end
