#!/bin/sh
# Runs the whole suite N times (default 10) as a container runs it: in
# a new PID namespace (unshare --pid --fork --mount-proc, as root),
# under examples/init.lua as its PID 1, which reaps the orphans the
# suite leaves and forwards signals. Reports each run and a total;
# exits 1 if any run failed.
#
#   sh tools/container.sh [N]      (make test-container CONTAINER_RUNS=N)
cd "$(dirname "$0")/.." || exit 1
runs=${1:-10}
logs=build/container
rm -rf "$logs" && mkdir -p "$logs"
if ! unshare --pid --fork --mount-proc true 2>/dev/null; then
  echo "container: unshare --pid --fork --mount-proc is not permitted here (needs root)"
  exit 1
fi
v=$(lua5.4 -e 'io.write((_VERSION:gsub("Lua (%d)%.(%d)", "%1_%2")))')
export "LUA_PATH_$v=$PWD/lua/?.lua;;" "LUA_CPATH_$v=$PWD/build/?.so;;"
bad=0
i=1
while [ "$i" -le "$runs" ]; do
  t0=$(date +%s)
  unshare --pid --fork --mount-proc lua5.4 examples/init.lua sh spec/run.sh \
    >"$logs/run-$i.log" 2>&1
  status=$?
  t1=$(date +%s)
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$logs/run-$i.log" | tail -n 1)
  [ -n "$summary" ] || summary="no summary"
  echo "run $i: $summary, exit $status, $((t1 - t0)) s"
  if [ "$status" -ne 0 ] || ! echo "$summary" | grep -q ' 0 failed'; then
    bad=$((bad + 1))
    sed -n 's/^FAIL  /  failed: /p' "$logs/run-$i.log"
  fi
  i=$((i + 1))
done
echo "container: $runs runs, $bad with failures (logs in $logs/)"
[ "$bad" -eq 0 ]
