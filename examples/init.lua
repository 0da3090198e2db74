-- init.lua: a Lua program as a container's PID 1.
--
-- PID 1 has two duties no other process has. The kernel sends it no
-- signal it has no handler for (so SIG_DFL does not stop it: without a
-- handler, `docker stop` waits for the SIGKILL), and every orphan in
-- the container becomes its child, so it must reap them or they pile
-- up as zombies. This one starts a command, forwards SIGTERM, SIGINT,
-- SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to it, reaps every child that
-- exits, and exits when the command does, with its status (128 + the
-- signal number if a signal ended it), as tini and dumb-init do. When
-- PID 1 exits, the kernel ends whatever is left in the container.
--
-- signal.waitpid(-1) blocks until any child changes state, and runs the
-- handlers while it waits, so a forwarded SIGTERM is not held back.
--
-- Usage: lua5.4 init.lua COMMAND [ARG...]
-- e.g.   unshare --pid --fork --mount-proc lua5.4 init.lua sh -c '...'

local signal = require "signal"

io.stdout:setvbuf("line")

if #arg == 0 then
  io.stderr:write("usage: init.lua COMMAND [ARG...]\n")
  os.exit(2)
end

local command = table.concat(arg, " ")

-- Forward to the command; a signal that comes before it started waits.
local main, early = nil, {}
local function forward(signum)
  if main then
    print(("init: forwarding %s to %d"):format(signal.Signals[signum], main))
    signal.kill(main, signum)
  else
    early[#early + 1] = signum
  end
end
for _, name in ipairs({ "SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2" }) do
  signal.signal(name, forward)
end

-- signal.spawn starts the command itself, no shell, and gives its pid.
-- The child starts with every signal at its default and none blocked,
-- though this process handles six of them; its stdin is /dev/null, its
-- stdout and stderr ours.
local err
main, err = signal.spawn(arg, { stdin = false })
if not main then
  io.stderr:write("init: ", err, "\n")
  os.exit(127)
end
print(("init: pid %d, started %s as pid %d"):format(signal.getpid(), command, main))
for _, signum in ipairs(early) do forward(signum) end

-- Reap until the command exits.
local how, code
while true do
  local pid, what, value = signal.waitpid(-1)
  if not pid then   -- no child left at all
    how, code = "exit", 1
    print("init: " .. what)
    break
  elseif pid == main then
    how, code = what, value
    print(("init: the command exited (%s %d)"):format(how, code))
    break
  else
    print(("init: reaped orphan %d (%s %d)"):format(pid, what, value))
  end
end
-- Zombies that are already there, without waiting for the living.
while true do
  local pid, what, value = signal.waitpid(-1, signal.WNOHANG)
  if not pid or pid == 0 then break end
  print(("init: reaped orphan %d (%s %d)"):format(pid, what, value))
end
os.exit(how == "exit" and code or 128 + code)
