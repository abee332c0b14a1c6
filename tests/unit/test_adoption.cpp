// Adopting an existing database, without a server: init's schema from introspected columns and
// its command prefix; the ledger's checksum scope; baseline's and repair's plans; status's
// applied (unrecorded).

#include <iucore/init.hpp>
#include <iucore/ledger_plan.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <string>
#include <vector>

using iucore::errc;
using iucore::init_options;
using iucore::init_tables;
using iucore::ledger_entry;
using iucore::migration_state;
using iucore::table_column;

namespace {

using iucore_test::failure_code;
using iucore_test::must;

table_column text(std::string name) {
    return {std::move(name), "text", false, false};
}
table_column flag(std::string name) {
    return {std::move(name), "boolean", false, true};
}
table_column list(std::string name) {
    return {std::move(name), "text[]", true, false};
}

/// A catalog, run log and config table named differently from iucore's defaults.
init_tables desk_tables(bool with_configs) {
    init_tables t;
    t.catalog = std::vector{table_column{"entry_id", "integer", false, false},
                            text("name"),
                            text("area"),
                            flag("changes_data"),
                            flag("can_undo"),
                            list("calls")};
    t.run_log =
        std::vector{table_column{"log_id", "bigint", false, false}, text("name"), text("who"),
                    table_column{"ran_at", "timestamp with time zone", false, false}};
    if (with_configs)
        t.configs = std::vector{text("config_key"), text("config_value"), text("value_type")};
    return t;
}

init_options desk_options() {
    init_options o;
    o.as_version = "100";
    o.catalog_table = "desk.operator_command";
    o.run_log_table = "desk.operator_log";
    o.columns = {{"catalog.command_name", "name"},
                 {"catalog.category", "area"},
                 {"catalog.mutating", "changes_data"},
                 {"catalog.reversible", "can_undo"},
                 {"catalog.target_functions", "calls"},
                 {"run_log.id", "log_id"},
                 {"run_log.actor", "who"},
                 {"run_log.started_at", "ran_at"}};
    return o;
}

std::vector<ledger_entry> recorded(std::vector<ledger_entry> entries) {
    for (auto& e : entries)
        e.applied_by = "tester";
    return entries;
}

} // namespace

TEST_CASE("init's schema: mapped columns, the run log's optional ones, no config table") {
    std::vector<std::string> notes;
    const auto s = must(iucore::init_schema(desk_options(), desk_tables(false), notes));
    CHECK(s.catalog.table == "desk.operator_command");
    CHECK(s.catalog.columns.category == "area");
    CHECK(s.catalog.columns.target_functions == "calls");
    CHECK(s.run_log.command_column == "name"); // found as the catalog's command column
    CHECK(s.run_log.columns.actor == "who");
    CHECK(s.run_log.columns.args.empty());
    CHECK(s.run_log.columns.outcome.empty());
    CHECK_FALSE(s.configs.exists());
    CHECK(s.ledger.table == "desk.iucore_migration_ledger");
    CHECK(s.surface.schemas == std::vector<std::string>{"desk"});
    CHECK(s.surface.kinds.size() == 4); // table, view, function, trigger; no registry
    const auto said = [&](std::string_view needle) {
        for (const auto& n : notes)
            if (n.find(needle) != std::string::npos) return true;
        return false;
    };
    CHECK(said("run log: no args column; args not logged"));
    CHECK(said("no config table public.iu_core_config"));
    CHECK_FALSE(said("no actor column"));

    notes.clear();
    const auto with = must(iucore::init_schema(desk_options(), desk_tables(true), notes));
    CHECK(with.configs.exists());
    CHECK(with.surface.kinds.at(iucore::surface_kind::config).registry == "public.iu_core_config");
}

