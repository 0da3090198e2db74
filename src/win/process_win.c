/*
** Processes on Windows: kill and getpid, as Python's os.kill and
** os.getpid there. CTRL_C_EVENT and CTRL_BREAK_EVENT go to a console
** process group through GenerateConsoleCtrlEvent; any other value
** ends the process, with that value as its exit code
** (TerminateProcess). A failure is an ordinary outcome (the process
** has exited): fail, "kill: message", Windows error code.
*/

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "lsigwin.h"


/* fail, "kill: <the system's message>", code. */
static int winfail (lua_State *L, const char *what, DWORD err) {
  char msg[256];
  DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM
                           | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, err, 0,
                           msg, (DWORD)sizeof msg, NULL);
  while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'
                   || msg[n - 1] == '.' || msg[n - 1] == ' '))
    n--;
  msg[n] = '\0';
  luaL_pushfail(L);
  if (n == 0) lua_pushfstring(L, "%s: error %d", what, (int)err);
  else lua_pushfstring(L, "%s: %s", what, msg);
  lua_pushinteger(L, (lua_Integer)err);
  return 3;
}


/* A number in DWORD's range, else an argument error. */
static DWORD checkdword (lua_State *L, int arg, const char *what) {
  lua_Integer v = luaL_checkinteger(L, arg);
  luaL_argcheck(L, 0 <= v && v <= 0xFFFFFFFF, arg, what);
  return (DWORD)v;
}


static int sig_kill (lua_State *L) {
  DWORD pid = checkdword(L, 1, "pid out of range");
  DWORD sig;
  HANDLE h;
  BOOL ok;
  if (lua_type(L, 2) == LUA_TSTRING)
    sig = (DWORD)lsig_checksignal(L, 2);
  else
    sig = checkdword(L, 2, "signal out of range");
  if (sig == CTRL_C_EVENT || sig == CTRL_BREAK_EVENT) {
    if (!GenerateConsoleCtrlEvent(sig, pid))
      return winfail(L, "kill", GetLastError());
    lua_pushboolean(L, 1);
    return 1;
  }
  h = OpenProcess(PROCESS_TERMINATE, FALSE, pid);
  if (h == NULL)
    return winfail(L, "kill", GetLastError());
  ok = TerminateProcess(h, sig);
  if (!ok) {
    DWORD err = GetLastError();
    CloseHandle(h);
    return winfail(L, "kill", err);
  }
  CloseHandle(h);
  lua_pushboolean(L, 1);
  return 1;
}


static int sig_getpid (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)GetCurrentProcessId());
  return 1;
}


static const luaL_Reg process_funcs[] = {
  {"getpid", sig_getpid},
  {"kill", sig_kill},
  {NULL, NULL}
};


void lsig_open_process (lua_State *L) {
  luaL_setfuncs(L, process_funcs, 0);
}
