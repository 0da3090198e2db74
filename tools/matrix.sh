#!/bin/sh
# make test-matrix: the whole suite on every supported Lua release,
# each built from source, with the C libraries the suite needs built
# against it, and the module built for it.
#
#   sh tools/matrix.sh [BUILD...]
#
# BUILD names a release (5.4.0 ... 5.5.0) and a variant: -check is a
# build of Lua with LUA_USE_APICHECK and LUAI_ASSERT at -O0 (it aborts
# on any misuse of the C API), -musl one built with musl-gcc. Without
# arguments, every build below. Sources come from LUA_SOURCES (official
# release trees, lua-X.Y.Z.tar.gz) and DEPS_SOURCES (LuaSocket,
# luasystem, lua-term, LuaFileSystem, busted 2.3.0, Penlight 1.15.0 and
# Copas); relative paths are taken from the repository's root, where the
# defaults are ../shared/lua-releases and ../shared/lua-deps.
#
# Each build lives in build-matrix/NAME/: Lua and its libraries in
# prefix/ (rebuilt only when their sources or flags change), the module
# and the test hosts in module/ (make keeps them up to date), and the
# logs. A second run only builds what changed and runs the suites.
#
# Prints one line per build (passed, failed, seconds), the failed tests,
# and a last line "N passed, N failed" over all builds; exits 1 if a
# build or a test failed.
cd "$(dirname "$0")/.." || exit 1
root=$PWD

