/*
** A storm of console Ctrl-C events: does every event that reaches the
** process run the Lua handler once? Wine drops some events when they
** come faster than their threads end, so the count to compare with is
** what reached the process: a console handler of the host, registered
** after the module's (Windows calls the newest first), counts each
** event and passes it on (FALSE). The Lua chunk (argv[1]) sends the
** events and compares; rawcount() gives the host's count.
*/

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdio.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"


static volatile LONG raw;

static BOOL WINAPI counter (DWORD event) {
  if (event == CTRL_C_EVENT) InterlockedIncrement(&raw);
  return FALSE;
}


static int rawcount (lua_State *L) {
  lua_pushinteger(L, InterlockedCompareExchange(&raw, 0, 0));
  return 1;
}


/* Registers the counter; called once the module's handler is in. */
static int startcount (lua_State *L) {
  lua_pushboolean(L, SetConsoleCtrlHandler(counter, TRUE));
  return 1;
}


int main (int argc, char **argv) {
  lua_State *L = luaL_newstate();
  int status;
  if (argc < 2) return 2;
  luaL_openlibs(L);
  lua_register(L, "rawcount", rawcount);
  lua_register(L, "startcount", startcount);
  status = luaL_dofile(L, argv[1]);
  if (status != LUA_OK) fprintf(stderr, "%s\n", lua_tostring(L, -1));
  lua_close(L);
  return status == LUA_OK ? 0 : 1;
}
