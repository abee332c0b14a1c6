// SQL rendering for 034: the record's statements and checks, the rollback guard on the run
// log's command_name, stable checksums, and quoting that holds against hostile definitions.

#include <iucore/render.hpp>

#include <doctest/doctest.h>

#include "../count_occurrences.hpp"
#include "support.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

using iucore::definition;
using iucore::errc;
using iucore::rendered_sql;
namespace json = boost::json;

namespace {

using iucore_test::contains;
using iucore_test::example_definition;
using iucore_test::example_definition_json;
using iucore_test::example_definition_text;

definition parse_ok(const json::value& v) {
    auto d = iucore::parse_definition(json::serialize(v), "test.json");
    REQUIRE_MESSAGE(d.has_value(), (d ? std::string() : d.error().message));
    return d.value();
}

rendered_sql must(iucore::result<rendered_sql> r) {
    REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message));
    return std::move(r).value();
}

using iucore_test::count_occurrences;

bool is_hex64(const std::string& s) {
    return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// ---- a small PostgreSQL lexer: enough to prove the quoting is balanced -------------------

struct lexed {
    std::string error;                 // empty when every quote, comment and body closed
    std::string code;                  // the text outside literals, identifiers and comments
    std::vector<std::string> literals; // string constants, decoded
    std::vector<std::string> tags;     // dollar-quote tags used, outermost level
};

bool ident_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
}

/// Lexes `sql` (standard_conforming_strings on), descending into dollar-quoted bodies, whose
/// code and literals are merged into the result.
lexed lex(std::string_view sql) {
    lexed out;
    std::size_t i = 0;
    const auto n = sql.size();
    while (i < n && out.error.empty()) {
        const char c = sql[i];
        const char next = i + 1 < n ? sql[i + 1] : '\0';
        const bool word_start = i == 0 || !ident_char(sql[i - 1]);
        if (c == '-' && next == '-') {
            const auto end = sql.find('\n', i);
            i = end == std::string_view::npos ? n : end + 1;
            out.code += ' ';
        } else if (c == '/' && next == '*') {
            const auto end = sql.find("*/", i + 2);
            if (end == std::string_view::npos) out.error = "unterminated /* comment";
            i = end + 2;
            out.code += ' ';
        } else if ((c == 'E' || c == 'e') && next == '\'' && word_start) {
            std::string value;
            std::size_t j = i + 2;
            for (;; ++j) {
                if (j >= n) {
                    out.error = "unterminated E'' literal at byte " + std::to_string(i);
                    break;
                }
                if (sql[j] == '\\' && j + 1 < n) {
                    value += sql[++j];
                } else if (sql[j] == '\'' && j + 1 < n && sql[j + 1] == '\'') {
                    value += '\'';
                    ++j;
                } else if (sql[j] == '\'') {
                    break;
                } else {
                    value += sql[j];
                }
            }
            out.literals.push_back(value);
            out.code += " $lit ";
            i = j + 1;
        } else if (c == '\'' || c == '"') {
            std::string value;
            std::size_t j = i + 1;
            for (;; ++j) {
                if (j >= n) {
                    out.error = std::string("unterminated ") + c + " at byte " + std::to_string(i);
                    break;
                }
                if (sql[j] == c && j + 1 < n && sql[j + 1] == c) {
                    value += c;
                    ++j;
                } else if (sql[j] == c) {
                    break;
                } else {
                    value += sql[j];
                }
            }
            if (c == '\'') {
                out.literals.push_back(value);
                out.code += " $lit ";
            } else {
                out.code += " $ident ";
            }
            i = j + 1;
        } else if (c == '$' && word_start &&
                   (next == '$' || (ident_char(next) && !(next >= '0' && next <= '9')))) {
            std::size_t j = i + 1;
            while (j < n && ident_char(sql[j]))
                ++j;
            if (j >= n || sql[j] != '$') { // not a tag after all
                out.code += c;
                ++i;
                continue;
            }
            const auto delimiter = std::string(sql.substr(i, j + 1 - i));
            const auto close = sql.find(delimiter, j + 1);
            if (close == std::string_view::npos) {
                out.error = "unterminated dollar quote " + delimiter;
                break;
            }
            out.tags.push_back(delimiter);
            const auto inner = lex(sql.substr(j + 1, close - j - 1));
            if (!inner.error.empty()) out.error = "inside " + delimiter + ": " + inner.error;
            out.code += " $body( " + inner.code + " )body ";
            out.literals.insert(out.literals.end(), inner.literals.begin(), inner.literals.end());
            i = close + delimiter.size();
        } else {
            out.code += c;
            ++i;
        }
    }
    return out;
}

