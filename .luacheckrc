-- luacheck configuration (make lint): lua/, spec/, examples/, bench/.
std = "lua54"

-- luacheck does not know Lua 5.4's attributes, so a to-be-closed guard,
-- which is never read, counts as unused. Name such guards with a
-- leading underscore: local _mask <close> = signal.blocked(...).
ignore = { "211/_.+" }

-- The module replaces these three with transparent wrappers (see README).
files["lua/signal.lua"] = { globals = { "coroutine.resume", "coroutine.wrap", "coroutine.create" } }

-- Specs quote whole error messages and shell one-liners, and hold
-- many short-lived <close> guards (h, d, scope) that only live to be
-- closed, so unused locals are not reported there.
files["spec"] = { std = "+busted", max_line_length = false, ignore = { "211" } }