BUILDS="5.4.0 5.4.2 5.4.4 5.4.6 5.4.8 5.5.0 5.4.0-check 5.5.0-check 5.4.8-musl"
[ $# -gt 0 ] && BUILDS="$*"

abs() { case $1 in /*) echo "$1" ;; *) echo "$root/$1" ;; esac; }
LUA_SOURCES=$(abs "${LUA_SOURCES:-../shared/lua-releases}")
DEPS_SOURCES=$(abs "${DEPS_SOURCES:-../shared/lua-deps}")
DEPS="luasocket-3.1.0 luasystem-0.7.1 lua-term-0.08 luafilesystem-1.9.0
      busted-2.3.0 penlight-1.15.0 copas-4.11.0 binaryheap-0.4 timerwheel-1.0.2"
# Debian's pure-Lua modules that busted needs besides (lua_cliargs, say,
# luassert, mediator_lua, dkjson) run unchanged on every release.
DEBIAN_SHARE=/usr/share/lua/5.4
TOP=build-matrix    # relative: the suite takes SIGNAL_BUILD from the root
JOBS=${MATRIX_JOBS:-2}

for f in $DEPS; do
  [ -r "$DEPS_SOURCES/$f.tar.gz" ] ||
    { echo "matrix: no $DEPS_SOURCES/$f.tar.gz (set DEPS_SOURCES)" >&2; exit 2; }
done

# Builds Lua in $src and installs it, with the test libraries, in $prefix.
build_lua() {
  rm -rf "$dir/src" "$prefix" "$dir/deps"
  mkdir -p "$src" "$prefix/bin" "$prefix/include" "$cdir" "$ldir" "$dir/deps" || return 1
  tar xzf "$tarball" -C "$src" --strip-components=1 || return 1
  (
    cd "$src" || exit 1
    ls ./*.c | grep -vE '/(lua|luac|onelua|ltests)\.c$' |
      xargs -P "$JOBS" -n 4 $cc $luaflags -c || exit 1
    ar rcs liblua.a ./*.o &&
    $cc $luaflags -o lua lua.c liblua.a -Wl,-E -ldl -lm
  ) || return 1
  cp "$src/lua" "$prefix/bin/lua" &&
  cp "$src/liblua.a" "$prefix/lib/" &&
  cp "$src/lua.h" "$src/luaconf.h" "$src/lualib.h" "$src/lauxlib.h" "$prefix/include/" ||
    return 1

  t=$dir/deps
  for f in $DEPS; do tar xzf "$DEPS_SOURCES/$f.tar.gz" -C "$t" || return 1; done
  cflags="-O2 -fPIC -I$prefix/include"
  # LuaFileSystem, lua-term, luasystem: a few files each
  $cc $cflags -shared -o "$cdir/lfs.so" "$t/luafilesystem-1.9.0/src/lfs.c" || return 1
  mkdir -p "$cdir/term" "$ldir/term" "$cdir/system" "$ldir/system"
  $cc $cflags -shared -o "$cdir/term/core.so" "$t/lua-term-0.08/core.c" &&
  cp "$t"/lua-term-0.08/term/*.lua "$ldir/term/" || return 1
  s=$t/luasystem-0.7.1
  $cc $cflags -shared -o "$cdir/system/core.so" "$s/src/core.c" "$s/src/compat.c" \
    "$s/src/time.c" "$s/src/environment.c" "$s/src/random.c" "$s/src/term.c" \
    "$s/src/bitflags.c" "$s/src/wcwidth.c" -lrt &&
  cp "$s/system/init.lua" "$ldir/system/" || return 1
  # LuaSocket, with its own makefile
  make -s -C "$t/luasocket-3.1.0/src" linux LUAV="$luav" LUAINC_linux="$prefix/include" \
    CC_linux="$cc" LD_linux="$cc" >/dev/null &&
  make -s -C "$t/luasocket-3.1.0/src" install-unix LUAV="$luav" prefix="$prefix" >/dev/null ||
    return 1
  # pure Lua: busted, Penlight, Copas and its two dependencies
  cp -r "$t/busted-2.3.0/busted" "$t/penlight-1.15.0/lua/pl" \
    "$t/copas-4.11.0/src/copas" "$t/copas-4.11.0/src/copas.lua" \
    "$t/binaryheap-0.4/src/binaryheap.lua" "$t/timerwheel-1.0.2/src/timerwheel" "$ldir/" &&
  cp "$t/busted-2.3.0/bin/busted" "$prefix/bin/busted" || return 1
  # luarocks (the packaging spec) builds with this compiler
  printf 'variables = { CC = "%s", LD = "%s" }\n' "$cc" "$cc" >"$prefix/luarocks-config.lua"
}

total_passed=0
total_failed=0
report=
problems=
for name in $BUILDS; do
  ver=${name%%-*}
  variant=${name#"$ver"}
  variant=${variant#-}
  luav=${ver%.*}
  suffix=$(echo "$luav" | tr . _)
  cc=cc
  luaflags="-O2 -std=c99 -DLUA_USE_LINUX"
  case $variant in
    "") ;;
    check) luaflags="-O0 -g -std=c99 -DLUA_USE_LINUX -DLUA_USE_APICHECK -DLUAI_ASSERT" ;;
    musl) cc=musl-gcc ;;
    *) echo "matrix: unknown variant in $name" >&2; exit 2 ;;
  esac
  dir=$root/$TOP/$name
  src=$dir/src
  prefix=$dir/prefix
  cdir=$prefix/lib/lua/$luav
  ldir=$prefix/share/lua/$luav
  tarball=$LUA_SOURCES/lua-$ver.tar.gz
  mkdir -p "$dir"
  t0=$(date +%s)

  # What the cached prefix was built from: rebuilt when any of it changes.
  recipe=$( { echo "recipe 1: $cc $luaflags"; cksum "$tarball";
              for f in $DEPS; do cksum "$DEPS_SOURCES/$f.tar.gz"; done; } 2>&1 |
            sed "s|$root/||")
  status=ok
  if [ ! -r "$tarball" ]; then
    status="no $tarball"
  elif [ "$(cat "$prefix/.recipe" 2>/dev/null)" != "$recipe" ]; then
    echo "matrix: $name: building Lua $ver and the test libraries ($cc $luaflags)"
    if build_lua >"$dir/build.log" 2>&1; then
      echo "$recipe" >"$prefix/.recipe"
    else
      status="Lua or its libraries failed to build (see $TOP/$name/build.log)"
    fi
  fi

  # The module and the hosts, for this Lua (make rebuilds what changed).
  vars="CC=$cc LUA_VERSION=$luav LUA=$prefix/bin/lua LUA_INCDIR=$prefix/include LUA_LIB=$prefix/lib/liblua.a"
  if [ "$status" = ok ] &&
     ! make -s BUILD="$TOP/$name/module" $vars all >"$dir/module.log" 2>&1; then
    status="the module failed to build (see $TOP/$name/module.log)"
  fi

  passed=0 failed=0 skipped=0
  if [ "$status" = ok ]; then
    # The suite: this Lua, its busted, its libraries first, then Debian's
    # pure-Lua ones; the make variables above for the specs that build.
    env "LUA_PATH_$suffix=$ldir/?.lua;$ldir/?/init.lua;$DEBIAN_SHARE/?.lua;$DEBIAN_SHARE/?/init.lua" \
        "LUA_CPATH_$suffix=$cdir/?.so" \
        LUA="$prefix/bin/lua" BUSTED="$prefix/bin/busted" \
        SIGNAL_BUILD="$TOP/$name/module" SIGNAL_LUA_DIR="$prefix" \
        LUAROCKS_CONFIG="$prefix/luarocks-config.lua" $vars \
        sh spec/run.sh >"$dir/suite.log" 2>&1
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$dir/suite.log" | tail -n 1)
    if [ -n "$line" ]; then
      set -- $line
      passed=$1 failed=$3 skipped=$5
    else
      status="the suite did not finish (see $TOP/$name/suite.log)"
    fi
    for t in $(sed -n 's/^FAIL  //p' "$dir/suite.log" | tr ' ' '\001'); do
      problems="$problems
  $name: $(echo "$t" | tr '\001' ' ')"
    done
  fi
  if [ "$status" != ok ]; then
    failed=$((failed + 1))
    problems="$problems
  $name: $status"
  fi
  secs=$(( $(date +%s) - t0 ))
  line=$(printf '%-12s %4d passed %4d failed %4d skipped %5d s' "$name" "$passed" "$failed" "$skipped" "$secs")
  echo "matrix: $line"
  report="$report
$line"
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
done

echo
echo "build        passed, failed, skipped, seconds (logs in $TOP/NAME/)$report"
[ -n "$problems" ] && echo "
failed:$problems"
echo
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
