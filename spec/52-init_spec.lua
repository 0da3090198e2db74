-- examples/init.lua as PID 1 of a new PID namespace (unshare, as root):
-- inside it is PID 1, our own process; the real PID 1 is never touched.

local helpers = require "helpers"

teardown(helpers.cleanup)  -- the files of the processes it spawned
local signal = require "signal"

local wait_until = helpers.wait_until
local readfile = helpers.readfile

-- The children of process `pid`, as the kernel lists them.
local function children(pid)
  local list = {}
  for c in readfile(("/proc/%d/task/%d/children"):format(pid, pid)):gmatch("%d+") do
    list[#list + 1] = tonumber(c)
  end
  return list
end

local state = helpers.state

-- Under make sanitize, LeakSanitizer cannot stop the world of a
-- process tree in a new PID namespace and fails with a fatal error:
-- there, ASan checks these processes for memory errors only.
local UNSHARE = "unshare --pid --fork --mount-proc"
if (os.getenv("LD_PRELOAD") or ""):find("asan") then
  UNSHARE = ("env ASAN_OPTIONS='%s:detect_leaks=0' %s"):format(os.getenv("ASAN_OPTIONS") or "", UNSHARE)
end

local function unshare_works()
  local ok = os.execute(UNSHARE .. " true >/dev/null 2>&1")
  return ok == true
end

-- The main command: it leaves two orphans behind (each subshell exits
-- at once, its sleep is adopted by PID 1), then idles until SIGTERM.
local MAIN = [[trap "echo main: SIGTERM, exiting; exit 0" TERM
(sleep 0.2 &); (sleep 0.4 &)
echo main: ready
while :; do sleep 0.05; done]]

describe("examples/init.lua as a container's PID 1", function()
  it("reaps the orphans it inherits and stops cleanly on SIGTERM", function()
    if os.getenv("LUA_WRAPPER") then
      return pending("under valgrind, which would be PID 1 and catch every signal itself")
    end
    if not unshare_works() then
      return pending("unshare --pid --fork --mount-proc is not permitted here (needs root)")
    end
    local script = helpers.writetemp(MAIN)
    finally(function() os.remove(script) end)
    local p = helpers.start("examples/init.lua sh " .. script, nil, UNSHARE)
    local unshare, output, status = p.pid, p.output, p.status
    -- init is unshare's only child (unshare itself ignores SIGTERM)
    local init = assert(wait_until(function() return children(unshare)[1] end), output())
    finally(function()
      if not status() then signal.kill(init, "SIGKILL") end
      wait_until(status, 10)
    end)

    assert.truthy(wait_until(function() return output():match("main: ready") end), output())
    -- the command may print before init has said it started it
    assert.truthy(wait_until(function() return output():match("init: pid 1, started") end), output())
    assert.truthy(wait_until(function()
      local _, n = output():gsub("init: reaped orphan %d+ %(exit 0%)", "")
      return n == 2
    end), output())
    -- No zombie left: its only child is the command, alive.
    local kids = children(init)
    assert.are.equal(1, #kids, output())
    assert.are_not.equal("Z", state(kids[1]))

    assert(signal.kill(init, "SIGTERM"))
    assert.are.equal(0, wait_until(status), output())
    local text = output()
    local a = text:find("init: forwarding SIGTERM to 2", 1, true)
    local b = text:find("main: SIGTERM, exiting", 1, true)
    local c = text:find("init: the command exited (exit 0)", 1, true)
    assert.truthy(a and b and c and a < b and b < c, text)
  end)

  it("exits with 128 + the signal when the command is killed", function()
    if not unshare_works() then
      return pending("unshare --pid --fork --mount-proc is not permitted here (needs root)")
    end
    local out, ok, how, code = helpers.sh(("timeout 60 " .. UNSHARE .. " %s"
      .. " examples/init.lua sh -c 'kill -KILL $$'"):format(helpers.LUA))
    assert.is_falsy(ok, out)
    assert.are.same({ "exit", 137 }, { how, code }, out)
    assert.truthy(out:match("init: the command exited %(signal 9%)"), out)
  end)
end)
