-- who_sent.lua: a daemon that logs who sent it each signal.
--
-- "Something keeps restarting my service" is a question the logs
-- should answer. A handler that declares a second parameter gets the
-- siginfo of that very delivery: the sender's pid and uid, and how it
-- was sent (si_code: SI_USER from kill, SI_QUEUE from sigqueue, with
-- the value it sent). This daemon logs every SIGHUP and SIGUSR1 and
-- keeps running, and on SIGTERM logs who asked it to stop and exits 0.
--
-- Usage: lua5.4 who_sent.lua [max_seconds]
-- then, from a shell:  kill -HUP <pid>;  kill <pid>

local signal = require "signal"

io.stdout:setvbuf("line")

local max_seconds = tonumber(arg[1]) or 3600

-- What /proc says the sender is, where there is a /proc (the sender
-- may be gone already: then only its pid is known).
local function command_of(pid)
  local f = io.open(("/proc/%d/comm"):format(pid))
  if not f then return "?" end
  local name = f:read("l") or "?"
  f:close()
  return name
end

local function how(info)
  if info.si_code == signal.SI_USER then return "kill"
  elseif info.si_code == signal.SI_QUEUE then
    return ("sigqueue, value %d"):format(info.si_value)
  elseif info.si_code == signal.SI_TKILL then return "tgkill"
  elseif info.si_code == signal.SI_KERNEL then return "the kernel"
  end
  return "si_code " .. info.si_code
end

-- The handler records the delivery, with the sender's name read now,
-- while the sender may still be there; the main loop prints the log.
local log, stop = {}, nil

local function record(signum, info)
  log[#log + 1] = ("%s from pid %d (%s), uid %d, by %s")
    :format(signal.Signals[signum], info.si_pid, command_of(info.si_pid),
            info.si_uid, how(info))
  if signum == signal.SIGTERM then stop = info end
end

signal.signal("SIGHUP", record)
signal.signal("SIGUSR1", record)
signal.signal("SIGTERM", record)

print(("who_sent: running as pid %d"):format(signal.getpid()))
local deadline = os.time() + max_seconds
while not stop and os.time() < deadline do
  signal.sleep(0.1)  -- handlers run as their signals arrive
  for i = 1, #log do print("who_sent: " .. log[i]) end
  log = {}
end
if stop then
  print(("who_sent: stopping, as pid %d asked"):format(stop.si_pid))
end
