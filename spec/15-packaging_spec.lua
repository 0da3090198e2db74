-- Installing: make install (PREFIX, DESTDIR) and an offline luarocks
-- make, each checked by loading the installed module in a new process
-- and handling a real signal with it.

local helpers = require "helpers"

-- The build tools (make, cp, luarocks and what it runs) are not under
-- test: under make sanitize they run without the preloaded ASan, whose
-- reports of their own exit-time leaks would fail the run.
local TOOL = "env -u LD_PRELOAD "

local function tmpdir()
  local dir = helpers.sh("mktemp -d"):gsub("%s+$", "")
  assert(dir:match("^/tmp/"), dir)
  return dir
end

-- Runs lua5.4 with only the given tree on its paths.
local function use(share, lib)
  local p = assert(io.popen(("exec env LUA_PATH_5_4='%s/?.lua' LUA_CPATH_5_4='%s/?.so' lua5.4 -e %q 2>&1")
    :format(share, lib, [[
      local s = require "signal"
      local n = 0
      s.signal("SIGUSR1", function() n = n + 1 end)
      s.raise_signal("SIGUSR1")
      print(n, package.searchpath("signal.core", package.cpath))
    ]])))
  local out = p:read("a")
  p:close()
  return out
end

describe("packaging", function()
  it("make install puts the two files under PREFIX and DESTDIR", function()
    local dest = tmpdir()
    local out, ok = helpers.sh((TOOL .. "make -s -C %s install DESTDIR=%s PREFIX=/opt/x BUILD=%s")
      :format(helpers.ROOT, dest, helpers.BUILD))
    assert.is_true(ok, out)
    local share, lib = dest .. "/opt/x/share/lua/5.4", dest .. "/opt/x/lib/lua/5.4"
    assert.equal("1\t" .. lib .. "/signal/core.so\n", use(share, lib))
    helpers.sh("rm -rf " .. dest)
  end)

  it("luarocks make of the rockspec builds and installs offline", function()
    local work, tree = tmpdir(), tmpdir()
    -- a copy, since luarocks make builds inside the tree it is given
    local out, ok = helpers.sh(("cd %s && " .. TOOL .. "cp -r lua src rockspec %s"):format(helpers.ROOT, work))
    assert.is_true(ok, out)
    out, ok = helpers.sh(("cd %s && " .. TOOL .. "luarocks --lua-version=5.4 make --tree=%s rockspec/pysignal-0.1.0-1.rockspec")
      :format(work, tree))
    assert.is_true(ok, out)
    local share, lib = tree .. "/share/lua/5.4", tree .. "/lib/lua/5.4"
    assert.equal("1\t" .. lib .. "/signal/core.so\n", use(share, lib))
    helpers.sh(("rm -rf %s %s"):format(work, tree))
  end)
end)
