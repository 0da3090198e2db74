-- Threaded hosts: whichever OS thread the kernel picks for a signal,
-- the Lua handler runs on the thread that runs the owning state, once
-- per delivery, and no other thread touches the state. Each run storms
-- the host from a child process with real-time and standard signals.

local helpers = require "helpers"
local signal = require "signal"

local RUNS = tonumber(os.getenv("THREAD_RUNS")) or 3
local COUNT = 20000

local function host(mode)
  return helpers.sh(("exec %s/host_threads %s %d"):format(helpers.BUILD, mode, COUNT))
end

local it_needs = helpers.it_needs(it, pending)

-- host_threads waitpid: each case's children waited for in well under
-- the watchdog's 5 s, and no wait ended by the watchdog.
local function waitcases(arg, names)
  local out, ok = helpers.sh(("exec %s/host_threads waitpid 2 %s"):format(helpers.BUILD, arg))
  assert.is_true(ok, out)
  local cases = {}
  for name, n, worst in out:gmatch("([^\n]+): (%d+) children, longest wait ([%d.]+) s") do
    cases[#cases + 1] = name
    assert.equal("2", n, name)
    assert.is_true(tonumber(worst) < 2.5, name .. ": " .. worst .. " s")
  end
  assert.same(names, cases, out)
  assert.matches("watchdog rescues: 0\n", out)
end

describe("threaded hosts", function()
  it("run every handler on the Lua thread when Lua runs in the main thread beside 4 helpers", function()
    for _ = 1, RUNS do
      local out, ok = host("main")
      assert.is_true(ok, out)
      assert.matches("^ok main: SIGRTMIN 20000 of 20000, SIGUSR1 %d+ of 20000, 0 off the Lua thread", out)
    end
  end)

  it("run every handler on the Lua thread when Lua runs in a worker thread", function()
    for _ = 1, RUNS do
      local out, ok = host("worker")
      assert.is_true(ok, out)
      assert.matches("^ok worker: SIGRTMIN 20000 of 20000, SIGUSR1 %d+ of 20000, 0 off the Lua thread", out)
    end
  end)

  it("follow a state that a host moves to another thread", function()
    for _ = 1, RUNS do
      local out, ok = host("move")
      assert.is_true(ok, out)
      assert.matches("^ok move: SIGRTMIN 20000 of 20000, SIGUSR1 %d+ of 20000, 0 off the Lua thread", out)
    end
  end)

  it("keep sigwaitinfo (sigwait in a portable build) on the Lua thread from returning the wake-up of a delivery counted elsewhere", function()
    local out, ok = helpers.sh(("exec %s/host_threads sigwait 1"):format(helpers.BUILD))
    assert.is_true(ok, out)
    assert.equal(("handled 1, the wait returned %d\n"):format(signal.SIGUSR2), out)
  end)

  it("end a blocking waitpid when a child exits, whichever thread the kernel gives SIGCHLD to", function()
    -- the children are forked by a thread that exits, so their SIGCHLD
    -- goes to the main thread or a helper, none of them the Lua thread;
    -- before, each wait lasted until the host's watchdog signal (5 s)
    waitcases("", { "waitpid(pid)", "waitpid(-1)" })
  end)

  -- with the host's own C handler for SIGCHLD the module sees no
  -- SIGCHLD: only a pidfd, which becomes readable when the child exits,
  -- ends the wait promptly; without one (macOS, the BSDs, a portable
  -- build) the wait ends at the next delivery, here the watchdog's
  it_needs({ "pidfd_open" }, "end a blocking waitpid(pid) when a child exits though the host has its own C handler for SIGCHLD", function()
    waitcases("chandler", { "waitpid(pid) with a C handler" })
  end)

  it("send pthread_kill to another thread of the host, and refuse the id once it has exited", function()
    local out, ok = helpers.sh(("exec %s/host_threads tkill 1"):format(helpers.BUILD))
    assert.is_true(ok, out)
    -- a thread's kernel id (Linux) is the kernel's to check; the
    -- portable core's pthread_t ids are taken only once handed out
    assert.equal("to a helper: handler ran 1, on the Lua thread: true\n"
                 .. "to a helper that never asked: "
                 .. (helpers.PORTABLE and "pthread_kill: No such process" or "sent") .. "\n"
                 .. "to an exited helper: pthread_kill: No such process\n", out)
  end)

  it("take the pthread_kill ids of live threads only, up to the portable core's bound", function()
    -- 1100 helpers ask for their ids and stay alive; then they end, and
    -- 110 new ones ask. The portable core keeps the ids of 1024 live
    -- threads (the Lua thread's among them) and forgets a thread's as
    -- it ends; Linux ids are the kernel's, each live thread's taken
    local out, ok = helpers.sh(("exec %s/host_threads many 1100"):format(helpers.BUILD))
    assert.is_true(ok, out)
    assert.equal(("alive 1100: %d taken; ended: 0 taken; again 110: 110 taken\n")
                 :format(helpers.PORTABLE and 1024 - 1 or 1100), out)
  end)

  for _, placement in ipairs({ "", "pinned" }) do
    it(("measure deliveries that land on helper threads against ones that land on the Lua thread %s")
       :format(placement == "" and "as placed by the scheduler" or "with the threads pinned"), function()
      local out, ok = helpers.sh(("exec %s/host_threads latency 200 %s"):format(helpers.BUILD, placement))
      if not ok and out:match("only one CPU") then
        pending("one CPU: nothing to pin to")
        return
      end
      assert.is_true(ok, out)
      for _, path in ipairs({ "to the Lua thread", "via a computing helper", "via a sleeping helper" }) do
        local p50, c50 = out:match("latency " .. path .. ": p50 ([%d.]+) us, p99 [%d.]+ us; plain C p50 ([%d.]+) us")
        assert.is_truthy(p50, out)
        assert.is_true(tonumber(p50) > 0 and tonumber(c50) > 0, out)
      end
    end)
  end
end)
