#!/usr/bin/env bash
# One-shot set-up used by `make setup`: system packages, then a .venv built
# with gdb's own Python interpreter (not the python3 first on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(gdb gdbserver gcc g++ make python3-dev python3-venv valgrind)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing system packages: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# gdb reports sys.executable as e.g. /usr/bin/python even where only
# /usr/bin/python3.11 exists, so try the versioned names under its prefix too.
read -r gdb_exe gdb_prefix gdb_ver < <(gdb -nx -batch -ex \
    'python import sys; print(sys.executable, sys.base_prefix, "%d.%d" % sys.version_info[:2])' 2>/dev/null | tail -n 1)
gdb_py=""
for cand in "$gdb_exe" "$gdb_prefix/bin/python$gdb_ver" "$gdb_prefix/bin/python3"; do
    if [ -x "$cand" ] && [ "$("$cand" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "$gdb_ver" ]; then
        gdb_py=$cand
        break
    fi
done
if [ -z "$gdb_py" ]; then
    echo "setup: cannot find gdb's Python $gdb_ver interpreter (gdb says '$gdb_exe')" >&2
    exit 1
fi

if [ -x .venv/bin/python ]; then
    venv_ver=$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    if [ "$venv_ver" != "$gdb_ver" ]; then
        echo "setup: .venv is Python $venv_ver but gdb embeds $gdb_ver; rebuilding it"
        rm -rf .venv
    fi
fi
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with gdb's interpreter $gdb_py ($gdb_ver)"
    "$gdb_py" -m venv .venv
fi
# pip's chatter (build back-end notices) goes to a log, shown only on failure.
log=.venv/pip-install.log
echo "setup: installing gdbext and its dev extras into .venv (log: $log)"
if ! { .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip &&
       .venv/bin/python -m pip install --disable-pip-version-check -e '.[dev]'; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup: pip install failed (see above)" >&2
    exit 1
fi
touch .venv/.stamp
