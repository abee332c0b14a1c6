#!/usr/bin/env bash
# installed_cli.sh BUILD_DIR SOURCE_DIR [--no-python]
#
# Works in a fresh directory under ${TMPDIR:-/tmp} (WORK_DIR below), outside both trees so that
# no path of the install can contain theirs; removed when the test passes, kept when it fails.
# The CLI and the Python package as a user gets them from `cmake --install`, away from the
# source and build trees:
#   1. cmake --install BUILD_DIR --prefix WORK_DIR/prefix; the man page, the bash completion, the
#      LICENSE, the example definition, substrate, pg_throwaway.sh, the whole Python tree and the
#      reports' JSON Schemas (share/iucore/schemas = capi/schemas) are where IucoreInstall.cmake
#      says; no installed text file names SOURCE_DIR or BUILD_DIR, nor
#      does any string of bin/iucore (debug info aside, and __FILE__ names of source files);
#   2. the installed binary, copied with its prefix elsewhere (WORK_DIR/moved: a path recorded
#      at install time would not resolve either) and run from WORK_DIR with an empty
#      environment (env -i, PATH of the system directories only): --version, --help,
#      `render forward 034` and `pins --check` on the installed example, definition discovery
#      (iucore.json in a parent directory; none: exit 2), `pins --check --json` against the
#      installed share/iucore/schemas/pins.json, and `demo` (its own throwaway
#      PostgreSQL, from share/iucore/pg_throwaway.sh);
#   3. the man page renders, the completion offers the verbs and the example's migrations;
#   4. the Python package: pip install (offline, --no-build-isolation --no-index) of
#      <prefix>/share/iucore/python into a fresh virtual environment, then the record's usage
#      lines (python -m cutter_agent.iu_core.dot_commands explain ...) with neither PYTHONPATH nor
#      IUCORE_LIBRARY set: the module loads <prefix>/lib*/libiucore.so.1 by itself, and no
#      libboost comes into the process with it.
# --no-python skips 4 (the sanitizer builds: their library cannot load into python3).
set -euo pipefail
[[ $# -ge 2 ]] || {
    echo "usage: $0 BUILD_DIR SOURCE_DIR [--no-python]" >&2
    exit 2
}
build=$(cd "$1" && pwd -P) source=$(cd "$2" && pwd -P)
python=1
[[ ${3-} == --no-python ]] && python=0

work=$(mktemp -d "${TMPDIR:-/tmp}/iucore-installed.XXXXXX")
work=$(cd "$work" && pwd -P)
case $work/ in "$source"/* | "$build"/*) echo "TMPDIR is inside the source or build tree" >&2; exit 2 ;; esac
on_exit() {
    local rc=$?
    if ((rc == 0)); then rm -rf "$work"; else echo "(kept for inspection: $work)" >&2; fi
}
trap on_exit EXIT
prefix=$work/prefix
step() { printf '\n== %s\n' "$*"; }
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

step "1. cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || {
    cat "$work/install.log" >&2
    fail "cmake --install"
}
share=$prefix/share/iucore
for f in bin/iucore share/man/man1/iucore.1 share/bash-completion/completions/iucore \
    share/doc/iucore/LICENSE share/iucore/definition/iu_core.json \
    share/iucore/substrate/033_substrate.sql share/iucore/pg_throwaway.sh \
    share/iucore/python/pyproject.toml share/iucore/python/README.md \
    share/iucore/python/iucore/__init__.py share/iucore/python/iucore/_installed.py \
    share/iucore/python/cutter_agent/iu_core/dot_commands.py \
    share/iucore/python/tests/test_iucore.py; do
    [[ -e $prefix/$f ]] || fail "not installed: $f"
done
[[ -x $prefix/bin/iucore && -x $share/pg_throwaway.sh ]] || fail "not executable"
# The whole examples/python tree, file for file (no bytecode).
(cd "$source/examples/python" && find . -type f ! -path '*/__pycache__/*' ! -name '*.py[co]' \
    ! -path './build/*' ! -path '*.egg-info/*' | sort) >"$work/python.source"
(cd "$share/python" && find . -type f ! -name _installed.py | sort) >"$work/python.installed"
diff -u "$work/python.source" "$work/python.installed" || fail "share/iucore/python differs from examples/python"
# The reports' JSON Schemas, file for file.
diff -r "$source/capi/schemas" "$share/schemas" || fail "share/iucore/schemas differs from capi/schemas"
if find "$prefix" -name __pycache__ | grep -q .; then fail "__pycache__ installed"; fi
# No installed text file names the source or the build tree; nor does the binary, once its debug
# information is left out (it names the sources, as it should), except as the __FILE__ of a
# source file (assertion messages and sanitizer source locations in a Debug build; a unity
# build's sources are the .cxx files CMake writes into the build tree).
strip --strip-debug -o "$work/iucore.nodebug" "$prefix/bin/iucore"
for tree in "$source" "$build"; do
    if grep -rlIF -- "$tree" "$prefix" >"$work/refs"; then
        cat "$work/refs" >&2
        fail "installed files name $tree"
    fi
    if strings -a "$work/iucore.nodebug" | grep -F -- "$tree" |
        grep -vE '^[^ ]*\.(c|cc|cpp|cxx|h|hpp|ipp)$' >"$work/refs"; then
        cat "$work/refs" >&2
        fail "bin/iucore names $tree"
    fi
done
echo "ok: $(find "$prefix" -type f | wc -l) files, none naming $source or $build"

# The installed binary's dynamic dependencies: libiucore is not needed by the CLI (it links the
# C++ library statically unless BUILD_SHARED_LIBS); nothing may resolve into the build tree.
if ldd "$prefix/bin/iucore" | grep -F -- "$build"; then fail "bin/iucore loads from the build tree"; fi

# The CLI runs from a copy of the prefix (a path recorded at install time would not resolve),
# from $work, with an empty environment but for the system's PATH (as root, pg_throwaway.sh
# needs runuser from /usr/sbin).
installed=$prefix
cp -a "$installed" "$work/moved"
prefix=$work/moved
share=$prefix/share/iucore
definition=$share/definition/iu_core.json
cd "$work"
SYSPATH=/usr/sbin:/usr/bin:/sbin:/bin
iucore() { env -i PATH=$SYSPATH HOME="$work" LANG=C.UTF-8 "$prefix/bin/iucore" "$@"; }

step "2. the installed CLI, env -i, from $work"
iucore --version | tee "$work/version.out"
grep -q '1\.0\.0' "$work/version.out" || fail "--version does not name the library version"
iucore --help >"$work/help.out"
grep -q 'render' "$work/help.out" || fail "--help does not list the verbs"

iucore --definition "$definition" render forward 034 >"$work/forward.sql"
grep -q 'dot_iu_auto_instantiate_from_event' "$work/forward.sql" ||
    fail "render forward 034 does not insert the 034 rows"
iucore --definition="$definition" render forward 034 | cmp - "$work/forward.sql" ||
    fail "--definition=FILE and --definition FILE differ"
echo "ok: render forward 034 ($(wc -l <"$work/forward.sql") lines)"

iucore --definition "$definition" pins --check | tee "$work/pins.out"
grep -q ' 0 mismatches' "$work/pins.out" || fail "pins --check on the installed example"
# Its JSON report is what the installed schema says: the format, every required member and no
# other (the whole schema is checked against every report by capi.schemas).
iucore --definition "$definition" pins --check --json >"$work/pins.json"
python3 - "$work/pins.json" "$share/schemas/pins.json" <<'PY' || fail "pins --json against share/iucore/schemas/pins.json"
import json, sys
report, schema = (json.load(open(p)) for p in sys.argv[1:3])
assert report["format"] == schema["properties"]["format"]["const"], report["format"]
missing = [n for n in schema["required"] if n not in report]
unknown = [n for n in report if n not in schema["properties"]]
assert not missing and not unknown, f"missing {missing}, unknown {unknown}"
print(f"ok: pins --json has the {len(schema['required'])} members of the installed schema")
PY

# Discovery: iucore.json in the current directory or a parent; none: exit 2, nothing connected.
mkdir -p "$work/project/sub"
cp "$definition" "$work/project/iucore.json"
(cd "$work/project/sub" &&
    env -i PATH=$SYSPATH HOME="$work" "$prefix/bin/iucore" render forward 034 |
    cmp - "$work/forward.sql") || fail "iucore.json in a parent directory is not found"
mkdir -p "$work/empty"
set +e
(cd "$work/empty" && env -i PATH=$SYSPATH HOME="$work" "$prefix/bin/iucore" render forward 034) \
    >"$work/nodef.out" 2>&1
rc=$?
set -e
[[ $rc -eq 2 ]] || {
    cat "$work/nodef.out" >&2
    fail "with no definition anywhere: exit $rc, expected 2"
}
echo "ok: no definition -> exit 2: $(head -n 1 "$work/nodef.out")"

iucore demo | tee "$work/demo.out"
grep -q '26 → 24 → 26 (proved)' "$work/demo.out" || fail "demo did not prove 034"

step "3. the man page and the bash completion"
if command -v man >/dev/null; then
    MANWIDTH=80 man -l "$prefix/share/man/man1/iucore.1" 2>"$work/man.err" | grep -q 'EXIT STATUS' ||
        fail "man iucore.1 does not render"
    [[ ! -s $work/man.err ]] || {
        cat "$work/man.err" >&2
        fail "man page warnings"
    }
fi
# shellcheck disable=SC2016 # expanded by the inner bash
bash -c '
    . "$1"
    complete -p iucore >/dev/null
    COMP_WORDS=(iucore ap); COMP_CWORD=1; _iucore; [[ ${COMPREPLY[*]} == apply ]]
    COMP_WORDS=(iucore --definition "$2" apply ""); COMP_CWORD=4; _iucore
    [[ " ${COMPREPLY[*]} " == *" 034 "* ]]
' _ "$prefix/share/bash-completion/completions/iucore" "$definition" ||
    fail "the bash completion"
echo ok

if ((python)); then
    step "4. pip install the Python package (offline) into a fresh venv; the record's usage lines"
    # From the prefix it was installed to: its iucore/_installed.py names that prefix.
    prefix=$installed
    share=$prefix/share/iucore
    # The system's python3 (the one a user's PATH finds), with its pip, setuptools and wheel
    # (Debian: python3-pip, python3-setuptools, python3-wheel, python3-venv).
    py=$(PATH=$SYSPATH command -v python3) || fail "no python3 in $SYSPATH"
    "$py" -m venv --without-pip --system-site-packages "$work/venv"
    venv_py=$work/venv/bin/python
    env -i PATH=$SYSPATH HOME="$work" "$venv_py" -m pip install --no-build-isolation \
        --no-index --disable-pip-version-check --no-cache-dir --root-user-action=ignore --quiet \
        "$share/python" ||
        fail "pip install --no-build-isolation --no-index $share/python"
    vpy() { env -i PATH=$SYSPATH HOME="$work" LANG=C.UTF-8 PYTHONNOUSERSITE=1 "$venv_py" "$@"; }
    vpy -c '
import sys, iucore
lib = iucore.load_library()
print("iucore", iucore.version(), "from", iucore.__file__, "library", lib._name)
assert iucore.__file__.startswith(sys.argv[1]), "not the pip-installed module"
assert lib._name.startswith(sys.argv[2]), "not the installed library: " + lib._name
# One runtime dependency beyond the C and C++ runtimes: libpq. Boost.JSON is compiled into
# libiucore.so.1, so no libboost is loaded with it.
with open("/proc/self/maps") as maps:
    boost = sorted({line.split()[-1] for line in maps if "libboost" in line})
assert not boost, "libiucore.so.1 brought Boost into the process: " + ", ".join(boost)
' "$work/venv/" "$prefix/" || fail "import iucore after pip install"
    # The record's usage lines (examples/python/README.md), with real UUIDs; the definition is
    # the installed example.
    export_def=(IUCORE_DEFINITION="$definition")
    vpy_def() { env -i PATH=$SYSPATH HOME="$work" LANG=C.UTF-8 PYTHONNOUSERSITE=1 \
        "${export_def[@]}" "$venv_py" "$@"; }
    vpy_def -m cutter_agent.iu_core.dot_commands explain \
        dot_iu_auto_instantiate_from_event \
        event_id=6f1c2a54-3b7e-4c1d-9a8e-2f5b7c9d0e11 event_type=template.instance_auto_composed \
        template_collection_id=0b9d8c7e-1a2b-4c3d-8e9f-a1b2c3d4e5f6 instance_key_suffix=demo-001 \
        emit_mode=dry_run actor=operator note='trial run' | tee "$work/explain1.out"
    grep -q 'fn_iu_auto_instantiate_from_event' "$work/explain1.out" || fail "explain (1)"
    vpy_def -m cutter_agent.iu_core.dot_commands explain \
        dot_iu_auto_instantiate_rollback_by_actor actor=operator dry_run=true |
        tee "$work/explain2.out"
    grep -q 'rollback_by_actor' "$work/explain2.out" || fail "explain (2)"
    # The console script pip made.
    env -i PATH=$SYSPATH HOME="$work" PYTHONNOUSERSITE=1 "${export_def[@]}" \
        "$work/venv/bin/iucore-dot-commands" list >/dev/null || fail "iucore-dot-commands list"
    echo ok
fi

printf '\nok: the installed CLI and Python package work with no source or build tree\n'
