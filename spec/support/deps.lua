-- For the specs that run real event loops: the environment of a child
-- Lua process that finds the module as built, and the libraries that
-- tools/luadeps.sh installed into build/deps (Copas 4; pure Lua, so the
-- same for every build of the module). Also tells which of those
-- libraries this machine has.

local helpers = require "helpers"

local deps = {}

local tree = helpers.ROOT .. "/build/deps/share/lua/5.4"
deps.TREE = tree
-- C libraries built by hand for a local run (lua-ev) go in build/deps/lib.
local ctree = helpers.ROOT .. "/build/deps/lib/lua/5.4"
-- Then what this process was given (make test-matrix gives its own
-- trees, LuaSocket's among them), as helpers.ENV does.
deps.ENV = ("%s='%s/lua/?.lua;%s/spec/?.lua;%s/?.lua;%s/?/init.lua%s' %s='%s/?.so;%s/?.so%s'")
  :format(helpers.PATH_VAR, helpers.ROOT, helpers.ROOT, tree, tree,
          helpers.inherited(helpers.PATH_VAR),
          helpers.CPATH_VAR, helpers.BUILD, ctree, helpers.inherited(helpers.CPATH_VAR))

-- Whether a child interpreter can require `name`; the libraries are
-- not loaded into the runner itself.
local known = {}
function deps.has(name)
  if known[name] == nil then
    local ok = os.execute(("%s %s -e 'require %q' >/dev/null 2>&1")
                          :format(deps.ENV, helpers.LUA, name))
    known[name] = ok == true
  end
  return known[name]
end

--- Runs a Lua script in a child process with that environment; returns
-- its output (stdout and stderr) and what `close` returns.
function deps.run_lua(script, args)
  local file = helpers.writetemp(script)
  local p = assert(io.popen(("exec env %s %s %s %s 2>&1")
                            :format(deps.ENV, helpers.LUA, file, args or "")))
  local out = p:read("a")
  local ok, how, code = p:close()
  os.remove(file)
  return out, ok, how, code
end

return deps
