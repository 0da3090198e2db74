-- Latency from kill() in another process to the handler, in each event
-- loop, idle and busy, through signal.watcher() and through the loop's
-- own signal API where it has one (luv's uv.new_signal, cqueues'
-- cqueues.signal.listen, lua-ev's ev.Signal). Prints a Markdown table
-- of medians and 99th percentiles, and the glue lines of each example.
--
-- Usage (from the top of the tree, after make and tools/luadeps.sh):
--   lua5.4 bench/loops.lua [rounds]      (default 300 per case)

local signal = require "signal"
local socket = require "socket"

local rounds = tonumber(arg[1]) or 300
local root = assert(io.popen("pwd"):read("l"))
local tree = root .. "/build/deps/share/lua/5.4"
local env = ("LUA_PATH_5_4='%s/lua/?.lua;%s/?.lua;%s/?/init.lua;;'"
             .. " LUA_CPATH_5_4='%s/build/?.so;%s/build/deps/lib/lua/5.4/?.so;;'")
  :format(root, tree, tree, root, root)

local function has(lib)
  return os.execute(("%s lua5.4 -e 'require %q' >/dev/null 2>&1"):format(env, lib)) == true
end

local function percentile(sorted, p)
  return sorted[math.max(1, math.ceil(#sorted * p))]
end

-- Runs one case; returns the sorted latencies in microseconds, or nil.
local function measure(loop, mode, load)
  local p = assert(io.popen(("exec env %s lua5.4 bench/loops_target.lua %s %s %s")
                            :format(env, loop, mode, load)))
  local pid = tonumber(p:read("l"))
  if not pid then p:close(); return nil end
  signal.sleep(0.2)   -- let it settle in its loop
  local lat = {}
  for i = 1, rounds + 10 do
    local t0 = socket.gettime()
    assert(signal.kill(pid, "SIGUSR1"))
    local line = p:read("l")
    if not line then break end
    if i > 10 then lat[#lat + 1] = (tonumber(line) - t0) * 1e6 end   -- 10 warm-up
    signal.sleep(0.001 + math.random() * 0.002)
  end
  signal.kill(pid, "SIGKILL")
  p:close()
  table.sort(lat)
  return #lat > 0 and lat or nil
end

local function fmt(lat)
  if not lat then return "—" end
  return ("%.0f / %.0f"):format(percentile(lat, 0.5), percentile(lat, 0.99))
end

local function ratio(a, b)
  if not (a and b) then return "—" end
  return ("%.2f / %.2f"):format(percentile(a, 0.5) / percentile(b, 0.5),
                                percentile(a, 0.99) / percentile(b, 0.99))
end

-- Glue lines per example: the lines that use the watcher.
local count_glue = dofile("bench/glue.lua")
local function glue(file)
  local n = count_glue(file)
  return n and tostring(n) or "—"
end

local loops = {
  { "select", "socket", false, "event_loop.lua" },
  { "luv", "luv", true, "echo_luv.lua" },
  { "cqueues", "cqueues", true, "echo_cqueues.lua" },
  { "copas", "copas", false, "echo_copas.lua" },
  { "ev", "ev", true, nil },
}

print(("kill → handler latency, µs, p50 / p99, %d rounds per case; %s"):format(
  rounds, os.date("!%Y-%m-%d")))
print()
print("| loop | glue lines | watcher idle | watcher busy | own API idle | own API busy |"
      .. " watcher ÷ own, idle | watcher ÷ own, busy |")
print("|---|---|---|---|---|---|---|---|")
for _, l in ipairs(loops) do
  local name, lib, own, example = l[1], l[2], l[3], l[4]
  if has(lib) then
    local wi, wb = measure(name, "watcher", "idle"), measure(name, "watcher", "busy")
    local oi, ob
    if own then oi, ob = measure(name, "own", "idle"), measure(name, "own", "busy") end
    print(("| %s | %s | %s | %s | %s | %s | %s | %s |"):format(name,
      example and glue(example) or "2 (README; no example)", fmt(wi), fmt(wb), fmt(oi), fmt(ob),
      ratio(wi, oi), ratio(wb, ob)))
  else
    print(("| %s | — | not installed | | | | | |"):format(name))
  end
end