/// Every statement and the whole text lex cleanly; the payload's marker is never code.
void check_quoting(const rendered_sql& r, std::string_view marker) {
    const auto whole = lex(r.text());
    CHECK_MESSAGE(whole.error.empty(), whole.error);
    CHECK_MESSAGE(!contains(whole.code, marker), "`", std::string(marker),
                  "` escaped into SQL code in ", r.file_name);
    for (const auto& statement : r.statements) {
        const auto one = lex(statement);
        CHECK_MESSAGE(one.error.empty(), one.error, " in: ", statement);
    }
    for (const auto& check : r.checks) {
        CHECK(lex(check.select_sql()).error.empty());
        CHECK(lex(check.report_sql()).error.empty());
    }
}

} // namespace

TEST_CASE("the lexer used below tells balanced from unbalanced quoting") {
    CHECK(lex("SELECT 'a''b', E'c\\'d', \"x\"\"y\" -- 'x\nFROM t;").error.empty());
    CHECK(lex("DO $v$ BEGIN RAISE 'x'; END $v$;").error.empty());
    CHECK(lex("SELECT $1, a$b").error.empty());
    CHECK_FALSE(lex("SELECT 'a'b'").error.empty());
    CHECK_FALSE(lex("SELECT 'a\\'b'").error.empty()); // a backslash escapes nothing in ''
    CHECK_FALSE(lex("DO $v$ BEGIN END $w$;").error.empty());
    CHECK_FALSE(lex("DO $v$ SELECT 'x $v$ ';").error.empty());
    const auto l = lex("SELECT E'a\\\\b', 'it''s' FROM t");
    CHECK(l.literals == std::vector<std::string>{"a\\b", "it's"});
    CHECK(contains(l.code, "FROM t"));
}

