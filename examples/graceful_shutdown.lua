-- graceful_shutdown.lua: a worker that stops the way a service manager
-- expects it to.
--
-- systemd, Kubernetes and most supervisors stop a service by sending
-- SIGTERM, waiting for a grace period, and then sending SIGKILL. A well
-- behaved worker therefore reacts to SIGTERM (and to SIGINT, for Ctrl-C)
-- by taking no new work, finishing the job it has in hand, and exiting
-- with status 0 well before the grace period ends.
--
-- It also answers the two other signals a daemon usually knows, without
-- stopping: SIGHUP (reload the configuration; reload.lua does it for
-- real, this worker only says so) and SIGUSR1 (print a status line).
--
-- Usage: lua5.4 graceful_shutdown.lua [max_seconds]
-- With max_seconds it also stops by itself after that long, so that a
-- forgotten demo never runs forever.

local signal = require "signal"

io.stdout:setvbuf("line")   -- one line at a time, even into a pipe or file

local max_seconds = tonumber(arg[1])

-- The handlers only record what happened. A handler runs between two
-- instructions of whatever the main loop is doing, so doing real work
-- there (or raising an error) could interrupt a job half way; the main
-- loop looks at these flags at points where acting on them is safe.
local stop_signal = nil      -- name of the signal that asked us to stop
local reload_wanted = false
local status_wanted = false

local function request_stop(signum)
  stop_signal = stop_signal or signal.Signals[signum]
end

signal.signal(signal.SIGTERM, request_stop)
signal.signal(signal.SIGINT, request_stop)
signal.signal(signal.SIGHUP, function() reload_wanted = true end)
signal.signal(signal.SIGUSR1, function() status_wanted = true end)

local STEPS_PER_JOB = 4
local started = os.time()
local jobs_done = 0

-- The pending notices are handled between two steps of a job: the
-- worker stays responsive while a job is in hand.
local function handle_notices(job)
  if reload_wanted then
    reload_wanted = false
    print(("worker: SIGHUP: would reload its configuration now (job %d in hand)")
          :format(job))
  end
  if status_wanted then
    status_wanted = false
    print(("worker: SIGUSR1: status: %d jobs done, job %d in hand, up %d s")
          :format(jobs_done, job, os.time() - started))
  end
end

-- One unit of work: a few steps of 50 ms. signal.sleep keeps sleeping
-- for the time left when a handler runs, so the signals above do not
-- cut a step short.
local function run_job(job)
  for _ = 1, STEPS_PER_JOB do
    signal.sleep(0.05)
    handle_notices(job)
  end
  jobs_done = jobs_done + 1
end

print(("worker: ready, pid %d (SIGTERM or SIGINT stops, SIGHUP reloads, "
       .. "SIGUSR1 reports)"):format(signal.getpid()))

local job = 0
while not stop_signal do
  if max_seconds and os.time() - started >= max_seconds then
    stop_signal = "time limit"
    break
  end
  job = job + 1
  run_job(job)
  if stop_signal then
    -- The signal arrived while this job ran: it was finished anyway.
    print(("worker: %s: finished job %d, taking no more work")
          :format(stop_signal, job))
  elseif job % 10 == 0 then
    print(("worker: %d jobs done"):format(jobs_done))
  end
end

-- Anything the worker must release would be released here (flush
-- queues, close connections); then a normal exit gives status 0.
print(("worker: stopped cleanly after %d job%s (%s)")
      :format(jobs_done, jobs_done == 1 and "" or "s", stop_signal))
