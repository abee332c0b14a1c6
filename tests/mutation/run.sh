#!/usr/bin/env bash
# tests/mutation/run.sh [--check] [MUTANT_FILE...]
#
# The mutation harness (issue 19). Each file of tests/mutation/mutants/ is one deliberate bug: a
# target file, an exact original snippet, its replacement, and one line saying what it breaks
# (format: tests/mutation/mutant.py). For each mutant this script
#   1. copies the working tree (tracked and untracked, not ignored files) into a scratch tree,
#      keeping file times, so the scratch build stays incremental from one run to the next (the
#      mutants are read from that copy, so they match the sources they were copied with);
#   2. builds it once unmutated and runs the suite, which must pass (a Debug build without debug
#      information, as the asan preset builds it but uninstrumented: each mutant recompiles and
#      relinks in the least time; the suite passes the same there);
#   3. applies the mutant (exact substring, found exactly once), builds incrementally, runs the
#      whole suite (ctest, stopping at the first failure), and restores the file;
# and prints KILLED or SURVIVED per mutant, then the score. A mutant whose original snippet is
# no longer found is STALE (found twice: AMBIGUOUS), one that does not compile BUILD-FAILED:
# each is a failure of the harness (the mutant must be brought up to date), not a kill.
#
# Excluded from the suite, and only these: the valgrind tests, the fuzzers and the benchmark
# (IUCORE_MUTATION_EXCLUDE, default 'valgrind|fuzz|bench').
#
# --check            only check that every mutant applies (no build, no tests)
# MUTANT_FILE...     run these mutants only (default: every tests/mutation/mutants/*.txt)
#
# Environment: IUCORE_MUTATION_DIR (scratch, default ${TMPDIR:-/tmp}/iucore-mutation),
# IUCORE_MUTATION_JOBS (build and ctest parallelism, default 2), IUCORE_MUTATION_MIN_SCORE
# (percent, default 95), IUCORE_MUTATION_TIMEOUT (seconds per test without a TIMEOUT of its
# own, default 600).
#
# Exit status: 0 when every mutant applied and built and the score is at least the minimum;
# 1 otherwise; 2 on bad usage or when the unmutated suite fails.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
scratch=${IUCORE_MUTATION_DIR:-${TMPDIR:-/tmp}/iucore-mutation}
src=$scratch/src
# The build directory sits two levels under the tree, as build/<preset> does in the working
# tree: with CCACHE_BASEDIR the compiler sees the same relative paths, so ccache serves the
# scratch build from the working tree's (and the other way round).
build=$src/build/mutation
jobs=${IUCORE_MUTATION_JOBS:-2}
exclude=${IUCORE_MUTATION_EXCLUDE:-valgrind|fuzz|bench}
min_score=${IUCORE_MUTATION_MIN_SCORE:-95}
timeout=${IUCORE_MUTATION_TIMEOUT:-600}
mutant_py=$here/mutant.py

check_only=0
if [[ ${1:-} == --check ]]; then
    check_only=1
    shift
