#!/usr/bin/env bash
# tests/fuzz/run.sh [TARGET...]
#
# Builds the libFuzzer targets (tests/fuzz/CMakeLists.txt, clang, ASan+UBSan) and runs each for
# a bounded time from its seed corpus (tests/fuzz/corpus/<target>/), after replaying every
# committed regression input (tests/fuzz/regressions/<target>/). Prints one summary line per
# target: runs (execs), coverage (cov: edges, ft: features) and the corpus size.
#
# Any crash, sanitizer report, broken property, timeout or leak makes the exit status non-zero;
# the input that caused it is kept as $FUZZ_BUILD_DIR/crashes/<target>/<kind>-<sha1>. Turn
# it into a regression test by copying it to tests/fuzz/regressions/<target>/ (the unit tests
# replay every file there through the same entry point).
#
# Environment:
#   FUZZ_SECONDS    seconds per target (default 60)
#   FUZZ_BUILD_DIR  build directory (default build/fuzz in the source tree)
#   FUZZ_CC / FUZZ_CXX  compilers (default clang-14 / clang++-14)
#   FUZZ_JOBS       build parallelism (default: nproc)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD_DIR:-$root/build/fuzz}
cc=${FUZZ_CC:-clang-14}
cxx=${FUZZ_CXX:-clang++-14}
jobs=${FUZZ_JOBS:-$(nproc)}
[[ $seconds =~ ^[0-9]+$ ]] || {
    echo "run.sh: FUZZ_SECONDS must be a number of seconds, got '$seconds'" >&2
    exit 2
}

all_targets=(definition signature arguments capi)
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")

# Longest input per target: the example definition is ~15 KB of JSON; a signature or a line of
# arguments is short.
declare -A max_len=([definition]=32768 [capi]=32768 [signature]=8192 [arguments]=8192)
declare -A dict=([definition]=definition.dict [capi]=definition.dict
    [signature]=signature.dict [arguments]=arguments.dict)

echo "==> building the fuzz targets in $build ($cxx)"
mkdir -p "$build"
# A unity build: the library is compiled once per target group, not once per source (CI time).
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_UNITY_BUILD=ON >"$build/configure.log" 2>&1 || {
    cat "$build/configure.log" >&2
    exit 1
}
build_targets=()
for t in "${targets[@]}"; do
    [[ -n ${max_len[$t]:-} ]] || {
        echo "run.sh: unknown target '$t' (known: ${all_targets[*]})" >&2
        exit 2
    }
    build_targets+=("fuzz_$t")
done
cmake --build "$build" --parallel "$jobs" --target "${build_targets[@]}"

# ASan/UBSan: symbolised reports, leaks count as failures.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
command -v llvm-symbolizer-14 >/dev/null &&
    export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer-14)}

failed=()
summary=()
for t in "${targets[@]}"; do
    binary=$build/fuzz_$t
    if [[ ! -x $binary ]]; then
        echo "run.sh: $binary was not built (is capi/ missing?)" >&2
        failed+=("$t (not built)")
        continue
    fi
    seeds=$here/corpus/$t
    work=$build/corpus/$t
    crashes=$build/crashes/$t
    log=$build/fuzz_$t.log
    mkdir -p "$work" "$crashes"

    # 1. Every committed regression input, once each.
    regressions=()
    if [[ -d $here/regressions/$t ]]; then
        while IFS= read -r -d '' f; do regressions+=("$f"); done < <(
            find "$here/regressions/$t" -type f -print0 | sort -z)
    fi
    if ((${#regressions[@]})); then
        echo "==> $t: replaying ${#regressions[@]} regression input(s)"
        if ! "$binary" -artifact_prefix="$crashes/" "${regressions[@]}" >"$log.regressions" 2>&1; then
            tail -n 40 "$log.regressions" >&2
            failed+=("$t (a regression input fails again)")
            continue
        fi
    fi

    # 2. Fuzz for $seconds from the seeds; new inputs go to the work corpus (the first dir).
    echo "==> $t: fuzzing for ${seconds}s (max_len ${max_len[$t]}, seeds: $seeds)"
    rc=0
    "$binary" -max_total_time="$seconds" -max_len="${max_len[$t]}" -timeout=25 \
        -rss_limit_mb=2048 -dict="$here/${dict[$t]}" -print_final_stats=1 \
        -artifact_prefix="$crashes/" "$work" "$seeds" >"$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corpus=$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")
    line=$(printf '%-10s %s runs in %ss, cov %s, ft %s, corpus %s' "$t" "${execs:-?}" \
        "$seconds" "${cov:-?}" "${ft:-?}" "${corpus:-?}")
    if ((rc != 0)); then
        echo "---- $log (last 60 lines) ----" >&2
        tail -n 60 "$log" >&2
        kept=$(find "$crashes" -type f -newer "$binary" | head -n 5 | tr '\n' ' ')
        failed+=("$t (exit $rc; input kept: ${kept:-none})")
        line+="  FAILED (exit $rc)"
    fi
    summary+=("$line")
    echo "    $line"
done

echo
echo "fuzz summary (${seconds}s per target):"
printf '  %s\n' "${summary[@]}"
if ((${#failed[@]})); then
    echo "fuzz FAILED:" >&2
    printf '  %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "fuzz: no crash in ${#targets[@]} target(s)"
