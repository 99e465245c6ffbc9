#!/usr/bin/env bash
# `make demo`: a scripted tour of every gdbext command under a real gdb.
#
# Each demo_c/tour/NN-NAME.gdb is one section: a gdb script whose header
# comments say what it shows and which program it runs on:
#   # title: dj: strings as JSON
#   # program: json_strings [ARGS...]
# Sections run in file-name order, each in its own batch-mode gdb that gets
# the script's lines one -ex at a time, so a command that fails on purpose
# (tours show error messages too) does not end the section.  Keep tour
# lines single commands: no define/python/commands blocks.
set -uo pipefail
build=${1:?usage: demo.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for tour in "$root"/demo_c/tour/*.gdb; do
    title=$(sed -n 's/^# title: //p' "$tour" | head -n 1)
    read -r -a program <<<"$(sed -n 's/^# program: //p' "$tour" | head -n 1)"
    steps=()
    while IFS= read -r line; do
        [[ -z "${line// }" || "$line" =~ ^[[:space:]]*# ]] || steps+=(-ex "$line")
    done <"$tour"
    # A relative program is one of build/demo's; an absolute one (an
    # interpreter, say) is run as it is.
    exe=${program[0]}
    [[ $exe == /* ]] || exe=./$exe
    printf '\n\033[1m==== %s ====\033[0m\n' "${title:-$(basename "$tour" .gdb)}"
    printf '(%s on %s)\n\n' "demo_c/tour/$(basename "$tour")" "${program[*]}"
    # Sections show errors on purpose (bad input), so gdb's exit status says
    # nothing; a Python traceback, though, is always a bug.
    out=$(cd "$build" && gdb -nx -batch -iex 'set pagination off' -iex 'set confirm off' \
        -ex "source $root/gdbext/__init__.py" "${steps[@]}" --args "$exe" "${program[@]:1}" \
        </dev/null 2>&1)
    printf '%s\n' "$out"
    if grep -qE 'Traceback \(most recent call last\)|Python Exception' <<<"$out"; then
        echo "demo: a Python traceback escaped in $(basename "$tour")" >&2
        status=1
    fi
done
exit $status