fi
if (($# > 0)); then
    mutants=("$@")
else
    mutants=("$here"/mutants/*.txt)
fi
((${#mutants[@]} > 0)) || {
    echo "run.sh: no mutants" >&2
    exit 2
}

# --check: every mutant against the working tree itself.
if ((check_only)); then
    bad=0
    for mutant in "${mutants[@]}"; do
        if message=$(python3 "$mutant_py" check "$mutant" "$repo"); then
            printf 'OK        %s\n' "$(basename "$mutant" .txt)"
        else
            printf '%-9s %s  %s\n' "${message%% *}" "$(basename "$mutant" .txt)" "${message#* }"
            bad=$((bad + 1))
        fi
    done
    echo "== ${#mutants[@]} mutants, $bad stale, ambiguous or malformed"
    ((bad == 0))
    exit
fi

log=$scratch/log
mkdir -p "$src" "$log"

# --- 1. the scratch tree ------------------------------------------------------------------------
echo "run.sh: copying $repo to $src"
(cd "$repo" && git ls-files -z -co --exclude-standard) >"$scratch/files"
(cd "$repo" && tar --null -T "$scratch/files" -cf -) | (cd "$src" && tar -xpf -)
# Files the working tree no longer has go from the scratch tree too (the build directory stays).
python3 - "$src" "$scratch/files" <<'EOF'
import os, sys
src, listing = sys.argv[1], sys.argv[2]
keep = set(open(listing, "rb").read().split(b"\0")) - {b""}
for root, dirs, files in os.walk(src):
    rel_root = os.path.relpath(root, src)
    if rel_root == "build" or rel_root.startswith("build" + os.sep) or rel_root == ".git":
        dirs[:] = []
        continue
    if rel_root == ".":
        dirs[:] = [d for d in dirs if d not in ("build", ".git")]
    for name in files:
        rel = os.path.normpath(os.path.join(rel_root, name))
        if rel.encode() not in keep:
            os.remove(os.path.join(root, name))
EOF

# The mutants are read from the copy too: they and the sources they name are one snapshot.
for i in "${!mutants[@]}"; do
    copied=$src/tests/mutation/mutants/$(basename "${mutants[$i]}")
    [[ -f $copied ]] && mutants[i]=$copied
done

export CCACHE_BASEDIR=$src CCACHE_NOHASHDIR=1
build_tree() { # build_tree LOGFILE: configure (first time) and build
    if [[ ! -f $build/build.ninja ]]; then
        CMAKE_CXX_COMPILER_LAUNCHER=ccache CMAKE_C_COMPILER_LAUNCHER=ccache \
            cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
            -DCMAKE_CXX_FLAGS_DEBUG=-O0 -DCMAKE_C_FLAGS_DEBUG=-O0 \
            -DIUCORE_WERROR=ON >"$1" 2>&1 || return 1
    fi
    cmake --build "$build" -j "$jobs" >>"$1" 2>&1
}
run_suite() { # run_suite LOGFILE: the whole suite but the excluded tests, stopping at a failure
    # Without the cost history ctest starts the tests in the order they are declared (fast unit
    # tests first) rather than the slowest first, so a mutant is usually killed within seconds.
    rm -f "$build/Testing/Temporary/CTestCostData.txt"
    ctest --test-dir "$build" -j "$jobs" -E "$exclude" --timeout "$timeout" --stop-on-failure \
        --output-on-failure >"$1" 2>&1
}
failed_tests() { # the tests the last run failed, comma-separated
    local f=$build/Testing/Temporary/LastTestsFailed.log
    [[ -s $f ]] && cut -d: -f2- "$f" | paste -sd, - || echo "?"
}

# --- 2. the unmutated suite --------------------------------------------------------------------
echo "run.sh: building and running the unmutated suite (log: $log/baseline.*)"
start=$SECONDS
if ! build_tree "$log/baseline.build"; then
    echo "run.sh: the unmutated tree does not build; see $log/baseline.build" >&2
    exit 2
fi
if ! run_suite "$log/baseline.test"; then
    echo "run.sh: the unmutated suite fails ($(failed_tests)); see $log/baseline.test" >&2
    exit 2
fi
echo "run.sh: unmutated suite passed in $((SECONDS - start)) s"

# --- 3. every mutant ---------------------------------------------------------------------------
killed=0 survived=0 broken=0
survivors=() broken_list=()
results=$scratch/results.txt
: >"$results"
report() { # report STATE NAME DETAIL
    printf '%-12s %-44s %s\n' "$1" "$2" "$3" | tee -a "$results"
}
for mutant in "${mutants[@]}"; do
    name=$(basename "$mutant" .txt)
    IFS=$'\t' read -r target breaks < <(python3 "$mutant_py" describe "$mutant") || {
        report MALFORMED "$name" "$(python3 "$mutant_py" describe "$mutant" || true)"
        broken=$((broken + 1)) && broken_list+=("$name")
        continue
    }
    saved=$scratch/saved.$$
    if ! message=$(python3 "$mutant_py" check "$mutant" "$src"); then
        report "${message%% *}" "$name" "${message#* }"
        broken=$((broken + 1)) && broken_list+=("$name")
        continue
    fi
    cp "$src/$target" "$saved"
    python3 "$mutant_py" apply "$mutant" "$src" >/dev/null
    start=$SECONDS
    if ! build_tree "$log/$name.build"; then
        state=BUILD-FAILED detail="see $log/$name.build"
        broken=$((broken + 1)) && broken_list+=("$name")
    elif run_suite "$log/$name.test"; then
        state=SURVIVED detail="breaks: $breaks"
        survived=$((survived + 1)) && survivors+=("$name: $breaks")
    else
        state=KILLED detail="by $(failed_tests)"
        killed=$((killed + 1))
    fi
    # Restored with a new modification time, so the next build compiles the original again.
    cat "$saved" >"$src/$target"
    rm -f "$saved"
    report "$state" "$name" "$detail ($((SECONDS - start)) s)"
done
# Leave the scratch build matching the tree.
build_tree "$log/restore.build" || echo "run.sh: the restored tree does not build" >&2

total=${#mutants[@]}
score=$((100 * killed / total))
echo
echo "== mutation score: $killed of $total killed ($score%), $survived survived, $broken stale, ambiguous or not building"
for s in "${survivors[@]}"; do echo "   survivor: $s"; done
for b in "${broken_list[@]}"; do echo "   to bring up to date: $b"; done
((broken == 0 && score >= min_score))
