#!/bin/sh
# Calls every function of the module with odd arguments (tools/sweep.lua)
# and reports any call that crashed the interpreter: SIGSEGV, SIGBUS,
# SIGABRT, SIGFPE or SIGILL. A call that ends the process otherwise (a
# signal raised with its default action, an alarm set by an earlier
# call) is not a crash: the sweep goes on after it in a new process.
# Exits 1 if anything crashed.
#
#   sh tools/sweep.sh [BUILD]
cd "$(dirname "$0")/.." || exit 1
build=${1:-build}
case $build in /*) ;; *) build=$PWD/$build ;; esac
LUA=${LUA:-lua5.4}
LUA_PATH_5_4="$PWD/lua/?.lua;;" LUA_CPATH_5_4="$build/?.so;;"
LUA_PATH_5_5=$LUA_PATH_5_4 LUA_CPATH_5_5=$LUA_CPATH_5_4
export LUA_PATH_5_4 LUA_CPATH_5_4 LUA_PATH_5_5 LUA_CPATH_5_5
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
start=1 crashes=0 ended=0 runs=0
while :; do
  runs=$((runs + 1))
  timeout 60 $LUA tools/sweep.lua "$start" >"$out" 2>/dev/null
  status=$?
  last=$(tail -n 1 "$out")
  case $last in end*) break ;; esac
  # 128 + SIGILL 4, SIGABRT 6, SIGBUS 7, SIGFPE 8, SIGSEGV 11
  case $status in
    132|134|135|136|139)
      crashes=$((crashes + 1))
      [ "$crashes" -le 20 ] && echo "crash (status $status): $last" ;;
    *) ended=$((ended + 1)) ;;
  esac
  index=${last%% *}
  case $index in ''|*[!0-9]*) echo "sweep: no progress (status $status)"; exit 1 ;; esac
  start=$((index + 1))
done
echo "sweep: $(echo "$last" | cut -f2) calls, $crashes crashes, $ended other ends of the process, $runs processes"
[ "$crashes" -eq 0 ]
