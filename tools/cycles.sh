#!/bin/sh
# States opened and closed under a storm of signals (SPEC 5.16): the
# host spec/hosts/cycles.c, CYCLES cycles (default 1000) per run, two
# hosts side by side (as the report that found the crash after
# lua_close), RUNS runs of each (default 3). Any crash or disposition
# not restored fails it.
#
#   sh tools/cycles.sh [CYCLES [RUNS [BUILD]]]    (make test-cycles)
cd "$(dirname "$0")/.." || exit 1
cycles=${1:-1000}
runs=${2:-3}
build=${3:-build}
LUA_PATH_5_4="$PWD/lua/?.lua;;" LUA_CPATH_5_4="$PWD/$build/?.so;;"
LUA_PATH_5_5=$LUA_PATH_5_4 LUA_CPATH_5_5=$LUA_CPATH_5_4
export LUA_PATH_5_4 LUA_CPATH_5_4 LUA_PATH_5_5 LUA_CPATH_5_5
bad=0
i=1
while [ "$i" -le "$runs" ]; do
  "$build/host_cycles" "$cycles" 2 >"$build/cycles-a.log" 2>&1 &
  a=$!
  "$build/host_cycles" "$cycles" 2 >"$build/cycles-b.log" 2>&1 &
  b=$!
  wait "$a"; sa=$?
  wait "$b"; sb=$?
  echo "run $i: $(cat "$build/cycles-a.log") (status $sa); $(cat "$build/cycles-b.log") (status $sb)"
  [ "$sa" -eq 0 ] || bad=$((bad + 1))
  [ "$sb" -eq 0 ] || bad=$((bad + 1))
  i=$((i + 1))
done
echo "cycles: $((runs * 2)) hosts of $cycles cycles, $bad failed"
[ "$bad" -eq 0 ]
