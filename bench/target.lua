--- Benchmark target for the Lua systems (Lua 5.3 and 5.4).
--
--     lua target.lua SYSTEM probe
--     lua target.lua SYSTEM roundtrip N SIGNO
--     lua target.lua signal roundtrip_info N SIGNO   handler(signum, info)
--     lua target.lua signal roundtrip_queue N SIGNO  raise, then q:get()
--     lua target.lua SYSTEM burst N SIGNO QUIET_MS
--     lua target.lua SYSTEM latency SIGNO MODE     MODE: main or coroutine
--     lua target.lua SYSTEM idle N [SIGNO...]       no SIGNO: bare
--     lua target.lua SYSTEM memory [SIGNO...]       no SIGNO: bare
--
-- SYSTEM is signal (this module), posix (luaposix, under lua5.3), luv
-- or cqueues. Results are one line of key=value pairs; driver.c
-- describes the protocol of the burst and latency tests. Every stamp
-- comes from benchclock (bench/clock.c), CLOCK_MONOTONIC in ns, which
-- only the tests that stamp load: the bare runs of idle and memory load
-- nothing at all.

--- How each system installs a handler and gets it to run.
-- handle(signo, fn): installs fn as the handler of signo.
-- raise(signo): sends signo to this process; the handler has run when
--   it returns (luaposix: it runs at the next instruction).
-- poll: nil when handlers run by themselves while Lua code runs;
--   otherwise what a loop must call for them to run (event loops).
local systems = {}

function systems.signal ()
  local signal = require "signal"
  return {
    version = "this module",
    handle = function (signo, fn) signal.signal(signo, fn) end,
    raise = signal.raise_signal,
  }
end

function systems.posix ()
  local psignal = require "posix.signal"
  return {
    version = (require "posix").version,
    handle = function (signo, fn) psignal.signal(signo, fn) end,
    raise = psignal.raise,
  }
end

