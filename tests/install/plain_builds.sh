#!/usr/bin/env bash
# plain_builds.sh [SOURCE_DIR]
#
# The build a user types, with the default options (no preset, no -DIUCORE_WERROR, no cache):
#     cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build
# once with GCC (CC=gcc CXX=g++) and once with clang 14 (CC=clang-14 CXX=clang++-14), each in a
# fresh temporary build directory. Both build what a user installs (the library, the C ABI, the CLI
# and the examples) with -DIUCORE_BUILD_TESTS=OFF, to keep CI time down: the tests are built with
# GCC, NDEBUG and -Werror by the ci preset (.ci/test), and every source of the library and CLI is
# compiled on its own here (no unity build), so a missing #include shows.
# Fails if either configure or build fails, or if either log holds a compiler warning.
#
# Environment:
#   PLAIN_BUILDS          which builds (default "gcc clang"); e.g. PLAIN_BUILDS=gcc
#   PLAIN_BUILD_TYPE      the build type (default Release; Debug works the same)
#   CMAKE_BUILD_PARALLEL_LEVEL   as for cmake --build (default: the number of CPUs)
#   (a ccache launcher is used when ccache is installed, as CMAKE_<LANG>_COMPILER_LAUNCHER from
#    the environment; it changes nothing in what is compiled)
set -euo pipefail
source_dir=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd -P)
builds=${PLAIN_BUILDS:-gcc clang}
type=${PLAIN_BUILD_TYPE:-Release}
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
if command -v ccache >/dev/null; then
    export CMAKE_C_COMPILER_LAUNCHER=${CMAKE_C_COMPILER_LAUNCHER:-ccache}
    export CMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/iucore-plain.XXXXXX")
# shellcheck disable=SC2317 # the EXIT trap
on_exit() {
    local rc=$?
    if ((rc == 0)); then rm -rf "$work"; else echo "(build directories kept: $work)" >&2; fi
}
trap on_exit EXIT

failed=0
for compiler in $builds; do
    case $compiler in
    gcc) cc=gcc cxx=g++ extra=(-DIUCORE_BUILD_TESTS=OFF) ;;
    clang) cc=clang-14 cxx=clang++-14 extra=(-DIUCORE_BUILD_TESTS=OFF) ;;
    *)
        echo "unknown compiler '$compiler' in PLAIN_BUILDS" >&2
        exit 2
        ;;
    esac
    build=$work/build-$compiler
    log=$work/$compiler.log
    printf '\n== %s: CC=%s CXX=%s cmake -S . -B build -DCMAKE_BUILD_TYPE=%s%s && cmake --build build\n' \
        "$compiler" "$cc" "$cxx" "$type" "${extra[*]/#/ }"
    start=$SECONDS
    # Exactly what a user types (plus the compiler choice): the default generator, no preset.
    if ! (cd "$source_dir" && CC=$cc CXX=$cxx cmake -S . -B "$build" -DCMAKE_BUILD_TYPE="$type" \
        "${extra[@]}" && cmake --build "$build") >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        echo "FAIL: the plain $type build with $compiler failed (log: $log)" >&2
        failed=1
        continue
    fi
    grep -q 'IUCORE_WERROR:BOOL=OFF' "$build/CMakeCache.txt" || {
        echo "FAIL: IUCORE_WERROR is not OFF by default" >&2
        failed=1
    }
    if grep -q 'warning:' "$log"; then
        grep -B2 -A12 -E 'warning:' "$log" | head -n 120 >&2
        echo "FAIL: the plain $type build with $compiler has $(grep -c 'warning:' "$log") warning(s)" >&2
        failed=1
        continue
    fi
    echo "ok: $compiler, $((SECONDS - start))s, no warnings"
done
exit "$failed"
