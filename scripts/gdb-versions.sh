#!/usr/bin/env bash
# `make test-gdb-versions`: install the newer gdb releases gdbext supports
# (PyPI's gdb-for-pwndbg builds, each with its gdbserver) into
# build/gdb-VERSION/ once, run the test suite with each, and end with a table.
#
#   scripts/gdb-versions.sh [VERSION ...]   default: every release below
#   scripts/gdb-versions.sh --install-only VERSION ...
#
# The suite finds the gdb under test through GDB=...; its gdbserver is put
# first on PATH so that the remote tests use the matching one.
set -uo pipefail
cd "$(dirname "$0")/.."

declare -A PACKAGE=(
    [16.3]=16.3.0.post6
    [17.2]=17.2.0.post5
    [18.1]=18.1.0.post1
)
ORDER=(16.3 17.2 18.1)

install_only=0
if [ "${1:-}" = "--install-only" ]; then install_only=1; shift; fi
versions=("$@")
((${#versions[@]})) || versions=("${ORDER[@]}")

# gdb-for-pwndbg is built for Debian's CPython 3.11 (the one gdb 13.1 embeds).
base_py=/usr/bin/python3.11
[ -x "$base_py" ] || { echo "gdb-versions: $base_py is missing (apt-get install python3)" >&2; exit 1; }

install() {  # VERSION -> build/gdb-VERSION/bin/gdb
    local ver=$1 pkg=${PACKAGE[$1]:-} dir=build/gdb-$1
    [ -n "$pkg" ] || { echo "gdb-versions: unknown version $ver (known: ${ORDER[*]})" >&2; return 1; }
    if [ -x "$dir/bin/gdb" ] && [ -f "$dir/.installed-$pkg" ]; then return 0; fi
    echo "gdb-versions: installing gdb $ver (gdb-for-pwndbg==$pkg) into $dir"
    rm -rf "$dir"
    "$base_py" -m venv "$dir" &&
        "$dir/bin/python" -m pip install -q --disable-pip-version-check "gdb-for-pwndbg==$pkg" \
            >"$dir.log" 2>&1 || { cat "$dir.log" >&2; return 1; }
    "$dir/bin/gdb" --version | head -n 1 | grep -q " $ver" ||
        { echo "gdb-versions: $dir/bin/gdb is not gdb $ver" >&2; return 1; }
    touch "$dir/.installed-$pkg"
}

declare -A RESULT
status=0
for ver in "${versions[@]}"; do
    if ! install "$ver"; then RESULT[$ver]="install failed"; status=1; continue; fi
    ((install_only)) && continue
    dir=$(pwd)/build/gdb-$ver
    echo "gdb-versions: the suite with gdb $ver"
    log=build/gdb-$ver-pytest.log
    PATH="$dir/bin:$PATH" GDB="$dir/bin/gdb" .venv/bin/python -m pytest -q -p no:cacheprovider \
        2>&1 | tee "$log" | tail -n 15
    rc=${PIPESTATUS[0]}
    summary=$(grep -E '^=* ?[0-9]+ (passed|failed)|^[0-9]+ (passed|failed)' "$log" | tail -n 1)
    passed=$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
    failed=0
    for n in $(grep -oE '[0-9]+ (failed|errors?)' <<<"$summary" | grep -oE '[0-9]+'); do
        failed=$((failed + n))
    done
    RESULT[$ver]="$passed $failed"
    ((rc == 0)) || status=1
done
((install_only)) && exit $status

printf '\n%-8s %8s %8s\n' version passed failed
for ver in "${versions[@]}"; do
    read -r p f <<<"${RESULT[$ver]}"
    if [[ $p =~ ^[0-9]+$ ]]; then printf '%-8s %8s %8s\n' "$ver" "$p" "$f"
    else printf '%-8s %17s\n' "$ver" "${RESULT[$ver]}"; fi
done
exit $status
