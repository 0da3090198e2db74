#!/bin/sh
# Installs the pure-Lua libraries the event-loop examples and specs use
# that Debian does not package for Lua 5.4 (Copas 4 with binaryheap and
# timerwheel) from the release tarballs in ../shared/lua-deps (or
# $LUA_DEPS_DIR) into a build-local tree, $BUILD/deps/share/lua/5.4,
# which the specs add to LUA_PATH. Nothing is fetched from the network.
#   tools/luadeps.sh            install (does nothing when already there)
set -e
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
src=${LUA_DEPS_DIR:-../shared/lua-deps}
dest=$BUILD/deps/share/lua/5.4
[ -f "$dest/copas.lua" ] && [ -f "$dest/timerwheel/init.lua" ] &&
  [ -f "$dest/binaryheap.lua" ] && [ -f "$dest/coxpcall.lua" ] && exit 0

for t in copas-4.11.0 binaryheap-0.4 timerwheel-1.0.2; do
  if [ ! -f "$src/$t.tar.gz" ]; then
    echo "luadeps: $src/$t.tar.gz not found; the Copas specs will be skipped" >&2
    exit 0
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in copas-4.11.0 binaryheap-0.4 timerwheel-1.0.2; do
  tar -xzf "$src/$t.tar.gz" -C "$tmp"
done
mkdir -p "$dest/copas" "$dest/timerwheel"
cp "$tmp/copas-4.11.0/src/copas.lua" "$dest/"
cp "$tmp"/copas-4.11.0/src/copas/*.lua "$dest/copas/"
cp "$tmp/binaryheap-0.4/src/binaryheap.lua" "$dest/"
cp "$tmp/timerwheel-1.0.2/src/timerwheel/init.lua" "$dest/timerwheel/"
# timerwheel requires coxpcall, which Lua 5.2 and later do not need:
# their pcall and xpcall already let a coroutine yield through them.
cat >"$dest/coxpcall.lua" <<'LUA'
-- coxpcall for Lua 5.2 and later: the built-ins already yield across pcall.
return { pcall = pcall, xpcall = xpcall, running = coroutine.running }
LUA
echo "luadeps: Copas 4.11.0, binaryheap 0.4, timerwheel 1.0.2 in $dest" >&2
