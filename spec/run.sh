#!/bin/sh
# Runs the busted suite under the interpreter $LUA (default lua5.4:
# Debian's busted script starts with "#!/usr/bin/env lua", which may be
# another version) against the module built in $SIGNAL_BUILD (default
# build/). $BUSTED is the busted script (default: the one on the PATH).
# Extra arguments go to busted. $LUA_WRAPPER (e.g. valgrind) runs the
# suite's interpreter and every Lua process the specs start.
cd "$(dirname "$0")/.." || exit 1
BUSTED=${BUSTED:-$(command -v busted)} || { echo "busted not found" >&2; exit 1; }
LUA=${LUA:-lua5.4}
SIGNAL_BUILD=${SIGNAL_BUILD:-build}
export LUA SIGNAL_BUILD LUA_WRAPPER
# Under the subreaper built with the hosts, a process a spec started and
# did not wait for is reparented to it, not to init: the last spec
# (spec/99-leftovers_spec.lua) fails on any, and one still running when
# the suite ends fails the run.
REAPER=
[ -x "$SIGNAL_BUILD/host_reaper" ] && REAPER=$SIGNAL_BUILD/host_reaper
exec $REAPER $LUA_WRAPPER "$LUA" "$BUSTED" --output=spec/support/summary.lua \
  --cpath="./$SIGNAL_BUILD/?.so" "$@" spec