TEST_CASE("init's schema: what is missing or mistyped is named, with the table's columns") {
    std::vector<std::string> notes;
    auto unmapped = desk_options();
    unmapped.columns.erase("catalog.category");
    auto r = iucore::init_schema(unmapped, desk_tables(false), notes);
    CHECK(failure_code(r) == errc::invalid_argument);
    CHECK(r.error().message.find("has no column named \"category\"; map it with --column "
                                 "catalog.category=COLUMN; its columns: entry_id integer") !=
          std::string::npos);

    auto mistyped = desk_options();
    mistyped.columns["catalog.mutating"] = "area";
    r = iucore::init_schema(mistyped, desk_tables(false), notes);
    CHECK(failure_code(r) == errc::invalid_argument);
    CHECK(r.error().message.find("area is text; iucore's mutating needs a boolean") !=
          std::string::npos);

    auto wrong_name = desk_options();
    wrong_name.columns["run_log.actor"] = "operator";
    r = iucore::init_schema(wrong_name, desk_tables(false), notes);
    CHECK(r.error().message.find("has no column \"operator\" (--column run_log.actor=operator)") !=
          std::string::npos);

    auto no_run_log = desk_tables(false);
    no_run_log.run_log.reset();
    r = iucore::init_schema(desk_options(), no_run_log, notes);
    CHECK(r.error().message.find("the run log table desk.operator_log does not exist") !=
          std::string::npos);
}

TEST_CASE("init's options: checked before connecting") {
    auto o = desk_options();
    CHECK(iucore::check_init_options(o).has_value());
    o.as_version = "";
    CHECK(failure_code(iucore::check_init_options(o)) == errc::invalid_argument);
    o.as_version = "1 0";
    CHECK(failure_code(iucore::check_init_options(o)) == errc::invalid_argument);
    o = desk_options();
    o.columns["catalog.kind"] = "area";
    CHECK(iucore::check_init_options(o).error().message.find("catalog.category") !=
          std::string::npos);
    o = desk_options();
    o.catalog_table = "a.b.c";
    CHECK(failure_code(iucore::check_init_options(o)) == errc::invalid_argument);
}

TEST_CASE("init's command prefix: dot_iu_ when all share it, else the first word") {
    using iucore::derive_command_prefix;
    CHECK(derive_command_prefix({"dot_iu_a_list", "dot_iu_b_get"}) == "dot_iu_");
    CHECK(derive_command_prefix({"desk_ticket_show", "desk_queue_stats"}) == "desk_");
    CHECK(derive_command_prefix({"desk_ticket_show", "ops_queue"}).empty());
    CHECK(derive_command_prefix({"nounderscore"}).empty());
    CHECK(derive_command_prefix({"desk_"}).empty()); // the prefix must leave a name after it
    CHECK(derive_command_prefix({}).empty());
}

TEST_CASE("the ledger's checksum: the migration's statements, not the definition's name") {
    auto d = iucore_test::example_definition();
    const auto before = must(iucore::expected_ledger(d));
    d.name = "another project";
    CHECK(must(iucore::expected_ledger(d)) == before);
    d.migrations.front().adds.front().category = "lifecycle";
    CHECK(must(iucore::expected_ledger(d)).front().checksum != before.front().checksum);
}

TEST_CASE("baseline's plan: the unrecorded migrations up to the one named") {
    const auto d = iucore_test::example_definition();
    const auto id = d.migrations.front().id;
    const auto expected = must(iucore::expected_ledger(d));
    CHECK(must(iucore::plan_baseline(id, expected, {})) == expected);
    CHECK(must(iucore::plan_baseline(id, expected, recorded(expected))).empty());
    auto drifted = recorded(expected);
    drifted.front().checksum = "0000";
    CHECK(failure_code(iucore::plan_baseline(id, expected, drifted)) == errc::drift);
    CHECK(failure_code(iucore::plan_baseline("999", expected, {})) == errc::invalid_argument);
}

TEST_CASE("repair's plan: the drifted row, refused when unrecorded") {
    const auto d = iucore_test::example_definition();
    const auto id = d.migrations.front().id;
    const auto expected = must(iucore::expected_ledger(d));
    CHECK(failure_code(iucore::plan_repair(id, expected, {})) == errc::refused);
    CHECK(must(iucore::plan_repair(id, expected, recorded(expected))).empty());
    auto drifted = recorded(expected);
    drifted.front().checksum = "0000";
    const auto plan = must(iucore::plan_repair(id, expected, drifted));
    REQUIRE(plan.size() == 1);
    CHECK(plan.front() == expected.front());
    CHECK(iucore::latest_recorded_version(d, drifted) == id);
    CHECK(iucore::latest_recorded_version(d, {}) == d.base.version);
}

