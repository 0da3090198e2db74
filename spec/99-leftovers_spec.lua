-- Last of the suite: every spec waited for what it started. Under the
-- subreaper that spec/run.sh puts around busted (spec/hosts/reaper.c),
-- a process left behind is reparented to it instead of to init; the
-- reaper lists the ones it reaped in $SIGNAL_ORPHANS, and the ones still
-- running are its children other than this process.

local helpers = require "helpers"

describe("the suite", function()
  it("leaves no process behind, running or reparented", function()
    local reaper, log = tonumber(os.getenv("SIGNAL_REAPER")), os.getenv("SIGNAL_ORPHANS")
    if not reaper or not log then
      return pending("not under the subreaper (spec/run.sh runs busted under build/host_reaper)")
    end
    local left = {}
    for line in assert(io.open(log)):lines() do
      left[#left + 1] = line .. " (ended, reaped by the subreaper)"
    end
    local me = helpers.readfile("/proc/self/stat"):match("^(%d+)")
    local ls = assert(io.popen("ls /proc"))
    for pid in ls:lines() do
      local stat = pid:match("^%d+$") and pid ~= me and helpers.readfile("/proc/" .. pid .. "/stat")
      local ppid = stat and stat:match("%) %a (%d+)")
      if ppid and tonumber(ppid) == reaper then
        left[#left + 1] = pid .. " " .. stat:match("%((.*)%)") .. " (still running)"
      end
    end
    ls:close()
    assert.are.same({}, left)
  end)
end)
