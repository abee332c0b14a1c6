// The core's decisions, without a server: apply's plan from the ledger, promote, snapshot's
// fold, each report's verdict, and the run log's actor rule.

#include <iucore/actor.hpp>
#include <iucore/apply_plan.hpp>
#include <iucore/promote.hpp>
#include <iucore/reports.hpp>
#include <iucore/snapshot.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <optional>
#include <string>
#include <vector>

using iucore::apply_step;
using iucore::definition;
using iucore::errc;
using iucore::ledger_entry;

namespace {

using iucore_test::example_definition;
using iucore_test::failure_code;
using iucore_test::must;

iucore::signature new_function() {
    iucore::signature sig;
    sig.name = "fn_iu_widget_count";
    sig.parameters = {{"collection_id", iucore::pg_type::uuid, false}};
    sig.returns = iucore::pg_type::jsonb;
    return sig;
}

iucore::promote_options widget_options() {
    iucore::promote_options o;
    o.function = "fn_iu_widget_count";
    o.command = "dot_iu_widget_count";
    o.category = "inspect";
    return o;
}

/// The ledger as the database would hold it after applying every expected entry.
std::vector<ledger_entry> applied(std::vector<ledger_entry> entries) {
    for (auto& e : entries) {
        e.applied_by = "tester";
        e.applied_at = "2026-01-01 00:00:00+00";
    }
    return entries;
}

} // namespace

TEST_CASE("apply's plan: run, already applied, drift, a missing requirement") {
    const auto d = example_definition();
    const auto expected = must(iucore::expected_ledger(d));

    const auto fresh = must(iucore::plan_apply(d, "034", expected, {}));
    CHECK(fresh.step == apply_step::run);
    CHECK(fresh.entry == expected.front());

    const auto again = must(iucore::plan_apply(d, "034", expected, applied(expected)));
    CHECK(again.step == apply_step::already_applied);
    CHECK(again.message.find("already applied (at 2026-01-01") != std::string::npos);
    CHECK(again.message.find("by tester") != std::string::npos);

    auto edited = applied(expected);
    edited.front().checksum = std::string(64, '0');
    const auto drifted = must(iucore::plan_apply(d, "034", expected, edited));
    CHECK(drifted.step == apply_step::drift);
    CHECK(drifted.message.find("migration 034 drifted") != std::string::npos);

    // 035 (promoted) requires 034: refused while 034 is pending, run once it is applied; a
    // drifted 034 stops 035 too.
    const auto promoted = must(iucore::promote(d, widget_options(), new_function()));
    const auto chain = must(iucore::expected_ledger(promoted));
    CHECK(failure_code(iucore::plan_apply(promoted, "035", chain, {})) == errc::refused);
    auto with_034 = applied({chain.front()});
    CHECK(must(iucore::plan_apply(promoted, "035", chain, with_034)).step == apply_step::run);
    with_034.front().chain_hash = "x";
    CHECK(must(iucore::plan_apply(promoted, "035", chain, with_034)).step == apply_step::drift);
    CHECK(failure_code(iucore::plan_apply(d, "999", expected, {})) == errc::invalid_argument);

    // A live catalog that is not the one 034 starts from refuses it, with the start check's
    // words; an applied or drifted 034 is decided by its ledger row first.
    const iucore::start_state differs{3, "REFUSED: migration 034 starts from the catalog at 033"};
    const auto refused = iucore::plan_apply(d, "034", expected, {}, differs);
    CHECK(failure_code(refused) == errc::refused);
    CHECK(refused.error().message == differs.refusal);
    CHECK(must(iucore::plan_apply(d, "034", expected, applied(expected), differs)).step ==
          apply_step::already_applied);
    CHECK(must(iucore::plan_apply(d, "034", expected, edited, differs)).step == apply_step::drift);
    CHECK(must(iucore::plan_apply(d, "034", expected, {}, {0, ""})).step == apply_step::run);
}

