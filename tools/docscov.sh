#!/bin/sh
# Checks that README.md documents everything the module exports:
#   * every name in every luaL_Reg table of src/*.c and src/win/*.c
#     (the Windows build) must appear in the
#     README as a call, name( — metamethods (__close, ...) and the
#     internal coroutines/wraphooks (they replace coroutine.resume/wrap
#     and debug.sethook/gethook) and queuecore (signal.queue's core)
#     aside;
#   * every field set by name in src/*.c (lsig_setinteger, lua_setfield),
#     every signal name of the table in src/names.c and every signal.NAME
#     that lua/signal.lua adds must appear as a word.
# Prints the missing names and exits 1 if there are any.
#
#   sh tools/docscov.sh [README]
cd "$(dirname "$0")/.." || exit 1
readme=${1:-README.md}
[ -r "$readme" ] || { echo "docscov: cannot read $readme" >&2; exit 2; }

internal="coroutines wraphooks queuecore"

# {"name", func} entries of the luaL_Reg arrays.
functions=$(awk '
  /luaL_Reg[ \t]+[A-Za-z_0-9]+[ \t]*\[\][ \t]*=/ { inreg = 1; next }
  inreg && /^[ \t]*}[ \t]*;/ { inreg = 0; next }
  inreg && match($0, /\{"[A-Za-z_0-9]+"/) {
    print substr($0, RSTART + 2, RLENGTH - 3)
  }' src/*.c src/win/*.c | sort -u)

# Values: lsig_setinteger(L, "NAME", ...) and
# lua_setfield(L, -2, "NAME"), and signal.NAME = ... in lua/signal.lua.
values=$( (grep -ho 'lsig_setinteger(L, "[A-Za-z_0-9]*"' src/*.c src/win/*.c
           grep -ho 'lua_setfield(L, -[0-9]*, "[A-Za-z_0-9]*"' src/*.c src/win/*.c
           grep -ho '{"SIG[A-Z0-9]*", SIG' src/names.c | sed 's/, SIG$//'
          ) | sed 's/.*"\([A-Za-z_0-9]*\)"$/\1/'
          grep -o '^signal\.[A-Za-z_0-9]* *=' lua/signal.lua |
            sed 's/^signal\.\([A-Za-z_0-9]*\).*/\1/')
values=$(echo "$values" | sort -u)

missing=
nf=0
nv=0
for name in $functions; do
  case "$name" in __*) continue ;; esac
  case " $internal " in *" $name "*) continue ;; esac
  nf=$((nf + 1))
  grep -q "\(^\|[^A-Za-z_0-9]\)$name(" "$readme" || missing="$missing $name()"
done
for name in $values; do
  case "$name" in __*|"") continue ;; esac
  nv=$((nv + 1))
  grep -q "\(^\|[^A-Za-z_0-9]\)$name\([^A-Za-z_0-9]\|$\)" "$readme" ||
    missing="$missing $name"
done

if [ -n "$missing" ]; then
  echo "docscov: not documented in $readme:$missing" >&2
  exit 1
fi
echo "docscov: $readme documents all $nf functions and $nv values the module registers"
