#!/usr/bin/env bash
# check_consumer.sh BUILD_DIR CONSUMER_SOURCE WORK_DIR GENERATOR C_COMPILER CXX_COMPILER
#
# Installs BUILD_DIR into a temporary prefix (cmake --install --prefix), checks the installed
# tree, then builds tests/consumer against it from outside, both ways, and runs what it built:
#   1. CMake: find_package(iucore CONFIG) with CMAKE_PREFIX_PATH -> consumer_cpp (iucore::iucore)
#      and consumer_c (iucore::c);
#      1b. a project that enables only C (tests/install/consumer_c), with Boost and PostgreSQL
#          made unfindable: COMPONENTS c (neither is looked for), and no COMPONENTS (iucore::c,
#          the C++ component left out);
#      1c. a C++ project that sets no standard (tests/install/consumer_cxx): C++20 comes from
#          iucore::iucore (COMPONENTS cxx);
#   2. pkg-config: `pkg-config --cflags --libs iucore` with PKG_CONFIG_PATH -> main.c;
# the installed libiucore.so.1 needs no Boost (readelf -d, and ldd of the C consumer);
# and imports the installed Python host, which must find libiucore.so.1 in the prefix by itself.
set -euo pipefail
[[ $# -eq 6 ]] || {
    echo "usage: $0 BUILD_DIR CONSUMER_SOURCE WORK_DIR GENERATOR C_COMPILER CXX_COMPILER" >&2
    exit 2
}
build=$1 source=$2 work=$3 generator=$4 cc=$5 cxx=$6

rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
step() { printf '\n== %s\n' "$*"; }

step "install into $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"

step "the installed tree"
libdir=$(cd "$prefix" && dirname "$(find . -path '*/pkgconfig/iucore.pc' | head -n 1)")
libdir=${libdir%/pkgconfig}
libdir=$prefix/${libdir#./}
missing=0
for f in include/iucore.h include/iucore/definition.hpp include/iucore/engine/session.hpp \
    bin/iucore share/iucore/definition/iu_core.json share/iucore/substrate/033_substrate.sql \
    share/iucore/pg_throwaway.sh share/iucore/python/iucore/__init__.py \
    share/iucore/python/cutter_agent/iu_core/dot_commands.py; do
    [[ -e $prefix/$f ]] || {
        echo "missing: $f" >&2
        missing=1
    }
done
for f in libiucore.so libiucore.so.1 cmake/iucore/iucoreConfig.cmake \
    cmake/iucore/iucoreConfigVersion.cmake cmake/iucore/iucoreTargets.cmake pkgconfig/iucore.pc; do
    [[ -e $libdir/$f ]] || {
        echo "missing: ${libdir#"$prefix"/}/$f" >&2
        missing=1
    }
done
ls "$libdir"/libiucore++.* >/dev/null 2>&1 || {
    echo "missing: the C++ library libiucore++.*" >&2
    missing=1
}
[[ -x $prefix/share/iucore/pg_throwaway.sh ]] || {
    echo "not executable: share/iucore/pg_throwaway.sh" >&2
    missing=1
}
((missing == 0)) || exit 1
if find "$prefix" -name __pycache__ | grep -q .; then
    echo "FAIL: __pycache__ installed" >&2
    exit 1
fi
definition=$prefix/share/iucore/definition/iu_core.json
"$prefix/bin/iucore" --help >/dev/null
echo "ok"

step "1. find_package(iucore CONFIG)"
cmake -S "$source" -B "$work/build" -G "$generator" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON >"$work/configure.log" || {
    cat "$work/configure.log" >&2
    exit 1
}
grep -q "$prefix" "$work/build/CMakeCache.txt" || {
    echo "FAIL: iucore was not found in $prefix" >&2
    exit 1
}
cmake --build "$work/build"
"$work/build/consumer_cpp" "$definition" | tee "$work/cpp.out"
"$work/build/consumer_c" "$definition" | tee "$work/c.out"
grep -q '"catalog_rows":26' "$work/cpp.out"
grep -q '"catalog_rows":26' "$work/c.out"
# The C consumer must use the installed library, not the build tree's.
ldd "$work/build/consumer_c" | grep -F "$libdir/libiucore.so.1" >/dev/null || {
    echo "FAIL: consumer_c does not load $libdir/libiucore.so.1:" >&2
    ldd "$work/build/consumer_c" >&2
    exit 1
}
# ... and that library brings no Boost with it (Boost.JSON is compiled in): a C host ships
# libiucore.so.1 and libpq.
if readelf -d "$libdir/libiucore.so.1" | grep -i 'NEEDED.*boost' >&2 ||
    ldd "$work/build/consumer_c" | grep -i boost >&2; then
    echo "FAIL: the installed libiucore.so.1 needs Boost at run time" >&2
    exit 1
fi

consumer_dirs=$(cd "$(dirname "${BASH_SOURCE[0]}")/../install" && pwd)
for components in c all; do
    step "1b. a C-only project: find_package(iucore CONFIG) components=$components, no Boost"
    b=$work/build_c_$components
    cmake -S "$consumer_dirs/consumer_c" -B "$b" -G "$generator" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON \
        -DCMAKE_DISABLE_FIND_PACKAGE_Boost=ON -DCMAKE_DISABLE_FIND_PACKAGE_PostgreSQL=ON \
        -DIUCORE_COMPONENTS="$components" -DIUCORE_CONSUMER_SOURCE="$source" \
        >"$b.configure.log" 2>&1 || {
        cat "$b.configure.log" >&2
        exit 1
    }
    if grep -q 'CMAKE_CXX_COMPILER:' "$b/CMakeCache.txt"; then
        echo "FAIL: the C-only consumer enabled C++" >&2
        exit 1
    fi
    cmake --build "$b"
    "$b/consumer_c_only" "$definition" | tee "$b.out"
    grep -q '"catalog_rows":26' "$b.out"
done

step "1c. a C++ project that sets no standard: C++20 from iucore::iucore (COMPONENTS cxx)"
b=$work/build_cxx
cmake -S "$consumer_dirs/consumer_cxx" -B "$b" -G "$generator" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON -DIUCORE_CONSUMER_SOURCE="$source" \
    >"$b.configure.log" 2>&1 || {
    cat "$b.configure.log" >&2
    exit 1
}
cmake --build "$b"
"$b/consumer_cpp_std" "$definition" | tee "$b.out"
grep -q '"catalog_rows":26' "$b.out"

step "2. pkg-config"
export PKG_CONFIG_PATH=$libdir/pkgconfig
flags=$(pkg-config --cflags --libs iucore)
echo "pkg-config --cflags --libs iucore: $flags"
[[ $(pkg-config --modversion iucore) == "$("$work/build/consumer_c" "$definition" |
    sed -n 's/^c: iucore \([^ ]*\) .*/\1/p')" ]] || {
    echo "FAIL: pkg-config version differs from the library's" >&2
    exit 1
}
# shellcheck disable=SC2086 # the flags are words
"$cc" -std=c99 -Wall -Wextra -pedantic -Werror "$source/main.c" $flags -o "$work/consumer_c_pc"
LD_LIBRARY_PATH=$libdir "$work/consumer_c_pc" "$definition" | tee "$work/pc.out"
grep -q '"catalog_rows":26' "$work/pc.out"

step "3. the installed Python host finds the installed library"
if command -v python3 >/dev/null; then
    (
        unset IUCORE_LIBRARY
        cd "$work"
        PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=$prefix/share/iucore/python python3 -c '
import sys, iucore
from cutter_agent.iu_core import dot_commands
lib = iucore.load_library()
assert lib._name.startswith(sys.argv[1]), lib._name
print("python:", iucore.version(), lib._name, len(dot_commands.REGISTRY), "commands")
' "$libdir"
    )
fi
printf '\nok: the installed package works from outside\n'