TEST_CASE("render_forward 034: preflight, idempotent insert and the record's checks") {
    const auto d = example_definition();
    const auto r = must(iucore::render_forward(d, "034"));
    const auto text = r.text();
    CHECK(r.file_name == "034_auto_instantiate_dot_registration.sql");
    CHECK(text.starts_with("-- 034_auto_instantiate_dot_registration: forward"));
    CHECK(contains(text, "definition \"iu-core\""));
    CHECK(contains(text, "\nBEGIN;\n"));
    CHECK(text.ends_with("\nCOMMIT;\n"));
    CHECK_FALSE(contains(r.body(), "COMMIT;"));
    CHECK(contains(text, r.body()));

    // Preflight: each function by exact argument types; the record's message.
    CHECK(contains(text, "DO $preflight$"));
    CHECK(contains(text, "to_regprocedure('public.fn_iu_auto_instantiate_from_event(uuid,text,"
                         "uuid,text,text,text,text)') IS NULL"));
    CHECK(contains(
        text, "to_regprocedure('public.fn_iu_auto_instantiate_rollback_by_actor(text,boolean)')"));
    CHECK(contains(text, "034 preflight: migration 033 substrate missing"));
    CHECK(contains(text, "apply 033 first"));
    CHECK(contains(text, "ERRCODE = 'IUPRE'"));

    // The insert, whole.
    REQUIRE(r.statements.size() >= 2);
    CHECK(r.statements[1] ==
          "INSERT INTO public.dot_iu_command_catalog (command_name, category, mutating, "
          "reversible, target_functions)\nVALUES\n"
          "    ('dot_iu_auto_instantiate_from_event', 'collection', true, true, "
          "ARRAY['fn_iu_auto_instantiate_from_event']::text[]),\n"
          "    ('dot_iu_auto_instantiate_rollback_by_actor', 'lifecycle', true, true, "
          "ARRAY['fn_iu_auto_instantiate_rollback_by_actor']::text[])\n"
          "ON CONFLICT (command_name) DO NOTHING;");
    CHECK(count_occurrences(text, "ON CONFLICT (command_name) DO NOTHING") == 1);

    // The checks, as the transcript prints them, and enforced in the same transaction.
    CHECK(contains(text, "-- 034 verification: catalog size + every target_function resolvable"));
    REQUIRE(r.checks.size() == 3);
    CHECK(r.checks[0].label == "034_catalog");
    CHECK(r.checks[1].label == "034_targets");
    CHECK(r.checks[2].label == "034_new_rows");
    const auto e = d.expectations("034").value();
    const auto after = std::to_string(e.rows_after);
    CHECK(r.checks[0].select_sql() ==
          "SELECT '034_catalog' AS \"check\", count(*) AS catalog_rows, "
          "count(*) = " +
              after + " AS expected_" + after + "\n  FROM public.dot_iu_command_catalog;");
    CHECK(contains(text, "expected_" + after));
    // Targets resolve by identity: the catalog's schema, the name and the argument types.
    CHECK(contains(text, "count(*) = " + std::to_string(e.distinct_targets_after) +
                             " AND coalesce(bool_and(t.found), true)"));
    // Each target of the catalog after 034 by its signature; no other signature (a later
    // migration's would change 034's checksum).
    for (const auto& sig : d.signatures)
        CHECK(contains(r.checks[1].from, "'public." + sig.regprocedure() + "'") ==
              d.ssot().target_functions().contains(sig.name));
    CHECK(contains(r.checks[1].from, "to_regprocedure(s.regproc)"));
    CHECK(contains(r.checks[1].select_sql(), "AS distinct_target_functions"));
    CHECK(contains(r.checks[1].select_sql(), "AS all_resolvable"));
    CHECK(contains(r.checks[2].select_sql(), "AS rows_present"));
    CHECK(contains(text, "DO $verify$"));
    CHECK(contains(text, "ERRCODE = 'IUCHK'"));

    // The start state, in the preflight: raised as a refusal, with the rows of 033 in it.
    const auto start = iucore::render_start_check(d, "034").value();
    CHECK(contains(r.statements[0], start));
    CHECK(contains(r.statements[0], "ERRCODE = 'IUREF', MESSAGE = v_refusal"));
    const auto before = d.catalog_at(e.previous_version).value();
    for (const auto& row : before.rows())
        CHECK(contains(start, "('" + row.command_name + "', '" + row.category + "'"));

    // Order: preflight, insert, checks.
    const auto preflight = text.find("DO $preflight$");
    const auto insert = text.find("INSERT INTO");
    const auto verify = text.find("DO $verify$");
    CHECK(preflight < insert);
    CHECK(insert < verify);
    check_quoting(r, "\x01");
}

TEST_CASE("render_rollback 034 guards on the run log's command_name column") {
    const auto d = example_definition();
    const auto r = must(iucore::render_rollback(d, "034"));
    const auto text = r.text();
    CHECK(r.file_name == "034_auto_instantiate_dot_registration_rollback.sql");
    CHECK(contains(text, "LOCK TABLE public.dot_iu_command_run IN SHARE MODE;"));
    CHECK(contains(text, "FROM public.dot_iu_command_run"));
    CHECK(contains(text, "WHERE command_name = ANY (ARRAY['dot_iu_auto_instantiate_from_event', "
                         "'dot_iu_auto_instantiate_rollback_by_actor']::text[])"));
    CHECK(contains(text, "REFUSED: 034 rollback: public.dot_iu_command_run.command_name still "
                         "references "));
    CHECK(contains(text, "ERRCODE = 'IUREF'"));
    CHECK(contains(text, "DELETE FROM public.dot_iu_command_catalog WHERE command_name = ANY "
                         "(ARRAY['dot_iu_auto_instantiate_from_event', "
                         "'dot_iu_auto_instantiate_rollback_by_actor']::text[]);"));
    CHECK(contains(text, "-- 034 rollback verification: back to 033"));
    CHECK(contains(text, "expected_24"));
    REQUIRE(r.checks.size() == 2);
    CHECK(r.checks[0].label == "034_rollback_catalog");
    CHECK(r.checks[1].label == "034_rollback_absent");

    // The record's bug was `dot_iu_command_run.command`: no bare `command` anywhere.
    CHECK_FALSE(contains(text, ".command "));
    CHECK_FALSE(contains(text, ".command\n"));
    for (auto at = text.find("command"); at != std::string::npos;
         at = text.find("command", at + 1)) {
        CAPTURE(text.substr(at > 20 ? at - 20 : 0, 50));
        CHECK(at + 7 < text.size());
        CHECK(text[at + 7] == '_');
    }
    // The guard precedes the delete; the lock precedes the guard.
    CHECK(text.find("LOCK TABLE") < text.find("DO $guard$"));
    CHECK(text.find("DO $guard$") < text.find("DELETE FROM public.dot_iu_command_catalog"));
    // No later migration requires 034, so no dependents guard.
    CHECK_FALSE(contains(text, "require 034"));
    check_quoting(r, "\x01");
}

