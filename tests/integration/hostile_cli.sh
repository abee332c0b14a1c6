#!/usr/bin/env bash
# hostile_cli.sh CLI EXAMPLES_DIR
#
# Hostile input through the iucore CLI (issue 6, part 3), on a fresh database of the throwaway
# cluster of the CTest fixture `postgres` (IUCORE_PG_THROWAWAY, IUCORE_PG_STATE,
# IUCORE_TEST_CONNINFO) at 034, with a canary table planted. Every payload (quotes,
# backslashes, dollar-quote tags, semicolons, comment markers, control bytes, invalid UTF-8, a
# NUL byte, 100 KB and 1 MB tokens) goes through each CLI path that takes text: argument
# values, command names, argument keys, --actor, promote's --command, config values, and the
# strings of a definition file (rendered and run by psql, and applied/verified/diffed/rolled
# back by the CLI). Each case is either stored verbatim (compared by md5 against what
# PostgreSQL holds) or refused with a clear error (the expected exit code, no crash, and a
# message on stderr of at most 4 KB of UTF-8). The canary must survive every case unchanged.
#
# argv cannot carry a NUL byte or an argument over 128 KB (Linux MAX_ARG_STRLEN), so those
# payloads go through the definition file only.
#
# Prints one PASS/FAIL line per case and then the figure line
#   hostile: N payloads, M paths, 0 injections, K stored verbatim, E clear errors
# Exits 1 when any case failed, 2 on bad usage.
set -euo pipefail

# shellcheck source=cli_test_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli_test_setup.sh" "$@"
unset IUCORE_DEFINITION IUCORE_ACTOR

database="iucore_hostile_cli_$$"
databases+=("$database")

# --- the tally ----------------------------------------------------------------------------------
failures=0
verbatim=0
clear_errors=0
injections=0
declare -A used_payloads=() used_paths=()
count() { # count verbatim|clear PATH PAYLOAD
    used_paths[$2]=1
    used_payloads[$3]=1
    if [[ $1 == verbatim ]]; then verbatim=$((verbatim + 1)); else clear_errors=$((clear_errors + 1)); fi
}
fail() { # fail PATH PAYLOAD WHAT: the last CLI call's stderr is shown, cut short
    printf 'FAIL  %s [%s]: %s\n' "$1" "$2" "$3"
    [[ -s $work/err ]] && head -c 600 "$work/err" | sed 's/^/      | /'
    failures=$((failures + 1))
}
pass() { printf 'PASS  %s [%s]: %s\n' "$1" "$2" "$3"; }

# iucore ARGS...: runs the CLI; rc gets its exit status, $work/out its stdout, $work/err stderr.
rc=0
iucore() {
    rc=0
    "$cli" "$@" >"$work/out" 2>"$work/err" || rc=$?
}
# offline ARGS...: the same with no database in reach (explain connects when PGHOST is set).
offline() {
    rc=0
    env -u PGHOST -u PGSERVICE PGPORT=1 "$cli" "$@" >"$work/out" 2>"$work/err" || rc=$?
}
md5_of_file() { md5sum <"$1" | cut -d' ' -f1; }
is_utf8_file() { python3 -c 'import sys; sys.stdin.buffer.read().decode("utf-8")' <"$1" 2>/dev/null; }

# expect_clear PATH PAYLOAD EXPECTED_RC: the last call was refused with a clear message.
expect_clear() {
    local path=$1 name=$2 want=$3 size
    size=$(wc -c <"$work/err")
    if ((rc >= 128)); then
        fail "$path" "$name" "crashed (exit $rc)"
    elif [[ $rc != "$want" ]]; then
        fail "$path" "$name" "exit $rc, expected $want"
    elif ((size == 0 || size > 4096)); then
        fail "$path" "$name" "message of $size bytes (expected 1..4096)"
    elif ! is_utf8_file "$work/err"; then
        fail "$path" "$name" "message is not UTF-8"
    elif grep -q "internal error" "$work/err"; then
        fail "$path" "$name" "internal error"
    else
        pass "$path" "$name" "refused (exit $rc): $(head -c 120 "$work/err" | tr '\n' ' ')"
        count clear "$path" "$name"
    fi
}

