-- Child Lua processes started with signal.spawn, for the daemon-kit
-- specs: the runner is their parent, so signal.waitpid gives their
-- exact end ("signal", 15), not a shell's view of it.

local helpers = require "helpers"
local signal = require "signal"

local launch = {}

-- helpers.ENV as a map for spawn's env option.
local ENV = {}
for name, value in helpers.ENV:gmatch("(%S+)='([^']*)'") do ENV[name] = value end
launch.ENV = ENV

-- The words of helpers.LUA (a wrapper such as valgrind may come first).
local function luacommand()
  local argv = {}
  for word in helpers.LUA:gmatch("%S+") do argv[#argv + 1] = word end
  return argv
end

--- Starts `script` (Lua source) with `args`; `options` go to spawn
-- (env is added to helpers' one). Returns a table: pid, output(),
-- await(pattern [, timeout]), reap([timeout]) -> how, code (nil if it
-- has not ended by then), and cleanup(), for a finally: SIGKILL and
-- SIGCONT if it still runs, then reaped.
function launch.lua(script, args, options)
  local file = helpers.writetemp(script)
  local out = helpers.tempname()
  local argv = luacommand()
  argv[#argv + 1] = file
  for _, a in ipairs(args or {}) do argv[#argv + 1] = a end
  local opts = { stdout = out, stderr = out, stdin = false }
  for k, v in pairs(options or {}) do opts[k] = v end
  local env = {}
  for k, v in pairs(ENV) do env[k] = v end
  for k, v in pairs(opts.env or {}) do env[k] = v end
  opts.env = env
  local pid = assert(signal.spawn(argv, opts))
  local p = { pid = pid }
  local how, code
  function p.output() return helpers.readfile(out) end
  function p.await(pattern, timeout)
    return helpers.wait_until(function() return p.output():match(pattern) end, timeout)
  end
  function p.reap(timeout)
    if how then return how, code end
    helpers.wait_until(function()
      local r, h, c = signal.waitpid(pid, signal.WNOHANG)
      if r == pid then how, code = h, c end
      return how
    end, timeout)
    return how, code
  end
  function p.cleanup()
    if not how then
      signal.kill(pid, "SIGKILL")
      signal.kill(pid, "SIGCONT")
      p.reap(10)
    end
    os.remove(file)
  end
  return p
end

return launch