TEST_CASE("the rollback guard follows the schema model, and names dependents") {
    auto v = example_definition_json();
    v.at("schema").at("run_log").as_object()["table"] = "ops.run_log";
    v.at("schema").at("run_log").as_object()["command_column"] = "invoked_command_name";
    v.at("migrations").as_array().emplace_back(json::parse(R"j({
        "id": "035", "slug": "help", "kind": "data_only", "requires": {"migrations": ["034"]},
        "adds": [{"command_name": "dot_iu_help", "category": "inspect", "mutating": false,
                  "reversible": false, "target_functions": ["fn_iu_help"]}]})j"));
    const auto d = parse_ok(v);
    const auto text = must(iucore::render_rollback(d, "034")).text();
    CHECK(contains(text, "LOCK TABLE ops.run_log IN SHARE MODE;"));
    CHECK(contains(text, "WHERE invoked_command_name = ANY ("));
    CHECK(contains(text, "ops.run_log.invoked_command_name still references"));
    CHECK(contains(text, "require 034"));
    CHECK(contains(text, "ARRAY['035']::text[]"));

    // The later migration's preflight names the migration it requires.
    const auto forward = must(iucore::render_forward(d, "035")).text();
    CHECK(contains(forward, "035 preflight: migration 034 substrate missing"));
    CHECK(contains(forward, "expected_" + std::to_string(d.catalog_at("035").value().size())));
}

TEST_CASE("render_seed: the whole catalog at a version, idempotently") {
    const auto d = example_definition();
    const auto latest = must(iucore::render_seed(d));
    CHECK(latest.file_name == "seed_034.sql");
    REQUIRE_FALSE(latest.statements.empty());
    const auto e = d.expectations("034").value();
    const auto after = std::to_string(e.rows_after), before_rows = std::to_string(e.rows_before);
    CHECK(count_occurrences(latest.statements[0], "\n    ('dot_iu_") == e.rows_after);
    CHECK(contains(latest.statements[0], "ON CONFLICT (command_name) DO NOTHING"));
    CHECK(contains(latest.text(), "expected_" + after));
    CHECK(contains(latest.text(), "count(*) = " + std::to_string(e.distinct_targets_after) +
                                      " AND coalesce(bool_and(t.found)"));
    REQUIRE(latest.checks.size() == 3);
    CHECK(latest.checks[2].label == "034_rows_match");
    CHECK(must(iucore::render_seed(d, "034")).text() == latest.text());

    const auto before = must(iucore::render_seed(d, "033"));
    CHECK(before.file_name == "seed_033.sql");
    CHECK(count_occurrences(before.statements[0], "\n    ('dot_iu_") == e.rows_before);
    CHECK(contains(before.text(), "expected_" + before_rows));
    CHECK(contains(before.text(), "count(*) = " + std::to_string(e.distinct_targets_before) +
                                      " AND coalesce(bool_and(t.found)"));
    CHECK_FALSE(contains(before.text(), "dot_iu_auto_instantiate_from_event"));
    check_quoting(latest, "\x01");

    auto checks = iucore::render_version_checks(d, "034");
    REQUIRE(checks.has_value());
    CHECK(checks.value().size() == 3);
    CHECK(checks.value()[0].select_sql() == latest.checks[0].select_sql());
    CHECK(contains(checks.value()[0].report_sql(), "'" + after + " catalog rows' AS expected"));

    auto ddl = iucore::render_ledger_ddl(d);
    REQUIRE(ddl.has_value());
    CHECK(ddl.value().starts_with("CREATE TABLE IF NOT EXISTS public.iucore_migration_ledger ("));
}

