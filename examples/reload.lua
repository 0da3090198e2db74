-- reload.lua: re-read a configuration file on SIGHUP, without stopping.
--
-- The convention most daemons follow: SIGHUP means "your configuration
-- changed, read it again", and the user-defined signal SIGUSR1 asks for
-- a status line. SIGTERM or SIGINT end the program.
--
-- The configuration is a Lua file of plain assignments, for example
--     greeting = "hello"
--     interval = 0.5
-- loaded into an empty environment, so it can set values but not reach
-- the program's globals. A file that fails to load leaves the running
-- configuration as it was: a typo must not take a service down.
--
-- Usage: lua5.4 reload.lua CONFIG_FILE [max_seconds]

local signal = require "signal"

io.stdout:setvbuf("line")

local path = assert(arg[1], "usage: lua5.4 reload.lua CONFIG_FILE [max_seconds]")
local max_seconds = tonumber(arg[2])

local DEFAULTS = { greeting = "hello", interval = 0.5 }

-- Returns the configuration in `file`, or nil and a message.
local function read_config(file)
  local env = {}
  local chunk, err = loadfile(file, "t", env)
  if not chunk then return nil, err end
  local ok, run_err = pcall(chunk)
  if not ok then return nil, tostring(run_err) end
  if env.interval ~= nil and
     (math.type(env.interval) == nil or env.interval <= 0) then
    return nil, file .. ": interval must be a positive number"
  end
  local config = {}
  for key, default in pairs(DEFAULTS) do
    local value = env[key]
    if value == nil then value = default end
    config[key] = value
  end
  return config
end

local config = assert(read_config(path))
local generation = 1       -- how many times a configuration was loaded
local ticks = 0

-- Handlers only set flags; the main loop acts on them between ticks.
local reload_wanted, status_wanted, stop_signal = false, false, nil
signal.signal("SIGHUP", function() reload_wanted = true end)
signal.signal("SIGUSR1", function() status_wanted = true end)
local function stop(signum) stop_signal = signal.Signals[signum] end
signal.signal("SIGTERM", stop)
signal.signal("SIGINT", stop)

local function describe(c)
  return ("greeting=%q interval=%g"):format(c.greeting, c.interval)
end

print(("reload: pid %d, loaded %s: %s"):format(signal.getpid(), path, describe(config)))

local started = os.time()
while not stop_signal do
  if max_seconds and os.time() - started >= max_seconds then
    stop_signal = "time limit"
    break
  end
  -- The program's real work would go here, using `config`.
  ticks = ticks + 1
  signal.sleep(config.interval)

  if reload_wanted then
    reload_wanted = false
    local new, err = read_config(path)
    if new then
      config, generation = new, generation + 1
      print(("reload: SIGHUP: configuration %d loaded: %s"):format(generation, describe(config)))
    else
      print(("reload: SIGHUP: kept configuration %d, the file is wrong: %s"):format(generation, err))
    end
  end
  if status_wanted then
    status_wanted = false
    print(("reload: SIGUSR1: status: configuration %d (%s), %d ticks, up %d s")
          :format(generation, describe(config), ticks, os.time() - started))
  end
end

print(("reload: stopping (%s)"):format(stop_signal))