TEST_CASE("promote: the next migration, its row, requirement, signature and registry entry") {
    const auto d = example_definition();
    CHECK(iucore::next_migration_id(d) == "035");
    const auto out = must(iucore::promote(d, widget_options(), new_function()));
    REQUIRE(out.migrations.size() == d.migrations.size() + 1);
    const auto& m = out.migrations.back();
    CHECK(m.id == "035");
    CHECK(m.slug == "promote_widget_count");
    CHECK(m.requires_migrations == std::vector<std::string>{"034"});
    REQUIRE(m.requires_functions.size() == 1);
    CHECK(m.requires_functions.front() == new_function());
    REQUIRE(m.adds.size() == 1);
    CHECK(m.adds.front().command_name == "dot_iu_widget_count");
    CHECK(m.adds.front().target_functions == std::vector<std::string>{"fn_iu_widget_count"});
    CHECK(out.find_signature("fn_iu_widget_count") != nullptr);
    REQUIRE(out.find_entry("dot_iu_widget_count") != nullptr);
    CHECK(out.find_entry("dot_iu_widget_count")->function == "fn_iu_widget_count");
    CHECK(iucore::next_migration_id(out) == "036");

    auto governed = widget_options();
    governed.command = "dot_iu_auto_instantiate_from_event";
    CHECK(failure_code(iucore::promote(d, governed, new_function())) == errc::invalid_argument);
    auto unprefixed = widget_options();
    unprefixed.command = "widget_count";
    CHECK(failure_code(iucore::promote(d, unprefixed, new_function())) == errc::invalid_argument);
    unprefixed.command = "dot_iu_";
    CHECK(failure_code(iucore::promote(d, unprefixed, new_function())) == errc::invalid_argument);
    // A known function whose live signature differs is refused.
    auto changed = *d.find_signature("fn_iu_auto_instantiate_from_event");
    changed.parameters.pop_back();
    auto options = widget_options();
    options.function = changed.name;
    CHECK(failure_code(iucore::promote(d, options, changed)) == errc::invalid_argument);

    CHECK(iucore::check_promote(d, widget_options()).has_value());
    auto unknown_category = widget_options();
    unknown_category.category = "nope";
    const auto refused = iucore::check_promote(d, unknown_category);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.find("is not a category") != std::string::npos);
}

TEST_CASE("promote numbers the new migration after the latest numbered version, as wide") {
    auto d = example_definition();
    CHECK(iucore::next_migration_id(d) == "035");
    d.migrations.back().id = "0099";
    CHECK(iucore::next_migration_id(d) == "0100");
    d.migrations.back().id = "999";
    CHECK(iucore::next_migration_id(d) == "1000");

    // A snapshot baseline (not a number) whose only migration is 033: 034, never 00000001.
    auto snapshot = example_definition();
    snapshot.base.version = "snapshot";
    snapshot.migrations.back().id = "033";
    snapshot.migrations.back().requires_migrations = {"snapshot"};
    for (auto& e : snapshot.registry)
        if (e.since) e.since = "033";
    snapshot.pins.clear(); // they name version 034
    const auto valid = snapshot.validate();
    REQUIRE_MESSAGE(valid.has_value(), (valid ? std::string() : valid.error().message));
    CHECK(iucore::next_migration_id(snapshot) == "034");
    const auto promoted = must(iucore::promote(snapshot, widget_options(), new_function()));
    CHECK(promoted.latest_version() == "034");
    CHECK(promoted.migrations.back().requires_migrations == std::vector<std::string>{"033"});
    // Nothing numbered at all: the first of three digits.
    snapshot.migrations.clear();
    CHECK(iucore::next_migration_id(snapshot) == "001");
}

