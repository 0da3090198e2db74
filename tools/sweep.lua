-- Every function of the module called with odd arguments (SPEC 5.16:
-- no Lua call crashes the process): each of a list of values as the
-- first and as the second argument, in every pair. Run by
-- tools/sweep.sh, which restarts it after the index of a call that
-- ended the process: `lua5.4 tools/sweep.lua [START]` prints each
-- call's index before making it. Only signal 0 is sent with kill,
-- killpg, pthread_kill and pidfd_send_signal; no pid that can be
-- another process's is given (those arguments are checked elsewhere);
-- calls that would block for long (pause, the sigwait family, sleep
-- and sigtimedwait with a long time, main) are left out.
local signal = require "signal"
io.stdout:setvbuf("line")
local start = tonumber(arg[1]) or 1

local values = {
  { "nil", nil }, { "true", true }, { "0", 0 }, { "-1", -1 }, { "1", 1 },
  { "64", 64 }, { "65", 65 }, { "2^31", 2 ^ 31 }, { "2^63", 2 ^ 63 },
  { "maxinteger", math.maxinteger }, { "mininteger", math.mininteger },
  { "nan", 0 / 0 }, { "inf", math.huge }, { "-inf", -math.huge },
  { "1e308", 1e308 }, { "-0.0", -0.0 }, { "0.5", 0.5 }, { "-0.5", -0.5 },
  { "'x'", "x" }, { "''", "" }, { "'SIGUSR1'", "SIGUSR1" }, { "'1e999'", "1e999" },
  { "{}", {} }, { "{1e300}", { 1e300 } }, { "{nan}", { 0 / 0 } },
  { "{'SIGUSR1', nan}", { "SIGUSR1", 0 / 0 } }, { "{[1e300] = true}", { [1e300] = true } },
  { "{mininteger}", { math.mininteger } },
  { "a table whose metamethods raise", setmetatable({}, {
      __index = function() error("__index") end, __len = function() error("__len") end,
      __pairs = function() error("__pairs") end }) },
  { "a function", function() end }, { "a coroutine", coroutine.create(function() end) },
  { "io.stdout", io.stdout },
}

local skipped = { pause = true, sigwait = true, sigwaitinfo = true, main = true }
local zerosig = { kill = true, killpg = true, pthread_kill = true, pidfd_send_signal = true }
local pids = { kill = true, killpg = true, pidfd_open = true, waitpid = true }

-- true if the call (name, a, b) is left out
local function leftout(name, a, b)
  if pids[name] and math.type(a) and a ~= 0 and a > -2 ^ 31 and a < 2 ^ 31 then
    return true   -- a pid that may be another process's (or -1)
  end
  if name == "sleep" and (type(a) == "string" or (type(a) == "number" and a > 0.01)) then
    return true
  end
  if name == "sigtimedwait" and (type(b) == "string" or (type(b) == "number" and b > 0.01)) then
    return true
  end
  return false
end

local names = {}
for k, v in pairs(signal) do
  if type(v) == "function" and not skipped[k] then names[#names + 1] = k end
end
table.sort(names)

local i = 0
for _, name in ipairs(names) do
  for x = 0, #values do
    for y = 0, #values do
      i = i + 1
      local a, b = values[x] or { "none" }, values[y] or { "none" }
      local n = x == 0 and 0 or (y == 0 and 1 or 2)
      local args = { a[2], b[2] }
      if zerosig[name] then args[2], b, n = 0, { "0" }, math.max(n, 2) end
      local same = (x == 0 and y > 0) or (zerosig[name] and y > 1)  -- a call made already
      if i >= start and not same and not leftout(name, args[1], args[2]) then
        print(("%d %s(%s, %s)"):format(i, name, a[1], b[1]))
        local _, r = pcall(signal[name], table.unpack(args, 1, n))
        -- guards (blocked, scoped) closed at once
        if type(r) == "userdata" and getmetatable(r) and getmetatable(r).__close then pcall(r.close, r) end
      end
    end
  end
end
print("end", i)
