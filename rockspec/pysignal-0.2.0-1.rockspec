rockspec_format = "3.0"
package = "pysignal"
version = "0.2.0-1"
source = {
  url = "git+file:///dev/null",  -- built from a checkout: luarocks make
}
description = {
  summary = "Python's signal module for Lua 5.4 and 5.5: real signals to Lua handlers",
  detailed = [[
    require "signal" gives Lua 5.4 and 5.5 the API of Python's signal
    module: handlers are Lua functions that run at the next VM
    instruction, in coroutines too; alarm, itimers, pause, sleep,
    pthread_sigmask, sigwait*, set_wakeup_fd, a pollfd for event loops,
    kill, and scoped handlers and masks. No delivery is lost or merged
    by the module.
  ]],
  license = "MIT",
  labels = { "signal", "posix", "linux", "macos", "bsd" },
}
-- The Makefile picks the platform file by uname (src/linux.c, or the
-- portable core src/posix.c); what a platform lacks is nil (README).
-- Windows builds the files of src/win/ (see platforms below).
supported_platforms = { "linux", "macosx", "freebsd", "openbsd", "netbsd", "windows" }
dependencies = { "lua >= 5.4, < 5.6" }
-- The Makefile builds the module (with its warnings and every C file
-- of src/) and installs it where LuaRocks says. Its target "rock"
-- always builds from scratch, in build/rock/, so the rock has the
-- flags LuaRocks gives, whatever a plain make left in build/.
build = {
  type = "make",
  build_target = "rock",
  build_variables = {
    BUILD = "build/rock",
    CFLAGS = "$(CFLAGS)",
    LIBFLAG = "$(LIBFLAG)",
    LUA_INCDIR = "$(LUA_INCDIR)",
    LUA = "$(LUA)",
  },
  install_variables = {
    BUILD = "build/rock",
    LUADIR = "$(LUADIR)",
    LIBDIR = "$(LIBDIR)",
  },
  -- No -lrt anywhere (only -pthread). On macOS a module is a bundle whose
  -- Lua symbols the interpreter provides; the BSDs link a shared object
  -- (LuaRocks runs GNU make there as gmake).
  -- Windows (MinGW or MSVC): the files of src/win/ with LuaRocks' own
  -- compiler and flags; see the README's install section for Windows.
  platforms = {
    macosx = {
      build_variables = {
        LIBFLAG = "-bundle -undefined dynamic_lookup",
      },
    },
    bsd = {
      build_variables = {
        LIBFLAG = "-shared",
      },
    },
    windows = {
      type = "builtin",
      modules = {
        signal = "lua/signal.lua",
        ["signal.core"] = {
          sources = {
            "src/win/core_win.c", "src/win/engine_win.c",
            "src/win/names_win.c",
            "src/win/process_win.c", "src/win/shared_win.c",
            "src/win/wakeup_win.c",
          },
          libraries = { "ws2_32" },
        },
      },
    },
  },
}