TEST_CASE("promote --migration: two commands in one pending migration, its figures derived") {
    const auto d = example_definition();
    const auto first = must(iucore::promote(d, widget_options(), new_function()));
    auto second_sig = new_function();
    second_sig.name = "fn_iu_widget_reset";
    auto second = widget_options();
    second.function = second_sig.name;
    second.command = "dot_iu_widget_reset";
    second.mutating = true;
    second.migration = "035";
    CHECK(iucore::check_promote(first, second).has_value());
    const auto out = must(iucore::promote(first, second, second_sig));

    REQUIRE(out.migrations.size() == d.migrations.size() + 1); // one migration, two rows
    const auto& m = out.migrations.back();
    CHECK(m.id == "035");
    CHECK(m.added_commands() ==
          std::vector<std::string>{"dot_iu_widget_count", "dot_iu_widget_reset"});
    CHECK(m.requires_functions == std::vector<iucore::signature>{new_function(), second_sig});
    CHECK(out.find_entry("dot_iu_widget_reset")->since == std::optional<std::string>("035"));
    // Expectations and figures of 035 against 034, derived from the definitions.
    const auto e = must(out.expectations("035"));
    const auto at_034 = must(d.figures_at("034"));
    const auto at_035 = must(out.figures_at("035"));
    CHECK(e.rows_before == static_cast<std::size_t>(at_034.catalog_rows));
    CHECK(e.rows_added == m.adds.size());
    CHECK(e.rows_after == e.rows_before + m.adds.size());
    CHECK(e.new_rows == m.added_commands());
    CHECK(at_035.registry_entries == at_034.registry_entries + 2);
    CHECK(at_035.governed_commands == at_034.governed_commands + 2);
    // 034 itself is unchanged by either promote.
    CHECK(*out.find_migration("034") == *d.find_migration("034"));
    CHECK(must(out.figures_at("034")) == at_034);

    // The same function again, as another command: one requirement, two rows.
    auto again = widget_options();
    again.command = "dot_iu_widget_total";
    again.migration = "035";
    const auto twice = must(iucore::promote(out, again, new_function()));
    CHECK(twice.find_migration("035")->requires_functions.size() == 2);
    CHECK(twice.find_migration("035")->adds.size() == 3);

    // A migration the definition does not have: refused offline, naming it and the known ones.
    auto unknown = second;
    unknown.migration = "036";
    const auto refused = iucore::check_promote(first, unknown);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.find("\"036\"") != std::string::npos);
    CHECK(refused.error().message.find("034, 035") != std::string::npos);
    CHECK(failure_code(iucore::promote(first, unknown, second_sig)) == errc::invalid_argument);
}

TEST_CASE("promote --migration: the ledger decides whether the migration is still open") {
    const auto d = example_definition();
    const auto expected = must(iucore::expected_ledger(d));
    auto options = widget_options();
    options.migration = "034";
    // No ledger row: pending, open.
    CHECK(iucore::check_promote_ledger(options, iucore::compare_ledger(expected, {})).has_value());
    // Applied: refused, naming the migration, when and by whom.
    const auto refused =
        iucore::check_promote_ledger(options, iucore::compare_ledger(expected, applied(expected)));
    REQUIRE_FALSE(refused.has_value());
    CHECK(iucore::code_of(refused.error()) == errc::refused);
    CHECK(refused.error().message.find("migration 034 is already applied") != std::string::npos);
    CHECK(refused.error().message.find("by tester") != std::string::npos);
    // Drifted is recorded too: refused.
    auto edited = applied(expected);
    edited.front().checksum = std::string(64, '0');
    CHECK(failure_code(iucore::check_promote_ledger(
              options, iucore::compare_ledger(expected, edited))) == errc::refused);
    // Without --migration the ledger is not asked.
    CHECK(iucore::check_promote_ledger(widget_options(),
                                       iucore::compare_ledger(expected, applied(expected)))
              .has_value());
}

TEST_CASE("registry by version: an entry counts from the migration that registered it") {
    const auto d = example_definition();
    const auto before = must(d.figures_at(d.base.version));
    const auto after = must(d.figures_at(d.latest_version()));
    std::int64_t registered_before = 0;
    for (const auto& e : d.registry)
        registered_before += e.since ? 0 : 1;
    CHECK(before.registry_entries == registered_before);
    CHECK(after.registry_entries == static_cast<std::int64_t>(d.registry.size()));
    CHECK(after.registry_entries - before.registry_entries ==
          static_cast<std::int64_t>(d.find_migration("034")->adds.size()));
    // Without `since` an entry is the baseline's: the count does not move.
    auto unversioned = d;
    for (auto& e : unversioned.registry)
        e.since.reset();
    CHECK(must(unversioned.figures_at(d.base.version)).registry_entries == after.registry_entries);
    // A `since` that is not a version of the definition is refused, naming the entry.
    auto bad = d;
    bad.registry.back().since = "099";
    const auto invalid = bad.validate();
    REQUIRE_FALSE(invalid.has_value());
    CHECK(invalid.error().message.find(".since: \"099\"") != std::string::npos);
    // Registered after its catalog row is governed: refused, naming both versions.
    auto late = d;
    late.registry.front().since = "034";
    const auto governed_first = late.validate();
    REQUIRE_FALSE(governed_first.has_value());
    CHECK(governed_first.error().message.find("registered only at 034") != std::string::npos);
    late.registry.front().since = d.base.version; // the baseline, said explicitly
    CHECK(late.validate().has_value());
    // Promote registers its entry at its migration: 034's figures keep their registry.
    const auto promoted = must(iucore::promote(d, widget_options(), new_function()));
    CHECK(must(promoted.figures_at("034")).registry_entries == after.registry_entries);
    CHECK(must(promoted.figures_at("035")).registry_entries == after.registry_entries + 1);
}

