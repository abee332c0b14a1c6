#!/usr/bin/env bash
# run_python_valgrind.sh [--no-valgrind] PYTHON -- runs tests/capi/python_host.py (a Python host
# over the ctypes module, examples/python) against a fresh database in the state before 034
# (fresh_db.sh), under
#   valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1
# with PYTHONMALLOC=malloc (so that valgrind sees every Python allocation), and fails when
#   - the host did not print its "N checks passed" line (a check failed, or it crashed), or
#   - valgrind reported a memory error or a definite leak with a stack frame in libiucore
#     (valgrind_iucore_errors.py reads valgrind's XML).
# CPython leaks some memory at exit by design (and its errors are not ours): valgrind's own exit
# status is therefore not the verdict; those records are counted and shown, but pass.
# --no-valgrind runs the host alone (to debug the host itself).
#
# Environment (CTest, tests/capi/capi.cmake): what fresh_db.sh needs, IUCORE_LIBRARY,
# PYTHONPATH=examples/python, IUCORE_EXAMPLE_DEFINITION.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
use_valgrind=1
if [[ ${1:-} == --no-valgrind ]]; then
    use_valgrind=0
    shift
fi
[[ $# -eq 1 ]] || {
    echo "usage: $0 [--no-valgrind] PYTHON" >&2
    exit 2
}
# The interpreter itself, not a wrapper script (pyenv shims are shell scripts; valgrind would
# trace the shell).
python=$("$1" -c 'import sys; print(sys.executable)')
[[ -x $python ]] || {
    echo "FAIL: no interpreter behind $1" >&2
    exit 1
}

conninfo=$(bash "$here/fresh_db.sh" "python_valgrind_$$")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

runner=()
if ((use_valgrind)); then
    # --num-callers: an allocation made by libpq or OpenSSL inside an iucore call sits deep
    # under the libiucore frame; 50 keeps the frame in the record.
    # --track-origins: an uninitialised value that came from libiucore counts as its error too
    # (the origin's stack is in the record).
    runner=(valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1
        --num-callers=50 --track-origins=yes --child-silent-after-fork=yes
        --xml=yes --xml-file="$work/valgrind.xml")
fi
set +e
PYTHONMALLOC=malloc PYTHONDONTWRITEBYTECODE=1 "${runner[@]}" "$python" \
    "$here/python_host.py" "$conninfo" >"$work/out" 2>"$work/err"
rc=$?
set -e
cat "$work/out"
cat "$work/err" >&2

status=0
if ! grep -qE '^python host: [0-9]+ checks passed$' "$work/out"; then
    echo "FAIL: the Python host did not finish its checks (exit $rc)" >&2
    status=1
fi
if ((use_valgrind)); then
    echo "valgrind exit status: $rc (1 when it recorded any definite leak or error, CPython's too)"
    "$python" "$here/valgrind_iucore_errors.py" "$work/valgrind.xml" || status=1
fi
exit $status
