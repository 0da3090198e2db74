#!/bin/sh
# Benchmarks this module against plain C, CPython, luaposix, luv and
# cqueues (see bench/run.lua). Run from `make bench` / `make bench-quick`:
#   sh bench/run.sh [--quick]
set -e
cd "$(dirname "$0")/.."

out=build/bench
mkdir -p "$out"
cc=${CC:-gcc}
cflags="-std=c11 -O2 -Wall -Wextra -Wpedantic"  # split into words below
$cc $cflags -o "$out/driver" bench/driver.c
$cc $cflags -o "$out/cpeer" bench/cpeer.c
$cc $cflags -fPIC -shared -o "$out/benchclock.so" bench/clock.c

# The module from the build tree, benchclock for every Lua target, and
# each Lua's own paths after them (the trailing ;;).
here=$(pwd)
export LUA_PATH_5_4="$here/lua/?.lua;;"
export LUA_CPATH_5_4="$here/build/?.so;$here/$out/?.so;;"
export LUA_CPATH_5_3="$here/$out/?.so;;"

exec lua5.4 bench/run.lua "$@"