# expect_clear_json PATH PAYLOAD EXPECTED_RC: the last call (with --json) was refused with a
# JSON error object on stdout: {"error", "message" (1..4096 bytes), "exit"}.
expect_clear_json() {
    local path=$1 name=$2 want=$3
    if ((rc >= 128)); then
        fail "$path" "$name" "crashed (exit $rc)"
    elif [[ $rc != "$want" ]]; then
        fail "$path" "$name" "exit $rc, expected $want"
    elif ! python3 - "$work/out" "$want" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1], encoding="utf-8"))
assert 0 < len(v["message"].encode()) <= 4096 and v["exit"] == int(sys.argv[2]) and v["error"]
EOF
    then
        fail "$path" "$name" "stdout is not a JSON error object"
    else
        pass "$path" "$name" "refused as JSON (exit $rc)"
        count clear "$path" "$name"
    fi
}

sql() { psql -X -At -v ON_ERROR_STOP=on -d "$conninfo" "$@"; }
run_log_rows() { sql -c "SELECT count(*) FROM public.dot_iu_command_run"; }
catalog_rows() { sql -c "SELECT count(*) FROM public.dot_iu_command_catalog"; }
check_canary() { # check_canary PATH PAYLOAD
    local state
    state=$(sql -c "SELECT count(*)::text || ':' || coalesce(string_agg(x::text, ','), '')
                      FROM public.canary" 2>&1) || true
    if [[ $state != "1:1" ]]; then
        injections=$((injections + 1))
        fail "$1" "$2" "INJECTION: the canary reads '$state'"
    fi
}

# --- a fresh database at 034, with the canary -------------------------------------------------
conninfo=$("$IUCORE_PG_THROWAWAY" createdb "$IUCORE_PG_STATE" "$database")
psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" -f "$substrate" >/dev/null
"$cli" --definition "$definition" render seed 033 |
    psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" >/dev/null
"$cli" --definition "$definition" --db "$conninfo" apply 034 >/dev/null
sql -c "CREATE TABLE public.canary (x integer); INSERT INTO public.canary VALUES (1)" >/dev/null
# The substrate's registry validates values by their declared type (a trigger); iucore must fail
# closed even where a registry does not, so the trigger is disabled in this throwaway database.
sql -c "ALTER TABLE public.iu_core_config DISABLE TRIGGER trg_iu_core_config_validate" >/dev/null
[[ $(catalog_rows) == 26 ]] || {
    echo "setup: expected 26 catalog rows at 034" >&2
    exit 1
}

# --- the payloads: one file each (bytes), a name, and whether argv can carry it ---------------
mkdir -p "$work/payloads"
rm -f /tmp/iucore_hostile_pwned
python3 - "$work/payloads" <<'EOF'
import os, sys
out = sys.argv[1]
def rep(unit, size):
    return (unit * (size // len(unit) + 1))[:size]
payloads = [
    ("single quote", b"'; DROP TABLE canary; --"),
    ("double quote", b'"; DROP TABLE canary; --'),
    ("backslash quote", b"\\'; DROP TABLE canary; --"),
    ("E-string", b"E'\\x27'; UPDATE canary SET x = 0; --"),
    ("trailing backslash", b"x\\"),
    ("dollar-dollar", b"$$; DROP TABLE canary; $$"),
    ("$preflight$", b"$preflight$; DROP TABLE canary; $preflight$"),
    ("$verify$", b"x$verify$; DROP TABLE canary;--"),
    ("$guard$", b"$guard$ END; DROP TABLE canary; DO $guard$"),
    ("$ledger$", b"$ledger$; DROP TABLE canary; $ledger$"),
    ("semicolons", b";;; INSERT INTO canary VALUES (666);"),
    ("line comment", b"-- DROP TABLE canary"),
    ("block comment", b"*/ DROP TABLE canary; /*"),
    ("psql meta-command", b"\\! touch /tmp/iucore_hostile_pwned\n\\i /etc/passwd"),
    ("parameter marker", b"$1); DROP TABLE canary; --"),
    ("format specifiers", b"%s %I %L %1$s'; DROP TABLE canary"),
    ("array syntax", b'{"a","b\\"}"}; DROP TABLE canary'),
    ("control characters", b"\n'; DROP TABLE canary;\r\n--\t\x01\x1b[2J"),
    ("look-alike quotes", "\u02bc\u2018\u2019\uff07; DROP TABLE canary; --".encode()),
    ("invalid UTF-8", b"\xff\xfe'; DROP TABLE canary; --"),
    ("overlong quote", b"\xc0\xa7; DROP TABLE canary; --"),
    ("lone surrogate", b"\xed\xa0\x80'; DROP TABLE canary"),
    ("NUL byte", b"x\x00'; DROP TABLE canary; --"),
    ("100 KB of quotes", b"'" * 102400),
    ("100 KB mixed", rep(b"'; DROP TABLE canary; -- $$ $verify$ \\ /* ", 102400)),
    ("1 MB of quotes", b"'" * (1 << 20)),
    ("1 MB mixed", rep(b"'; DROP TABLE canary; -- $$ $verify$ \\ /* ", 1 << 20)),
]
for i, (name, value) in enumerate(payloads):
    base = os.path.join(out, "%02d" % i)
    open(base + ".bin", "wb").write(value)
    try:
        value.decode("utf-8")
        text = b"\x00" not in value
    except UnicodeDecodeError:
        text = False
    argv = b"\x00" not in value and len(value) < 131072
    open(base + ".meta", "w").write("%s\n%d\n%d\n" % (name, int(text), int(argv)))
EOF

# A copy of the example definition with migration 035 adding the row dot_iu_h_<payload>
# (category: the payload) and its registry entry; invalid UTF-8 is written raw, NUL as \u0000.
hostile_definition() { # hostile_definition PAYLOAD_FILE OUT
    python3 - "$definition" "$1" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
p = open(sys.argv[2], "rb").read().decode("utf-8", "surrogateescape")
command = "dot_iu_h_" + p
d["categories"].append(p)
d["migrations"].append({
    "id": "035", "slug": "hostile", "kind": "data_only",
    "requires": {"migrations": ["034"],
                 "functions": ["fn_iu_auto_instantiate_rollback_by_actor(text,boolean)"]},
    "adds": [{"command_name": command, "category": p, "mutating": True, "reversible": True,
              "target_functions": ["fn_iu_auto_instantiate_rollback_by_actor"]}],
    "surface_delta": {}})
entry = dict(next(e for e in d["registry"]
                  if e["command"] == "dot_iu_auto_instantiate_rollback_by_actor"))
entry["command"] = command
d["registry"].append(entry)
text = json.dumps(d, ensure_ascii=False, indent=1)
open(sys.argv[3], "wb").write(text.encode("utf-8", "surrogateescape"))
EOF
}

readonly event_id=6f1c1b9e-9a6e-4c55-9a53-2b0f3c0d7a11
readonly collection_id=0b4e7f52-3f0d-4a47-8f0e-5d7f2c9a1e33
from_event=dot_iu_auto_instantiate_from_event
usage1() { # usage1 NOTE: the record's first usage line with the note replaced
    printf '%s\0' "$from_event" "event_id=$event_id" event_type=template.instance_auto_composed \
        "template_collection_id=$collection_id" instance_key_suffix=demo-001 emit_mode=dry_run \
        actor=operator "note=$1"
}
# json_md5 FILE PYTHON_EXPR: md5 of the UTF-8 string the expression picks from the JSON in FILE
json_md5() {
    python3 - "$1" "$2" <<'EOF'
import hashlib, json, sys
v = json.load(open(sys.argv[1], encoding="utf-8"))
s = eval(sys.argv[2], {"v": v})
print(hashlib.md5(s.encode("utf-8")).hexdigest())
EOF
}

for meta in "$work"/payloads/*.meta; do
    base=${meta%.meta}
    { IFS= read -r name; IFS= read -r text; IFS= read -r argv; } <"$meta"
    want=$(md5_of_file "$base.bin")
    value=
    if ((argv)); then IFS= read -r -d '' value <"$base.bin" || true; fi

    # --- argv paths ------------------------------------------------------------------------
    if ((argv)); then
        mapfile -d '' -t line < <(usage1 "$value")

        path="CLI explain: text argument value"
        offline --definition "$definition" --json explain "${line[@]}"
        if ((text)); then
            if [[ $rc == 0 && $(json_md5 "$work/out" 'v["params"][6]') == "$want" ]]; then
                pass "$path" "$name" "bound verbatim"
                count verbatim "$path" "$name"
            else
                fail "$path" "$name" "exit $rc or the bound value differs"
            fi
        else
            expect_clear_json "$path" "$name" 2
            offline --definition "$definition" explain "${line[@]}"
            expect_clear "$path" "$name" 2
        fi

        path="CLI explain: command name"
        offline --definition "$definition" explain "$value" actor=operator
        expect_clear "$path" "$name" 2
        offline --definition "$definition" explain "dot_iu_$value"
        expect_clear "$path" "$name" 2

        path="CLI explain: uuid argument and argument key"
        offline --definition "$definition" explain dot_iu_auto_instantiate_rollback_by_actor \
            actor=operator "dry_run=$value"
        expect_clear "$path" "$name" 2
        offline --definition "$definition" explain dot_iu_auto_instantiate_rollback_by_actor \
            actor=operator "$value=1"
        expect_clear "$path" "$name" 2

        path="CLI run (refused): run-log args and actor"
        before=$(run_log_rows)
        iucore --definition "$definition" --db "$conninfo" run "${line[@]}" --actor "$value"
        if ((text)); then
            id=$(sql -c "SELECT max(id) FROM public.dot_iu_command_run")
            got=$(sql -c "SELECT md5(args->>'note') || md5(actor) FROM public.dot_iu_command_run
                           WHERE id = $id")
            if [[ $rc == 1 && $(run_log_rows) == $((before + 1)) && $got == "$want$want" ]]; then
                pass "$path" "$name" "refused and logged verbatim"
                count verbatim "$path" "$name"
            else
                fail "$path" "$name" "exit $rc, or the run-log row differs"
            fi
        else
            expect_clear "$path" "$name" 2
            [[ $(run_log_rows) == "$before" ]] || fail "$path" "$name" "a run-log row was written"
        fi
        check_canary "$path" "$name"

        path="CLI promote: command name"
        cp "$definition" "$work/promote.json"
        for command in "$value" "dot_iu_$value"; do
            iucore --definition "$work/promote.json" --db "$conninfo" promote \
                fn_iu_instance_archive --command "$command" --category collection
            expect_clear "$path" "$name" 2
        done
        cmp -s "$definition" "$work/promote.json" ||
            fail "$path" "$name" "the definition file changed"
        check_canary "$path" "$name"
    fi

    # --- a config value (the registry holds PostgreSQL text only) ---------------------------
    if ((text && argv)); then
        path="CLI config value: PARSE_ERROR, raw value read back"
        psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" -v v="$value" >/dev/null <<'EOF'
UPDATE public.iu_core_config SET config_value = :'v'
 WHERE config_key = 'iu_core.composer_enabled';
EOF
        iucore --definition "$definition" --db "$conninfo" --json gates
        evaluated=$(python3 - "$work/out" <<'EOF'
import hashlib, json, sys
v = json.load(open(sys.argv[1], encoding="utf-8"))
e = next(x for x in v["evaluated"] if x["key"] == "iu_core.composer_enabled")
print(e.get("error_code", ""), hashlib.md5(e["raw"].encode("utf-8")).hexdigest())
EOF
        )
        mapfile -d '' -t line < <(usage1 note)
        iucore --definition "$definition" --db "$conninfo" run "${line[@]}"
        if [[ $evaluated == "PARSE_ERROR $want" && $rc == 1 ]] && grep -q REFUSED "$work/err" "$work/out"; then
            pass "$path" "$name" "PARSE_ERROR, refused"
            count verbatim "$path" "$name"
        else
            fail "$path" "$name" "evaluated '$evaluated', run exit $rc"
        fi
        sql -c "UPDATE public.iu_core_config SET config_value = 'false'
                 WHERE config_key = 'iu_core.composer_enabled'" >/dev/null
        check_canary "$path" "$name"
    fi

    # --- the strings of a definition file ---------------------------------------------------
    hostile_definition "$base.bin" "$work/hostile.json"
    command_md5=$( (printf 'dot_iu_h_' && cat "$base.bin") | md5sum | cut -d' ' -f1)
    stored() { # the hostile row, by md5 of its name and category
        sql -c "SELECT count(*) FROM public.dot_iu_command_catalog
                 WHERE md5(command_name) = '$command_md5' AND md5(category) = '$want'"
    }

    # PostgreSQL may refuse a long command name: a btree entry of the catalog's primary key
    # holds at most ~2.7 KB (after compression, so a repetitive 100 KB name fits and 1 MB does
    # not). For a name over 2000 bytes that refusal is a clear error; nothing is half-applied.
    size=$(wc -c <"$base.bin")
    refused_too_long() { # the last step failed because the name cannot be indexed
        ((size > 2000)) && grep -q "index row" "$work/err" && [[ $(catalog_rows) == 26 ]]
    }
    path="CLI definition file: render forward | psql, render rollback | psql"
    iucore --definition "$work/hostile.json" render forward 035
    if ((text)); then
        cp "$work/out" "$work/forward.sql"
        iucore --definition "$work/hostile.json" render rollback 035
        cp "$work/out" "$work/rollback.sql"
        if psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" -f "$work/forward.sql" \
            >/dev/null 2>"$work/err"; then
            if [[ $(stored) == 1 && $(catalog_rows) == 27 ]] &&
                psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" -f "$work/rollback.sql" \
                    >/dev/null 2>&1 && [[ $(catalog_rows) == 26 ]]; then
                pass "$path" "$name" "stored verbatim by psql, then rolled back"
                count verbatim "$path" "$name"
            else
                fail "$path" "$name" "psql stored something else, or the rollback failed"
            fi
        elif refused_too_long; then
            pass "$path" "$name" "psql: the server refuses the oversized name, nothing applied"
            count clear "$path" "$name"
        else
            fail "$path" "$name" "psql run of the rendered SQL failed"
        fi
    else
        expect_clear "$path" "$name" 2
    fi
    check_canary "$path" "$name"
    [[ -e /tmp/iucore_hostile_pwned ]] && fail "$path" "$name" "a psql meta-command ran"

    path="CLI definition file: apply, verify, diff, rollback"
    iucore --definition "$work/hostile.json" --db "$conninfo" apply 035
    if ((text)) && [[ $rc == 3 ]] && refused_too_long; then
        expect_clear "$path" "$name" 3
    elif ((text)); then
        ok=1
        [[ $rc == 0 && $(stored) == 1 ]] || ok=0
        iucore --definition "$work/hostile.json" --db "$conninfo" verify
        [[ $rc == 0 ]] || ok=0
        iucore --definition "$work/hostile.json" --db "$conninfo" diff
        [[ $rc == 0 ]] || ok=0
        iucore --definition "$work/hostile.json" --db "$conninfo" rollback 035
        [[ $rc == 0 && $(catalog_rows) == 26 ]] || ok=0
        if ((ok)); then
            pass "$path" "$name" "applied, verified, no diff, rolled back"
            count verbatim "$path" "$name"
        else
            fail "$path" "$name" "a step failed (last exit $rc)"
        fi
    else
        expect_clear "$path" "$name" 2
        [[ $(catalog_rows) == 26 ]] || fail "$path" "$name" "the catalog changed"
    fi
    check_canary "$path" "$name"
done

printf '\n%d failed\n' "$failures"
printf 'hostile: %d payloads, %d paths, %d injections, %d stored verbatim, %d clear errors\n' \
    "${#used_payloads[@]}" "${#used_paths[@]}" "$injections" "$verbatim" "$clear_errors"
((failures == 0 && injections == 0))
