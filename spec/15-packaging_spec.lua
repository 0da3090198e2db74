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

-- The Lua release the suite runs under: 5.4 or 5.5.
local V = helpers.LUAV

-- Runs the suite's interpreter with only the given tree on its paths.
local function use(share, lib)
  local p = assert(io.popen(("exec env %s='%s/?.lua' %s='%s/?.so' %s -e %q 2>&1")
    :format(helpers.PATH_VAR, share, helpers.CPATH_VAR, lib, helpers.LUA_BIN, [[
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

-- LuaRocks supports Lua 5.5 from 3.13.0 on: an older one recognises a
-- Lua's headers by a literal "#define LUA_VERSION_NUM 504" in lua.h,
-- which Lua 5.5 computes from its major and minor numbers, and cannot
-- build for 5.5.
local function luarocks_refuses()
  local incdir = os.getenv("LUA_INCDIR") or ("/usr/include/lua" .. V)
  local header = helpers.readfile(incdir .. "/lua.h")
  local literal = header:match("#define%s+LUA_VERSION_NUM%s+%d+")
  local major, minor = helpers.sh(TOOL .. "luarocks --version"):match("(%d+)%.(%d+)")
  local old = major and (tonumber(major) < 3 or tonumber(major) == 3 and tonumber(minor) < 13)
  if header ~= "" and not literal and old then
    return ("this LuaRocks (%s.%s) cannot read Lua %s's lua.h: it needs a literal LUA_VERSION_NUM")
      :format(major, minor, V)
  end
end

describe("packaging", function()
  it("make install puts the two files under PREFIX and DESTDIR", function()
    local dest = tmpdir()
    local out, ok = helpers.sh((TOOL .. "make -s -C %s install DESTDIR=%s PREFIX=/opt/x BUILD=%s LUA_VERSION=%s")
      :format(helpers.ROOT, dest, helpers.BUILD, V))
    assert.is_true(ok, out)
    local share, lib = dest .. "/opt/x/share/lua/" .. V, dest .. "/opt/x/lib/lua/" .. V
    assert.equal("1\t" .. lib .. "/signal/core.so\n", use(share, lib))
    helpers.sh("rm -rf " .. dest)
  end)

  it("has one version: the rockspec's file name and version are signal._VERSION's", function()
    local version = assert(require("signal")._VERSION:match("^signal (%d+%.%d+%.%d+)$"))
    local name = ("%s/rockspec/pysignal-%s-1.rockspec"):format(helpers.ROOT, version)
    local f = assert(io.open(name), "no " .. name)
    local text = f:read("a")
    f:close()
    assert.matches('\nversion = "' .. version:gsub("%.", "%%.") .. '%-1"\n', text)
    local out = helpers.sh(("ls %s/rockspec"):format(helpers.ROOT))
    assert.equal(("pysignal-%s-1.rockspec\n"):format(version), out)
  end)

  local refused = luarocks_refuses()
  local luarocks_it = refused and function(name) pending(name .. ": " .. refused) end or it
  luarocks_it("luarocks make of the rockspec builds and installs offline", function()
    local work, tree = tmpdir(), tmpdir()
    -- a copy, since luarocks make builds inside the tree it is given
    local out, ok = helpers.sh(("cd %s && " .. TOOL .. "cp -r Makefile lua src rockspec %s"):format(helpers.ROOT, work))
    assert.is_true(ok, out)
    -- a Lua built from source (make test-matrix) is named by its prefix
    local dir = os.getenv("SIGNAL_LUA_DIR")
    out, ok = helpers.sh(("cd %s && " .. TOOL .. "luarocks --lua-version=%s %s make --tree=%s rockspec/pysignal-0.2.0-1.rockspec")
      :format(work, V, dir and "--lua-dir=" .. dir or "", tree))
    assert.is_true(ok, out)
    local share, lib = tree .. "/share/lua/" .. V, tree .. "/lib/lua/" .. V
    assert.equal("1\t" .. lib .. "/signal/core.so\n", use(share, lib))
    -- built with the Makefile's warnings, in build/ (build-portable/ under
    -- make test PORTABLE=1, whose make passes it on), not among the sources
    assert.matches("%-Wall %-Wextra", out)
    assert.equal("", helpers.sh(("cd %s && " .. TOOL .. "find . -name '*.o' -not -path './build/*' -not -path './build-portable/*'"):format(work)))
    helpers.sh(("rm -rf %s %s"):format(work, tree))
  end)

  luarocks_it("luarocks make after a plain make builds again, with LuaRocks' flags", function()
    local work, tree = tmpdir(), tmpdir()
    local out, ok = helpers.sh(("cd %s && " .. TOOL .. "cp -r Makefile lua src rockspec %s"):format(helpers.ROOT, work))
    assert.is_true(ok, out)
    -- a plain make first, with the Makefile's own flags
    out, ok = helpers.sh(("cd %s && " .. TOOL .. "make -s module LUA_VERSION=%s %s")
      :format(work, V, os.getenv("LUA_INCDIR") and "LUA_INCDIR=" .. os.getenv("LUA_INCDIR") or ""))
    assert.is_true(ok, out)
    -- LuaRocks' CFLAGS, marked so that its compile lines show them,
    -- added to the variables of the configuration in force, if any
    -- (make test-matrix gives its compiler that way)
    local variables = {}
    local given = os.getenv("LUAROCKS_CONFIG")
    if given and given ~= "" then
      local env = {}
      local chunk = loadfile(given, "t", env)
      if chunk and pcall(chunk) and type(env.variables) == "table" then variables = env.variables end
    end
    variables.CFLAGS = "-O1 -fPIC -DSIGNAL_ROCK_FLAGS"
    local config = work .. "/luarocks-config.lua"
    local f = assert(io.open(config, "w"))
    f:write("variables = {\n")
    for k, v in pairs(variables) do f:write(("  %s = %q,\n"):format(k, tostring(v))) end
    f:write("}\n")
    f:close()
    local dir = os.getenv("SIGNAL_LUA_DIR")
    out, ok = helpers.sh(("cd %s && LUAROCKS_CONFIG=%s " .. TOOL
                          .. "luarocks --lua-version=%s %s make --tree=%s rockspec/pysignal-0.2.0-1.rockspec")
      :format(work, config, V, dir and "--lua-dir=" .. dir or "", tree))
    assert.is_true(ok, out)
    assert.is_nil(out:find("Nothing to be done", 1, true), out)
    -- every C file compiled again, each with LuaRocks' flags: all but
    -- the other platform's file (a rock on Linux builds linux.c, not
    -- the portable core posix.c; with PORTABLE=1, posix.c, not linux.c)
    local other = helpers.PORTABLE and "linux" or "posix"
    local sources = helpers.sh(("ls %s/src/*.c | grep -vc '/%s[.]c$'"):format(work, other)):match("%d+")
    local compiled = 0
    for line in out:gmatch("[^\n]+") do
      if line:find(" -c -o build/rock/obj/", 1, true) then
        assert.truthy(line:find("-DSIGNAL_ROCK_FLAGS", 1, true), line)
        compiled = compiled + 1
      end
    end
    assert.equal(tonumber(sources), compiled, out)
    local share, lib = tree .. "/share/lua/" .. V, tree .. "/lib/lua/" .. V
    assert.equal("1\t" .. lib .. "/signal/core.so\n", use(share, lib))
    helpers.sh(("rm -rf %s %s"):format(work, tree))
  end)
end)