TEST_CASE("render_start_check: the catalog a migration starts from, row for row") {
    const auto d = example_definition();
    const auto e = d.expectations("034").value();
    const auto start = iucore::render_start_check(d, "034").value();
    // Every row of 033 must be there, equal; 034's own rows may be (ON CONFLICT re-applies them).
    const auto before = d.catalog_at(e.previous_version).value();
    for (const auto& row : before.rows())
        CHECK(contains(start, "'" + row.command_name + "'"));
    const auto own = start.find("UNION ALL");
    REQUIRE(own != std::string::npos);
    CHECK(contains(start.substr(0, own), "SELECT v.*, true FROM (VALUES"));
    CHECK(contains(start.substr(own), "SELECT v.*, false FROM (VALUES"));
    for (const auto& name : e.new_rows)
        CHECK(start.find("'" + name + "'") > own);
    CHECK(contains(start, "FULL JOIN public.dot_iu_command_catalog l ON l.command_name = "
                          "e.command_name"));
    CHECK(contains(start, "'REFUSED: migration 034 starts from the catalog at " +
                              e.previous_version + "; public.dot_iu_command_catalog differs"));
    CHECK(contains(start, "LIMIT " + std::to_string(iucore::start_differences_shown)));
    CHECK(contains(start, "'category: expected '"));
    CHECK_FALSE(iucore::render_start_check(d, "099").has_value());
}

TEST_CASE("target functions are named by identity: the catalog's schema and argument types") {
    auto d = example_definition();
    const auto& sig = *d.find_signature("fn_iu_auto_instantiate_rollback_by_actor");
    CHECK(iucore::function_identity(d, sig) ==
          "public.fn_iu_auto_instantiate_rollback_by_actor(text,boolean)");
    CHECK(iucore::regprocedure_text(d, sig).value() ==
          "public.fn_iu_auto_instantiate_rollback_by_actor(text,boolean)");
    d.schema.catalog.table = "Ops.catalog";
    CHECK(iucore::function_identity(d, sig) ==
          "Ops.fn_iu_auto_instantiate_rollback_by_actor(text,boolean)");
    CHECK(iucore::regprocedure_text(d, sig).value() ==
          "\"Ops\".fn_iu_auto_instantiate_rollback_by_actor(text,boolean)");
    const auto forward = must(iucore::render_forward(d, "034"));
    CHECK(contains(
        forward.statements[0],
        "to_regprocedure('\"Ops\".fn_iu_auto_instantiate_rollback_by_actor(text,boolean)')"));
    CHECK(contains(iucore::functions_named_sql("$2::text"), "WHERE p.proname = $2::text"));
}

TEST_CASE("unknown versions and migrations are refused") {
    const auto d = example_definition();
    for (std::string_view id : {"033", "035", ""}) {
        CAPTURE(id);
        auto forward = iucore::render_forward(d, id);
        REQUIRE_FALSE(forward.has_value());
        CHECK(iucore::code_of(forward.error()) == errc::invalid_argument);
        CHECK(contains(forward.error().message, "\"" + std::string(id) + "\""));
        CHECK_FALSE(iucore::render_rollback(d, id).has_value());
    }
    auto seed = iucore::render_seed(d, "099");
    REQUIRE_FALSE(seed.has_value());
    CHECK(iucore::code_of(seed.error()) == errc::invalid_argument);
    CHECK(contains(seed.error().message, "\"099\""));
    CHECK_FALSE(iucore::render_version_checks(d, "099").has_value());
}

