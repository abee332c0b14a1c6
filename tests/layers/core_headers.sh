#!/usr/bin/env bash
# core_headers.sh CXX INCLUDE_DIR: the core layer reaches no libpq header and no engine header.
# Every header under INCLUDE_DIR/iucore outside engine/ is compiled, with a libpq-fe.h
# that stops the compile placed first on the include path (so libpq's real headers are out of
# reach), and with the engine's headers hidden the same way.
set -euo pipefail
(($# == 2)) || {
    echo "usage: ${0##*/} CXX INCLUDE_DIR" >&2
    exit 2
}
cxx=$1
include=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/poison/iucore/engine" "$work/core"
for h in libpq-fe.h libpq-events.h postgres_ext.h pg_config.h; do
    printf '#error "the core layer includes %s: only the engine talks to PostgreSQL"\n' "$h" \
        >"$work/poison/$h"
done
# A copy of the core's headers without engine/, so an engine include cannot be found there.
cp -r "$include/iucore" "$work/core/"
rm -rf "$work/core/iucore/engine"
for h in "$include"/iucore/engine/*.hpp; do
    printf '#error "the core layer includes the engine header %s"\n' "${h##*/}" \
        >"$work/poison/iucore/engine/${h##*/}"
done
# One translation unit with every core header: the check is about what they reach, and one
# compile of Boost.JSON's headers instead of one per header keeps it quick.
find "$include/iucore" -name '*.hpp' -not -path '*/engine/*' | sort |
    sed "s|^$include/|#include <|; s|\$|>|" >"$work/all.cpp"
count=$(wc -l <"$work/all.cpp")
if ! "$cxx" -std=c++20 -fsyntax-only -I"$work/core" -I"$work/poison" "$work/all.cpp" 2>"$work/err"; then
    sed 's/^/      | /' "$work/err" | head -n 20
    echo "core layer: the $count core headers reach libpq or the engine"
    exit 1
fi
echo "core layer: $count headers compile with libpq and the engine out of reach"
