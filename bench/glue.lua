--- Glue lines: the lines of an example that use the watcher, comments
-- left out. bench/loops.lua reports them and spec/51-loops_spec.lua
-- holds the examples to them, so both count with this one function.
-- Run from the project's root: returns the count for examples/FILE,
-- or nil when there is no such file.
return function (file)
  local f = io.open("examples/" .. file)
  if not f then return nil end
  local n = 0
  for line in f:lines() do
    local code = line:gsub("%-%-.*", "")
    if code:find("signal%.watcher%(") or code:find("%f[%w_]w[:%]%s,]")
       or code:find("%f[%w_]w%s*}") then
      n = n + 1
    end
  end
  f:close()
  return n
end
