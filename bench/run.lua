--- Runs the benchmarks, prints the table, writes bench/RESULTS.md.
--
--     lua5.4 bench/run.lua [--quick]
--
-- bench/run.sh builds the helpers and sets the module paths first. Each
-- measurement runs in a fresh process (a target: cpeer.c, target.lua,
-- target.py), the systems one after another in every round, so that
-- they meet the same machine; the ratios are medians of the per-round
-- ratios. --quick only proves that everything still runs: tiny sizes,
-- one round, no RESULTS.md. The exit status is non-zero when plain C
-- or this module fails to run, or this module loses a delivery; never
-- because of speed.

local signal = require "signal"

local QUICK = arg[1] == "--quick"
local BIN = "build/bench"
local ERRFILE = BIN .. "/stderr.txt"

-- rounds: of every system in turn; samples: latencies per run, pooled
-- over the latency rounds.
local CFG = QUICK and {
  roundtrip_rounds = 1, roundtrip = 2000,
  burst_rounds = 1, burst = 2000, quiet_ms = 2000, limit_ms = 10000,
  latency_rounds = 1, samples = 50, timeout_ms = 5000,
  idle_pairs = 1, idle_lua = 1000000, idle_py = 50000,
  memory_rounds = 1, thread_rounds = 1, thread_samples = 50,
} or {
  roundtrip_rounds = 7, roundtrip = 100000,
  burst_rounds = 3, burst = 100000, quiet_ms = 1000, limit_ms = 30000,
  latency_rounds = 20, samples = 250, timeout_ms = 5000,
  idle_pairs = 21, idle_lua = 4000000, idle_py = 400000,
  memory_rounds = 31, thread_rounds = 5, thread_samples = 1000,
}

local SIGUSR1, SIGRTMIN = signal.SIGUSR1, signal.SIGRTMIN
local IDLE_SIGNALS = table.concat({ signal.SIGHUP, SIGUSR1, signal.SIGUSR2,
                                    signal.SIGTERM, SIGRTMIN }, " ")