TEST_CASE("snapshot's fold: live rows, surface and configs become a definition") {
    const auto d = example_definition();
    const auto rows = d.ssot();
    const auto functions = iucore::snapshot_functions(rows);
    CHECK(functions.size() == rows.distinct_targets());
    std::vector<iucore::signature> signatures;
    for (const auto& f : functions)
        signatures.push_back(*d.find_signature(f));
    const auto inventory = must(d.surface_at(d.latest_version()));
    const auto out = must(iucore::fold_snapshot(d, rows, inventory, d.configs, signatures));
    CHECK(out.name == d.name + " (snapshot)");
    CHECK(out.base.version == "snapshot");
    CHECK(out.latest_version() == "snapshot");
    CHECK(out.schema == d.schema);
    CHECK(out.base.rows.size() == rows.size());
    CHECK(out.registry.size() == rows.size());
    CHECK(out.signatures.size() == functions.size());
    for (const auto& row : rows.rows()) {
        REQUIRE(out.find_entry(row.command_name) != nullptr);
        CHECK(out.find_entry(row.command_name)->function == row.target_functions.front());
        CHECK(std::find(out.categories.begin(), out.categories.end(), row.category) !=
              out.categories.end());
    }
    // A signature the rows need but the snapshot did not read fails validation.
    signatures.pop_back();
    CHECK_FALSE(iucore::fold_snapshot(d, rows, inventory, d.configs, signatures).has_value());
}

TEST_CASE("each report carries its verdict") {
    iucore::status_report status;
    CHECK(status.ok());
    status.migrations.push_back({"034", iucore::migration_state::pending, "", "", "", "", ""});
    status.migrations.push_back({"x", iucore::migration_state::unknown, "", "", "", "", ""});
    CHECK(status.ok());
    status.migrations.push_back({"035", iucore::migration_state::drifted, "", "", "", "", ""});
    CHECK_FALSE(status.ok());

    iucore::diff_report diff;
    CHECK(diff.ok());
    diff.differences.missing.push_back({});
    CHECK_FALSE(diff.ok());

    iucore::surface_report surface;
    CHECK(surface.ok());
    surface.differences.push_back({});
    CHECK_FALSE(surface.ok());
    CHECK(boost::json::value_from(surface).at("ok") == false);

    iucore::apply_report applied;
    for (auto outcome : {iucore::apply_outcome::applied, iucore::apply_outcome::already_applied,
                         iucore::apply_outcome::would_apply}) {
        applied.outcome = outcome;
        CHECK(applied.ok());
    }
    applied.outcome = iucore::apply_outcome::drift;
    CHECK_FALSE(applied.ok());

    iucore::run_report run;
    for (auto outcome : {iucore::run_outcome::refused, iucore::run_outcome::error})
        CHECK_FALSE((run.outcome = outcome, run.ok()));
    run.outcome = iucore::run_outcome::ok;
    CHECK(run.ok());
}

TEST_CASE("the run log's actor: --actor, else $IUCORE_ACTOR, else the session's current_user") {
    using iucore::run_actor;
    CHECK(run_actor("cli", "env") == "cli");
    CHECK(run_actor("", "env") == "env");
    CHECK(run_actor("", "") == "");           // empty: the server logs current_user
    CHECK(run_actor("", std::nullopt) == ""); // unset: likewise
    CHECK(run_actor("cli", std::nullopt) == "cli");
}
