#!/bin/sh
# Installs the Debian packages a task needs when they are missing.
#   tools/deps.sh build|test|valgrind|bench|demo|doc|lint
# On a machine without apt-get it only says what is missing.
set -e

want="lua5.4 liblua5.4-dev gcc make"
case "$1" in
  test) want="$want lua-busted lua-socket luarocks python3 lua-luv lua-cqueues" ;;
  valgrind) want="$want lua-busted lua-socket luarocks python3 valgrind" ;;
  bench) want="$want python3 lua5.3 lua-posix lua-luv lua-cqueues" ;;
  demo) want="$want lua-socket" ;;
  doc) want="$want lua-ldoc lua-markdown" ;;
  lint) want="$want lua-check" ;;
esac

missing=
for pkg in $want; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" ||
    missing="$missing $pkg"
done
# python3 may come from elsewhere than Debian (pyenv); a working one will do.
case "$missing" in *python3*) command -v python3 >/dev/null 2>&1 &&
  missing=$(echo "$missing" | sed 's/ python3//') ;; esac
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "deps: please install:$missing" >&2
  exit 0
fi
sudo=
[ "$(id -u)" -ne 0 ] && sudo=sudo
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >&2
