-- The module's version, and make install / make uninstall leaving
-- nothing behind.

local helpers = require "helpers"

describe("signal._VERSION", function()
  it("names the module and its version, as Lua's own _VERSION does", function()
    local signal = require "signal"
    assert.matches("^signal %d+%.%d+%.%d+$", signal._VERSION)
  end)
end)

describe("make install and make uninstall", function()
  it("uninstall removes what install put there, the signal/ directory too", function()
    local dest = os.tmpname()
    os.remove(dest)
    finally(function() os.execute("rm -rf '" .. dest .. "'") end)
    -- the module as built for this suite's Lua (make test-matrix builds
    -- one per release, elsewhere than build/)
    local vars = ("DESTDIR=%s PREFIX=/p LUA_VERSION=%s BUILD=%s"):format(dest, helpers.LUAV, helpers.BUILD)
    local out, ok = helpers.sh("make -s install " .. vars)
    assert.is_true(ok, out)
    assert.is_true(os.execute(("test -f %s/p/lib/lua/%s/signal/core.so"):format(dest, helpers.LUAV)), out)
    out, ok = helpers.sh("make -s uninstall " .. vars)
    assert.is_true(ok, out)
    local left = helpers.sh(("find %s -type f -o -name signal"):format(dest))
    assert.are.equal("", left)
  end)
end)
