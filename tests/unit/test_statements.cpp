// The engine's SQL rendered by the core (statements.hpp): every value a $n parameter, every
// name from the schema model, and the governed run's text the same from run to run.

#include <iucore/plan.hpp>
#include <iucore/statements.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

using iucore::definition;
using iucore::statement;
namespace json = boost::json;

namespace {

using iucore_test::contains;
using iucore_test::example_definition;
using iucore_test::from_event;
using iucore_test::must;

std::vector<std::string> tokens(const std::string& suffix) {
    return {"event_id=6f1c1b9e-9a6e-4c55-9a53-2b0f3c0d7a11",
            "event_type=template.instance_auto_composed",
            "template_collection_id=0b4e7f52-3f0d-4a47-8f0e-5d7f2c9a1e33",
            "instance_key_suffix=" + suffix,
            "emit_mode=dry_run",
            "actor=operator",
            "note=trial run"};
}

statement governed_run(const definition& d, const std::vector<std::string>& t,
                       std::string_view actor) {
    const auto binding = must(iucore::bind_command(d, from_event));
    const auto args = must(iucore::parse_arguments(binding, t));
    return must(iucore::render_governed_run(d, binding, args, actor));
}

} // namespace

TEST_CASE("the governed run: values only as parameters, the same text from run to run") {
    const auto d = example_definition();
    const auto first = governed_run(d, tokens("x-1"), "alice");
    const auto second = governed_run(d, tokens("y-'2\\"), "bob'; DROP TABLE x; --");
    // The prepared statement is found by its text: values and actor must not change it.
    CHECK(first.text == second.text);
    CHECK_FALSE(contains(first.text, "alice"));
    CHECK_FALSE(contains(second.text, "bob"));
    CHECK_FALSE(contains(first.text, "x-1"));
    CHECK_FALSE(contains(first.text, "6f1c1b9e"));
    // 4 fixed parameters, one per run-log column that takes a value (actor, args, mode), then
    // one per argument.
    REQUIRE(first.params.size() == 4 + 3 + 7);
    CHECK(first.params[0] == std::string(from_event));
    CHECK(first.params[3] == std::string("true")); // governed in the definition
    CHECK(first.params[4] == std::string("alice"));
    CHECK(second.params[4] == std::string("bob'; DROP TABLE x; --"));
    CHECK(first.params[6] == std::string("dry_run"));
    CHECK(contains(first.text, "$14::text"));
    CHECK_FALSE(contains(first.text, "$15"));
    CHECK(contains(first.text, "c.command_name = $1 FOR KEY SHARE"));
    CHECK(contains(first.text, "INSERT INTO public.dot_iu_command_run (command_name, actor"));
}

TEST_CASE("the governed run names every table and column from the schema model") {
    auto d = example_definition();
    d.schema.run_log.table = "audit.runs";
    d.schema.run_log.command_column = "Command";
    d.schema.configs.table = "cfg.settings";
    d.schema.configs.key_column = "k";
    d.schema.configs.value_column = "v";
    d.schema.configs.type_column = "t";
    const auto run = governed_run(d, tokens("a"), "op");
    CHECK(contains(run.text, "INSERT INTO audit.runs (\"Command\", actor"));
    CHECK(contains(run.text, "LEFT JOIN cfg.settings g ON g.k = k.key"));
    CHECK(contains(run.text, "g.v AS value, g.t AS type"));
    CHECK_FALSE(contains(run.text, "dot_iu_command_run"));
    CHECK_FALSE(contains(run.text, "config_key"));

    const auto binding = must(iucore::bind_command(d, from_event));
    const auto args = must(iucore::parse_arguments(binding, tokens("a")));
    const auto failed = must(iucore::render_failed_run_log(d, binding, args, "op", "boom 'x'"));
    CHECK(contains(failed.text, "INSERT INTO audit.runs (\"Command\", actor"));
    CHECK_FALSE(contains(failed.text, "boom"));
    REQUIRE(failed.params.size() == 5);
    CHECK(json::parse(*failed.params[4]).at("error") == "boom 'x'");

    const auto counts = must(iucore::render_run_counts(d, {"a\"b", "c"}));
    CHECK(contains(counts.text, "FROM audit.runs WHERE \"Command\" = ANY ($1::text[])"));
    CHECK(counts.params.at(0) == std::string(R"({"a\"b","c"})"));

    const auto deletion = must(iucore::render_delete_run(d, 42));
    CHECK(deletion.text == "DELETE FROM audit.runs WHERE id = $1::bigint");
    CHECK(deletion.params.at(0) == std::string("42"));

    const auto configs = must(iucore::render_configs(d));
    CHECK(configs.text == "SELECT k AS key, v AS value, t AS type FROM cfg.settings ORDER BY 1");
}

