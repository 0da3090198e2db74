-- Shared helpers for the specs: child Lua processes that use the
-- module as built in build/, polling with generous time limits, and
-- the small tools several spec files need (counting handlers, the
-- signal mask, timers disarmed at the end of a block).

local signal = require "signal"

local helpers = {}

-- The interpreter the suite runs under (spec/run.sh exports it), and
-- the command that starts a child: the same, under $LUA_WRAPPER if set
-- (make valgrind).
helpers.LUA_BIN = os.getenv("LUA") or "lua5.4"
local wrapper = os.getenv("LUA_WRAPPER")
helpers.LUA = (wrapper and wrapper ~= "" and wrapper .. " " or "") .. helpers.LUA_BIN
helpers.ROOT = assert(io.popen("pwd"):read("l"))
-- where the module and the test hosts were built (make sanitize uses another)
helpers.BUILD = helpers.ROOT .. "/" .. (os.getenv("SIGNAL_BUILD") or "build")

-- Lua 5.4 reads LUA_PATH_5_4, Lua 5.5 LUA_PATH_5_5: the children run
-- the same version as this interpreter.
helpers.LUAV = _VERSION:match("%d+%.%d+")
local SUFFIX = helpers.LUAV:gsub("%.", "_")
helpers.PATH_VAR, helpers.CPATH_VAR = "LUA_PATH_" .. SUFFIX, "LUA_CPATH_" .. SUFFIX

-- Children find the module as built and the helpers first, then what
-- this process was given (make test-matrix gives its own trees), or
-- else the interpreter's default path (";;").
function helpers.inherited(var)
  local inherited = os.getenv(var)
  return inherited and inherited ~= "" and ";" .. inherited or ";;"
end
local after = helpers.inherited
local env = ("%s='%s/lua/?.lua;%s/spec/?.lua%s' %s='%s/?.so%s'")
  :format(helpers.PATH_VAR, helpers.ROOT, helpers.ROOT, after(helpers.PATH_VAR),
          helpers.CPATH_VAR, helpers.BUILD, after(helpers.CPATH_VAR))
helpers.ENV = env

-- A wall clock with sub-second precision, for measuring how long a
-- thing took (busy-loop deadlines, the time a sleep lasted). LuaSocket
-- is loaded at the first use, not with the helpers: it ignores SIGPIPE
-- when it loads, which the processes the specs start would inherit.
local gettime
function helpers.now()
  gettime = gettime or require("socket").gettime
  return gettime()
end

-- Temporary files of spawned processes, removed by helpers.cleanup().
local temps = {}

local function writetemp(content)
  local name = os.tmpname()
  local f = assert(io.open(name, "w"))
  f:write(content)
  f:close()
  return name
end
helpers.writetemp = writetemp

--- Runs a Lua script in a child process and waits for it.
-- Returns its output (stdout and stderr), and what `close` returns:
-- ok, "exit" or "signal", code.
function helpers.run_lua(script, args)
  local file = writetemp(script)
  -- exec, so that a death by signal is reported as such
  local p = assert(io.popen(("exec env %s %s %s %s 2>&1"):format(env, helpers.LUA, file, args or "")))
  local out = p:read("a")
  local ok, how, code = p:close()
  os.remove(file)
  return out, ok, how, code
end

--- Runs a shell command; returns output, ok, how, code.
function helpers.sh(cmd)
  local p = assert(io.popen(env .. " " .. cmd .. " 2>&1"))
  local out = p:read("a")
  local ok, how, code = p:close()
  return out, ok, how, code
end

-- Starts the shell command `cmd` in the background, its output to a
-- temporary file. A shell waits for it and writes its exit status when
-- it has reaped it: until then its pid cannot be another process's, so
-- stop() never signals a stranger. That shell is this process's child
-- (io.popen), never left to be reparented: helpers.cleanup() (and
-- helpers.reap()) kill what is still running and wait for the shell.
-- Returns its pid, the output file, stop() (SIGKILL unless it has
-- exited) and status() (its exit status once it has exited, else nil).
local shells = {}

