-- A busted output handler: one line per test, the details of every
-- failure, and a closing "N passed, N failed, N skipped" line that
-- counts the real results (CI reads that line).

return function(options)
  local busted = require "busted"
  local handler = require "busted.outputHandlers.base"()
  local write, flush = io.write, io.flush
  local passed, failed, skipped = 0, 0, 0
  local problems = {}
  local reasons, order = {}, {}  -- why tests were skipped: reason -> count
  local times = {}               -- { seconds, name } of every test that ran

  local function describe(t)
    local msg = t.message
    if type(msg) ~= "string" then msg = require("pl.pretty").write(msg) end
    local where = t.trace and t.trace.short_src and
      (t.trace.short_src .. ":" .. tostring(t.trace.currentline)) or "?"
    local text = ("%s\n  at %s\n  %s"):format(t.name, where,
                                              (msg or "nil"):gsub("\n", "\n  "))
    if options.verbose and t.trace and t.trace.traceback then
      text = text .. "\n  " .. t.trace.traceback:gsub("\n", "\n  ")
    end
    return text
  end

  local function testEnd(element, _, status)
    local name = handler.getFullName(element)
    if element.duration then times[#times + 1] = { element.duration, name } end
    if status == "success" then
      passed = passed + 1
      write("ok    ", name, "\n")
    elseif status == "pending" then
      skipped = skipped + 1
      -- the reason: "[...]" at the end of the name (helpers.it_needs),
      -- or the message of a pending() inside the test
      local last = handler.pendings[#handler.pendings]
      local why = name:match("%[([^%]]+)%]$") or (last and type(last.message) == "string"
                  and last.message ~= "" and last.message:gsub("^[^\n]-:%d+: ", "")) or "no reason given"
      if not reasons[why] then order[#order + 1] = why end
      reasons[why] = (reasons[why] or 0) + 1
      write("skip  ", name, "\n")
    else
      failed = failed + 1
      local list = status == "failure" and handler.failures or handler.errors
      problems[#problems + 1] = describe(list[#list])
      write("FAIL  ", name, "\n")
    end
    flush()
    return nil, true
  end

  -- An error outside any test (a spec file that does not load, a
  -- failing before_each) is a failure too.
  local function onError(element)
    if element.descriptor ~= "it" then
      failed = failed + 1
      problems[#problems + 1] = describe(handler.errors[#handler.errors])
      write("FAIL  ", handler.getFullName(element), "\n")
      flush()
    end
    return nil, true
  end

  local function suiteEnd()
    for i, text in ipairs(problems) do
      write("\n", i, ") ", text, "\n")
    end
    -- where the time went: CI has a budget, and a test that waits out
    -- a timeout instead of failing fast shows here first
    table.sort(times, function(a, b) return a[1] > b[1] end)
    local total = 0
    for _, t in ipairs(times) do total = total + t[1] end
    write(("\n%.0f s in tests; the slowest:\n"):format(total))
    for i = 1, math.min(#times, 8) do
      write(("%6.1f s  %s\n"):format(times[i][1], times[i][2]))
    end
    if skipped > 0 then
      local why = {}
      for _, r in ipairs(order) do why[#why + 1] = ("%d %s"):format(reasons[r], r) end
      write(("\n%d skipped: %s"):format(skipped, table.concat(why, "; ")))
    end
    -- the last line, which CI reads, keeps its shape
    write(("\n%d passed, %d failed, %d skipped\n"):format(passed, failed, skipped))
    flush()
    return nil, true
  end

  busted.subscribe({ "test", "end" }, testEnd, { predicate = handler.cancelOnPending })
  busted.subscribe({ "error" }, onError)
  busted.subscribe({ "suite", "end" }, suiteEnd)
  return handler
end
