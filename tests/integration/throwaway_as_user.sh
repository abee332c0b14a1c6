#!/usr/bin/env bash
# The throwaway PostgreSQL works for an ordinary user too: as root, run it as `nobody`
# (initdb and postgres refuse root, so the script must not depend on being root), else as the
# current user. Queries it with psql and checks that the cluster is gone afterwards.
set -euo pipefail
script=$1
as_user=()
if [[ $(id -u) -eq 0 ]]; then as_user=(runuser -u nobody --); fi
query="select current_user || '|' || current_setting('server_version_num')"
out=$("${as_user[@]}" bash "$script" run -- sh -c 'psql -Atc "$1" && echo "state=$IUCORE_PG_STATE"' sh "$query")
echo "$out"
[[ $(head -n 1 <<<"$out") == postgres\|15* ]] || { echo "FAIL: unexpected answer"; exit 1; }
state=$(sed -n 's/^state=//p' <<<"$out")
[[ -n $state && ! -e $state ]] || { echo "FAIL: $state was not removed"; exit 1; }
echo "PASS: throwaway PostgreSQL as $("${as_user[@]}" id -un), removed afterwards"
