--- Python's `signal` module for Lua 5.4.
--
-- The functions come from the C module `signal.core`; this file adds
-- the tables that are simpler in Lua and makes coroutines visible to
-- the delivery core.
-- @module signal

local core = require "signal.core"

local signal = {}
for name, value in pairs(core) do
  signal[name] = value
end

--- `SIG_DFL` and `SIG_IGN` by name, as Python's `signal.Handlers`.
-- @table Handlers
signal.Handlers = { SIG_DFL = core.SIG_DFL, SIG_IGN = core.SIG_IGN }

--- The `how` values of `pthread_sigmask`, as Python's `signal.Sigmasks`.
-- @table Sigmasks
signal.Sigmasks = {
  SIG_BLOCK = core.SIG_BLOCK,
  SIG_UNBLOCK = core.SIG_UNBLOCK,
  SIG_SETMASK = core.SIG_SETMASK,
}

-- Stock Lua keeps debug hooks per coroutine, so the core must know
-- which coroutine is running to deliver a signal inside it. These
-- replacements behave exactly as the originals (same results, errors
-- and tracebacks) and also record the running coroutine.
signal.coresume, signal.cowrap = nil, nil
coroutine.resume = core.coresume
coroutine.wrap = core.cowrap

return signal