TEST_CASE("checksums: sha256 hex, stable across renders, sensitive to the rows") {
    const auto d = example_definition();
    const auto forward = must(iucore::render_forward(d, "034")).checksum();
    CHECK(is_hex64(forward));
    CHECK(must(iucore::render_forward(d, "034")).checksum() == forward);
    CHECK(must(iucore::render_forward(example_definition(), "034")).checksum() == forward);
    // The definition read back from its own JSON renders the same bytes.
    const auto again = parse_ok(json::value_from(d));
    CHECK(must(iucore::render_forward(again, "034")).checksum() == forward);
    const auto rollback = must(iucore::render_rollback(d, "034")).checksum();
    const auto seed = must(iucore::render_seed(d)).checksum();
    CHECK(is_hex64(rollback));
    CHECK(is_hex64(seed));
    CHECK(rollback != forward);
    CHECK(seed != forward);
    CHECK(must(iucore::render_seed(d, "033")).checksum() != seed);

    SUBCASE("a column of an added row") {
        auto changed = d;
        changed.migrations[0].adds[0].reversible = false;
        CHECK(must(iucore::render_forward(changed, "034")).checksum() != forward);
        CHECK(must(iucore::render_seed(changed)).checksum() != seed);
    }
    SUBCASE("a target function of an added row, through the JSON") {
        auto v = example_definition_json();
        v.at("migrations").at(0).at("adds").at(1).as_object()["target_functions"] =
            json::array{"fn_iu_auto_instantiate_rollback_by_actor", "fn_iu_help"};
        const auto changed = parse_ok(v);
        CHECK(must(iucore::render_forward(changed, "034")).checksum() != forward);
    }
    SUBCASE("a baseline row: the seed and, through the counts, the forward") {
        auto changed = d;
        std::vector<iucore::catalog_row> rows = changed.base.rows.rows();
        rows[0].category = "inspect";
        changed.base.rows = iucore::catalog(rows);
        CHECK(must(iucore::render_seed(changed)).checksum() != seed);
        rows.push_back({"dot_iu_help", "inspect", false, false, {"fn_iu_help"}, false});
        changed.base.rows = iucore::catalog(rows);
        const auto grown = must(iucore::render_forward(changed, "034"));
        CHECK(grown.checksum() != forward);
        CHECK(contains(grown.text(),
                       "expected_" + std::to_string(d.catalog_at("034").value().size() + 1)));
    }
    SUBCASE("not the registry, which the forward file does not mention") {
        auto changed = d;
        changed.registry.pop_back();
        CHECK(must(iucore::render_forward(changed, "034")).checksum() == forward);
    }
}

TEST_CASE("hostile strings in a definition stay inside their quotes") {
    struct payload {
        const char* category;
        const char* command;
        const char* marker; // text that must never appear as SQL code
        const char* quoted; // how the category must appear
    };
    const payload cases[] = {
        {"it's", "dot_iu_it's", "s'", "'it''s'"},
        {"x';DROP TABLE pwned;--", "dot_iu_x';DROP TABLE pwned2;--", "pwned",
         "'x'';DROP TABLE pwned;--'"},
        {"back\\slash", "dot_iu_back\\'slash", "slash", "E'back\\\\slash'"},
        {"trail\\", "dot_iu_trail\\", "trail", "E'trail\\\\'"},
        {"cat$verify$", "dot_iu_$verify$;--", "verify$", "'cat$verify$'"},
        {"$guard$ $preflight$", "dot_iu_$guard$", "guard$", "'$guard$ $preflight$'"},
        {"semi;--", "dot_iu_x;--\nDROP TABLE pwned;", "pwned", "'semi;--'"},
        {"\"quoted\"", "dot_iu_\"q\"", "quoted", "'\"quoted\"'"},
        {"multi\nline -- */ /*", "dot_iu_/*", "line", "'multi\nline -- */ /*'"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.category);
        CAPTURE(c.command);
        auto v = example_definition_json();
        v.at("categories").as_array().emplace_back(c.category);
        auto& row = v.at("migrations").at(0).at("adds").at(0).as_object();
        row["category"] = c.category;
        row["command_name"] = c.command;
        const auto d = parse_ok(v);

        const auto forward = must(iucore::render_forward(d, "034"));
        const auto rollback = must(iucore::render_rollback(d, "034"));
        const auto seed = must(iucore::render_seed(d));
        CHECK(contains(forward.text(), c.quoted));
        CHECK(contains(seed.text(), c.quoted));
        check_quoting(forward, c.marker);
        check_quoting(rollback, c.marker);
        check_quoting(seed, c.marker);

        // The values come back out of the literals unchanged.
        const auto literals = lex(forward.text()).literals;
        CHECK(std::find(literals.begin(), literals.end(), c.category) != literals.end());
        CHECK(std::find(literals.begin(), literals.end(), c.command) != literals.end());
        const auto rollback_literals = lex(rollback.text()).literals;
        CHECK(std::find(rollback_literals.begin(), rollback_literals.end(), c.command) !=
              rollback_literals.end());
    }
}

