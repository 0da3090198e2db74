-- supervisor.lua: start programs, restart them when they exit, stop
-- them all on SIGTERM or Ctrl-C.
--
-- signal.spawn starts each program with no shell and returns its pid,
-- with a clean signal state: whatever this process blocks, ignores or
-- handles, the child starts with nothing blocked and every signal at
-- its default, so that it can be stopped. Each child gets a process
-- group of its own (pgroup), so that stopping it reaches whatever it
-- started too. signal.waitpid reaps them; a program that exits is
-- started again, after a pause that doubles while it keeps failing
-- fast (0.5 s up to 8 s).
--
-- signal.shutdown handles the stop: the first SIGTERM or SIGINT makes
-- the supervisor pass SIGTERM on to every child's group and wait for
-- them; a second one (or 30 s) ends the supervisor at once by that
-- signal. Under systemd it reports READY=1 and STOPPING=1.
--
-- The loop sleeps in a watcher (LuaSocket's select on the module's
-- pollfd): any delivery, SIGCHLD included, wakes it, and a SIGCHLD that
-- lands between the reaping and the wait still finds the descriptor
-- readable, so no exit is slept through.
--
-- Usage: lua5.4 supervisor.lua COMMAND [ARG...] [-- COMMAND [ARG...]]...
-- e.g.   lua5.4 supervisor.lua sleep 60 -- sh -c 'echo hi; sleep 1'

local signal = require "signal"
local socket = require "socket"

io.stdout:setvbuf("line")

-- The commands: argument lists separated by "--".
local commands, current = {}, {}
for i = 1, #arg do
  if arg[i] == "--" then
    if #current > 0 then commands[#commands + 1] = current end
    current = {}
  else
    current[#current + 1] = arg[i]
  end
end
if #current > 0 then commands[#commands + 1] = current end
if #commands == 0 then
  io.stderr:write("usage: supervisor.lua COMMAND [ARG...] [-- COMMAND [ARG...]]...\n")
  os.exit(2)
end

local stop <close> = signal.shutdown{ "SIGTERM", "SIGINT", grace = 30 }
-- A SIGCHLD handler, so that a child's exit wakes the watcher.
signal.signal("SIGCHLD", function() end)
local wake = signal.watcher()

local FIRST_PAUSE, LONGEST_PAUSE = 0.5, 8

-- Per command: argv, name, pid (nil while not running), started (time),
-- pause (before the next start), start_at (when it is due).
local children = {}
for i, argv in ipairs(commands) do
  children[i] = { argv = argv, name = table.concat(argv, " "),
                  pause = FIRST_PAUSE, start_at = 0 }
end

local function start(child)
  local pid, err = signal.spawn(child.argv, { pgroup = true, stdin = false })
  child.started = socket.gettime()
  if pid then
    child.pid = pid
    print(("supervisor: started %s as pid %d"):format(child.name, pid))
  else
    print(("supervisor: cannot start %s: %s"):format(child.name, err))
    child.start_at = child.started + child.pause
  end
end

local function running()
  local n = 0
  for _, child in ipairs(children) do
    if child.pid then n = n + 1 end
  end
  return n
end

-- Reaps every child that exited; restarts it later unless stopping.
local function reap()
  while true do
    local pid, how, code = signal.waitpid(-1, signal.WNOHANG)
    if not pid or pid == 0 then return end
    for _, child in ipairs(children) do
      if child.pid == pid then
        child.pid = nil
        local now = socket.gettime()
        -- a program that ran a while starts again at once
        if now - child.started > 10 * LONGEST_PAUSE then child.pause = FIRST_PAUSE end
        child.start_at = now + child.pause
        if stop.requested then
          print(("supervisor: %s (pid %d) stopped (%s %d)"):format(child.name, pid, how, code))
        else
          print(("supervisor: %s (pid %d) exited (%s %d); again in %g s")
                :format(child.name, pid, how, code, child.pause))
        end
        child.pause = math.min(child.pause * 2, LONGEST_PAUSE)
      end
    end
  end
end

for _, child in ipairs(children) do start(child) end
signal.sd_notify{ READY = 1, STATUS = ("%d programs"):format(#children) }
print(("supervisor: pid %d, %d programs"):format(signal.getpid(), #children))

local stopping = false
while true do
  reap()
  if stop.requested and not stopping then
    stopping = true
    print(("supervisor: %s: stopping %d programs"):format(
          signal.Signals[stop.requested], running()))
    for _, child in ipairs(children) do
      if child.pid then signal.killpg(child.pid, "SIGTERM") end
    end
  end
  if stopping and running() == 0 then break end
  local timeout = nil  -- until a delivery
  if not stopping then
    local now = socket.gettime()
    for _, child in ipairs(children) do
      if not child.pid then
        if child.start_at <= now then start(child)
        else
          local left = child.start_at - now
          timeout = timeout and math.min(timeout, left) or left
        end
      end
    end
  end
  wake:wait(timeout)
end
print("supervisor: every program stopped")
