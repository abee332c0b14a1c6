#!/usr/bin/env bash
# check_abi.sh LIBRARY BASELINE HEADERS_DIR -- the C ABI of LIBRARY is compatible with the
# committed baseline (capi/abi/libiucore.so.1.abi): `abidiff --no-added-syms` must report no
# change, so a removed function, a changed signature or a changed public type fails; a new
# function (an addition, e.g. a _v2 beside an old one) passes.
#
# The ABI is described from the DWARF of the exported interfaces only, with types not defined
# in the public header (the handles' insides) kept opaque, and without paths or locations so
# the baseline does not depend on the build directory.
#
# Beside the functions, the baseline directory holds iucore_status.txt: every name and value of
# enum iucore_status, one "NAME = value" a line (abidw does not describe an enum no function
# uses). Each must still be in the header with its value; a new code may be added. And every
# report schema (HEADERS_DIR/schemas/*.json, checked against real reports by capi.schemas)
# must name the header's IUCORE_REPORT_FORMAT.
#
# How to regenerate the baseline (only for a deliberate, reviewed change of the ABI: adding
# functions needs no new baseline; changing or removing one needs a new ABI version and SONAME):
#   cmake --build --preset dev --target iucore_c
#   tests/capi/check_abi.sh --regenerate build/dev/capi/libiucore.so.1 \
#       capi/abi/libiucore.so.1.abi capi
# then commit capi/abi/libiucore.so.1.abi with the change that needs it.
set -euo pipefail

regenerate=0
if [[ ${1:-} == --regenerate ]]; then
    regenerate=1
    shift
fi
[[ $# -eq 3 ]] || {
    echo "usage: $0 [--regenerate] LIBRARY BASELINE HEADERS_DIR" >&2
    exit 2
}
lib=$1 baseline=$2 headers=$3

# The enumerators of enum iucore_status in the header, "NAME = value" a line, in order.
status_codes() {
    sed -n '/^enum iucore_status {/,/^};/p' "$headers/iucore.h" |
        sed -nE 's/^ *(IUCORE_[A-Z0-9_]+) = (-?[0-9]+),?.*$/\1 = \2/p'
}
status_baseline=$(dirname "$baseline")/iucore_status.txt

describe() { # library output
    abidw --headers-dir "$headers" --drop-private-types --exported-interfaces-only \
        --no-corpus-path --no-comp-dir-path --no-show-locs --no-elf-needed "$1" |
        sed -E "s#(<abi-instr [^>]*path=')[^']*/([^/']+')#\1\2#" >"$2"
}

if ((regenerate)); then
    describe "$lib" "$baseline"
    status_codes >"$status_baseline"
    echo "wrote $baseline and $status_baseline"
    exit 0
fi

[[ -f $baseline ]] || {
    echo "FAIL: no baseline $baseline (see the comment at the top of $0)" >&2
    exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
describe "$lib" "$tmp/current.abi"

set +e
abidiff --no-added-syms "$baseline" "$tmp/current.abi" >"$tmp/report" 2>&1
rc=$?
set -e
cat "$tmp/report"
# abidiff's exit status is a bit field: 1 error, 2 usage, 4 ABI change, 8 incompatible change.
if ((rc != 0)); then
    what="an ABI change"
    ((rc & 8)) && what="an INCOMPATIBLE ABI change"
    ((rc & 3)) && what="an abidiff error"
    echo "FAIL: abidiff exit $rc: $what against $baseline" >&2
    exit 1
fi
echo "ok: $(basename "$lib") is ABI-compatible with $(basename "$baseline")"

# The status codes: none removed or renumbered.
[[ -f $status_baseline ]] || {
    echo "FAIL: no baseline $status_baseline (see the comment at the top of $0)" >&2
    exit 1
}
current_codes=$(status_codes)
[[ -n $current_codes ]] || {
    echo "FAIL: no enum iucore_status in $headers/iucore.h" >&2
    exit 1
}
while IFS= read -r line; do
    [[ -z $line ]] && continue
    grep -qxF -- "$line" <<<"$current_codes" || {
        echo "FAIL: status code '$line' of $status_baseline was removed or renumbered" >&2
        exit 1
    }
done <"$status_baseline"
echo "ok: enum iucore_status keeps the $(grep -c . "$status_baseline") codes of $(basename "$status_baseline")"

# The report schemas: one format, the header's.
format=$(sed -nE 's/^#define IUCORE_REPORT_FORMAT "([^"]+)"$/\1/p' "$headers/iucore.h")
[[ -n $format ]] || {
    echo "FAIL: no '#define IUCORE_REPORT_FORMAT \"...\"' in $headers/iucore.h" >&2
    exit 1
}
shopt -s nullglob
schemas=("$headers"/schemas/*.json)
((${#schemas[@]} > 0)) || {
    echo "FAIL: no report schemas in $headers/schemas" >&2
    exit 1
}
for schema in "${schemas[@]}"; do
    grep -q "\"format\": {\"const\": \"$format\"}" "$schema" ||
        grep -Pzq '"format": \{\s*"const": "'"$format"'"\s*\}' "$schema" || {
        echo "FAIL: $schema does not require \"format\": \"$format\"" >&2
        exit 1
    }
done
echo "ok: ${#schemas[@]} report schemas, each of format $format"
