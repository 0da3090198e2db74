#!/bin/sh
# Runs the threaded host (spec/hosts/threads.c) RUNS times in each mode,
# Lua in the main thread, in a worker, and moved from one worker to
# another, and in a worker with a handler that takes info (info), each
# run stormed with COUNT real-time and COUNT standard signals; prints
# the failures (crashes, lost deliveries, handlers off the Lua thread,
# infos out of order) and a total.
#   sh tools/threads.sh [BUILD [RUNS [COUNT [lossy]]]]
# With "lossy" (ThreadSanitizer) a ThreadSanitizer report fails the run.
cd "$(dirname "$0")/.." || exit 1
build=${1:-build}
runs=${2:-100}
count=${3:-20000}
lossy=$4
v=$(lua5.4 -e 'io.write((_VERSION:gsub("Lua (%d)%.(%d)", "%1_%2")))')
export "LUA_CPATH_$v=$PWD/$build/?.so;;" "LUA_PATH_$v=$PWD/lua/?.lua;;"
logs="$PWD/$build/threads"
rm -rf "$logs" && mkdir -p "$logs"
export TSAN_OPTIONS="log_path=$logs/tsan:exitcode=66"
failed=0
total=0
start=$(date +%s)
i=0
while [ "$i" -lt "$runs" ]; do
  i=$((i + 1))
  for mode in main worker move info; do
    total=$((total + 1))
    out=$(timeout 300 "$build/host_threads" "$mode" "$count" $lossy 2>&1)
    status=$?
    if [ "$status" -ne 0 ]; then
      failed=$((failed + 1))
      echo "run $i $mode: exit $status: $(echo "$out" | tail -n 1)"
    fi
  done
done
reports=$(ls "$logs" | wc -l)
if [ "$reports" -gt 0 ]; then
  cat "$logs"/* >&2
  echo "threads: $reports ThreadSanitizer reports"
  failed=$((failed + 1))
fi
echo "threads: $failed of $total runs failed ($count + $count signals each, $(( $(date +%s) - start )) s)"
[ "$failed" -eq 0 ]
