-- Clear errors: a Lua the module does not support, signal.main's
-- argument, one stable name for each function in tracebacks and
-- argument errors, and the interpreter's own name before a traceback.

local helpers = require "helpers"

teardown(helpers.cleanup)  -- the files of the processes it spawned

-- The stand-alone interpreters of other Lua releases installed here.
local function interpreter(name)
  local out, ok = helpers.sh("command -v " .. name)
  return ok and out:match("^(%S+)") or nil
end

describe("loading the module", function()
  for _, other in ipairs({ "lua5.1", "lua5.2", "lua5.3" }) do
    it("from " .. other .. " says which Lua it needs, before the C part is loaded", function()
      local path = interpreter(other)
      if not path then return pending(other .. " is not installed") end
      -- the module as built, where that interpreter looks for it
      local cmd = ("LUA_INIT= LUA_PATH='%s/lua/?.lua' LUA_CPATH='%s/?.so' %s -e "
                   .. [["local ok, e = pcall(require, 'signal') print(ok, e)"]])
        :format(helpers.ROOT, helpers.BUILD, path)
      local out, ok = helpers.sh(cmd)
      assert.is_true(ok, out)
      local version = other:match("%d%.%d")
      assert.equal("false\tsignal needs Lua 5.4 or 5.5, and this is Lua " .. version
                   .. ": run the program with lua5.4 (or lua5.5), as in: lua5.4 script.lua\n", out)
    end)
  end

  it("from lua -l with the wrong release ends with that message, not a missing symbol", function()
    local path = interpreter("lua5.3") or interpreter("lua5.1")
    if not path then return pending("neither lua5.3 nor lua5.1 is installed") end
    local out, ok = helpers.sh(("LUA_INIT= LUA_PATH='%s/lua/?.lua' LUA_CPATH='%s/?.so' %s -l signal -e ''")
      :format(helpers.ROOT, helpers.BUILD, path))
    assert.is_falsy(ok, out)
    assert.truthy(out:find("signal needs Lua 5.4 or 5.5", 1, true), out)
    assert.truthy(out:find("lua5.4 script.lua", 1, true), out)
    assert.is_nil(out:find("undefined symbol", 1, true), out)
  end)
end)

describe("signal.main", function()
  local signal = require "signal"

  it("refuses what it cannot call with a bad argument error", function()
    assert.has_error(function() signal.main(nil) end,
      "bad argument #1 to 'signal.main' (function expected, got nil)")
    assert.has_error(function() signal.main() end,
      "bad argument #1 to 'signal.main' (function expected, got no value)")
    assert.has_error(function() signal.main({}) end,
      "bad argument #1 to 'signal.main' (function expected, got table)")
    -- the position is the caller's, as luaL_argerror gives it
    local ok, err = pcall(function() signal.main(42) end)
    assert.is_false(ok)
    assert.matches("^spec/25%-messages_spec%.lua:%d+: bad argument #1 to 'signal.main'", err)
    -- a callable table is a function to it
    local t = setmetatable({}, { __call = function(_, a, b) return a + b end })
    assert.equal(5, signal.main(t, 2, 3))
  end)

  it("names the interpreter as lua.c does before a traceback, also under -e", function()
    local out, ok, how, code = helpers.sh("exec " .. helpers.LUA ..
      [[ -e "local s = require 'signal' s.main(function() s.raise_signal('SIGINT') end)"]])
    assert.is_falsy(ok, out)
    assert.are.same({ "signal", 2 }, { how, code }, out)
    assert.equal(helpers.LUA_BIN .. ": KeyboardInterrupt\nstack traceback:\n",
                 out:sub(1, #helpers.LUA_BIN + #": KeyboardInterrupt\nstack traceback:\n"))
  end)
end)

describe("the names of the module's functions", function()
  it("are the same in every fresh process, in argument errors and tracebacks", function()
    -- Lua names a C function after the first table of package.loaded
    -- that holds it, in an order that changes from run to run.
    local script = [[
      local signal = require "signal"
      local _, e = pcall(signal.sleep, "x")
      -- called from C (xpcall), it is named as package.loaded holds it
      local _, trace = xpcall(signal.raise_signal, debug.traceback, "nope")
      print(e)
      print(trace:match("in %a+ '([^']*raise_signal)'"))
    ]]
    local seen, outputs = {}, {}
    for _ = 1, 12 do
      local out, ok = helpers.run_lua(script)
      assert.is_true(ok, out)
      if not seen[out] then seen[out] = true outputs[#outputs + 1] = out end
    end
    assert.equal(1, #outputs, table.concat(outputs, "--\n"))
    assert.equal("bad argument #1 to 'signal.sleep' (number expected, got string)\n"
                 .. "signal.raise_signal\n", outputs[1])
  end)

  it("leave require 'signal.core' reading the module", function()
    local out, ok = helpers.run_lua([[
      local signal = require "signal"
      local core = require "signal.core"
      print(core ~= signal, core.sleep == signal.sleep, core.SIGTERM == signal.SIGTERM)
      package.loaded.signal = nil
      print(require "signal" == signal)
    ]])
    assert.is_true(ok, out)
    assert.equal("true\ttrue\ttrue\ntrue\n", out)
  end)
end)
