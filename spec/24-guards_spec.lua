-- Guards closed in any order (SPEC 5.15): blocked() and scoped()
-- guards closed by hand in every order of three, alone and mixed.
-- After each close the mask is the one from before the first guard
-- plus what the guards still open block, and a signal's handler is
-- that of the newest scope still open, or the one from before.

local signal = require "signal"
local helpers = require "helpers"

local mask = helpers.mask
local USR1, USR2, WINCH, URG = signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH, signal.SIGURG
local BLOCK = signal.SIG_BLOCK

-- Every order of closing n guards: arrays of indices 1..n.
local function orders(n)
  local all = {}
  local function permute(prefix, rest)
    if #rest == 0 then all[#all + 1] = prefix return end
    for i = 1, #rest do
      local p, r = { table.unpack(prefix) }, { table.unpack(rest) }
      p[#p + 1] = table.remove(r, i)
      permute(p, r)
    end
  end
  local first = {}
  for i = 1, n do first[i] = i end
  permute({}, first)
  return all
end

-- A set as an ascending array without duplicates.
local function union(...)
  local seen, out = {}, {}
  for _, set in ipairs({ ... }) do
    for _, s in ipairs(set) do
      if not seen[s] then seen[s] = true out[#out + 1] = s end
    end
  end
  table.sort(out)
  return out
end

describe("guards closed in any order", function()
  after_each(helpers.restore)

  it("makes six distinct orders of three", function()
    local all, seen = orders(3), {}
    for _, o in ipairs(all) do seen[table.concat(o)] = true end
    assert.equal(6, #all)
    for _, key in ipairs({ "123", "132", "213", "231", "312", "321" }) do
      assert.is_true(seen[key], key)
    end
  end)

  -- The sets overlap, and WINCH is blocked before the first opens.
  local sets = { { USR1 }, { USR1, USR2 }, { USR2, WINCH } }
  local BEFORE = { WINCH, URG }

  for _, order in ipairs(orders(3)) do
    it("blocked: closed in the order " .. table.concat(order, ", "), function()
      signal.pthread_sigmask(BLOCK, BEFORE)
      local guards, open = {}, { true, true, true }
      for i, set in ipairs(sets) do guards[i] = signal.blocked(set) end
      assert.same(union(BEFORE, sets[1], sets[2], sets[3]), mask())
      for step, i in ipairs(order) do
        guards[i]:close()
        open[i] = false
        local expected = { BEFORE }
        for j = 1, 3 do
          if open[j] then expected[#expected + 1] = sets[j] end
        end
        assert.same(union(table.unpack(expected)), mask(),
                    "after closing guard " .. i .. " (step " .. step .. ")")
        assert.equal("signal mask scope (closed)", tostring(guards[i]))
      end
      assert.same(union(BEFORE), mask())
    end)
  end

  -- Three scopes of SIGUSR1 over a Lua handler; the handler in force
  -- is checked with getsignal and with a real delivery.
  for _, order in ipairs(orders(3)) do
    it("scoped: closed in the order " .. table.concat(order, ", "), function()
      local got = {}
      local function handler(name) return function() got[#got + 1] = name end end
      local before = handler("before")
      signal.signal(USR1, before)
      local handlers = { handler("a"), handler("b"), handler("c") }
      local scopes, open = {}, { true, true, true }
      for i, h in ipairs(handlers) do scopes[i] = signal.scoped(USR1, h) end
      assert.equal(handlers[3], signal.getsignal(USR1))
      for step, i in ipairs(order) do
        scopes[i]:close()
        open[i] = false
        local expected, name = before, "before"
        for j = 3, 1, -1 do
          if open[j] then expected, name = handlers[j], ("abc"):sub(j, j) break end
        end
        local why = "after closing scope " .. i .. " (step " .. step .. ")"
        assert.equal(expected, signal.getsignal(USR1), why)
        signal.raise_signal(USR1)
        assert.equal(name, got[#got], why)
        assert.equal("signal scope (SIGUSR1, closed)", tostring(scopes[i]))
      end
      assert.equal(before, signal.getsignal(USR1))
    end)
  end

  -- A disposition from outside Lua (SIG_IGN set by the C library's
  -- sigaction, as a parent may leave it) comes back exactly.
  for _, order in ipairs(orders(3)) do
    it("scoped: puts back SIG_IGN after the order " .. table.concat(order, ", "), function()
      signal.signal(USR2, signal.SIG_IGN)
      local scopes = {
        signal.scoped(USR2, function() end),
        signal.scoped(USR2, signal.SIG_DFL),
        signal.scoped(USR2, function() end),
      }
      for _, i in ipairs(order) do scopes[i]:close() end
      assert.equal(signal.SIG_IGN, signal.getsignal(USR2))
      signal.raise_signal(USR2)  -- ignored: the runner lives on
    end)
  end

  -- blocked and scoped guards mixed, on two signals.
  for _, order in ipairs(orders(3)) do
    it("mixed blocked and scoped: closed in the order " .. table.concat(order, ", "), function()
      local got = {}
      local function handler(name) return function(s) got[#got + 1] = name .. s end end
      local before1, before2 = handler("before"), handler("before")
      signal.signal(USR1, before1)
      signal.signal(USR2, before2)
      local h2, h3 = handler("b"), handler("c")
      local guards = {
        signal.blocked({ USR1, USR2 }),
        signal.scoped(USR1, h2),
        signal.scoped(USR1, h3),
      }
      local open = { true, true, true }
      for step, i in ipairs(order) do
        guards[i]:close()
        open[i] = false
        local why = "after closing guard " .. i .. " (step " .. step .. ")"
        local expected = (open[3] and h3) or (open[2] and h2) or before1
        assert.equal(expected, signal.getsignal(USR1), why)
        assert.equal(before2, signal.getsignal(USR2), why)
        assert.same(open[1] and { USR1, USR2 } or {}, mask(), why)
      end
      -- every handler ran when its signal came unblocked, and the last
      -- one in force now takes a delivery
      got = {}
      signal.raise_signal(USR1)
      signal.raise_signal(USR2)
      assert.same({ "before" .. USR1, "before" .. USR2 }, got)
    end)
  end

  it("blocked: a guard closed twice, out of order, changes nothing more", function()
    local a = signal.blocked({ USR1 })
    local b = signal.blocked({ USR1 })
    a:close()
    a:close()
    assert.same({ USR1 }, mask())
    b:close()
    assert.same({}, mask())
  end)

  it("scoped: a scope refused by the system leaves the others as they were", function()
    local function h() end
    local a = signal.scoped(USR1, h)
    assert.has_error(function() signal.scoped("SIGKILL", h) end,
      "SIGKILL cannot be caught or ignored: Invalid argument")
    local b = signal.scoped(USR1, signal.SIG_IGN)
    a:close()
    assert.equal(signal.SIG_IGN, signal.getsignal(USR1))
    b:close()
    assert.equal(signal.SIG_DFL, signal.getsignal(USR1))
  end)
end)
