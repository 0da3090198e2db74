#!/bin/sh
# make test-lua-suite: each supported Lua release's own test suite (its
# testes/ directory, user mode: lua -e "_U=true" all.lua) with the module
# loaded, three ways; each run must end in "final OK":
#   load   require "signal" and nothing else
#   timer  a do-nothing SIGALRM handler and a 1 ms interval timer
#   flood  that, and SIGUSR1 sent every 5 ms by another process
#          (spec/hosts/flood.c) into a handler that takes each
#          delivery's info and checks that it names that sender
#
#   sh tools/luasuite.sh [BUILD...]
#
# BUILD names a release and a variant as tools/matrix.sh does (-check:
# LUA_USE_APICHECK and LUAI_ASSERT, which abort on any misuse of the C
# API; -musl: built with musl-gcc), or "system" for the system's lua5.4
# with its own headers. Lua and its testes come from LUA_SOURCES
# (../shared/lua-releases: lua-X.Y.Z.tar.gz, lua-X.Y.Z-testes.tar.gz).
# Builds are cached in build-luasuite/NAME/, logs are NAME-MODE.log there.
# Prints a line per run and a last line "N passed, N failed".
cd "$(dirname "$0")/.." || exit 1
root=$PWD
BUILDS="system 5.4.0 5.4.2 5.4.4 5.4.6 5.4.8 5.5.0 5.4.0-check 5.5.0-check 5.4.8-musl"
[ $# -gt 0 ] && BUILDS="$*"
MODES=${LUASUITE_MODES:-load timer flood}
# The flood's pace. Each delivery runs the handler, and a handler that
# takes info gets a fresh table (about 250 bytes). gc.lua checks that
# memory is back to within 1 KB right after a collection, and the
# deliveries that land during that collection are handled just before
# it looks: four tables are too many. One delivery every 5 ms keeps
# that improbable (at 1 ms it failed 1 run in 12 on a loaded machine,
# at 200 us most runs); a handler that takes no info allocates nothing.
FLOOD_US=${FLOOD_US:-5000}
case ${LUA_SOURCES:-../shared/lua-releases} in
  /*) SOURCES=${LUA_SOURCES:-../shared/lua-releases} ;;
  *) SOURCES=$root/${LUA_SOURCES:-../shared/lua-releases} ;;
esac
TOP=$root/build-luasuite
mkdir -p "$TOP"

cc -std=c11 -O2 -Wall -o "$TOP/flood" spec/hosts/flood.c || exit 1

# The chunk run before all.lua, for each mode. The flood's sender is
# stopped, and the count checked, by a finalizer that lua_close runs
# before the module's own (finalizers run newest first).
pre() {
  case $1 in
    load) printf '%s\n' 'require "signal"' ;;
    timer) printf '%s\n' 'local s = require "signal"
      s.signal("SIGALRM", function() end)
      s.setitimer(s.ITIMER_REAL, 0.001, 0.001)' ;;
    flood) printf '%s\n' 'local s = require "signal"
      local n, probe, stderr = 0, nil, io.stderr
      s.signal("SIGALRM", function() end)
      s.setitimer(s.ITIMER_REAL, 0.001, 0.001)
      local pid, strangers
      s.signal("SIGUSR1", function(_, info)
        n = n + 1
        -- the kernel drops the info of a standard signal (SI_USER, pid
        -- 0) when the signal queue of the user is full (another storm)
        if pid and info.si_pid ~= pid and info.si_pid ~= 0 then
          strangers = (strangers or 0) + 1
        end
        return probe
      end)
      local p = io.popen("exec '"$TOP"'/flood " .. s.SIGUSR1 .. " '"$FLOOD_US"'")
      pid = math.tointeger(p:read("n"))
      probe = setmetatable({}, { __gc = function()
        s.kill(pid, "SIGTERM")
        p:close()
        stderr:write("luasuite: SIGUSR1 handled ", n, " times, ",
                     strangers or 0, " not from the sender\n")
      end })' ;;
  esac
}

# literals.lua tests the decimal point of "pt_BR" when setlocale takes
# it. musl takes any name and changes nothing, so the stock interpreter
# fails there; glibc here has no such locale. It is refused everywhere.
NOLOCALE='local setlocale = os.setlocale
os.setlocale = function(l, ...)
  if l == "pt_BR" or l == "ptb" then return nil end
  return setlocale(l, ...)
end'

passed=0 failed=0 flaky=
for name in $BUILDS; do
  dir=$TOP/$name
  mkdir -p "$dir"
  if [ "$name" = system ]; then
    lua=$(command -v lua5.4) || { echo "luasuite: no lua5.4" >&2; failed=$((failed + 1)); continue; }
    ver=$($lua -v | sed -n 's/^Lua \([0-9.]*\).*/\1/p')
    make -s BUILD="$dir/module" module >"$dir/module.log" 2>&1 ||
      { echo "luasuite: $name: the module failed to build" >&2; failed=$((failed + 1)); continue; }
  else
    ver=${name%%-*}
    variant=${name#"$ver"}
    cc=cc flags="-O2 -std=c99 -DLUA_USE_LINUX"
    case ${variant#-} in
      "") ;;
      check) flags="-O0 -g -std=c99 -DLUA_USE_LINUX -DLUA_USE_APICHECK -DLUAI_ASSERT" ;;
      musl) cc=musl-gcc ;;
    esac
    lua=$dir/src/lua
    if [ ! -x "$lua" ]; then
      rm -rf "$dir/src" && mkdir -p "$dir/src" &&
      tar xzf "$SOURCES/lua-$ver.tar.gz" -C "$dir/src" --strip-components=1 &&
      (cd "$dir/src" &&
       $cc $flags -c $(ls ./*.c | grep -vE '/(lua|luac|onelua|ltests)\.c$') &&
       ar rcs liblua.a ./*.o && $cc $flags -o lua lua.c liblua.a -Wl,-E -ldl -lm) \
        >"$dir/build.log" 2>&1 ||
        { echo "luasuite: $name: Lua failed to build" >&2; failed=$((failed + 1)); continue; }
    fi
    make -s BUILD="$dir/module" CC=$cc LUA_INCDIR="$dir/src" module >"$dir/module.log" 2>&1 ||
      { echo "luasuite: $name: the module failed to build" >&2; failed=$((failed + 1)); continue; }
  fi
  testes=$TOP/testes-$ver
  if [ ! -f "$testes/testes/all.lua" ]; then
    mkdir -p "$testes" &&
    tar xzf "$SOURCES/lua-$ver-testes.tar.gz" -C "$testes" --strip-components=1 ||
      { echo "luasuite: $name: no testes for $ver" >&2; failed=$((failed + 1)); continue; }
  fi
  for mode in $MODES; do
    log=$dir/$mode.log
    t0=$(date +%s)
    try=1
    while :; do
      (cd "$testes/testes" &&
       LUA_PATH="$root/lua/?.lua;;" LUA_CPATH="$dir/module/?.so;;" \
         timeout 900 "$lua" -e "_U=true" -e "$NOLOCALE" -e "$(pre "$mode")" all.lua) >"$log" 2>&1
      rc=$?
      result=ok
      grep -q "^final OK" "$log" || result="no final OK (exit $rc)"
      [ $rc -eq 0 ] || result="exit $rc"
      if [ "$mode" = flood ] && [ "$result" = ok ]; then
        n=$(sed -n 's/^luasuite: SIGUSR1 handled \([0-9]*\) times, 0 not from the sender$/\1/p' "$log")
        [ "${n:-0}" -gt 0 ] || result="the flood reached no handler, or its info named another sender"
      fi
      [ "$result" = ok ] && break
      # Said loudly, the log kept, and run once more: one failure in
      # about a hundred flood runs (on 5.4.2, "error object is a nil
      # value" from an assert) is not understood yet.
      echo "luasuite: $name $mode: FAILED ($result), run $try; its log: $dir/$mode-failed-$try.log"
      cp "$log" "$dir/$mode-failed-$try.log"
      tail -n 25 "$log" | sed 's/^/    /'
      [ $try -ge 2 ] && break
      try=$((try + 1))
    done
    [ $try -gt 1 ] && [ "$result" = ok ] && flaky="$flaky $name/$mode"
    printf 'luasuite: %-12s %-6s %-5s %4d s  %s\n' "$name" "$ver" "$mode" \
      $(( $(date +%s) - t0 )) "$result${n:+ ($n SIGUSR1)}"
    n=
    if [ "$result" = ok ]; then passed=$((passed + 1))
    else failed=$((failed + 1))
    fi
  done
done
[ -n "$flaky" ] && echo "luasuite: FLAKY (failed once, passed when run again):$flaky"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
