#!/bin/sh
# Runs the busted suite under Lua 5.4 (Debian's busted script starts
# with "#!/usr/bin/env lua", which may be another version) against the
# module built in $SIGNAL_BUILD (default build/). Extra arguments go to
# busted. $LUA_WRAPPER (e.g. valgrind) runs the suite's interpreter.
cd "$(dirname "$0")/.." || exit 1
BUSTED=$(command -v busted) || { echo "busted not found" >&2; exit 1; }
SIGNAL_BUILD=${SIGNAL_BUILD:-build}
export SIGNAL_BUILD LUA_WRAPPER
exec $LUA_WRAPPER lua5.4 "$BUSTED" --output=spec/support/summary.lua \
  --cpath="./$SIGNAL_BUILD/?.so" "$@" spec
