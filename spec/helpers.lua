-- Shared helpers for the specs: child Lua processes that use the
-- module as built in build/, and polling with generous time limits.

local signal = require "signal"

local helpers = {}

helpers.LUA = os.getenv("LUA") or "lua5.4"
helpers.ROOT = assert(io.popen("pwd"):read("l"))
-- where the module and the test hosts were built (make sanitize uses another)
helpers.BUILD = helpers.ROOT .. "/" .. (os.getenv("SIGNAL_BUILD") or "build")

local env = ("LUA_PATH_5_4='%s/lua/?.lua;%s/spec/?.lua;;' LUA_CPATH_5_4='%s/?.so;;'")
  :format(helpers.ROOT, helpers.ROOT, helpers.BUILD)
helpers.ENV = env

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

--- Starts a Lua script in the background. Returns its pid and the name
-- of the file that collects its output.
function helpers.spawn_lua(script, args)
  local file = writetemp(script)
  local out = os.tmpname()
  local p = assert(io.popen(("%s %s %s %s >%s 2>&1 & echo $!")
    :format(env, helpers.LUA, file, args or "", out)))
  local pid = tonumber(p:read("l"))
  p:close()
  return pid, out
end

function helpers.readfile(name)
  local f = io.open(name)
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

--- Polls pred() every 10 ms until it returns a true value or `timeout`
-- seconds (default 20) pass; returns its last value.
function helpers.wait_until(pred, timeout)
  local deadline = os.time() + (timeout or 20)
  repeat
    local v = pred()
    if v then return v end
    signal.sleep(0.01)
  until os.time() > deadline
  return pred()
end

--- True once process `pid` is gone.
function helpers.gone(pid)
  return signal.kill(pid, 0) == nil
end

--- Another process sends `count` signals `sig` to `pid` after `delay`
-- seconds, with sigqueue, retrying while the kernel's queue is full;
-- returns the sender's pid and output file.
function helpers.send_from_child(pid, sig, count, delay)
  local signo = type(sig) == "number" and sig or signal[sig]
  local out = os.tmpname()
  local p = assert(io.popen(("%s/host_sigqueue %d %d %d %g >%s 2>&1 & echo $!")
    :format(helpers.BUILD, pid, signo, count or 1, delay or 0, out)))
  local sender = tonumber(p:read("l"))
  p:close()
  return sender, out
end

return helpers
