-- spawn(argv [, options]): programs started with posix_spawnp, no
-- shell, with a clean signal state. The cases that block or ignore
-- signals run in a child Lua process, whose children are its own.

local helpers = require "helpers"
local signal = require "signal"

teardown(helpers.cleanup)

-- Valgrind (make valgrind) runs posix_spawn as fork and exec: a missing
-- program is a child that exits 127, not an error of spawn.
local VALGRIND = os.getenv("LUA_WRAPPER") ~= nil
local SPAWNS_MISSING = "under valgrind, whose posix_spawn starts a child for a missing program"

-- The signals the C library keeps for itself (glibc 32-33, musl
-- 32-34): its posix_spawn leaves them ignored in the child, and the
-- child's own C library sets them up again. Masked out of SigIgn.
-- SIGRTMIN as the C library gives it (host_values): a portable build
-- (PORTABLE=1) has no signal.SIGRTMIN, as macOS.
local function reserved_mask()
  local m = 0
  for signo = 32, helpers.platform().SIGRTMIN - 1 do m = m | (1 << (signo - 1)) end
  return m
end

local PRE = [[
local signal = require "signal"
io.stdout:setvbuf("line")
-- the SigBlk and SigIgn lines of a status file, as numbers
local function sigs(status)
  return tonumber(status:match("SigBlk:%s*(%x+)"), 16),
         tonumber(status:match("SigIgn:%s*(%x+)"), 16)
end
local function slurp(name)
  local f = assert(io.open(name)); local s = f:read("a"); f:close(); return s
end
-- runs argv with options, its stdout to a file; returns that output
-- and the end waitpid gives
local function run(argv, options)
  local out = os.tmpname()
  options = options or {}
  options.stdout = options.stdout or out
  local pid = assert(signal.spawn(argv, options))
  local _, how, code = signal.waitpid(pid)
  local text = slurp(out)
  os.remove(out)
  return text, how, code
end
]]

local function run(body)
  local out, ok, how, code = helpers.run_lua(PRE .. body)
  assert.is_true(ok, ("%s %s\n%s"):format(how, code, out))
  return out
end

