#!/bin/sh
# The Windows build, cross-compiled with mingw-w64, and its specs run
# under Wine (make windows, make test-windows):
#   tools/windows.sh build   Lua 5.4.8 as lua54.dll and lua.exe, and the
#                            module as signal/core.dll with signal.lua,
#                            all in build-windows/
#   tools/windows.sh test    spec/windows/*.lua under wine64, headless,
#                            in a private WINEPREFIX under build-windows/
#
# The module's Windows files are src/win/*.c; src/win/shared_win.c
# compiles the portable src/dispatch.c, src/handlers.c, src/hooks.c and
# src/coroutines.c into it. No shared file needs a Windows #ifdef.
set -e
cd "$(dirname "$0")/.."

OUT=${WINDOWS_BUILD:-build-windows}
# Lua's sources as for make test-matrix (LUA_SOURCES, tools/matrix.sh).
LUA_TAR=${LUA_SOURCES:-../shared/lua-releases}/lua-5.4.8.tar.gz
CC=${MINGW_CC:-x86_64-w64-mingw32-gcc}
WINE=${WINE:-$(command -v wine64 || echo /usr/lib/wine/wine64)}
# The Makefile's strict warnings (-Wpedantic aside for Lua's own
# sources, which are not ours).
WARNINGS="-Wall -Wextra -Wpedantic -Wshadow -Wmissing-prototypes \
  -Wstrict-prototypes -Wconversion -Wno-sign-conversion"
CFLAGS=${CFLAGS:--O2}
# The module and the hosts: a warning is an error, as make werror.
WERROR=-Werror

build_lua() {
  src=$OUT/lua-5.4.8
  [ -f "$OUT/lua54.dll" ] && [ -f "$OUT/lua.exe" ] && return 0
  rm -rf "$src" && mkdir -p "$src"
  tar xzf "$LUA_TAR" -C "$OUT"
  (cd "$src"
   for f in $(ls ./*.c | grep -vE '/(lua|luac|onelua|ltests)\.c$'); do
     $CC -O2 -std=c99 -DLUA_BUILD_AS_DLL -c "$f"
   done
   $CC -shared -o ../lua54.dll ./*.o -Wl,--out-implib,../liblua54.dll.a
   $CC -O2 -std=c99 -DLUA_BUILD_AS_DLL -o ../lua.exe lua.c ../liblua54.dll.a)
}

build_module() {
  mkdir -p "$OUT/obj" "$OUT/signal"
  objs=
  for f in src/win/*.c; do
    o=$OUT/obj/$(basename "$f" .c).o
    # shellcheck disable=SC2086
    $CC -std=c11 $WARNINGS $WERROR $CFLAGS -DLUA_BUILD_AS_DLL \
      -I"$OUT/lua-5.4.8" -c -o "$o" "$f"
    objs="$objs $o"
  done
  # shellcheck disable=SC2086
  $CC -shared -o "$OUT/signal/core.dll" $objs "$OUT/liblua54.dll.a" -lws2_32
  cp lua/signal.lua "$OUT/signal.lua"
  # the specs' C hosts, linked against lua54.dll
  for f in spec/windows/hosts/*.c; do
    # shellcheck disable=SC2086
    $CC -std=c11 $WARNINGS $WERROR $CFLAGS -DLUA_BUILD_AS_DLL -I"$OUT/lua-5.4.8" \
      -o "$OUT/host_$(basename "$f" .c).exe" "$f" "$OUT/liblua54.dll.a"
  done
}

# A private prefix, made once; no window, no crash dialog, no Gecko.
prefix() {
  export WINEPREFIX="$PWD/$OUT/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=;winedbg.exe=d"
  if [ ! -d "$WINEPREFIX/drive_c" ]; then
    "$WINE" wineboot -i >/dev/null 2>&1 || true
  fi
}

case "${1:-build}" in
  build)
    [ -r "$LUA_TAR" ] || { echo "windows: $LUA_TAR not found (set LUA_SOURCES)" >&2; exit 1; }
    command -v "$CC" >/dev/null || { echo "windows: $CC not found (sh tools/deps.sh windows)" >&2; exit 1; }
    mkdir -p "$OUT"
    build_lua
    build_module
    echo "windows: $OUT/lua.exe, $OUT/lua54.dll, $OUT/signal/core.dll"
    ;;
  test)
    [ -x "$WINE" ] || { echo "windows: wine64 not found (sh tools/deps.sh windows)" >&2; exit 1; }
    prefix
    # Run under a pseudo-terminal (script): Wine gives the process a
    # console then, which console control events need. The runner
    # writes its report to a file: the terminal's output has Wine's
    # cursor codes in it.
    report=$OUT/report.txt
    rm -f "$report"
    LUA_PATH="$OUT/?.lua;spec/windows/?.lua" LUA_CPATH="$OUT/?.dll" \
    SPEC_REPORT=$report SPEC_LUA="$OUT/lua.exe" \
      timeout 600 script -qec "'$WINE' '$OUT/lua.exe' spec/windows/run.lua $(echo spec/windows/[0-9]*.lua)" /dev/null \
      </dev/null >"$OUT/console.txt" 2>&1 || true
    "$(dirname "$WINE")/wineserver" -k 2>/dev/null || true
    [ -f "$report" ] || { echo "windows: no report; console output:" >&2; cat "$OUT/console.txt" >&2; exit 1; }
    cat "$report"
    if ! tail -n 1 "$report" | grep -q ' passed, '; then
      echo "windows: the runner ended before its report was complete (a case ended the process)" >&2
      exit 1
    fi
    tail -n 1 "$report" | grep -q ' 0 failed' || exit 1
    ;;
  *) echo "usage: tools/windows.sh build|test" >&2; exit 2 ;;
esac
