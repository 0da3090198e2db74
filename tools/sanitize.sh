#!/bin/sh
# Runs the suite against the sanitizer build in $1 and fails on any
# sanitizer report, in this process or in any child it started.
cd "$(dirname "$0")/.." || exit 1
build=${1:-build-asan}
logs="$PWD/$build/logs"
rm -rf "$logs" && mkdir -p "$logs"

preload="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
LD_PRELOAD="$preload"
ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:abort_on_error=0:halt_on_error=1"
UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1"
LSAN_OPTIONS="suppressions=$PWD/tools/lsan.supp:print_suppressions=0"
export LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

SIGNAL_BUILD=$build sh spec/run.sh
status=$?
unset LD_PRELOAD
if [ -n "$(ls -A "$logs")" ]; then
  echo "sanitizer reports:" >&2
  cat "$logs"/* >&2
  exit 1
fi
echo "sanitizers: no report"
exit $status