TEST_CASE("no statement outside the schema model types the catalog's key column") {
    auto d = example_definition();
    CHECK(iucore::catalog_key_column(d) == "command_name");
    const auto rows = must(iucore::render_catalog_rows(d));
    CHECK(rows.text == "SELECT command_name, category, mutating, reversible, "
                       "array_to_json(target_functions)::text AS target_functions FROM "
                       "public.dot_iu_command_catalog ORDER BY command_name");
    d.schema.catalog.table = "a.b.c";
    CHECK_FALSE(iucore::render_catalog_rows(d).has_value()); // not a table name: refused
    d.schema.catalog.table = "ops.Catalog";
    CHECK(contains(must(iucore::render_catalog_count(d)).text, "FROM ops.\"Catalog\""));
}

TEST_CASE("a mapped run log: only the columns it has, the id when it has one") {
    auto d = example_definition();
    d.schema.run_log.table = "public.ops_runs";
    d.schema.run_log.command_column = "cmd";
    auto& columns = d.schema.run_log.columns;
    columns.id = "run_id";
    columns.args = columns.mode = columns.outcome = columns.result = columns.duration_ms = "";
    columns.started_at = "started_at";
    const auto run = governed_run(d, tokens("a"), "op");
    CHECK(contains(run.text, "INSERT INTO public.ops_runs (cmd, actor, started_at)\n  SELECT $1, "
                             "coalesce($5::text, current_user), statement_timestamp()\n"));
    CHECK(contains(run.text, "RETURNING run_id AS id"));
    // No parameter for a column the table lacks: the fixed four, the actor, the arguments.
    REQUIRE(run.params.size() == 4 + 1 + 7);
    CHECK(run.params[4] == std::string("op"));
    CHECK(contains(run.text, "$12::text"));
    CHECK_FALSE(contains(run.text, "$13"));

    const auto binding = must(iucore::bind_command(d, from_event));
    const auto args = must(iucore::parse_arguments(binding, tokens("a")));
    auto failed = must(iucore::render_failed_run_log(d, binding, args, "op", "boom"));
    CHECK(contains(failed.text, "INSERT INTO public.ops_runs (cmd, actor, started_at) SELECT "
                                "$1::text, coalesce($2::text, current_user), "
                                "statement_timestamp() FROM o RETURNING run_id AS id"));
    CHECK(contains(failed.text, "o.outcome FROM o")); // the outcome is reported all the same
    CHECK(failed.params.size() == 2);

    // Without an id column the run's id is NULL, and there is no row to delete by id.
    columns.id = "";
    CHECK(contains(governed_run(d, tokens("a"), "op").text, "RETURNING NULL::bigint AS id"));
    failed = must(iucore::render_failed_run_log(d, binding, args, "op", "boom"));
    CHECK(contains(failed.text, "RETURNING NULL::bigint AS id"));
    const auto deletion = iucore::render_delete_run(d, 1);
    REQUIRE_FALSE(deletion.has_value());
    CHECK(contains(deletion.error().message, "no id column"));

    // explain says once what a run cannot log.
    const auto p = must(iucore::explain(d, from_event, tokens("a")));
    CHECK(p.not_logged.size() == 6);
    CHECK(p.not_logged.front() == "run log: no id column; id not logged");
}

