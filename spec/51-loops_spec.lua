-- The echo servers, one per event loop, each run as a separate process
-- with the real library and sent real signals: they stop cleanly on
-- SIGTERM when idle and while a client floods them, and reload on
-- SIGHUP. Also counts the glue each needs (the lines that use the
-- watcher), which the README quotes.

local helpers = require "helpers"

teardown(helpers.cleanup)  -- the files of the processes it spawned
local deps = require "support.deps"
local signal = require "signal"
local socket = require "socket"

local wait_until = helpers.wait_until
local readfile = helpers.readfile

-- Starts `cmd` (a Lua script and its arguments) in the background,
-- with the paths of the event-loop libraries (helpers.start).
local function start(cmd)
  return helpers.start(cmd, deps.ENV)
end

local terminate = helpers.terminate

-- The lines of an example that use the watcher, as bench/loops.lua
-- counts them.
local glue = dofile("bench/glue.lua")

local loops = {
  { file = "event_loop.lua", name = "event_loop", lib = "socket", glue = 3 },
  { file = "echo_luv.lua", name = "echo_luv", lib = "luv", glue = 2 },
  { file = "echo_cqueues.lua", name = "echo_cqueues", lib = "cqueues", glue = 2 },
  { file = "echo_copas.lua", name = "echo_copas", lib = "copas", glue = 2 },
}

for _, loop in ipairs(loops) do
  describe("examples/" .. loop.file, function()
    local function available()
      if deps.has(loop.lib) then return true end
      pending(loop.lib .. " is not installed (tools/deps.sh test, tools/luadeps.sh)")
    end

    it("needs " .. loop.glue .. " lines of glue", function()
      assert.are.equal(loop.glue, glue(loop.file))
    end)

    it("echoes, reloads on SIGHUP, and stops on SIGTERM while idle", function()
      if not available() then return end
      local p = start("examples/" .. loop.file .. " 60")
      finally(p.cleanup)
      local port = tonumber(p.await("listening on 127%.0%.0%.1:(%d+)"))
      assert.truthy(port, p.output())

      local client = assert(socket.connect("127.0.0.1", port))
      finally(function() client:close() end)
      client:settimeout(20)
      assert(client:send("hello\n"))
      assert.are.equal("echo: hello", client:receive("*l"))

      p.send("SIGHUP")
      assert.truthy(p.await("SIGHUP: configuration 2 loaded"), p.output())
      p.send("SIGUSR1")
      assert.truthy(p.await("SIGUSR1: 1 lines answered, 1 clients connected"), p.output())
      p.send("SIGHUP")
      assert.truthy(p.await("SIGHUP: configuration 3 loaded"), p.output())
      assert(client:send("again\n"))
      assert.are.equal("echo: again", client:receive("*l"))
      assert.is_nil(p.status(), "it stopped on SIGHUP or SIGUSR1")

      -- Now idle, blocked in its loop (its time limit is 60 s away).
      local t0 = socket.gettime()
      local status = terminate(p, 20)
      local out = p.output()
      assert.are.equal(0, status, out)
      assert.is_true(socket.gettime() - t0 < 30, out)
      assert.truthy(out:match(loop.name .. ": stopped %(SIGTERM%), 2 lines answered"), out)
      -- The server closed the connection on its way out.
      local line, err = client:receive("*l")
      assert.is_nil(line)
      assert.are.equal("closed", err)
    end)

    it("stops on SIGTERM while a client floods it", function()
      if not available() then return end
      local p = start("examples/" .. loop.file .. " 120")
      finally(p.cleanup)
      local port = tonumber(p.await("listening on 127%.0%.0%.1:(%d+)"))
      assert.truthy(port, p.output())
      local flood = start("spec/support/flood.lua " .. port .. " 100")
      finally(flood.cleanup)
      assert.truthy(flood.await("flood: flowing"), flood.output() .. p.output())

      p.send("SIGHUP")   -- answered under the flood too
      assert.truthy(p.await("SIGHUP: configuration 2 loaded"), p.output())
      local status = terminate(p, 20)
      local out = p.output()
      assert.are.equal(0, status, out)
      assert.truthy(out:match(loop.name .. ": stopped %(SIGTERM%), %d+ lines answered"), out)
      -- and the flooding client saw the connection closed
      assert.truthy(flood.await("flood: stopped after %d+ replies"), flood.output())
    end)
  end)
end
