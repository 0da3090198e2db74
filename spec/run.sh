#!/bin/sh
# Runs the busted suite under Lua 5.4 (Debian's busted script starts
# with "#!/usr/bin/env lua", which may be another version) against the
# module built in build/. Extra arguments go to busted.
cd "$(dirname "$0")/.." || exit 1
BUSTED=$(command -v busted) || { echo "busted not found" >&2; exit 1; }
exec ${LUA:-lua5.4} "$BUSTED" --output=spec/support/summary.lua "$@" spec