TEST_CASE("the actor: an empty one is the session's current_user, never an argument") {
    const auto d = example_definition();
    const auto run = governed_run(d, tokens("a"), "");
    CHECK(contains(run.text, "coalesce($5::text, current_user)"));
    CHECK_FALSE(run.params[4].has_value()); // NULL, not the actor= argument's "operator"
    CHECK(run.text == governed_run(d, tokens("a"), "someone").text);
}

TEST_CASE("a mapped catalog: its own names, only the mapped columns, extra columns untouched") {
    auto d = example_definition();
    d.schema.catalog.table = "public.ops_catalog";
    auto& c = d.schema.catalog.columns;
    c.command_name = "cmd_name";
    c.category = "kind";
    c.mutating = "writes";
    c.reversible = "undoable";
    c.target_functions = "targets";
    CHECK(iucore::catalog_key_column(d) == "cmd_name");
    const auto rows = must(iucore::render_catalog_rows(d));
    CHECK(rows.text == "SELECT cmd_name AS command_name, kind AS category, writes AS mutating, "
                       "undoable AS reversible, array_to_json(targets)::text AS target_functions "
                       "FROM public.ops_catalog ORDER BY cmd_name");
    const auto forward = must(iucore::render_forward(d, "034")).text();
    CHECK(contains(forward, "INSERT INTO public.ops_catalog (cmd_name, kind, writes, undoable, "
                            "targets)\nVALUES"));
    CHECK(contains(forward, "ON CONFLICT (cmd_name) DO NOTHING;"));
    CHECK(contains(forward, "unnest(c.targets)"));
    const auto rollback = must(iucore::render_rollback(d, "034")).text();
    CHECK(contains(rollback, "DELETE FROM public.ops_catalog WHERE cmd_name = ANY"));
    CHECK(contains(rollback, "c.cmd_name = ANY"));
    for (const auto& text : {forward, rollback}) {
        CHECK_FALSE(contains(text, "(command_name"));
        CHECK_FALSE(contains(text, "c.command_name"));
        CHECK_FALSE(contains(text, "target_functions)"));
    }
    const auto run = governed_run(d, tokens("a"), "op");
    CHECK(contains(run.text, "FROM public.ops_catalog c WHERE c.cmd_name = $1 FOR KEY SHARE"));
}

TEST_CASE("apply's two round trips: the lock, the ledger, its row and the end") {
    auto d = example_definition();
    const auto opening = must(iucore::render_apply_opening(d, "034"));
    CHECK(opening.starts_with("BEGIN;\nSET LOCAL jit = off;\nSELECT pg_advisory_xact_lock(" +
                              iucore::advisory_lock_key(d) + ");\n"));
    CHECK(contains(opening, "CREATE TABLE IF NOT EXISTS public.iucore_migration_ledger"));
    // Under the lock, before the ledger's rows: the catalog 034 starts from.
    const auto start = must(iucore::render_start_check(d, "034"));
    CHECK(opening.find(start) > opening.find("pg_advisory_xact_lock"));
    CHECK(opening.find(start) < opening.rfind("FROM public.iucore_migration_ledger"));
    CHECK(opening.ends_with("FROM public.iucore_migration_ledger ORDER BY \"position\";"));

    const auto forward = must(iucore::render_forward(d, "034"));
    const auto expected = must(iucore::expected_ledger(d));
    const auto& entry = expected.front();
    const auto closing = must(iucore::render_apply_closing(d, forward, entry, "", false));
    CHECK(closing.starts_with(forward.body()));
    CHECK(closing.ends_with("COMMIT;"));
    CHECK(contains(closing, "INSERT INTO public.iucore_migration_ledger (migration_id"));
    CHECK(contains(closing, "'" + entry.checksum + "'"));
    CHECK(contains(closing, "'" + entry.chain_hash + "'"));
    CHECK(contains(closing, ", current_user, "));
    const auto dry = must(iucore::render_apply_closing(d, forward, entry, "o'brien\\x", true));
    CHECK(dry.ends_with("ROLLBACK;"));
    CHECK(contains(dry, "E'o''brien\\\\x'"));
    CHECK_FALSE(
        iucore::render_apply_closing(d, forward, entry, std::string("a\0b", 3), false).has_value());

    const auto rollback = must(iucore::render_rollback(d, "034"));
    const auto transaction = must(iucore::render_rollback_transaction(d, rollback));
    CHECK(transaction.starts_with(opening.substr(0, opening.find("CREATE"))));
    CHECK(transaction.ends_with(rollback.body() + "COMMIT;"));
}

