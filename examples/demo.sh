#!/bin/sh
# The demo behind `make demo`: runs examples/graceful_shutdown.lua and
# treats it the way a service manager would. It sends SIGHUP (reload),
# SIGUSR1 (status) and SIGTERM (stop), then SIGKILL if the worker is
# still there after the grace period, printing each step and what the
# worker answered. Then twice a worker whose job hangs: a second SIGTERM
# ends it at once, and then, with one SIGTERM only, its own grace period
# does; both times it dies by SIGTERM (status 143), as a supervisor
# expects. Exits 0 only if the whole story happens.
#
#   sh examples/demo.sh [WORKER.lua]
#
# Environment: LUA (default lua5.4), SIGNAL_BUILD (where the module was
# built, default build), DEMO_GRACE (seconds, default 5),
# DEMO_PAUSE (seconds the worker works between two steps, default 1).
set -u
cd "$(dirname "$0")/.." || exit 1

LUA=${LUA:-lua5.4}
WORKER=${1:-examples/graceful_shutdown.lua}
GRACE=${DEMO_GRACE:-5}
PAUSE=${DEMO_PAUSE:-1}
LUA_PATH_5_4="$PWD/lua/?.lua;;"
LUA_CPATH_5_4="$PWD/${SIGNAL_BUILD:-build}/?.so;;"
export LUA_PATH_5_4 LUA_CPATH_5_4

log=$(mktemp) || exit 1
pid=
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  [ -n "$pid" ] && wait "$pid" 2>/dev/null
  rm -f "$log"
}
trap cleanup EXIT

say() { printf 'demo: %s\n' "$*"; }

# Lets the worker get on with its jobs for a moment, so that each
# signal lands in the middle of one.
work_a_moment() { sleep "$PAUSE"; }

# Prints the lines the worker wrote since the last call.
shown=0
show() {
  n=$(wc -l <"$log")
  if [ "$n" -gt "$shown" ]; then
    sed -n "$((shown + 1)),${n}p" "$log" | sed 's/^/        | /'
    shown=$n
  fi
}

fail() {
  show
  say "FAILED: $*"
  exit 1
}

# await PATTERN SECONDS: polls the worker's output until PATTERN shows.
await() {
  tries=$(($2 * 20))
  until grep -q -- "$1" "$log"; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || return 1
    sleep 0.05
  done
}

say "starting the worker: $LUA $WORKER 60"
# $LUA unquoted: it may carry a wrapper (LUA="valgrind lua5.4").
$LUA "$WORKER" 60 >"$log" 2>&1 &
pid=$!
await "ready" 30 || fail "the worker did not start"
show

work_a_moment
say "sending SIGHUP to $pid: reload the configuration, keep working"
kill -HUP "$pid"
await "SIGHUP:" 20 || fail "no answer to SIGHUP"
show

work_a_moment
say "sending SIGUSR1 to $pid: print a status line"
kill -USR1 "$pid"
await "SIGUSR1:" 20 || fail "no answer to SIGUSR1"
show

work_a_moment
say "sending SIGTERM to $pid: stop; SIGKILL follows in $GRACE s, as systemd does"
kill -TERM "$pid"
# The watchdog: SIGKILL once the grace period is over. Stopped, it
# waits for its own sleep, so that nothing is left behind.
(
  # every job it has: a sleep just started has no $! in a variable yet
  trap 'kill $(jobs -p) 2>/dev/null; wait; exit 0' TERM
  i=$((GRACE * 20))
  while [ "$i" -gt 0 ]; do sleep 0.05 & wait $!; i=$((i - 1)); done
  kill -KILL "$pid"
) >/dev/null 2>&1 &
watchdog=$!
wait "$pid"
status=$?
pid=
kill "$watchdog" 2>/dev/null
wait "$watchdog"
show

[ "$status" -ne 137 ] || fail "the worker ignored SIGTERM and had to be killed"
[ "$status" -eq 0 ] || fail "the worker exited with status $status"
grep -q "stopped cleanly" "$log" || fail "the worker did not stop cleanly"
say "the worker finished its job and exited with status 0 within the grace period"

# The second act: a job that hangs. $1: what ends it ("second": a
# second SIGTERM; "grace": the worker's own grace period, 1 s).
hung_worker() {
  : >"$log"
  shown=0
  say "starting a worker whose job hangs: WORKER_GRACE=$2 $LUA $WORKER 60 stuck"
  WORKER_GRACE=$2 $LUA "$WORKER" 60 stuck >"$log" 2>&1 &
  pid=$!
  await "job 1 hangs" 30 || fail "the worker did not start"
  show
  work_a_moment
  say "sending SIGTERM to $pid: stop"
  kill -TERM "$pid"
  if [ "$1" = second ]; then
    sleep 0.5
    say "the job still hangs; sending SIGTERM again, as a second Ctrl-C would"
    kill -TERM "$pid"
  else
    say "the job still hangs; waiting, the worker's grace period is $2 s"
  fi
  wait "$pid"
  status=$?
  pid=
  show
}

hung_worker second 60
[ "$status" -eq 143 ] || fail "the worker exited with status $status, not 143"
say "a second SIGTERM ended the worker at once: status 143, killed by SIGTERM"

hung_worker grace 1
[ "$status" -eq 143 ] || fail "the worker exited with status $status, not 143"
say "its grace period over, the worker ended itself by SIGTERM: status 143"
