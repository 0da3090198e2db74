-- The benchmark still runs (make bench-quick). Nothing here depends on
-- speed: it checks that every system was measured or said to be
-- unavailable, that the eight target lines are there, and that no
-- queued real-time delivery to this module was lost.

local helpers = require "helpers"

-- The benchmark builds its C helpers and loads build/, so it runs only
-- against the plain build, not under make sanitize or make valgrind.
local plain = (os.getenv("SIGNAL_BUILD") or "build") == "build"
  and not os.getenv("LUA_WRAPPER")
local check = plain and it or function(name) pending(name .. " [the benchmark runs against build/ only]") end

describe("make bench-quick", function()
  check("measures every system and loses no real-time delivery", function()
    local out, ok = helpers.sh(("cd %s && sh bench/run.sh --quick"):format(helpers.ROOT))
    assert.is_true(ok, out)
    for _, system in ipairs({ "plain C", "this module", "CPython", "luaposix", "luv", "cqueues" }) do
      assert.matches("| " .. system .. " ", out, 1, true)
    end
    local targets = 0
    for line in out:gmatch("\n(%- [^\n]*)") do
      if line:find("**met**", 1, true) or line:find("**NOT met**", 1, true) then
        targets = targets + 1
      end
    end
    assert.equal(8, targets, out)
    assert.matches("burst: ([%d,]+) of %1 real%-time deliveries handled: %*%*met%*%*", out)
    assert.is_truthy(out:find("| round trip raise → handler (ns)", 1, true))
  end)
end)