describe("spawn", function()
  it("starts the child with an empty mask and every signal at its default, whatever the parent blocks and ignores", function()
    local out = run [[
      local _b <close> = signal.blocked{"SIGUSR1", "SIGHUP", "SIGTERM", "SIGCHLD"}
      signal.signal("SIGUSR2", signal.SIG_IGN)
      signal.signal("SIGQUIT", signal.SIG_IGN)
      signal.signal("SIGPIPE", signal.SIG_IGN)
      signal.signal("SIGINT", function() end)
      -- the parent does block and ignore them
      local pblk, pign = sigs(slurp("/proc/self/status"))
      print(("parent %x %x"):format(pblk, pign))
      local text, how, code = run({"cat", "/proc/self/status"})
      local cblk, cign = sigs(text)
      print(("child %x %x %s %d"):format(cblk, cign, how, code))
    ]]
    local pblk, pign = out:match("parent (%x+) (%x+)")
    local cblk, cign, rest = out:match("child (%x+) (%x+) (.-)\n")
    assert.truthy(pblk and cblk, out)
    -- SIGHUP 1, SIGUSR1 10, SIGTERM 15, SIGCHLD 17 blocked in the parent
    local want = (1 << 0) | (1 << 9) | (1 << 14) | (1 << 16)
    assert.are.equal(want, tonumber(pblk, 16) & want, out)
    -- SIGQUIT 3, SIGPIPE 13, SIGUSR2 12 ignored in the parent
    want = (1 << 2) | (1 << 11) | (1 << 12)
    assert.are.equal(want, tonumber(pign, 16) & want, out)
    assert.are.equal(0, tonumber(cblk, 16), out)
    assert.are.equal(0, tonumber(cign, 16) & ~reserved_mask(), out)
    assert.are.equal("exit 0", rest, out)
  end)

  it("leaves ignored the signals options.ignore names, and the parent's handlers as they were", function()
    local out = run [[
      local got = 0
      signal.signal("SIGUSR1", function() got = got + 1 end)
      local text = run({"cat", "/proc/self/status"}, {ignore = {"SIGUSR1", signal.SIGTERM}})
      local _, cign = sigs(text)
      print(("child %x"):format(cign))
      print("handler kept", type(signal.getsignal("SIGUSR1")), signal.getsignal("SIGTERM"))
      signal.raise_signal("SIGUSR1")
      print("handled", got)
      local _, pign = sigs(slurp("/proc/self/status"))
      print(("parent %x"):format(pign))
    ]]
    local cign = tonumber(out:match("child (%x+)"), 16)
    assert.are.equal((1 << 9) | (1 << 14), cign & ~reserved_mask(), out)
    assert.truthy(out:find("handler kept\tfunction\t0\n", 1, true), out)
    assert.truthy(out:find("handled\t1\n", 1, true), out)
    assert.are.equal(0, tonumber(out:match("parent (%x+)"), 16) & ((1 << 9) | (1 << 14)), out)
  end)

  it("returns a pid that waitpid reaps, with the child's exit status or signal", function()
    local out = run [[
      local pid = assert(signal.spawn{"sh", "-c", "exit 3"})
      print(math.type(pid), signal.waitpid(pid) == pid)
      pid = signal.spawn{"sh", "-c", "exit 3"}
      print(select(2, signal.waitpid(pid)))
      pid = signal.spawn{"sh", "-c", "kill -TERM $$"}
      print(select(2, signal.waitpid(pid)))
      print(signal.waitpid(-1, signal.WNOHANG) == nil)  -- none left
    ]]
    assert.are.equal("integer\ttrue\nexit\t3\nsignal\t15\ntrue\n", out)
  end)

  it("fails as an ordinary outcome for a missing program, leaving no child", function()
    if VALGRIND then return pending(SPAWNS_MISSING) end
    local out = run [[
      print(signal.spawn{"no-such-program-h22"})
      print(signal.spawn{"/no/such/dir/prog"})
      print(signal.spawn({"cat"}, {stdin = "/no/such/file"}))
      print(signal.waitpid(-1, signal.WNOHANG) == nil)
    ]]
    assert.are.equal("nil\tspawn: no-such-program-h22: No such file or directory\t2\n"
                     .. "nil\tspawn: /no/such/dir/prog: No such file or directory\t2\n"
                     .. "nil\tspawn: cat: No such file or directory\t2\n"
                     .. "true\n", out)
  end)

  it("runs no shell: the words are the arguments", function()
    local out = run [[
      print((run{"printf", "[%s]", "a b", "$HOME", "*"}))
    ]]
    assert.are.equal("[a b][$HOME][*]\n", out)
  end)

  it("takes env as changes to the parent's environment", function()
    local out = run [[
      print((run({"sh", "-c", 'echo "${H22A-unset} ${HOME-unset} ${H22N-unset}"'},
                 {env = {H22A = "one two", HOME = false, H22N = 42}})))
      print((run({"sh", "-c", 'echo "$PATH"'}, {env = {}})) == os.getenv("PATH") .. "\n")
    ]]
    assert.are.equal("one two unset 42\n\ntrue\n", out)
  end)

  it("takes cwd", function()
    local out = run [[
      print((run({"pwd"}, {cwd = "/"})))
    ]]
    assert.are.equal("/\n\n", out)
  end)

  it("takes stdin, stdout and stderr from a path, a descriptor, a Lua file or false", function()
    local out = run [[
      local name = os.tmpname()
      local f = assert(io.open(name, "w"))
      f:write("parent first\n")   -- buffered: flushed before the child writes
      local pid = signal.spawn({"sh", "-c", "echo out; echo err >&2"}, {stdout = f, stderr = 1})
      signal.waitpid(pid)
      f:close()
      print((slurp(name)))
      -- a path: stdout and stderr append
      pid = signal.spawn({"sh", "-c", "echo more; echo errs >&2"}, {stdout = name, stderr = name})
      signal.waitpid(pid)
      print((slurp(name)))
      -- stdin from a path; false is /dev/null
      print((run({"cat"}, {stdin = name})) == slurp(name))
      print((run({"readlink", "/proc/self/fd/0"}, {stdin = false})))
      print((run({"sh", "-c", "readlink /proc/self/fd/2"}, {stderr = false})))
      os.remove(name)
    ]]
    -- stderr = 1 is the child's stdout, as the shell's 2>&1
    assert.are.equal("parent first\nout\nerr\n\nparent first\nout\nerr\nmore\nerrs\n\n"
                     .. "true\n/dev/null\n\n/dev/null\n\n", out)
  end)

  it("starts a process group or a session of the child's own", function()
    local out = run [[
      local own = signal.getpid()
      -- field 5 of /proc/PID/stat is the process group, 6 the session
      local cmd = {"sh", "-c", "echo $$ $(cut -d' ' -f5,6 /proc/$$/stat)"}
      local function ids(options)
        local pid, pgid, sid = run(cmd, options):match("(%d+) (%d+) (%d+)")
        return tonumber(pid), tonumber(pgid), tonumber(sid)
      end
      local pid, pgid, sid = ids()
      print(pgid ~= pid, sid ~= pid)
      pid, pgid, sid = ids{pgroup = true}
      print(pgid == pid, sid ~= pid)
      pid, pgid, sid = ids{setsid = true}
      print(pgid == pid, sid == pid)
      print(own ~= pid)
    ]]
    assert.are.equal("true\ttrue\ntrue\ttrue\ntrue\ttrue\ntrue\n", out)
  end)

  it("refuses bad arguments with a clear error, opening and starting nothing", function()
    if VALGRIND then return pending(SPAWNS_MISSING) end
    -- the descriptors open now that are not pipes: spawn opens no pipe,
    -- and the listing's own pipe, and older ones of the suite that close
    -- as their processes end, would blur the count
    local function fds()
      collectgarbage()  -- files earlier specs dropped
      collectgarbage()
      local p = io.popen("ls -l /proc/" .. signal.getpid() .. "/fd")
      local open = {}
      for fd, target in p:read("a"):gmatch("(%d+) %-> ([^\n]*)") do
        if not target:match("^pipe:") then open[#open + 1] = fd .. " -> " .. target end
      end
      p:close()
      table.sort(open)
      return table.concat(open, "\n")
    end
    local closed = io.tmpfile()
    closed:close()
    local cases = {
      { { nil }, "bad argument #1 to 'spawn' (table expected, got nil)" },
      { { {} }, "bad argument #1 to 'spawn' (argv must name a program)" },
      { { { "true", 1 } }, "bad argument #1 to 'spawn' (argv[2] is not a string)" },
      { { { "true", "a\0b" } }, "bad argument #1 to 'spawn' (argv[2] has a zero byte)" },
      { { { "true" }, 1 }, "bad argument #2 to 'spawn' (table expected, got number)" },
      { { { "true" }, { stdot = 1 } }, "bad argument #2 to 'spawn' (unknown option 'stdot')" },
      { { { "true" }, { stdout = {} } }, "bad argument #2 to 'spawn' (option 'stdout' must be a path, a descriptor, a file or false)" },
      { { { "true" }, { stdin = true } }, "bad argument #2 to 'spawn' (option 'stdin' must be a path, a descriptor, a file or false)" },
      { { { "true" }, { stderr = 987 } }, "bad argument #2 to 'spawn' (option 'stderr': not an open descriptor)" },
      { { { "true" }, { stdout = closed } }, "bad argument #2 to 'spawn' (option 'stdout': attempt to use a closed file)" },
      { { { "true" }, { env = "X=1" } }, "bad argument #2 to 'spawn' (option 'env' must be a table)" },
      { { { "true" }, { env = { "X=1" } } }, "bad argument #2 to 'spawn' (env keys must be strings)" },
      { { { "true" }, { env = { ["A=B"] = "1" } } }, "bad argument #2 to 'spawn' (env: invalid name 'A=B')" },
      { { { "true" }, { env = { A = true } } }, "bad argument #2 to 'spawn' (env: the value of 'A' must be a string or false)" },
      { { { "true" }, { cwd = 1 } }, "bad argument #2 to 'spawn' (option 'cwd' must be a string)" },
      { { { "true" }, { setsid = 1 } }, "bad argument #2 to 'spawn' (option 'setsid' must be a boolean)" },
      { { { "true" }, { pgroup = -1 } }, "bad argument #2 to 'spawn' (option 'pgroup': invalid process group)" },
      { { { "true" }, { pgroup = true, setsid = true } }, "bad argument #2 to 'spawn' (options 'setsid' and 'pgroup' exclude each other)" },
      { { { "true" }, { ignore = { 99 } } }, "bad argument #2 to 'spawn' (signal number 99 out of range [1; 64])" },
      { { { "true" }, { ignore = { "SIGNOPE" } } }, "bad argument #2 to 'spawn' (unknown signal name 'SIGNOPE')" },
      { { { "true" }, { ignore = { "SIGKILL" } } }, "bad argument #2 to 'spawn' (ignore: SIGKILL and SIGSTOP cannot be ignored)" },
      { { { "true" }, { ignore = { "SIGCHLD" } } }, "bad argument #2 to 'spawn' (ignore: SIGCHLD cannot be left ignored (the parent would lose its children's status))" },
    }
    -- files that earlier specs left to the collector close first, so
    -- that only this test's descriptors are counted
    collectgarbage()
    collectgarbage()
    local before = fds()
    for _, case in ipairs(cases) do
      local args, message = case[1], case[2]
      local ok, err = pcall(signal.spawn, table.unpack(args, 1, 2))
      assert.is_false(ok)
      assert.are.equal(message, (err:gsub("'[%w%.]*spawn'", "'spawn'")))
    end
    -- a failed start leaves no descriptor either
    assert.is_nil(signal.spawn({ "true" }, { stdout = "/no/such/dir/out", stdin = "/etc/hostname" }))
    assert.are.equal(before, fds())
    assert.is_nil(signal.waitpid(-1, signal.WNOHANG))
  end)
end)