function systems.luv ()
  local uv = require "luv"
  local pid = uv.os_getpid()
  local handles = {}  -- keeps the handles from the collector
  return {
    version = "luv " .. uv.version_string(),
    handle = function (signo, fn)
      local h = uv.new_signal()
      assert(h:start(signo, fn))
      handles[#handles + 1] = h
    end,
    raise = function (signo)
      uv.kill(pid, signo)
      uv.run("once")  -- blocks until the handler has run
    end,
    poll = function () uv.run("nowait") end,
  }
end

-- cqueues reads signals from a signalfd: they must be blocked, and a
-- listener's wait returns one signal number per call.
function systems.cqueues ()
  local csignal = require "cqueues.signal"
  local listeners, handlers, index = {}, {}, {}
  return {
    version = "cqueues " .. (require "cqueues").VERSION,
    handle = function (signo, fn)
      csignal.block(signo)
      listeners[#listeners + 1] = csignal.listen(signo)
      handlers[#handlers + 1] = fn
      index[signo] = #handlers
    end,
    raise = function (signo)
      csignal.raise(signo)
      local i = index[signo]
      handlers[i](listeners[i]:wait())
    end,
    poll = function ()
      for i = 1, #listeners do
        local signo = listeners[i]:wait(0)
        if signo then handlers[i](signo) end
      end
    end,
  }
end


local function report (...)
  local t = table.pack(...)
  local out = {}
  for i = 1, t.n, 2 do
    out[#out + 1] = t[i] .. "=" .. tostring(t[i + 1])
  end
  io.stdout:write(table.concat(out, " "), "\n")
  io.stdout:flush()
end


local function ready ()
  io.stdout:write("ready\n")
  io.stdout:flush()
end


--- Runs a busy loop of about k steps; a polled system polls each step.
local function spin (poll, k)
  if poll then
    for _ = 1, k do poll() end
  else
    local x = 0
    for i = 1, k do x = x + i end
  end
end


local function install (sys, signos)
  local count = 0
  for _, signo in ipairs(signos) do
    if pcall(sys.handle, signo, function () end) then count = count + 1 end
  end
  return count
end


local tests = {}

function tests.probe (load)
  print("version=" .. load().version)
end


-- N raises in 5 timed chunks; the median chunk's ns per raise, so that
-- a chunk the machine stole time from does not count.
-- `step(signo)` sends one and has it handled; `handled()` counts.
local function timeraises (n, signo, step, handled)
  local now = require "benchclock"
  local chunks, k, ns = 5, n // 5, {}
  for _ = 1, n // 10 do step(signo) end  -- warm up
  local base = handled()
  for c = 1, chunks do
    local t0 = now()
    for _ = 1, k do step(signo) end
    ns[c] = (now() - t0) / k
  end
  table.sort(ns)
  report("ns", ns[(chunks + 1) // 2], "handled", handled() - base,
         "raised", k * chunks)
end

function tests.roundtrip (load, n, signo)
  local sys, handled = load(), 0
  sys.handle(signo, function () handled = handled + 1 end)
  timeraises(n, signo, sys.raise, function () return handled end)
end

-- This module only: a handler that takes each delivery's siginfo (and
-- reads a field of it, as a program would).
function tests.roundtrip_info (load, n, signo)
  local sys, handled, pid = load(), 0, 0
  sys.handle(signo, function (_, info)
    handled = handled + 1
    pid = info.si_pid
  end)
  timeraises(n, signo, sys.raise, function () return handled end)
  assert(pid > 0)
end

-- This module only: signals as values, raise then q:get().
function tests.roundtrip_queue (load, n, signo)
  load()
  local signal = require "signal"
  local q, handled = signal.queue({ signo }), 0
  timeraises(n, signo, function (s)
    signal.raise_signal(s)
    if q:get(0) then handled = handled + 1 end
  end, function () return handled end)
  q:close()
end


local FIRST_MS = 10000

-- Has the driver queued every signal? (see driver.c)
local function sentall ()
  local name = os.getenv("BENCH_SENT_FILE")
  local f = name and io.open(name)
  if f then f:close() end
  return name == nil or f ~= nil
end

function tests.burst (load, n, signo, quiet_ms)
  local now, sys = require "benchclock", load()
  local handled, last = 0, 0
  sys.handle(signo, function ()
    handled = handled + 1
    last = now()
  end)
  ready()
  local start = now()
  while handled < n do
    spin(sys.poll, 1000)
    -- the quiet period counts from the last delivery, once the driver
    -- has sent them all; the first may come late on a loaded machine
    if (last > 0 and now() - last > quiet_ms * 1000000
        or last == 0 and now() - start > FIRST_MS * 1000000)
       and sentall() then break end
  end
  report("handled", handled, "last", last)
end


-- The handler writes its stamp; the loop spins until the driver kills
-- the process, on the main thread or inside a coroutine that never
-- yields.
function tests.latency (load, signo, mode)
  local now, sys = require "benchclock", load()
  local out, poll = io.stdout, sys.poll
  sys.handle(signo, function ()
    out:write(now(), "\n")
    out:flush()
  end)
  local function loop ()
    if poll then
      while true do poll() end
    else
      local x = 0
      while true do x = x + 1 end
    end
  end
  ready()
  if mode == "coroutine" then coroutine.wrap(loop)() else loop() end
end


-- Loop speed in CPU time (os.clock), so that time the process spends
-- waiting for a CPU on a busy machine does not count; best of five.
function tests.idle (load, n, ...)
  if select("#", ...) > 0 then install(load(), { ... }) end
  local best = math.huge
  for _ = 1, 5 do
    local t0 = os.clock()
    spin(nil, n)
    best = math.min(best, os.clock() - t0)
  end
  report("ips", n / best)
end


--- Resident KiB per mapped file, from /proc/self/smaps.
local function mappedfiles ()
  local rss, file = {}, nil
  for line in io.lines("/proc/self/smaps") do
    local path = line:match("^%x+%-%x+ %S+ %x+ %S+ %d+%s+(/%S*)")
    if path or line:match("^%x+%-%x+ ") then file = path end
    local kib = line:match("^Rss:%s*(%d+)")
    if kib and file then rss[file] = (rss[file] or 0) + tonumber(kib) end
  end
  return rss
end


-- VmRSS and RssAnon, and "libs": the resident part of the files mapped
-- since the start (the library and what it links), so that the
-- caller can tell the library's own memory from pages of libc.
function tests.memory (load, ...)
  local before, count, libs = mappedfiles(), 0, 0
  if select("#", ...) > 0 then count = install(load(), { ... }) end
  collectgarbage()
  collectgarbage()
  for file, kib in pairs(mappedfiles()) do
    if not before[file] then libs = libs + kib end
  end
  local kib = {}
  for line in io.lines("/proc/self/status") do
    local key, n = line:match("^(%w+):%s*(%d+) kB")
    if key then kib[key] = tonumber(n) end
  end
  report("rss", kib.VmRSS, "anon", kib.RssAnon, "libs", libs,
         "handlers", count)
end


local system, test = arg[1], arg[2]
if not systems[system] or not tests[test] then
  io.stderr:write("usage: lua target.lua SYSTEM TEST ARGS...\n")
  os.exit(2)
end
local args = {}
for i = 3, #arg do args[#args + 1] = tonumber(arg[i]) or arg[i] end
tests[test](systems[system], table.unpack(args))
