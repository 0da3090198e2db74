-- kill and getpid, as Python's os.kill and os.getpid on Windows.
local t = ...
local signal = require "signal"

t.test("getpid is the process id a child sees as its own", function()
  local pid = signal.getpid()
  assert(math.type(pid) == "integer" and pid > 0, tostring(pid))
  t.eq(signal.getpid(), pid, "again")
  local out = t.run([[print(require("signal").getpid())]])
  local child = tonumber(out)
  assert(child and child ~= pid, "child's pid: " .. out)
end)

-- A child that prints its pid, then waits for 'seconds'.
local function waiter(seconds)
  local p = io.popen(t.child(([[
    local signal = require "signal"
    io.write(signal.getpid(), "\n")
    io.stdout:flush()
    signal.sleep(%g)
    print("not killed")]]):format(seconds)), "r")
  return p, tonumber(p:read("l"))
end

t.test("kill with any other value ends the process with that exit code", function()
  local p, pid = waiter(20)
  local start = t.now()
  t.eq(signal.kill(pid, 7), true, "kill")
  local out = p:read("a")
  local _, how, code = p:close()
  t.eq(out, "", "child's output")
  t.eq(how, "exit", "how")
  t.eq(code, 7, "exit code")
  assert(t.now() - start < 10, "the child was not ended at once")
end)

t.test("kill by a signal's name uses its number as the exit code", function()
  local p, pid = waiter(20)
  t.eq(signal.kill(pid, "SIGTERM"), true, "kill")
  p:read("a")
  local _, _, code = p:close()
  t.eq(code, signal.SIGTERM, "exit code")
end)

-- (A process that exited is not it under Wine 8.0: while its object
-- lives, OpenProcess and TerminateProcess succeed. The pid here is no
-- process's: Windows gives multiples of 4, far below this one.)
t.test("kill of no process fails as an ordinary outcome", function()
  local ok, msg, code = signal.kill(0xFFFFFFF0, 9)
  t.eq(ok, nil, "result")
  assert(type(msg) == "string" and msg:find("^kill: "), tostring(msg))
  assert(math.type(code) == "integer" and code > 0, tostring(code))
end)