TEST_CASE("a dollar-quote tag in a value moves the block's tag") {
    auto v = example_definition_json();
    v.at("migrations").at(0).at("adds").at(0).as_object()["command_name"] = "dot_iu_$verify$";
    v.at("migrations").at(0).at("adds").at(1).as_object()["command_name"] = "dot_iu_$guard$x";
    const auto d = parse_ok(v);
    const auto forward = must(iucore::render_forward(d, "034")).text();
    CHECK(contains(forward, "DO $verify_1$"));
    CHECK_FALSE(contains(forward, "DO $verify$"));
    CHECK(contains(forward, "DO $preflight$"));
    const auto rollback = must(iucore::render_rollback(d, "034")).text();
    CHECK(contains(rollback, "DO $guard_1$"));
    CHECK(lex(forward).error.empty());
    CHECK(lex(rollback).error.empty());
}

TEST_CASE("a NUL byte in a value fails the render instead of producing SQL") {
    SUBCASE("in a category") {
        auto v = example_definition_json();
        const std::string bad("coll\0ection", 11);
        v.at("categories").as_array().emplace_back(bad);
        v.at("migrations").at(0).at("adds").at(0).as_object()["category"] = bad;
        const auto d = parse_ok(v);
        for (auto r : {iucore::render_forward(d, "034"), iucore::render_seed(d)}) {
            REQUIRE_FALSE(r.has_value());
            CHECK(iucore::code_of(r.error()) == errc::invalid_argument);
            CHECK(contains(r.error().message, "NUL"));
            CHECK(contains(r.error().message, "\"coll\\x00ection\""));
        }
        CHECK_FALSE(iucore::render_version_checks(d, "034").has_value());
        // The rollback names commands only, so it still renders.
        CHECK(iucore::render_rollback(d, "034").has_value());
    }
    SUBCASE("in a command name") {
        auto v = example_definition_json();
        const std::string bad("dot_iu_a\0b", 10);
        v.at("migrations").at(0).at("adds").at(0).as_object()["command_name"] = bad;
        const auto d = parse_ok(v);
        for (auto r : {iucore::render_forward(d, "034"), iucore::render_rollback(d, "034"),
                       iucore::render_seed(d)}) {
            REQUIRE_FALSE(r.has_value());
            CHECK(iucore::code_of(r.error()) == errc::invalid_argument);
            CHECK(contains(r.error().message, "\"dot_iu_a\\x00b\""));
        }
    }
    SUBCASE("invalid UTF-8 in a category") {
        auto d = example_definition();
        d.categories.push_back("bad\xff");
        d.migrations[0].adds[0].category = "bad\xff";
        auto r = iucore::render_forward(d, "034");
        REQUIRE_FALSE(r.has_value());
        CHECK(contains(r.error().message, "UTF-8"));
    }
    SUBCASE("in a migration id of a definition built in code") {
        auto d = example_definition();
        const std::string bad("03\0"
                              "4",
                              4);
        d.migrations[0].id = bad;
        for (auto r : {iucore::render_forward(d, bad), iucore::render_rollback(d, bad)}) {
            REQUIRE_FALSE(r.has_value());
            CHECK(iucore::code_of(r.error()) == errc::invalid_argument);
            CHECK(contains(r.error().message, "NUL"));
        }
    }
    SUBCASE("in a table name of the schema") {
        auto d = example_definition();
        d.schema.catalog.table = std::string("public.cat\0x", 12);
        auto r = iucore::render_seed(d);
        REQUIRE_FALSE(r.has_value());
        CHECK(contains(r.error().message, "NUL"));
    }
}
