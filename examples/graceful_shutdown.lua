-- graceful_shutdown.lua: a worker that stops the way a service manager
-- expects it to.
--
-- systemd, Kubernetes and most supervisors stop a service by sending
-- SIGTERM, waiting for a grace period, and then sending SIGKILL. A well
-- behaved worker therefore reacts to SIGTERM (and to SIGINT, for Ctrl-C)
-- by taking no new work, finishing the job it has in hand, and exiting
-- with status 0 well before the grace period ends.
--
-- signal.shutdown does that bookkeeping: its token says when the stop
-- was asked for, and if the worker does not manage it in time (a second
-- SIGTERM or Ctrl-C, or its own grace period over), the process ends at
-- once by that signal, so that whoever started it sees it killed by
-- SIGTERM (status 143) or SIGINT (130), not a worker that "exited 0".
--
-- It also answers the two other signals a daemon usually knows, without
-- stopping: SIGHUP (reload the configuration; reload.lua does it for
-- real, this worker only says so) and SIGUSR1 (print a status line).
-- Under systemd (Type=notify-reload, see graceful_shutdown.service) it
-- tells the service manager READY=1 when it takes work, RELOADING=1 and
-- READY=1 around a reload, and the token sends STOPPING=1 the moment
-- SIGTERM arrives; outside systemd, sd_notify does nothing.
--
-- Usage: lua5.4 graceful_shutdown.lua [max_seconds [stuck]]
-- With max_seconds it also stops by itself after that long, so that a
-- forgotten demo never runs forever. With "stuck", its first job never
-- ends: the grace period (WORKER_GRACE seconds, default 10) or a second
-- SIGTERM ends it.

local signal = require "signal"

io.stdout:setvbuf("line")   -- one line at a time, even into a pipe or file

local max_seconds = tonumber(arg[1])
local stuck = arg[2] == "stuck"
local grace = tonumber(os.getenv("WORKER_GRACE")) or 10

-- The handlers only record what happened. A handler runs between two
-- instructions of whatever the main loop is doing, so doing real work
-- there (or raising an error) could interrupt a job half way; the main
-- loop looks at these flags at points where acting on them is safe.
-- The token's `requested` is the first stop signal's number.
local stop <close> = signal.shutdown{ "SIGTERM", "SIGINT", grace = grace }
local stop_signal = nil      -- name of the signal that asked us to stop
local reload_wanted = false
local status_wanted = false

local function stop_requested()
  stop_signal = stop_signal
                or (stop.requested and signal.Signals[stop.requested])
  return stop_signal
end

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
    signal.sd_notify("RELOADING=1")   -- with MONOTONIC_USEC, added
    print(("worker: SIGHUP: would reload its configuration now (job %d in hand)")
          :format(job))
    signal.sd_notify{ READY = 1, STATUS = "reloaded" }
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
  if stuck then print(("worker: job %d hangs"):format(job)) end
  -- stuck: until max_seconds (or a minute) is over, if nothing ends it
  for _ = 1, stuck and (max_seconds or 60) * 20 or STEPS_PER_JOB do
    signal.sleep(0.05)
    handle_notices(job)
  end
  jobs_done = jobs_done + 1
end

signal.sd_notify{ READY = 1, STATUS = "working", MAINPID = signal.getpid() }
print(("worker: ready, pid %d (SIGTERM or SIGINT stops, SIGHUP reloads, "
       .. "SIGUSR1 reports; grace %g s)"):format(signal.getpid(), grace))

local job = 0
while not stop_requested() do
  if max_seconds and os.time() - started >= max_seconds then
    stop_signal = "time limit"
    break
  end
  job = job + 1
  run_job(job)
  if stop_requested() then
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