local function background(cmd)
  local out, pidfile, statusfile = helpers.tempname(), helpers.tempname(), helpers.tempname()
  os.remove(statusfile)
  local shell = assert(io.popen(("( %s >%s 2>&1 & echo $! >%s; wait $!; echo $? >%s ) >/dev/null 2>&1")
    :format(cmd, out, pidfile, statusfile)))
  local pid = assert(helpers.wait_until(function() return tonumber(helpers.readfile(pidfile)) end),
                     "it did not start")
  local function status() return tonumber(helpers.readfile(statusfile)) end
  local function stop() if not status() then signal.kill(pid, "SIGKILL") end end
  shells[#shells + 1] = { shell = shell, stop = stop }
  return pid, out, stop, status
end

helpers.background = background

--- Waits for every process background() started (SIGKILL first to
-- any still running): no process of the suite is left to be reparented.
function helpers.reap()
  for i = #shells, 1, -1 do
    shells[i].stop()
    shells[i].shell:close()
    shells[i] = nil
  end
end

--- Starts a Lua script in the background. Returns its pid, the name of
-- the file that collects its output, stop() and status() (see
-- background above). The temporary files stay until helpers.cleanup(),
-- which every spec file that spawns calls in a teardown: the process
-- may still read its script, and the spec its output, until the end of
-- the test.
function helpers.spawn_lua(script, args)
  local file = writetemp(script)
  temps[#temps + 1] = file
  return background(("%s %s %s %s"):format(env, helpers.LUA, file, args or ""))
end

--- A name for a temporary file that helpers.cleanup() removes.
function helpers.tempname()
  local name = os.tmpname()
  temps[#temps + 1] = name
  return name
end

--- Waits for every process started in the background (helpers.reap)
-- and removes the temporary files of every process spawn_lua started.
function helpers.cleanup()
  helpers.reap()
  for i = #temps, 1, -1 do
    os.remove(temps[i])
    temps[i] = nil
  end
end

function helpers.readfile(name)
  local f = io.open(name)
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

--- Polls pred() every 10 ms until it returns a true value or at least
-- `timeout` seconds (default 20) have passed; returns its last value.
-- signal.sleep sleeps at least as long as asked, so the polls span at
-- least `timeout` seconds, however slow the machine.
function helpers.wait_until(pred, timeout)
  local STEP = 0.01
  for _ = 1, math.ceil((timeout or 20) / STEP) do
    local v = pred()
    if v then return v end
    signal.sleep(STEP)
  end
  return pred()
end

--- Spins (using CPU: a delivery must land in running Lua code, and the
-- virtual and profiling timers count CPU time) until pred() returns a
-- true value or `limit` seconds (default 20) of wall-clock time pass;
-- returns pred().
function helpers.spin(pred, limit)
  local deadline = helpers.now() + (limit or 20)
  while not pred() and helpers.now() < deadline do end
  return pred()
end

--- True once process `pid` is gone.
function helpers.gone(pid)
  return signal.kill(pid, 0) == nil
end

--- The state letter of process `pid` from /proc/PID/stat ("S" while
-- it sleeps in the kernel, as in a blocking read; "T" when stopped;
-- "Z" when a zombie), or nil when it is gone.
function helpers.state(pid)
  return helpers.readfile(("/proc/%d/stat"):format(pid)):match("^%d+ %b() (%a)")
end

--- Another process sends `count` signals `sig` to `pid` after `delay`
-- seconds, with sigqueue, retrying while the kernel's queue is full.
-- Returns what spawn_lua returns: the sender's pid, its output file,
-- stop() and status().
function helpers.send_from_child(pid, sig, count, delay)
  local signo = type(sig) == "number" and sig or signal[sig]
  return background(("%s/host_sigqueue %d %d %d %g")
    :format(helpers.BUILD, pid, signo, count or 1, delay or 0))
end

--- The C library's own signal values, as the host_values program
-- built beside the module prints them (glibc and musl differ): a table
-- with .names (name -> number of every SIG* name it defines), .SIGRTMIN,
-- .SIGRTMAX, .NSIG, .valid (what sigfillset fills, ascending) and
-- .strsignal32 (its text for signal 32).
local platform
function helpers.platform()
  if platform then return platform end
  local out, ok = helpers.sh(("exec %s/host_values"):format(helpers.BUILD))
  assert(ok, out)
  platform = { names = {}, valid = {} }
  for line in out:gmatch("[^\n]+") do
    local key, rest = line:match("^(%S+) ?(.*)$")
    if key == "valid" then
      for n in rest:gmatch("%d+") do platform.valid[#platform.valid + 1] = tonumber(n) end
    elseif key == "strsignal32" then
      platform.strsignal32 = rest
    elseif key == "SIGRTMIN" or key == "SIGRTMAX" or key == "NSIG" then
      platform[key] = tonumber(rest)
    else
      platform.names[key] = tonumber(rest)
    end
  end
  return platform
end

--- make test PORTABLE=1 runs the suite on a Linux build of the
-- portable core, restricted to the code paths macOS uses: the module
-- lacks there what macOS lacks (SPEC §6), and these are nil.
helpers.PORTABLE = os.getenv("SIGNAL_PORTABLE") == "1"
helpers.PORTABLE_LACKS = { "SIGRTMAX", "SIGRTMIN", "pidfd_open", "pidfd_send_signal",
                           "sigqueue", "sigtimedwait", "sigwaitinfo" }
local lacks = {}
for _, name in ipairs(helpers.PORTABLE_LACKS) do lacks[name] = true end

--- it(name, fn) for a test that needs the module's `needs` (an array of
-- names), made from the spec file's own `it` and `pending` (busted gives
-- them to spec files only): local it_needs = helpers.it_needs(it, pending).
-- In the portable build, one of them lacking, the test is skipped
-- instead, with the reason in brackets at the end of its name, which the
-- summary counts ("portable build: no sigtimedwait"); that these are nil
-- there is tested in 10-values_spec. Elsewhere a missing one fails the
-- test, as it should.
function helpers.it_needs(it_, pending_)
  return function(needs, name, fn)
    if helpers.PORTABLE then
      for _, n in ipairs(needs) do
        if lacks[n] then return pending_(("%s [portable build: no %s]"):format(name, n)) end
      end
    end
    return it_(name, fn)
  end
end

--- True when this interpreter runs on musl rather than glibc.
function helpers.musl()
  return helpers.readfile("/proc/self/maps"):find("musl") ~= nil
end

--- A handler that counts its calls: c.n calls, c.got[i] the signal
-- number and c.at[i] the time of call i, c.signo the last signal.
function helpers.counter()
  local c = { n = 0, got = {}, at = {} }
  c.handler = function(signo)
    c.n = c.n + 1
    c.got[c.n] = signo
    c.at[c.n] = helpers.now()
    c.signo = signo
  end
  return c
end

--- The signal mask in force (an empty set only reads it).
function helpers.mask()
  return signal.pthread_sigmask(signal.SIG_BLOCK, {})
end

-- The mask the runner started with, which restore() puts back.
helpers.INITIAL_MASK = helpers.mask()

--- Puts back the runner's mask and SIG_DFL for SIGUSR1 and SIGUSR2,
-- the signals the specs install handlers for: an after_each.
function helpers.restore()
  signal.pthread_sigmask(signal.SIG_SETMASK, helpers.INITIAL_MASK)
  signal.signal(signal.SIGUSR1, signal.SIG_DFL)
  signal.signal(signal.SIGUSR2, signal.SIG_DFL)
end

--- A to-be-closed guard that disarms the three interval timers.
-- Declared after the handler scopes, it closes first: no timer
-- outlives its handler.
function helpers.disarmed()
  return setmetatable({}, { __close = function()
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.setitimer(signal.ITIMER_VIRTUAL, 0)
    signal.setitimer(signal.ITIMER_PROF, 0)
  end })
end

--- Starts `cmd` (a Lua script and its arguments, run by the suite's
-- interpreter with `env`, default helpers.ENV, after the command
-- `prefix` if given, such as unshare) in the background, as spawn_lua
-- does. Returns a table: pid, output(), status(),
-- await(pattern [, timeout]), wait([timeout]), send(sig) and cleanup(),
-- which kills what is left (see background) and waits for it.
function helpers.start(cmd, env_, prefix)
  local pid, out, stop, status = background(("%s %s %s %s")
    :format(env_ or env, prefix or "", helpers.LUA, cmd))
  local p = { pid = pid, status = status }
  function p.output() return helpers.readfile(out) end
  function p.await(pattern, timeout)
    return helpers.wait_until(function() return p.output():match(pattern) end, timeout)
  end
  -- Its exit status once it has exited, or nil after `timeout` seconds.
  function p.wait(timeout) return helpers.wait_until(status, timeout) end
  function p.send(sig) assert(signal.kill(pid, sig)) end
  function p.cleanup()
    stop()
    p.wait(5)
  end
  return p
end

--- Stops a process helpers.start started as systemd and Kubernetes do:
-- SIGTERM, then SIGKILL after `grace` seconds. Returns its exit status,
-- 137 if SIGKILL was needed.
function helpers.terminate(p, grace)
  p.send("SIGTERM")
  local status = p.wait(grace)
  if not status then
    signal.kill(p.pid, "SIGKILL")
    status = assert(p.wait(10))
  end
  return status
end

return helpers
