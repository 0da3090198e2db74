/*
** The portable files of the POSIX build, compiled for Windows as they
** are: dispatch.c (the hook and dispatch half of the delivery engine),
** handlers.c (signal, getsignal, scoped and the rest of installing
** handlers), hooks.c (the debug.sethook/gethook wrappers) and
** coroutines.c (the coroutine replacements). lsigwin.h,
** included first, defines the include guard of src/lsignal.h, so
** their own #include "lsignal.h" adds nothing and the names they use
** come from the Windows interface. One file, so that a build that
** compiles every C file of src/win/ (make windows, LuaRocks) needs no
** special flag.
*/

#include "lsigwin.h"

#include "../coroutines.c"
#include "../dispatch.c"
#include "../handlers.c"
#include "../hooks.c"