-- Every signal a handler can be set for: valid_signals() leaves out
-- 32 and 33, which glibc keeps for itself, and KILL and STOP refuse.
local ALL_SIGNALS = {}
for _, s in ipairs(signal.valid_signals()) do
  if s ~= signal.SIGKILL and s ~= signal.SIGSTOP then
    ALL_SIGNALS[#ALL_SIGNALS + 1] = s
  end
end
ALL_SIGNALS = table.concat(ALL_SIGNALS, " ")


--- Runs a shell command; returns its output, or nil and what went wrong.
local function shell (cmd)
  local p = io.popen(cmd .. " 2>" .. ERRFILE)
  local out = p:read("a")
  local ok, how, code = p:close()
  if ok then return out end
  -- The first line says what failed, except for Python's tracebacks.
  local err = {}
  for line in io.lines(ERRFILE) do
    if line:match("%S") then err[#err + 1] = line end
  end
  local first = err[1] and err[1]:match("^Traceback") and #err or 1
  return nil, err[first] or ("%s %s"):format(how, code)
end


--- Runs a target or the driver; returns the key=value pairs of the
-- last line of its output (numbers converted) and the whole output, or
-- nil and an error.
local function run (cmd)
  local out, err = shell(cmd)
  if not out then return nil, err end
  local last = out:match("([^\n]*)\n?$")
  local res = { version = last:match("^version=(.*)"), output = out }
  for k, v in last:gmatch("([%w_]+)=(%S+)") do
    res[k] = res[k] or tonumber(v) or v
  end
  for k in pairs(res) do
    if k ~= "output" then return res end
  end
  return nil, "no result in: " .. out
end


local function python ()
  local out = shell("python3 -c 'import sys; print(sys.executable)'")
  return out and out:match("%S+") or "python3"
end

local SYSTEMS = {
  { id = "c", name = "plain C", cmd = BIN .. "/cpeer", must = true },
  { id = "signal", name = "this module", must = true,
    cmd = "lua5.4 bench/target.lua signal" },
  { id = "python", name = "CPython", cmd = python() .. " bench/target.py" },
  { id = "posix", name = "luaposix", cmd = "lua5.3 bench/target.lua posix" },
  { id = "luv", name = "luv", cmd = "lua5.4 bench/target.lua luv" },
  { id = "cqueues", name = "cqueues",
    cmd = "lua5.4 bench/target.lua cqueues" },
}


--- Results: results[row][system id][round] = number, or a string that
-- says why there is no number; rows in the order they were made.
local results, rows = {}, {}
local failures = {}  -- what makes the exit status non-zero

local function record (row, sys, round, value)
  if not results[row] then
    results[row] = {}
    rows[#rows + 1] = row
  end
  results[row][sys.id] = results[row][sys.id] or {}
  results[row][sys.id][round] = value
  if sys.must and type(value) == "string" then
    failures[#failures + 1] = ("%s, %s: %s"):format(sys.name, row, value)
  end
end


--- The available systems, the order turned by one each round so that
-- no system always runs first or right after the same neighbour.
local function inturn (round)
  local list = {}
  for _, sys in ipairs(SYSTEMS) do
    if not sys.missing then list[#list + 1] = sys end
  end
  for _ = 2, round do table.insert(list, table.remove(list, 1)) end
  return list
end


local function progress (what)
  io.stderr:write("bench: ", what, "\n")
end


local function commit ()
  local id = shell("git rev-parse --short HEAD")
  if not id then return "working tree" end
  local clean = os.execute("git diff --quiet HEAD -- src lua")
  return "commit " .. id:match("%S+") .. (clean and "" or " with changes")
end


local function probe ()
  for _, sys in ipairs(SYSTEMS) do
    local res, err = run(sys.cmd .. " probe")
    if res then
      sys.version = sys.id == "signal" and commit() or res.version
    else
      sys.missing = err
      if sys.must then failures[#failures + 1] = sys.name .. ": " .. err end
    end
  end
end


-- 1. raise_signal in a loop, each call handled by a counting handler.
local function roundtrip ()
  local ROW = "round trip raise → handler (ns)"
  progress(ROW)
  for round = 1, CFG.roundtrip_rounds do
    for _, sys in ipairs(inturn(round)) do
      local res, err = run(("%s roundtrip %d %d"):format(
        sys.cmd, CFG.roundtrip, SIGUSR1))
      if res and res.handled ~= res.raised then
        err = ("counter %d of %d raised"):format(res.handled, res.raised)
      end
      record(ROW, sys, round, err or res.ns)
    end
  end
end


-- 1b. The same with each delivery's siginfo: plain C's SA_SIGINFO
-- handler that copies it, this module's handler(signum, info) and its
-- queue (raise, then q:get()), each against the same plain C handler.
-- The others have no such handler.
local function roundtrip_info ()
  local ROWS = {
    { "round trip raise → handler taking info (ns)", "roundtrip_info" },
    { "round trip raise → queue:get (ns)", "roundtrip_queue" },
  }
  for _, r in ipairs(ROWS) do
    progress(r[1])
    for round = 1, CFG.roundtrip_rounds do
      for _, sys in ipairs(inturn(round)) do
        if sys.id == "signal" or sys.id == "c" then
          local res, err = run(("%s %s %d %d"):format(sys.cmd,
            sys.id == "c" and "roundtrip_info" or r[2], CFG.roundtrip, SIGUSR1))
          if res and res.handled ~= res.raised then
            err = ("counter %d of %d raised"):format(res.handled, res.raised)
          end
          record(r[1], sys, round, err or res.ns)
        end
      end
    end
  end
end


-- 2. another process queues N signals as fast as it can.
local sending = {}  -- how long the driver took to queue SIGRTMIN (ms)
local SENT_FILE = BIN .. "/burst-sent"
local function burst (signo, name)
  local HANDLED = ("burst %d %s: handled"):format(CFG.burst, name)
  local LAST = ("burst %d %s: to last handler (ms)"):format(CFG.burst, name)
  progress(HANDLED)
  for round = 1, CFG.burst_rounds do
    for _, sys in ipairs(inturn(round)) do
      -- the driver creates SENT_FILE once it has queued them all
      os.remove(SENT_FILE)
      local res, err = run(("BENCH_SENT_FILE=%s %s/driver burst %d %d %d -- %s"
        .. " burst %d %d %d"):format(SENT_FILE, BIN, CFG.burst, signo,
        CFG.limit_ms, sys.cmd, CFG.burst, signo, CFG.quiet_ms))
      record(HANDLED, sys, round, err or res.handled)
      if res and signo == SIGRTMIN then
        sending[#sending + 1] = res.send_ms
      end
      record(LAST, sys, round,
             err or (res.handled > 0 and res.last_ms or "none handled"))
      if res and sys.id == "signal" and signo == SIGRTMIN
          and res.handled ~= CFG.burst then
        failures[#failures + 1] = ("this module handled %d of %d queued "
          .. "signals"):format(res.handled, CFG.burst)
      end
    end
  end
end


--- The nearest-rank p-th percentile of a sorted array.
local function percentile (sorted, p)
  return sorted[math.max(1, math.ceil(#sorted * p / 100))]
end


-- 3. another process stamps the clock and sends SIGUSR1 while the
-- target spins; the handler stamps when it runs. The samples of all
-- rounds are pooled, so every system meets the machine's quiet and
-- busy spells alike; one ratio from the pooled figures.
local function latency (mode)
  local where = mode == "main" and "main thread" or "in a coroutine"
  local pooled, why = {}, {}
  progress("latency " .. where)
  for round = 1, CFG.latency_rounds do
    for _, sys in ipairs(inturn(round)) do
      if not why[sys.id] then
        local res, err = run(("%s/driver latency %d %d %d -- %s latency %d %s")
          :format(BIN, CFG.samples, SIGUSR1, CFG.timeout_ms, sys.cmd, SIGUSR1,
                  mode))
        if res and res.samples < CFG.samples then
          err = ("%s: not handled within %d ms"):format(
            res.samples == 0 and "never" or res.samples .. " then stuck",
            CFG.timeout_ms)
        end
        why[sys.id] = err
        pooled[sys.id] = pooled[sys.id] or {}
        for ns in (res and res.output or ""):gmatch("(%d+)\n") do
          table.insert(pooled[sys.id], tonumber(ns) / 1000)
        end
      end
    end
  end
  for _, sys in ipairs(inturn(1)) do
    local us = pooled[sys.id]
    table.sort(us)
    for _, p in ipairs({ 50, 99, 100 }) do
      local q = p == 100 and "max" or "p" .. p
      record(("latency %s %s (µs)"):format(where, q), sys, 1,
             why[sys.id] or percentile(us, p))
    end
  end
end


-- 4. a tight loop with handlers installed against the same loop with
-- the system not even loaded; bare and loaded alternate. Where the
-- allocator puts the Lua stack and its call info changes the loop's
-- speed by up to 1.7x with nothing loaded (a package.path one byte
-- longer did it), so each pair starts Lua with an unused first
-- template of a different length, and the figure is the best loaded
-- process against the best bare one: a hook or any other cost per
-- instruction would slow them all.
local function padded (sys, pair)
  if not sys.cmd:match("^lua5%.%d") then return sys.cmd end
  local v = sys.cmd:match("^lua(5%.%d)"):gsub("%.", "_")
  local var = "LUA_PATH_" .. v
  return ("%s='/nonexistent%s?.lua;%s' %s"):format(var, ("/"):rep(pair),
    os.getenv(var) or ";", sys.cmd)
end

local function idle ()
  local ROW = "idle loop speed, loaded / bare"
  progress(ROW)
  local best = {}
  for pair = 1, CFG.idle_pairs do
    for _, sys in ipairs(inturn(pair)) do
      if sys.id ~= "c" then  -- C has no interpreter loop to slow down
        local n = sys.id == "python" and CFG.idle_py or CFG.idle_lua
        local cmd = padded(sys, pair)
        local bare = ("%s idle %d"):format(cmd, n)
        local loaded = ("%s idle %d %s"):format(cmd, n, IDLE_SIGNALS)
        local first, second = bare, loaded
        if pair % 2 == 0 then first, second = loaded, bare end
        local a, err1 = run(first)
        local b, err2 = run(second)
        if pair % 2 == 0 then a, b = b, a end
        local err = err1 or err2
        local t = best[sys] or { bare = 0, loaded = 0 }
        best[sys] = t
        if err then t.err = t.err or err
        else
          t.bare, t.loaded = math.max(t.bare, a.ips), math.max(t.loaded, b.ips)
        end
      end
    end
  end
  for sys, t in pairs(best) do
    record(ROW, sys, 1, t.err or t.loaded / t.bare)
  end
end


-- 5. resident size with a handler on every signal, against none loaded.
-- VmRSS counts the pages of mapped files (code) that the process has
-- touched, which the kernel maps 64 KiB at a time around each fault:
-- touching a new page of libc can add 64 KiB, and how much of libc a
-- run maps varies. The own part leaves libc and the interpreter out:
-- what the process allocated (RssAnon) and the resident pages of the
-- files it mapped to load the library.
local MEMORY = "memory over bare: RSS (KiB)"
local OWN = "memory over bare: own part (KiB)"
local installed = {}  -- system id -> handlers it took
local function memory ()
  progress("memory")
  for round = 1, CFG.memory_rounds do
    for _, sys in ipairs(inturn(round)) do
      local bare, err1 = run(sys.cmd .. " memory")
      local loaded, err2 = run(sys.cmd .. " memory " .. ALL_SIGNALS)
      local err = err1 or err2
      record(MEMORY, sys, round, err or loaded.rss - bare.rss)
      record(OWN, sys, round, err or loaded.anon - bare.anon + loaded.libs)
      if loaded then installed[sys.id] = loaded.handlers end
    end
  end
end


--[[ Summaries ]]

local function median (t)
  if #t == 0 then return nil end
  table.sort(t)
  local m = (#t + 1) // 2
  return #t % 2 == 1 and t[m] or (t[m] + t[m + 1]) / 2
end


--- The median of a system's numbers in a row, or the reason there are
-- none (the first one given); "n/a" for a row that does not apply.
local function value (row, id)
  local nums, why = {}, nil
  if not results[row][id] then return "n/a" end
  for _, v in pairs(results[row][id]) do
    if type(v) == "number" then nums[#nums + 1] = v else why = why or v end
  end
  return median(nums) or why
end


--- The median over rounds of the ratio id / ref measured in one round;
-- nil unless the reference has a figure above 0 in every round.
local function ratio (row, id, ref)
  local mine, theirs, r = results[row][id], results[row][ref], {}
  if not (mine and theirs) then return nil end
  for round, w in pairs(theirs) do
    if type(w) ~= "number" or w <= 0 then return nil end
    if type(mine[round]) == "number" then r[#r + 1] = mine[round] / w end
  end
  return median(r)
end


local function thousands (n)
  local s = ("%d"):format(math.floor(n + 0.5))
  return (s:reverse():gsub("(%d%d%d)(%d)", "%1,%2"):reverse())
end


local function fmt (v)
  if type(v) ~= "number" then return v or "—" end
  if v == math.floor(v) or math.abs(v) >= 100 then return thousands(v) end
  if math.abs(v) >= 10 then return ("%.1f"):format(v) end
  return ("%.3g"):format(v)
end


local function fmtratio (r)
  if not r then return "—" end
  return r >= 100 and thousands(r) or ("%.2f"):format(r)
end


--- The table as lines of Markdown, padded to line up in a terminal.
local function maketable ()
  local cells = { { "metric", "system", "value", "× plain C", "× CPython" } }
  for _, row in ipairs(rows) do
    local first = true
    for _, sys in ipairs(SYSTEMS) do
      local v, rc, rp
      if sys.missing then v = "not available here"
      elseif row:match("^idle") then  -- a ratio already: 3 decimals
        v = value(row, sys.id)
        v = type(v) == "number" and ("%.3f"):format(v) or v
      else
        v = fmt(value(row, sys.id))
        rp = ratio(row, sys.id, "python")
        -- plain C's memory over bare is a few KiB or noise: no ratio
        if not row:match("^memory") then rc = ratio(row, sys.id, "c") end
      end
      cells[#cells + 1] = { first and row or "", sys.name, v,
                            fmtratio(rc), fmtratio(rp) }
      first = false
    end
  end
  local width = {}
  for _, c in ipairs(cells) do
    for j, s in ipairs(c) do
      width[j] = math.max(width[j] or 0, utf8.len(s))
    end
  end
  local lines = {}
  for i, c in ipairs(cells) do
    local out = {}
    for j, s in ipairs(c) do
      local pad = (" "):rep(width[j] - utf8.len(s))
      out[j] = (j >= 3) and pad .. s or s .. pad
    end
    lines[#lines + 1] = "| " .. table.concat(out, " | ") .. " |"
    if i == 1 then  -- the rule under the header; numbers align right
      local rule = {}
      for j = 1, #c do
        rule[j] = ("-"):rep(width[j] + 1) .. (j >= 3 and ":" or "-")
      end
      lines[#lines + 1] = "|" .. table.concat(rule, "|") .. "|"
    end
  end
  return lines
end


--- A delivery that lands on a helper thread, sent on to the Lua
-- thread, against one that lands on the Lua thread: the threaded host
-- (spec/hosts/threads.c) takes them in turns in one process, SIGUSR1
-- sent with tgkill to the Lua thread (spinning in Lua), to a helper
-- that computes and to one that sleeps, and SIGUSR2 the same way to a
-- plain C handler that forwards as the module does. Pinned runs put
-- the sender and the helpers on one CPU and the Lua thread on the
-- other, so that each path crosses between CPUs once; in unpinned runs
-- the scheduler decides, and a forwarded delivery may cross twice
-- where a direct one crosses not at all.
local offthread = { pinned = {}, unpinned = {} }
local function threads ()
  progress("latency via a helper thread")
  for _ = 1, CFG.thread_rounds do
    for _, placement in ipairs({ "pinned", "unpinned" }) do
      local cmd = ("build/host_threads latency %d%s"):format(CFG.thread_samples,
        placement == "pinned" and " pinned" or "")
      local res, err = run(cmd)
      if res and res.busy_p50 then
        table.insert(offthread[placement], res)
      elseif not tostring(err):match("only one CPU") then
        failures[#failures + 1] = "threaded host: " .. tostring(err)
      end
    end
  end
end


--- One line per target of the issue: met or not, with the figures.
local function targets ()
  local lines = {}
  local function line (ok, what, figures)
    local verdict = ok == nil and "could not tell" or ok and "met" or "NOT met"
    lines[#lines + 1] = ("- %s: **%s** (%s)"):format(what, verdict, figures)
  end
  local function num (row, id)
    local v = value(row, id)
    return type(v) == "number" and v or nil
  end

  local rt = "round trip raise → handler (ns)"
  local r = ratio(rt, "signal", "c")
  line(r and r <= 1.25, "round trip ≤ 1.25 × plain C",
       ("%s × plain C, the median of %d rounds' ratios; medians %s vs %s ns")
       :format(fmtratio(r), CFG.roundtrip_rounds, fmt(value(rt, "signal")),
               fmt(value(rt, "c"))))

  local rti = "round trip raise → handler taking info (ns)"
  local ri = ratio(rti, "signal", "c")
  line(ri and ri <= 1.10, "round trip of a handler taking info ≤ 1.10 ×"
       .. " plain C's SA_SIGINFO handler that copies its siginfo",
       ("%s ×; medians %s vs %s ns; a one-parameter handler: %s ×")
       :format(fmtratio(ri), fmt(value(rti, "signal")), fmt(value(rti, "c")),
               fmtratio(r)))
  local rtq = "round trip raise → queue:get (ns)"
  local rq = ratio(rtq, "signal", "c")
  line(nil, "round trip through signal.queue (raise, then get), against the"
       .. " same plain C handler", ("%s ×; medians %s vs %s ns")
       :format(fmtratio(rq), fmt(value(rtq, "signal")), fmt(value(rtq, "c"))))

  local got = {}
  local row = ("burst %d SIGRTMIN: handled"):format(CFG.burst)
  for _, v in pairs(results[row].signal or {}) do got[#got + 1] = fmt(v) end
  local all = #got > 0
  for _, v in pairs(results[row].signal or {}) do
    all = all and v == CFG.burst
  end
  line(all, ("burst: %s of %s real-time deliveries handled"):format(
       fmt(CFG.burst), fmt(CFG.burst)),
       "handled per run: " .. table.concat(got, ", "))

  for _, where in ipairs({ "main thread", "in a coroutine" }) do
    local p50 = ("latency %s p50 (µs)"):format(where)
    local p99 = ("latency %s p99 (µs)"):format(where)
    local r50, r99 = ratio(p50, "signal", "c"), ratio(p99, "signal", "c")
    local ok = nil
    if r50 and r99 then ok = r50 <= 1.3 and r99 <= 1.3 end
    line(ok, ("latency %s: p50 and p99 ≤ 1.3 × plain C"):format(where),
         ("p50 %s × (%s vs %s µs), p99 %s × (%s vs %s µs)"):format(
         fmtratio(r50), fmt(value(p50, "signal")), fmt(value(p50, "c")),
         fmtratio(r99), fmt(value(p99, "signal")), fmt(value(p99, "c"))))
  end

  local function med (placement, key)
    local t = {}
    for i, res in ipairs(offthread[placement]) do t[i] = res[key] end
    return median(t)
  end
  local function via (placement)
    local m = function (key) return med(placement, key) end
    return ("p50 %s × (%s vs %s µs), p99 %s × (%s vs %s µs); plain C doing"
            .. " the same: p50 %s ×, p99 %s ×; via a sleeping helper, which"
            .. " the kernel must wake first: p50 %s, p99 %s µs (plain C %s, %s)")
      :format(fmtratio(m("busy_p50") / m("lua_p50")), fmt(m("busy_p50")),
              fmt(m("lua_p50")), fmtratio(m("busy_p99") / m("lua_p99")),
              fmt(m("busy_p99")), fmt(m("lua_p99")),
              fmtratio(m("c_busy_p50") / m("c_lua_p50")),
              fmtratio(m("c_busy_p99") / m("c_lua_p99")),
              fmt(m("sleep_p50")), fmt(m("sleep_p99")),
              fmt(m("c_sleep_p50")), fmt(m("c_sleep_p99")))
  end
  local what = "latency via a computing helper thread: p50 ≤ 1.3 × on the"
    .. " Lua thread, each path crossing between CPUs once"
  local pinned, unpinned = offthread.pinned, offthread.unpinned
  if #pinned > 0 then
    line(med("pinned", "busy_p50") / med("pinned", "lua_p50") <= 1.3, what,
         ("%s; medians of %d runs of %s"):format(via("pinned"), #pinned,
                                                 fmt(CFG.thread_samples)))
  else
    line(nil, what, "no run")
  end
  if #unpinned > 0 then
    lines[#lines + 1] = ("- the same, threads placed by the scheduler (not a"
      .. " target: plain C's ratio shows what the placement costs): %s;"
      .. " medians of %d runs"):format(via("unpinned"), #unpinned)
  end

  local speed = num("idle loop speed, loaded / bare", "signal")
  line(speed and speed >= 0.99, "idle loop speed ≥ 0.99 × without module",
       speed and ("%.3f"):format(speed) or "no figure")

  local mem = num(MEMORY, "signal")
  line(mem and mem < 200, "memory < 200 KiB over a bare lua5.4",
       ("%s KiB with %s handlers; own part %s KiB"):format(fmt(mem),
       installed.signal or "?", fmt(value(OWN, "signal"))))
  return lines
end


local function machine ()
  local model = "unknown CPU"
  for line in io.lines("/proc/cpuinfo") do
    model = line:match("^model name%s*:%s*(.-)%s*$") or model
  end
  local nproc = (shell("nproc") or "?"):match("%S+")
  local kernel = (shell("uname -r") or "?"):match("%S+")
  return ("%s CPUs, %s, Linux %s"):format(nproc, model, kernel)
end


--- How the figures were made, for RESULTS.md: one item per line.
local function notes ()
  local nsig = select(2, ALL_SIGNALS:gsub("%d+", ""))
  return "- " .. table.concat({
    "Each system runs in fresh processes, the systems in turn in every"
    .. " round. A figure is the median of its runs and a ratio the median"
    .. " of the ratios of runs made side by side in one round, except for"
    .. " latency. Plain C is a `sigaction` handler that counts.",
    ("Round trip: ns per `raise` whose handler has run, the median of 5"
     .. " timed chunks of a run of %s raises; %d rounds."):format(
      fmt(CFG.roundtrip), CFG.roundtrip_rounds),
    ("Round trip with info: the same, to a handler that takes the"
     .. " delivery's siginfo (this module: `handler(signum, info)`, reading"
     .. " `info.si_pid`; plain C: an `SA_SIGINFO` handler that copies its"
     .. " `siginfo_t`); through a queue: `raise_signal`, then `q:get(0)`,"
     .. " against the same plain C handler; %d rounds."):format(
      CFG.roundtrip_rounds),
    ("Burst: `bench/driver.c` queues the signals with `sigqueue`, retrying"
     .. " while the kernel's queue is full; \"to last handler\" runs from"
     .. " its first `sigqueue` to the target's last handler call (sending"
     .. " the SIGRTMIN alone took %s ms, median); a target stops waiting"
     .. " after a quiet period once the driver has queued them all; %d"
     .. " rounds. cqueues'"
     .. " listener reports only signals 1-31: it reads each SIGRTMIN from"
     .. " its signalfd and drops it."):format(
      fmt(median(sending) or 0), CFG.burst_rounds),
    ("Latency: the driver stamps `CLOCK_MONOTONIC`, sends `SIGUSR1` with"
     .. " `kill` and waits for the handler's own stamp of the same clock,"
     .. " after random gaps of 100-400 µs; driver and target run on"
     .. " different CPUs. %d rounds of %d samples, pooled per system (%s"
     .. " samples each), one ratio of the pooled figures. The target spins"
     .. " on plain arithmetic, or, for luv and cqueues, which run handlers"
     .. " only from their event loop, polls that loop every iteration"
     .. " (`uv.run(\"nowait\")`, `listener:wait(0)`: a system call each)."
     .. " The coroutine case runs the same loop inside `coroutine.wrap`"
     .. " (CPython: inside a generator; C has no coroutines)."):format(
      CFG.latency_rounds, CFG.samples,
      fmt(CFG.latency_rounds * CFG.samples)),
    ("Off the Lua thread: `spec/hosts/threads.c` runs Lua in a worker that"
     .. " spins in Lua, beside a helper that computes and one that sleeps;"
     .. " its main thread sends `SIGUSR1` (the module's handler) and"
     .. " `SIGUSR2` (a plain C `sigaction` handler that, off the Lua"
     .. " thread, queues a copy to it as the module does) with `tgkill` to"
     .. " each of the three in turn, and waits for the stamp of the handler"
     .. " on the Lua thread. Pinned: the sender and the helpers on one CPU,"
     .. " the Lua thread on the other, so that a direct delivery and one"
     .. " sent on by a helper each cross between CPUs once. Unpinned, the"
     .. " scheduler often keeps the sender beside the Lua thread, where"
     .. " a direct delivery crosses no CPU and one via a helper crosses"
     .. " two: on a virtual machine each crossing costs tens of µs, which"
     .. " plain C pays alike. %d runs of %d samples per path and"
     .. " placement."):format(CFG.thread_rounds, CFG.thread_samples),
    ("Idle: CPU-time speed of a `for` loop (best of 5) with handlers for"
     .. " 5 signals, against the same loop with the library not loaded;"
     .. " %d pairs, the order alternating. Where the allocator puts the Lua"
     .. " stack changes the loop's speed by up to 1.7× with nothing loaded"
     .. " (a `package.path` one byte longer did it), so each pair of Lua"
     .. " processes gets an unused first `package.path` template of a"
     .. " different length, and the figure is the fastest loaded process"
     .. " against the fastest bare one."):format(CFG.idle_pairs),
    ("Memory: VmRSS with a handler on each of the %d signals that take"
     .. " one (the %d valid ones but KILL and STOP: 64 is more than Linux"
     .. " has), against the same script not loading the library; %d"
     .. " rounds. VmRSS includes pages of libc and of the interpreter that"
     .. " the run touched, which the kernel maps 64 KiB at a time, so it"
     .. " varies by ±150 KiB between identical runs (see plain C). The own"
     .. " part is RssAnon (what the process allocated) plus the resident"
     .. " pages of the files it mapped to load the library."):format(
      nsig, #signal.valid_signals(),
      CFG.memory_rounds),
  }, "\n- ")
end


--- Every figure of every run, for a closer look: build/bench/raw.txt.
local function writeraw ()
  local f = assert(io.open(BIN .. "/raw.txt", "w"))
  for _, row in ipairs(rows) do
    for _, sys in ipairs(SYSTEMS) do
      local runs = {}
      for _, v in ipairs(results[row][sys.id] or {}) do
        runs[#runs + 1] = type(v) == "number" and fmt(v) or v
      end
      if #runs > 0 then
        f:write(("%s | %s | %s\n"):format(row, sys.name,
                                          table.concat(runs, ", ")))
      end
    end
  end
  f:close()
end


local function main ()
  os.execute("mkdir -p " .. BIN)
  probe()
  roundtrip()
  roundtrip_info()
  burst(SIGRTMIN, "SIGRTMIN")
  burst(SIGUSR1, "SIGUSR1")
  latency("main")
  latency("coroutine")
  threads()
  idle()
  memory()

  writeraw()
  local out = maketable()
  if QUICK then
    table.insert(out, 1, "Quick run: tiny sizes and one round, to check that"
                 .. " the benchmark works; its figures mean nothing.\n")
  end
  out[#out + 1] = ""
  for _, sys in ipairs(SYSTEMS) do
    if sys.missing then
      out[#out + 1] = ("%s is not available here: %s"):format(sys.name,
                                                              sys.missing)
      out[#out + 1] = ""
    end
  end
  for _, l in ipairs(targets()) do out[#out + 1] = l end
  if #failures > 0 then
    out[#out + 1] = "\nFAILED:\n- " .. table.concat(failures, "\n- ")
  end
  print(table.concat(out, "\n"))

  if not QUICK then
    local versions = {}
    for _, sys in ipairs(SYSTEMS) do
      versions[#versions + 1] = ("%s: %s"):format(sys.name,
        sys.version or "not available")
    end
    local f = assert(io.open("bench/RESULTS.md", "w"))
    f:write("# Benchmark results\n\n",
      ("`make bench`, %s, on %s.\n\n"):format(os.date("!%Y-%m-%d %H:%M UTC"),
      machine()),
      "Versions: ", table.concat(versions, "; "), ".\n\n",
      table.concat(out, "\n"), "\n\n", notes(), "\n")
    f:close()
    progress("wrote bench/RESULTS.md")
  end

  if #failures > 0 then os.exit(1) end
end

main()
