#!/usr/bin/env bash
# sql_homes.sh SOURCE_DIR: SQL statements are built only in the core's render layer
# (src/core/render.cpp, src/core/statements.cpp). Any other source under include/, src/, capi/
# or examples/ whose string literals hold a SELECT, INSERT INTO, UPDATE … SET or DELETE FROM is
# listed, and the check fails. Tests, their fixtures and SQL files are outside the rule.
set -euo pipefail
(($# == 1)) || {
    echo "usage: ${0##*/} SOURCE_DIR" >&2
    exit 2
}
cd "$1"
found=$(grep -rnE --include='*.cpp' --include='*.hpp' --include='*.h' --include='*.c' \
    --include='*.py' \
    '("|'"'"')[^"'"'"']*\b(SELECT|INSERT INTO|DELETE FROM|UPDATE [A-Za-z_."]+ SET)\b' \
    include src capi examples |
    grep -vE '^(src/core/render\.cpp|src/core/statements\.cpp|include/iucore/statements\.hpp):' |
    grep -vE '^examples/python/tests/' |
    grep -vE '^[^:]+:[0-9]+:\s*(//|#|\*|/\*)' || true)
if [[ -n $found ]]; then
    printf '%s\n' "$found" | sed 's/^/      | /'
    echo "sql homes: $(printf '%s\n' "$found" | wc -l) line(s) build SQL outside the render layer"
    exit 1
fi
echo "sql homes: no SQL statement built outside src/core/render.cpp and src/core/statements.cpp"