TEST_CASE("the advisory lock key is stable per ledger table") {
    auto d = example_definition();
    const auto key = iucore::advisory_lock_key(d);
    CHECK(key == iucore::advisory_lock_key(example_definition()));
    CHECK(key.find_first_not_of("0123456789") == std::string::npos);
    d.schema.ledger.table = "other.ledger";
    CHECK(iucore::advisory_lock_key(d) != key);
}

TEST_CASE("introspection: surface counts, signature lookup, table presence, verification") {
    auto d = example_definition();
    const auto surface = must(iucore::render_surface_counts(d));
    CHECK(surface.text.starts_with("SELECT "));
    CHECK(surface.params.at(0) == std::string("{\"public\"}"));
    for (auto kind : iucore::all_surface_kinds)
        CHECK(contains(surface.text, " AS " + std::string(iucore::name(kind))));
    // iucore's ledger is never counted as a table of the surface.
    CHECK(contains(surface.text, "IS DISTINCT FROM to_regclass($"));
    CHECK(std::find(surface.params.begin(), surface.params.end(),
                    std::optional<std::string>("public.iucore_migration_ledger")) !=
          surface.params.end());
    // A kind without a rule is not counted.
    d.schema.surface.kinds.erase(iucore::surface_kind::trigger);
    CHECK(contains(must(iucore::render_surface_counts(d)).text, "0::bigint AS trigger"));

    const auto lookup = iucore::render_signature_lookup(example_definition(), "fn_x'y");
    CHECK(lookup.params.at(0) == std::string("public"));
    CHECK(lookup.params.at(1) == std::string("fn_x'y"));
    CHECK_FALSE(contains(lookup.text, "fn_x"));

    const auto present = must(iucore::render_table_exists("Desk.ops"));
    CHECK(present.text == "SELECT to_regclass($1) IS NOT NULL AS present");
    CHECK(present.params.at(0) == std::string("\"Desk\".ops")); // the case kept, not folded

    const auto checks = must(iucore::render_version_checks(example_definition(), "034"));
    const auto own = iucore::render_verification(checks, true);
    CHECK(own.starts_with("BEGIN READ ONLY;"));
    CHECK(own.ends_with(";\nCOMMIT;"));
    const auto inside = iucore::render_verification(checks, false);
    CHECK(inside.starts_with("SELECT "));
    CHECK(contains(own, inside));
}

TEST_CASE("text arrays as parameters quote every element") {
    CHECK(iucore::text_array_parameter({}) == "{}");
    CHECK(iucore::text_array_parameter({"a", "b,c", "d\"e", "f\\g"}) ==
          R"({"a","b,c","d\"e","f\\g"})");
}

TEST_CASE("explain's call: named notation with parameters, and as a statement") {
    const auto d = example_definition();
    const auto binding = must(iucore::bind_command(d, from_event));
    const auto args = must(iucore::parse_arguments(binding, tokens("z")));
    const auto call = must(iucore::render_call(d, binding, args));
    CHECK(call.call.starts_with("public.fn_iu_auto_instantiate_from_event(event_id => $1::uuid"));
    CHECK(call.select() == "SELECT " + call.call);
    CHECK(call.params.size() == 7);
}
