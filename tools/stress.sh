#!/bin/sh
# Runs the whole suite N times in a row (default 5) with two CPU-bound
# processes running beside it, to catch a test that depends on timing
# before it reaches CI. Reports each run, then every failed test with
# the number of runs it failed in, and a total; exits 1 if any failed.
#
#   sh tools/stress.sh [N]      (make test-stress STRESS_RUNS=N)
#
# The two hogs are this script's own children, killed when it ends,
# however it ends. The logs of each run stay in build/stress/.
cd "$(dirname "$0")/.." || exit 1
runs=${1:-5}
logs=build/stress
rm -rf "$logs" && mkdir -p "$logs"

hogs=
suite=
stop_hogs() {
  [ -n "$hogs" ] && kill $hogs 2>/dev/null
  hogs=
}
# Interrupted: the hogs and the run in progress go too.
trap stop_hogs EXIT
trap '[ -n "$suite" ] && kill "$suite" 2>/dev/null; exit 130' INT TERM HUP
for _ in 1 2; do
  sh -c 'while :; do :; done' &
  hogs="$hogs $!"
done
echo "stress: $runs runs of the suite beside two CPU hogs (pids$hogs)"

bad=0
i=1
while [ "$i" -le "$runs" ]; do
  t0=$(date +%s)
  # in the background, so that a signal to this script is handled at once
  sh spec/run.sh >"$logs/run-$i.log" 2>&1 &
  suite=$!
  wait "$suite"
  status=$?
  suite=
  t1=$(date +%s)
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$logs/run-$i.log" | tail -n 1)
  [ -n "$summary" ] || summary="no summary (exit status $status)"
  echo "run $i: $summary, $((t1 - t0)) s"
  if [ "$status" -ne 0 ] || ! echo "$summary" | grep -q ' 0 failed'; then
    bad=$((bad + 1))
  fi
  sed -n 's/^FAIL  //p' "$logs/run-$i.log" >>"$logs/failures"
  i=$((i + 1))
done
stop_hogs

failures=$(wc -l <"$logs/failures")
if [ "$failures" -gt 0 ]; then
  echo "failed tests (runs failed in, name):"
  sort "$logs/failures" | uniq -c | sort -rn
fi
echo "stress: $runs runs, $bad with failures, $failures test failures in all (logs in $logs/)"
[ "$bad" -eq 0 ]
