/*
** Test host: two states in one process. The first to install a
** handler owns delivery; the second is refused until the first closes.
*/

#include <stdio.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

static const char install[] =
  "local signal = require 'signal'\n"
  "got = 0\n"
  "signal.signal('SIGUSR1', function() got = got + 1 end)\n"
  "signal.raise_signal('SIGUSR1')\n"
  "return got\n";

static lua_State *newstate (void) {
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  return L;
}

static void run (lua_State *L, const char *name) {
  if (luaL_dostring(L, install) == LUA_OK)
    printf("%s: installed, handled %d\n", name, (int)lua_tointeger(L, -1));
  else
    printf("%s: refused: %s\n", name, lua_tostring(L, -1));
  lua_settop(L, 0);
}

int main (void) {
  lua_State *a = newstate();
  lua_State *b = newstate();
  run(a, "first");
  run(b, "second");
  lua_close(a);
  run(b, "second after close");
  lua_close(b);
  return 0;
}
