-- A small test runner for the Windows build, run by lua.exe under Wine
-- (tools/windows.sh test): busted is too heavy there. Each file named
-- on the command line is a chunk called with this runner's API and
-- declares its cases with t.test(name, fn); a case passes when fn
-- returns without error, and t.skip(name, reason) reports what cannot
-- be tested here, with the reason. The report (one line per case, and
-- "N passed, N failed, N skipped" last) goes to $SPEC_REPORT and to
-- stdout.
local report_path = os.getenv("SPEC_REPORT")
local report = report_path and assert(io.open(report_path, "w"))

local function say(line)
  io.stdout:write(line, "\n")
  io.stdout:flush()
  if report then
    report:write(line, "\n")
    report:flush()
  end
end

local t = {}
local passed, failed, skipped = 0, 0, 0
local current_file

local notes = {}

function t.test(name, fn)
  notes = {}
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    passed = passed + 1
    say("ok    " .. current_file .. ": " .. name)
  else
    failed = failed + 1
    say("FAIL  " .. current_file .. ": " .. name .. "\n      " .. tostring(err):gsub("\n", "\n      "))
  end
  for _, text in ipairs(notes) do say("      note: " .. text) end
end

function t.skip(name, reason)
  skipped = skipped + 1
  say("skip  " .. current_file .. ": " .. name .. " (" .. reason .. ")")
end

function t.eq(a, b, what)
  if a ~= b then
    error(("%s: expected %s, got %s"):format(what or "value", tostring(b), tostring(a)), 2)
  end
end

-- The error message of f(...), which must fail.
function t.err(f, ...)
  local ok, e = pcall(f, ...)
  if ok then error("expected an error", 2) end
  return tostring(e)
end

-- Seconds of wall-clock time: the C runtime's clock() on Windows
-- counts time since the process started, not CPU time.
t.now = os.clock

-- The path of lua.exe, for child processes (backslashes: cmd.exe reads
-- a slash as the start of a switch).
t.lua = (os.getenv("SPEC_LUA") or "lua.exe"):gsub("/", "\\")

local tmpn = 0
-- Writes Lua code to a file of its own and returns its path.
function t.script(code)
  tmpn = tmpn + 1
  local path = ("%s\\spec-child-%d-%d.lua"):format(os.getenv("TEMP") or ".", os.time(), tmpn)
  local f = assert(io.open(path, "w"))
  f:write(code)
  f:close()
  return path
end

-- The command that runs a child's Lua code, for io.popen or
-- os.execute, with what 'redirect' says (cmd.exe's syntax). cmd.exe
-- drops the first and the last quote of a command line that starts
-- with one: the whole is quoted once more.
function t.child(code, redirect)
  return ('""%s" "%s" %s"'):format(t.lua, t.script(code), redirect or "")
end

-- A line in the report under the current case, for what it measured.
function t.note(text)
  notes[#notes + 1] = text
end

-- Runs a child to its end: its output and exit status.
function t.run(code)
  local p = assert(io.popen(t.child(code, "2>&1"), "r"))
  local out = p:read("a")
  local _, _, status = p:close()
  return out, status
end

-- A busy Lua loop that ends when cond() is true or after 'seconds'
-- (wall clock); true if cond() became true.
function t.spin(cond, seconds)
  local deadline = t.now() + seconds
  while t.now() < deadline do
    for _ = 1, 10000 do
      if cond() then return true end
    end
  end
  return cond()
end

for i = 1, #arg do
  current_file = arg[i]:match("[^/\\]+$")
  local chunk, err = loadfile(arg[i])
  if not chunk then
    failed = failed + 1
    say("FAIL  " .. current_file .. ": " .. err)
  else
    local ok, e = xpcall(chunk, debug.traceback, t)
    if not ok then
      failed = failed + 1
      say("FAIL  " .. current_file .. ": outside a test: " .. tostring(e))
    end
  end
end

say(("%d passed, %d failed, %d skipped"):format(passed, failed, skipped))
if report then report:close() end
os.exit(failed == 0 and 0 or 1)
