#!/bin/sh
# Runs the suite with its interpreter and every Lua child under
# valgrind's memcheck; fails on any memory error or definite leak.
cd "$(dirname "$0")/.." || exit 1
logs="$PWD/build/valgrind"
rm -rf "$logs" && mkdir -p "$logs"
vg="valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --log-file=$logs/vg.%p"
LUA_WRAPPER="$vg" sh spec/run.sh
status=$?
bad=$(grep -l "ERROR SUMMARY: [1-9]\|definitely lost: [1-9]\|Invalid \(read\|write\)\|uninitialised" "$logs"/vg.* 2>/dev/null)
if [ -n "$bad" ]; then
  echo "valgrind reports:" >&2
  cat $bad >&2
  exit 1
fi
echo "valgrind: no error in $(ls "$logs" | wc -l) processes"
exit $status
