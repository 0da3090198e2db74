-- reaper.lua: reap children and say how each one ended.
--
-- A SIGCHLD handler that declares a second parameter learns, for that
-- delivery, which child changed state (si_pid), what happened (si_code:
-- CLD_EXITED, CLD_KILLED, CLD_DUMPED, CLD_STOPPED, CLD_CONTINUED) and
-- its exit code or signal (si_status), without a waitpid to find out.
-- The kernel merges SIGCHLDs that arrive together (the info then names
-- one child of several, the first), so a reaper of many children at
-- once still calls waitpid(-1, WNOHANG) until none is left; this one
-- starts its children one at a time.
--
-- The second half does the same with signal.queue: SIGCHLD deliveries
-- as values, taken one by one with q:get().
--
-- Usage: lua5.4 reaper.lua

local signal = require "signal"

io.stdout:setvbuf("line")

local CODES = {
  [signal.CLD_EXITED] = "exited", [signal.CLD_KILLED] = "was killed",
  [signal.CLD_DUMPED] = "dumped core", [signal.CLD_STOPPED] = "stopped",
  [signal.CLD_CONTINUED] = "continued",
}

local function describe_info(info)
  local what = CODES[info.si_code] or ("si_code " .. info.si_code)
  if info.si_code == signal.CLD_EXITED then
    return ("child %d exited with status %d"):format(info.si_pid, info.si_status)
  end
  return ("child %d %s (%s)"):format(info.si_pid, what,
                                     signal.Signals[info.si_status] or info.si_status)
end

-- Starts `script` in a child (io.popen's shell execs `sh -c script`,
-- so the child is ours) and returns its handle and pid.
local function start(script)
  local p = assert(io.popen("echo $$; exec sh -c '" .. script .. "'"))
  return p, tonumber(p:read("l"))
end

-- SIGCHLD's info, by child pid, as the handler records it.
local seen = {}
signal.signal("SIGCHLD", function(_, info)
  seen[info.si_pid] = info
end)

-- Each child ends its own way; the reaper waits for its SIGCHLD, says
-- what the info tells, then reaps it (the handle's close waits for it:
-- its status must agree with the info).
for _, script in ipairs({ "exit 3", "kill -TERM $$", "exit 0" }) do
  local p, pid = start(script)
  while not seen[pid] do signal.sleep(0.01) end  -- handlers run meanwhile
  print("reaper: " .. describe_info(seen[pid]))
  print("reaper: close says", p:close())
end
signal.signal("SIGCHLD", signal.SIG_DFL)

-- The same with a queue of SIGCHLD deliveries, taken as values.
do
  local q <close> = signal.queue({ "SIGCHLD" })
  local p = start("exit 5")
  local signum, info = q:get(10)
  print(("reaper: queued %s: %s"):format(signal.Signals[signum], describe_info(info)))
  p:close()
end