TEST_CASE("status: a pending migration whose rows are live as defined is applied (unrecorded)") {
    const auto d = iucore_test::example_definition();
    const auto id = d.migrations.front().id;
    const auto pending = iucore::compare_ledger(must(iucore::expected_ledger(d)), {});
    auto statuses = pending;
    iucore::mark_unrecorded(statuses, d, must(d.catalog_at(id)));
    CHECK(statuses.front().state == migration_state::unrecorded);
    CHECK(name(statuses.front().state) == "applied (unrecorded)");

    statuses = pending;
    iucore::mark_unrecorded(statuses, d, must(d.catalog_at(d.base.version)));
    CHECK(statuses.front().state == migration_state::pending);

    auto changed = must(d.catalog_at(id)).rows(); // one of its rows differs live
    for (auto& row : changed)
        if (row.command_name == d.migrations.front().adds.front().command_name)
            row.reversible = !row.reversible;
    statuses = pending;
    iucore::mark_unrecorded(statuses, d, iucore::catalog(changed));
    CHECK(statuses.front().state == migration_state::pending);
}

TEST_CASE("init --gate words: CONFIG=MODE[,MODE][:COMMAND,…], refused naming the form") {
    const auto g = must(iucore::parse_init_gate("iu_core.composer_enabled=dry_run,live:a,b,a"));
    CHECK(g.config == "iu_core.composer_enabled");
    CHECK(g.modes == std::vector{iucore::mode::dry_run, iucore::mode::live});
    CHECK(g.commands == std::vector<std::string>{"a", "b"}); // each once
    CHECK(must(iucore::parse_init_gate("k=live,live")).modes == std::vector{iucore::mode::live});
    CHECK(must(iucore::parse_init_gate("k=live")).commands.empty());
    for (const auto* bad :
         {"k", "=live", "k=", "k=sometimes", "k=live:", "k=live:a,,b", "k=live,"}) {
        const auto parsed = iucore::parse_init_gate(bad);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(failure_code(parsed) == errc::invalid_argument);
        CHECK(iucore_test::contains(parsed.error().message, "CONFIG=MODE"));
    }
}

TEST_CASE("init gates: a boolean config, the catalog's commands; none named: every command") {
    const auto d = iucore_test::example_definition();
    std::string boolean_config, other_config;
    for (const auto& c : d.configs.entries())
        (c.type == "boolean" ? boolean_config : other_config) = c.key;
    REQUIRE(!boolean_config.empty());
    REQUIRE(!other_config.empty());
    const auto first = d.base.rows.rows().front().command_name;

    const auto every =
        must(iucore::init_gates({must(iucore::parse_init_gate(boolean_config + "=live"))}, d));
    REQUIRE(every.gates().size() == 1);
    CHECK(every.gates().front().commands.size() == d.base.rows.size());
    CHECK(every.evaluate(first, iucore::mode::live, d.configs).evaluations.size() == 1);
    CHECK(every.evaluate(first, iucore::mode::dry_run, d.configs).evaluations.empty());

    const auto one = must(iucore::init_gates(
        {must(iucore::parse_init_gate(boolean_config + "=dry_run:" + first))}, d));
    CHECK(one.gates().front().commands == std::vector{first});

    const auto refused = [&](const std::string& word, const std::string& needle) {
        const auto gates = iucore::init_gates({must(iucore::parse_init_gate(word))}, d);
        REQUIRE_FALSE(gates.has_value());
        CHECK(failure_code(gates) == errc::invalid_argument);
        CHECK_MESSAGE(iucore_test::contains(gates.error().message, needle), gates.error().message);
    };
    refused("no.such=live", "no such config; the boolean configs: ");
    refused(other_config + "=live", "not boolean");
    refused(boolean_config + "=live:no_such_command", "\"no_such_command\" is not a command");
    auto without_configs = d;
    without_configs.schema.configs.table.clear();
    const auto gates = iucore::init_gates({must(iucore::parse_init_gate(boolean_config + "=live"))},
                                          without_configs);
    REQUIRE_FALSE(gates.has_value());
    CHECK(iucore_test::contains(gates.error().message, "no config table"));
}
