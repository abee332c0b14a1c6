// Integration tests: the migration lifecycle on a real PostgreSQL (the throwaway cluster of the
// CTest fixture `postgres`), through the C++ engine API. Every test case works in its own fresh
// database (test_database.hpp): the 033 substrate loaded, the baseline catalog seeded from the
// definition. The expected figures are the record's (reference/migration-034-record.md).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "test_database.hpp"

#include <iucore/engine/lifecycle.hpp>
#include <iucore/ledger.hpp>
#include <iucore/render.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <mutex>
#include <set>
#include <thread>

using namespace iucore;
using iucore::testing::must;
using iucore::testing::test_database;

namespace {

constexpr const char* from_event = "dot_iu_auto_instantiate_from_event";
constexpr const char* rollback_by_actor = "dot_iu_auto_instantiate_rollback_by_actor";
constexpr const char* rows_034 =
    "{dot_iu_auto_instantiate_from_event,dot_iu_auto_instantiate_rollback_by_actor}";

// Every figure below is taken from the definition (the record's own figures are pinned once,
// in examples/python/tests/test_record.py).
using iucore::testing::def;
using iucore::testing::e034;
std::int64_t rows_before_034() {
    return static_cast<std::int64_t>(e034().rows_before);
}
std::int64_t rows_after_034() {
    return static_cast<std::int64_t>(e034().rows_after);
}
std::string text(std::size_t n) {
    return std::to_string(n);
}

/// A database at the state 034 was applied to: the 033 substrate and the baseline rows.
void at_baseline(const test_database& db) {
    test_database::at_baseline(db, def());
}

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

/// The single value of a one-row, one-column query ("NULL" for NULL).
std::string scalar(session& s, const std::string& sql,
                   const std::vector<std::optional<std::string>>& params = {}) {
    auto rows = must(s.run_params(sql, params), sql);
    if (rows.rows.size() != 1 || rows.columns.size() != 1)
        throw std::runtime_error("expected one value from: " + sql);
    return rows.rows[0][0].value_or("NULL");
}

using iucore::testing::catalog_rows;
using iucore::testing::number;

/// How many of the two rows 034 adds are in the catalog.
std::int64_t rows_of_034(session& s) {
    return number(s,
                  "SELECT count(*) FROM public.dot_iu_command_catalog WHERE command_name = ANY "
                  "($1::text[])",
                  {rows_034});
}

std::int64_t runs_of_034(session& s) {
    return number(s,
                  "SELECT count(*) FROM public.dot_iu_command_run WHERE command_name = ANY "
                  "($1::text[])",
                  {rows_034});
}

bool ledger_exists(session& s) {
    return scalar(s, "SELECT to_regclass('public.iucore_migration_ledger') IS NOT NULL") == "t";
}

/// Ledger rows for `migration` (0 when the ledger table does not exist).
std::int64_t ledger_rows(session& s, const std::string& migration) {
    if (!ledger_exists(s)) return 0;
    return number(s, "SELECT count(*) FROM public.iucore_migration_ledger WHERE migration_id = $1",
                  {migration});
}

void insert_run(session& s, const std::string& command) {
    auto rows = must(s.run_params("INSERT INTO public.dot_iu_command_run (command_name, outcome) "
                                  "VALUES ($1, 'ok')",
                                  {command}),
                     "inserting a run of " + command);
    REQUIRE(rows.affected == 1);
}

const check_result& find_check(const std::vector<check_result>& checks, const std::string& name) {
    auto it = std::find_if(checks.begin(), checks.end(),
                           [&](const check_result& c) { return c.name == name; });
    if (it == checks.end()) throw std::runtime_error("no check named " + name + " in the report");
    return *it;
}

std::string column(const check_result& c, const std::string& name) {
    for (const auto& [column_name, value] : c.columns)
        if (column_name == name) return value;
    throw std::runtime_error("check " + c.name + " has no column " + name);
}

const migration_status& status_of(const status_report& r, const std::string& migration) {
    auto it = std::find_if(r.migrations.begin(), r.migrations.end(),
                           [&](const migration_status& m) { return m.migration_id == migration; });
    if (it == r.migrations.end()) throw std::runtime_error("status lists no " + migration);
    return *it;
}

/// The example definition with a 035 appended: one row targeting an existing function.
definition with_035() {
    definition d = def();
    migration m;
    m.id = "035";
    m.slug = "inspect_probe_registration";
    m.kind = migration_kind::data_only;
    m.requires_migrations = {"034"};
    catalog_row row;
    row.command_name = "dot_iu_inspect_probe_035";
    row.category = "inspect";
    row.mutating = false;
    row.reversible = false;
    row.target_functions = {"fn_iu_inspect_surface"};
    m.adds = {row};
    d.migrations.push_back(m);
    must(d.validate(), "the definition with 035");
    return d;
}

/// `d` with the category of 034's first row changed: still valid, but a different forward SQL.
definition with_034_edited(definition d) {
    REQUIRE(d.migrations.at(0).id == "034");
    REQUIRE(d.migrations.at(0).adds.at(0).command_name == from_event);
    d.migrations.at(0).adds.at(0).category = "event";
    must(d.validate(), "the definition with an edited 034");
    return d;
}

} // namespace

TEST_CASE("apply 034 reproduces the record's transcript") {
    test_database db("apply");
    at_baseline(db);
    auto s = db.connect();
    const int before = s.round_trips();
    const auto r = must(apply(s, def(), "034"), "apply 034");

    CHECK(r.migration == "034");
    CHECK(r.outcome == apply_outcome::applied);
    CHECK_FALSE(r.dry_run);
    CHECK(r.inserted == 2);
    CHECK(r.insert_status == "INSERT 0 2");
    CHECK(s.round_trips() - before <= 2);
    CHECK(r.round_trips <= 2);
    CHECK_FALSE(s.in_transaction());

    // The record's three verification result sets.
    CHECK(r.checks.size() == 3);
    const auto& catalog_check = find_check(r.checks, "034_catalog");
    CHECK(column(catalog_check, "catalog_rows") == text(e034().rows_after));
    CHECK(column(catalog_check, "expected_" + text(e034().rows_after)) == "t");
    CHECK(catalog_check.ok);
    const auto& targets = find_check(r.checks, "034_targets");
    CHECK(column(targets, "distinct_target_functions") == text(e034().distinct_targets_after));
    CHECK(column(targets, "all_resolvable") == "t");
    const auto& new_rows = find_check(r.checks, "034_new_rows");
    CHECK(column(new_rows, "rows_present") == rows_034);

    // The ledger records what the definition says 034's entry is.
    const auto expected = must(expected_ledger(def()), "expected ledger");
    CHECK(r.checksum == expected.at(0).checksum);
    CHECK(r.checksum_algorithm == "sha256");
    CHECK(r.chain_hash == expected.at(0).chain_hash);

    // Read back on a new connection: committed, every column as the record's table has it.
    auto reader = db.connect();
    CHECK(catalog_rows(reader) == rows_after_034());
    const auto rows =
        must(reader.run_params(
                 "SELECT command_name, category, mutating, reversible, target_functions "
                 "FROM public.dot_iu_command_catalog WHERE command_name = ANY ($1::text[]) "
                 "ORDER BY command_name",
                 {rows_034}),
             "reading the 034 rows");
    using row_text = std::vector<std::optional<std::string>>;
    REQUIRE(rows.rows.size() == 2);
    CHECK(rows.rows[0] ==
          row_text{from_event, "collection", "t", "t", "{fn_iu_auto_instantiate_from_event}"});
    CHECK(rows.rows[1] == row_text{rollback_by_actor, "lifecycle", "t", "t",
                                   "{fn_iu_auto_instantiate_rollback_by_actor}"});
    const auto ledger = must(reader.run_params("SELECT position, checksum, checksum_algorithm, "
                                               "chain_hash FROM public.iucore_migration_ledger "
                                               "WHERE migration_id = '034'",
                                               {}),
                             "reading the ledger");
    REQUIRE(ledger.rows.size() == 1);
    CHECK(ledger.text(0, "position") == "1");
    CHECK(ledger.text(0, "checksum") == r.checksum);
    CHECK(ledger.text(0, "checksum_algorithm") == "sha256");
    CHECK(ledger.text(0, "chain_hash") == r.chain_hash);
}

TEST_CASE("re-applying 034 and the latest seed change nothing") {
    test_database db("reapply");
    at_baseline(db);
    auto s = db.connect();
    REQUIRE(must(apply(s, def(), "034"), "apply 034").outcome == apply_outcome::applied);
    const auto before = must(read_catalog(s, def()), "read catalog");
    REQUIRE(before.size() == e034().rows_after);

    const auto again = must(apply(s, def(), "034"), "apply 034 again");
    CHECK(again.outcome == apply_outcome::already_applied);
    CHECK(again.inserted == 0);
    CHECK(contains(again.message, "already applied"));
    CHECK_FALSE(s.in_transaction());
    CHECK(must(read_catalog(s, def()), "read catalog") == before);
    CHECK(ledger_rows(s, "034") == 1);

    // The SSOT seed (latest version) re-applied as a no-op: INSERT 0 0, row for row.
    CHECK(db.seed(def(), "") == "INSERT 0 0");
    CHECK(db.seed(def(), "034") == "INSERT 0 0");
    CHECK(must(read_catalog(s, def()), "read catalog") == before);
}

TEST_CASE("apply --dry-run reports what it would do and leaves nothing behind") {
    test_database db("dryrun");
    at_baseline(db);
    auto s = db.connect();
    apply_options options;
    options.dry_run = true;
    const auto r = must(apply(s, def(), "034", options), "apply 034 --dry-run");
    CHECK(r.outcome == apply_outcome::would_apply);
    CHECK(r.dry_run);
    CHECK(r.inserted == 2);
    CHECK(r.insert_status == "INSERT 0 2");
    CHECK(column(find_check(r.checks, "034_catalog"), "catalog_rows") == text(e034().rows_after));
    CHECK_FALSE(s.in_transaction());

    auto reader = db.connect();
    CHECK(catalog_rows(reader) == rows_before_034());
    CHECK(rows_of_034(reader) == 0);
    CHECK(scalar(reader, "SELECT to_regclass('public.iucore_migration_ledger') IS NULL") == "t");

    // Nothing the dry run did makes the real apply think 034 is there already.
    CHECK(must(apply(s, def(), "034"), "apply 034").outcome == apply_outcome::applied);
    CHECK(catalog_rows(reader) == rows_after_034());
}

TEST_CASE("preflight: a missing 033 function fails 034 and nothing is half-applied") {
    std::string dropped;
    std::string present;
    SUBCASE("fn_iu_auto_instantiate_rollback_by_actor dropped") {
        dropped = "fn_iu_auto_instantiate_rollback_by_actor(text,boolean)";
        present = "fn_iu_auto_instantiate_from_event(uuid,text,uuid,text,text,text,text)";
    }
    SUBCASE("fn_iu_auto_instantiate_from_event dropped") {
        dropped = "fn_iu_auto_instantiate_from_event(uuid,text,uuid,text,text,text,text)";
        present = "fn_iu_auto_instantiate_rollback_by_actor(text,boolean)";
    }
    CAPTURE(dropped);
    test_database db("preflight");
    at_baseline(db);
    auto s = db.connect();
    must(s.run("DROP FUNCTION public." + dropped), "dropping " + dropped);

    const auto r = apply(s, def(), "034");
    REQUIRE_FALSE(r);
    // The preflight's own message, not a side error (a text[] || 'literal' once raised 22P02).
    CHECK(code_of(r.error()) == errc::check_failed);
    CAPTURE(r.error().message);
    CHECK(contains(r.error().message, "034 preflight: migration 033 substrate missing"));
    CHECK(contains(r.error().message, dropped));
    CHECK_FALSE(contains(r.error().message, present));
    CHECK_FALSE(s.in_transaction());

    auto reader = db.connect();
    CHECK(catalog_rows(reader) == rows_before_034());
    CHECK(rows_of_034(reader) == 0);
    CHECK(ledger_rows(reader, "034") == 0);
}

TEST_CASE("rollback 034: refused while a run references a row, then back to 033") {
    test_database db("rollback");
    at_baseline(db);
    auto s = db.connect();
    REQUIRE(must(apply(s, def(), "034"), "apply 034").outcome == apply_outcome::applied);
    insert_run(s, from_event);

    const auto refused = rollback(s, def(), "034");
    REQUIRE_FALSE(refused);
    CHECK(code_of(refused.error()) == errc::refused);
    CAPTURE(refused.error().message);
    CHECK(contains(refused.error().message, "REFUSED"));
    CHECK(contains(refused.error().message, std::string(from_event) + " (1 runs)"));
    CHECK_FALSE(contains(refused.error().message, rollback_by_actor));
    CHECK_FALSE(s.in_transaction());
    CHECK(catalog_rows(s) == rows_after_034());
    CHECK(rows_of_034(s) == 2);
    CHECK(ledger_rows(s, "034") == 1);

    // Without the run, the guarded delete goes through: 26 → 24, and the ledger forgets 034.
    must(s.run("DELETE FROM public.dot_iu_command_run"), "deleting the run");
    const auto r = must(rollback(s, def(), "034"), "rollback 034");
    CHECK(r.migration == "034");
    CHECK(r.back_to == "033");
    CHECK(r.deleted == 2);
    CHECK(column(find_check(r.checks, "034_rollback_catalog"), "catalog_rows") ==
          text(e034().rows_before));
    CHECK(catalog_rows(s) == rows_before_034());
    CHECK(ledger_rows(s, "034") == 0);
    CHECK(
        diff(must(def().catalog_at("033"), "catalog at 033"), must(read_catalog(s, def()), "read"))
            .empty());
    CHECK(status_of(must(status(s, def()), "status"), "034").state == migration_state::pending);
}

TEST_CASE("prove 034: apply, rollback, re-apply, each on its own connection") {
    test_database db("prove");
    at_baseline(db);
    const auto p = must(prove(db.conninfo(), def(), "034"), "prove 034");
    CHECK(p.migration == "034");
    CHECK(p.ok());
    REQUIRE(p.steps.size() == 3);
    const std::vector<std::string> names{"apply", "rollback", "re-apply"};
    const std::vector<std::int64_t> rows{rows_after_034(), rows_before_034(), rows_after_034()};
    std::set<int> pids;
    for (std::size_t i = 0; i < 3; ++i) {
        CAPTURE(i);
        CHECK(p.steps[i].step == names[i]);
        CHECK(p.steps[i].catalog_rows == rows[i]);
        CHECK(p.steps[i].expected_rows == rows[i]);
        CHECK(p.steps[i].ok);
        CHECK(p.steps[i].backend_pid != 0);
        pids.insert(p.steps[i].backend_pid);
    }
    CHECK(pids.size() == 3);
    CHECK(p.steps[0].outcome == "applied");
    CHECK(p.steps[2].outcome == "applied");

    auto s = db.connect();
    CHECK(catalog_rows(s) == rows_after_034());
    CHECK(ledger_rows(s, "034") == 1);

    // With a run referencing a 034 row, the rollback step would be refused: prove does not start.
    insert_run(s, from_event);
    const auto refused = prove(db.conninfo(), def(), "034");
    REQUIRE_FALSE(refused);
    CHECK(code_of(refused.error()) == errc::refused);
    CAPTURE(refused.error().message);
    CHECK(contains(refused.error().message, "REFUSED"));
    CHECK(contains(refused.error().message, "(1 runs)"));
    CHECK(catalog_rows(s) == rows_after_034());
    CHECK(ledger_rows(s, "034") == 1);
}

TEST_CASE("verify: 034 holds when applied; after rollback 033 holds and 034 names its failures") {
    test_database db("verify");
    at_baseline(db);
    auto s = db.connect();
    REQUIRE(must(apply(s, def(), "034"), "apply 034").outcome == apply_outcome::applied);
    const auto applied = must(verify(s, def(), "034"), "verify 034");
    CHECK(applied.ok());
    CHECK(applied.checks.size() == 3);

    REQUIRE(must(rollback(s, def(), "034"), "rollback 034").deleted == 2);
    const auto at_033 = must(verify(s, def(), "033"), "verify 033");
    CHECK(at_033.version == "033");
    CHECK(at_033.ok());
    for (const auto& c : at_033.checks) {
        CAPTURE(c.name);
        CHECK(c.ok);
        CHECK(c.name.starts_with("033_"));
    }
    CHECK(find_check(at_033.checks, "033_catalog").actual ==
          text(e034().rows_before) + " catalog rows");

    const auto at_034 = must(verify(s, def(), "034"), "verify 034 after rollback");
    CHECK_FALSE(at_034.ok());
    const auto& rows = find_check(at_034.checks, "034_catalog");
    CHECK_FALSE(rows.ok);
    CHECK(contains(rows.expected, text(e034().rows_after)));
    CHECK(contains(rows.actual, text(e034().rows_before)));
    const auto& targets = find_check(at_034.checks, "034_targets");
    CHECK_FALSE(targets.ok);
    CHECK(contains(targets.expected, text(e034().distinct_targets_after)));
    CHECK(contains(targets.actual, text(e034().distinct_targets_before)));
    const auto& matching = find_check(at_034.checks, "034_rows_match");
    CHECK_FALSE(matching.ok);
    CHECK(contains(matching.expected, text(e034().rows_after)));
    CHECK(contains(matching.actual, text(e034().rows_before)));

    // The default version is the latest.
    CHECK(must(verify(s, def()), "verify").version == "034");
    CHECK_FALSE(must(verify(s, def()), "verify").ok());
}

TEST_CASE("verify: its own read-only transaction when none is open; the caller's otherwise") {
    test_database db("verify_transaction");
    at_baseline(db);
    auto s = db.connect();
    REQUIRE(must(apply(s, def(), "034"), "apply 034").outcome == apply_outcome::applied);
    const auto setting = [&](const std::string& name) {
        return must(s.run_params("SELECT current_setting($1) AS value", {name}), name)
            .text(0, "value");
    };
    const auto jit = setting("jit"), workers = setting("max_parallel_workers_per_gather"),
               work_mem = setting("work_mem");
    REQUIRE(workers != "0");
    REQUIRE(work_mem != "64MB");

    // Outside a transaction: one round trip, and nothing left open or changed.
    const int before = s.round_trips();
    CHECK(must(verify(s, def(), "034"), "verify 034").ok());
    CHECK(s.round_trips() - before == 1);
    CHECK_FALSE(s.in_transaction());
    CHECK(setting("jit") == jit);
    CHECK(setting("max_parallel_workers_per_gather") == workers);
    CHECK(setting("work_mem") == work_mem);

    // Inside the caller's transaction: it stays open, its settings untouched, and it sees the
    // caller's uncommitted change.
    must(s.run("BEGIN"), "BEGIN");
    must(s.run_params("DELETE FROM public.dot_iu_command_catalog WHERE command_name = $1",
                      {std::string("dot_iu_auto_instantiate_from_event")}),
         "deleting a row inside the transaction");
    const auto inside = must(verify(s, def(), "034"), "verify 034 inside a transaction");
    CHECK_FALSE(inside.ok());
    CHECK(s.in_transaction());
    CHECK(setting("max_parallel_workers_per_gather") == workers);
    CHECK(setting("jit") == jit);
    CHECK(setting("work_mem") == work_mem);
    must(s.run("ROLLBACK"), "ROLLBACK");
    CHECK(must(verify(s, def(), "034"), "verify 034 after the rollback").ok());

    // A check statement that fails leaves no transaction open: the catalog table gone.
    must(s.run("ALTER TABLE public.dot_iu_command_catalog RENAME TO catalog_elsewhere"), "rename");
    const auto failed = verify(s, def(), "034");
    REQUIRE_FALSE(failed);
    CHECK(code_of(failed.error()) == errc::database);
    CHECK_FALSE(s.in_transaction());
    must(s.run("ALTER TABLE public.catalog_elsewhere RENAME TO dot_iu_command_catalog"), "rename");
    CHECK(must(verify(s, def(), "034"), "verify 034 with the table back").ok());
}

TEST_CASE("diff: the live catalog against the SSOT, row by row") {
    test_database db("diff");
    at_baseline(db);
    auto s = db.connect();
    REQUIRE(must(apply(s, def(), "034"), "apply 034").outcome == apply_outcome::applied);
    const auto clean = must(diff_live(s, def()), "diff");
    CHECK(clean.version == "034");
    CHECK(clean.expected_rows == rows_after_034());
    CHECK(clean.live_rows == rows_after_034());
    CHECK(clean.differences.empty());

    const auto fixture = std::find_if(def().base.rows.rows().begin(), def().base.rows.rows().end(),
                                      [](const catalog_row& r) { return r.fixture; });
    REQUIRE(fixture != def().base.rows.rows().end());
    const std::string removed = fixture->command_name;
    must(s.run_params("UPDATE public.dot_iu_command_catalog SET category = 'lifecycle' WHERE "
                      "command_name = $1",
                      {from_event}),
         "update");
    must(s.run_params("DELETE FROM public.dot_iu_command_catalog WHERE command_name = $1",
                      {removed}),
         "delete");
    must(s.run("INSERT INTO public.dot_iu_command_catalog VALUES ('dot_iu_extra_probe', 'inspect', "
               "false, false, ARRAY['fn_iu_inspect_surface'])"),
         "insert");

    const auto d = must(diff_live(s, def()), "diff");
    CHECK(d.expected_rows == rows_after_034());
    CHECK(d.live_rows == rows_after_034());
    CHECK(d.differences.missing == std::vector<std::string>{removed});
    CHECK(d.differences.extra == std::vector<std::string>{"dot_iu_extra_probe"});
    REQUIRE(d.differences.changed.size() == 1);
    CHECK(d.differences.changed[0].command_name == from_event);
    REQUIRE(d.differences.changed[0].columns.size() == 1);
    CHECK(d.differences.changed[0].columns[0].column == "category");
    CHECK(d.differences.changed[0].columns[0].expected == "collection");
    CHECK(d.differences.changed[0].columns[0].actual == "lifecycle");
}

TEST_CASE("surface: live, before and after 034, equals the definition's surface") {
    const auto at_033 = must(def().surface_at("033"), "surface at 033");
    const auto at_034 = must(def().surface_at("034"), "surface at 034");
    CHECK(at_033 == e034().surface_before);
    CHECK(at_034 == e034().surface_after);
    // 034 is data-only: the definition's surface does not move.
    CHECK(at_034 == at_033);

    test_database db("surface");
    at_baseline(db);
    auto s = db.connect();
    CHECK(must(read_surface(s, def()), "read surface") == at_033);
    REQUIRE(must(apply(s, def(), "034"), "apply 034").outcome == apply_outcome::applied);
    const auto live = must(read_surface(s, def()), "read surface");
    CHECK(live == at_034);
    CHECK(live.total() == at_034.total());
    const auto report = must(surface_live(s, def()), "surface");
    CHECK(report.version == "034");
    CHECK(report.expected == at_034);
    CHECK(report.live == at_034);
    CHECK(report.differences.empty());
}

TEST_CASE("drift: an edited 034 is reported and not re-applied") {
    test_database db("drift");
    at_baseline(db);
    auto s = db.connect();
    const auto applied = must(apply(s, def(), "034"), "apply 034");
    REQUIRE(applied.outcome == apply_outcome::applied);
    const auto before = must(read_catalog(s, def()), "read catalog");

    const auto edited = with_034_edited(def());
    const auto edited_checksum = must(expected_ledger(edited), "ledger").at(0).checksum;
    REQUIRE(edited_checksum != applied.checksum);

    const auto r = must(apply(s, edited, "034"), "apply edited 034");
    CHECK(r.outcome == apply_outcome::drift);
    CHECK(r.inserted == 0);
    CAPTURE(r.message);
    CHECK(contains(r.message, "034 drifted"));
    CHECK_FALSE(s.in_transaction());
    CHECK(must(read_catalog(s, def()), "read catalog") == before);
    CHECK(scalar(s, "SELECT checksum FROM public.iucore_migration_ledger WHERE migration_id = "
                    "'034'") == applied.checksum);

    const auto report = must(status(s, edited), "status");
    const auto& drifted = status_of(report, "034");
    CHECK(drifted.state == migration_state::drifted);
    CHECK(drifted.stored_checksum == applied.checksum);
    CHECK(drifted.expected_checksum == edited_checksum);
    CHECK(contains(drifted.detail, "no longer matches"));
    CHECK(status_of(must(status(s, def()), "status"), "034").state == migration_state::applied);
}

TEST_CASE("drift: editing 034 under an applied 035 is caught, and a pending 035 is refused") {
    const auto d35 = with_035();
    const auto edited = with_034_edited(d35);
    test_database db("drift035");
    at_baseline(db);
    auto s = db.connect();

    // 035 requires 034: not before it.
    const auto early = apply(s, d35, "035");
    REQUIRE_FALSE(early);
    CHECK(code_of(early.error()) == errc::refused);
    CHECK(contains(early.error().message, "requires migration 034"));
    CHECK(catalog_rows(s) == rows_before_034());

    REQUIRE(must(apply(s, d35, "034"), "apply 034").outcome == apply_outcome::applied);
    // 034 edited after it was applied: 035 must not be applied on top of it.
    const auto refused = must(apply(s, edited, "035"), "apply 035 over an edited 034");
    CHECK(refused.outcome == apply_outcome::drift);
    CHECK(contains(refused.message, "034"));
    CHECK(catalog_rows(s) == rows_after_034());
    CHECK(ledger_rows(s, "035") == 0);

    const auto applied = must(apply(s, d35, "035"), "apply 035");
    CHECK(applied.outcome == apply_outcome::applied);
    CHECK(applied.inserted == 1);
    CHECK(catalog_rows(s) == rows_after_034() + 1);
    const auto clean = must(status(s, d35), "status");
    CHECK(status_of(clean, "034").state == migration_state::applied);
    CHECK(status_of(clean, "035").state == migration_state::applied);

    // Now 034 edited: its checksum differs, and so does 035's: its forward SQL checks the catalog
    // it starts from, which holds 034's edited row.
    const auto st = must(status(s, edited), "status");
    CHECK(status_of(st, "034").state == migration_state::drifted);
    CHECK(contains(status_of(st, "034").detail, "no longer matches"));
    CHECK(status_of(st, "035").state == migration_state::drifted);
    CHECK(contains(status_of(st, "035").detail, "no longer matches"));
    CHECK(must(apply(s, edited, "035"), "apply 035 again").outcome == apply_outcome::drift);
    CHECK(catalog_rows(s) == rows_after_034() + 1);

    // A definition that does not know 035 sees it as applied but unknown.
    const auto old = must(status(s, def()), "status");
    CHECK(status_of(old, "034").state == migration_state::applied);
    CHECK(status_of(old, "035").state == migration_state::unknown);
}

TEST_CASE("rollback 034 is refused while an applied 035 requires it") {
    const auto d35 = with_035();
    test_database db("dependents");
    at_baseline(db);
    auto s = db.connect();
    REQUIRE(must(apply(s, d35, "034"), "apply 034").outcome == apply_outcome::applied);
    REQUIRE(must(apply(s, d35, "035"), "apply 035").outcome == apply_outcome::applied);
    REQUIRE(catalog_rows(s) == rows_after_034() + 1);

    const auto refused = rollback(s, d35, "034");
    REQUIRE_FALSE(refused);
    CHECK(code_of(refused.error()) == errc::refused);
    CAPTURE(refused.error().message);
    CHECK(contains(refused.error().message, "REFUSED"));
    CHECK(contains(refused.error().message, "035"));
    CHECK(contains(refused.error().message, "require 034"));
    CHECK(catalog_rows(s) == rows_after_034() + 1);
    CHECK(ledger_rows(s, "034") == 1);
    CHECK(ledger_rows(s, "035") == 1);

    // In reverse order both roll back.
    CHECK(must(rollback(s, d35, "035"), "rollback 035").deleted == 1);
    CHECK(must(rollback(s, d35, "034"), "rollback 034").deleted == 2);
    CHECK(catalog_rows(s) == rows_before_034());
    CHECK(ledger_rows(s, "034") == 0);
    CHECK(ledger_rows(s, "035") == 0);
}

TEST_CASE("concurrent appliers: 8 sessions apply 034 at once, exactly one applies it") {
    test_database db("concurrent");
    at_baseline(db);
    constexpr int appliers = 8;
    struct outcome {
        bool ok = false;
        apply_outcome what = apply_outcome::drift;
        std::int64_t inserted = 0;
        std::string error;
    };
    std::vector<outcome> outcomes(appliers);
    std::vector<session> sessions;
    for (int i = 0; i < appliers; ++i)
        sessions.push_back(db.connect());
    std::latch start(appliers);
    {
        std::vector<std::jthread> threads;
        for (int i = 0; i < appliers; ++i)
            threads.emplace_back([&, i] {
                start.arrive_and_wait();
                auto r = apply(sessions[static_cast<std::size_t>(i)], def(), "034");
                auto& o = outcomes[static_cast<std::size_t>(i)];
                if (!r) {
                    o.error = r.error().message;
                    return;
                }
                o.ok = true;
                o.what = r.value().outcome;
                o.inserted = r.value().inserted;
            });
    }
    int applied = 0, already = 0;
    std::int64_t inserted = 0;
    for (const auto& o : outcomes) {
        CHECK_MESSAGE(o.ok, o.error);
        applied += o.ok && o.what == apply_outcome::applied;
        already += o.ok && o.what == apply_outcome::already_applied;
        inserted += o.inserted;
    }
    CHECK(applied == 1);
    CHECK(already == appliers - 1);
    CHECK(inserted == 2);
    auto s = db.connect();
    CHECK(catalog_rows(s) == rows_after_034());
    CHECK(ledger_rows(s, "034") == 1);
}

namespace {

/// A governed run as the lock order has it: ROW EXCLUSIVE on the run log (the INSERT), then a
/// KEY SHARE lock on its command's catalog row; nothing is inserted when the row is gone.
std::string run_insert_sql(session& s, const std::string& command) {
    return "INSERT INTO public.dot_iu_command_run (command_name, outcome) SELECT command_name, "
           "'ok' FROM public.dot_iu_command_catalog WHERE command_name = " +
           must(s.literal(command), "literal") + " FOR KEY SHARE;";
}

/// A rollback as the engine sends it, minus the LOCK TABLE statement of the rendered script:
/// what the race tests must catch. Empty when the script has no such statement.
std::string rollback_without_run_log_lock() {
    const auto script = must(render_rollback(def(), "034"), "render rollback");
    std::string body;
    bool stripped = false;
    for (const auto& statement : script.statements) {
        if (statement.starts_with("LOCK TABLE")) {
            stripped = true;
            continue;
        }
        body += statement + "\n";
    }
    return stripped ? "BEGIN;\n" + body + "COMMIT;" : std::string();
}

struct inflight_result {
    bool waited_on_lock = false; // the rollback's backend was seen waiting for a lock
    result<void> rollback = boost::outcome_v2::success();
    std::int64_t rows_of_034 = 0;
    std::int64_t runs_of_034 = 0;
};

/// 034 applied; a run of dot_iu_auto_instantiate_from_event inserted but not yet committed;
/// `do_rollback` started on another connection; once its backend waits on a lock (or it has
/// returned), the run commits. Returns what the rollback said and what is left.
template <class Rollback>
inflight_result rollback_against_inflight_run(const test_database& db, Rollback do_rollback) {
    auto s = db.connect();
    REQUIRE(must(apply(s, def(), "034"), "apply 034").outcome == apply_outcome::applied);
    auto writer = db.connect();
    const auto inserted =
        must(writer.run("BEGIN;\n" + run_insert_sql(writer, from_event)), "run in flight");
    REQUIRE(inserted.back().affected == 1);

    auto rolling = db.connect();
    const auto pid = std::to_string(rolling.backend_pid());
    auto future = std::async(std::launch::async, [&] { return do_rollback(rolling); });
    inflight_result out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        if (future.wait_for(std::chrono::milliseconds(5)) == std::future_status::ready) break;
        if (scalar(s, "SELECT coalesce(wait_event_type, '') FROM pg_stat_activity WHERE pid = $1",
                   {pid}) == "Lock") {
            out.waited_on_lock = true;
            break;
        }
    }
    must(writer.run("COMMIT"), "committing the run");
    out.rollback = future.get();
    out.rows_of_034 = rows_of_034(s);
    out.runs_of_034 = runs_of_034(s);
    return out;
}

} // namespace

TEST_CASE("rollback racing a run in flight: it waits for the run, then refuses") {
    test_database db("inflight");
    at_baseline(db);
    const auto r = rollback_against_inflight_run(db, [](session& s) -> result<void> {
        BOOST_OUTCOME_TRY(rollback(s, def(), "034"));
        return boost::outcome_v2::success();
    });
    // The run log lock makes the rollback wait until the run commits, then the guard sees it.
    CHECK(r.waited_on_lock);
    REQUIRE_FALSE(r.rollback);
    CHECK(code_of(r.rollback.error()) == errc::refused);
    CAPTURE(r.rollback.error().message);
    CHECK(contains(r.rollback.error().message, std::string(from_event) + " (1 runs)"));
    CHECK(r.rows_of_034 == 2);
    CHECK(r.runs_of_034 == 1);
}

TEST_CASE("race harness self-check: a rollback without the run-log lock orphans the run") {
    // Shows the test above can fail: the same scenario with the LOCK TABLE statement removed
    // from the rendered rollback lets the guard pass while the run is in flight, and the delete
    // goes through once the run commits, leaving a run whose catalog row is gone.
    const auto unlocked = rollback_without_run_log_lock();
    if (unlocked.empty()) {
        MESSAGE("the rendered rollback has no LOCK TABLE statement to remove; self-check skipped");
        return;
    }
    test_database db("selfcheck");
    at_baseline(db);
    const auto r = rollback_against_inflight_run(db, [&](session& s) -> result<void> {
        transaction_guard guard(s);
        BOOST_OUTCOME_TRY(s.run(unlocked));
        return boost::outcome_v2::success();
    });
    CHECK(r.waited_on_lock); // on the run's KEY SHARE row lock
    CHECK(r.rollback);       // the guard counted no committed run
    CHECK(r.rows_of_034 == 0);
    CHECK(r.runs_of_034 == 1); // the invariant the real rollback keeps is broken here
}

TEST_CASE("rollback racing 200 governed runs: a run never outlives its catalog row") {
    test_database db("race");
    at_baseline(db);
    auto s = db.connect();
    constexpr int writers = 8;
    constexpr int runs_per_writer = 25; // 200 runs per round
    // Per round, how long the rollback and the writers wait after the common start: the
    // rollback starting among runs in flight (it must refuse), and runs starting while it
    // deletes or after it committed (they must find no catalog row and insert nothing).
    struct timing {
        int rollback_us;
        int writers_us;
    };
    const std::vector<timing> rounds{{0, 0},   {300, 0},  {1000, 0}, {3000, 0},
                                     {0, 300}, {0, 1000}, {0, 3000}, {0, 10000}};
    int succeeded = 0, refused = 0;
    for (std::size_t round = 0; round < rounds.size(); ++round) {
        CAPTURE(round);
        must(s.run("DELETE FROM public.dot_iu_command_run"), "clearing the run log");
        if (rows_of_034(s) == 0)
            REQUIRE(must(apply(s, def(), "034"), "re-apply 034").outcome == apply_outcome::applied);
        REQUIRE(rows_of_034(s) == 2);

        std::vector<session> sessions;
        for (int i = 0; i < writers + 1; ++i)
            sessions.push_back(db.connect());
        std::latch start(writers + 1);
        std::atomic<std::int64_t> committed{0};
        std::mutex errors_mutex;
        std::vector<std::string> errors;
        auto record = [&](std::string e) {
            std::lock_guard lock(errors_mutex);
            errors.push_back(std::move(e));
        };
        std::optional<failure> rollback_failure;
        bool rolled_back = false;
        {
            std::vector<std::jthread> threads;
            for (int w = 0; w < writers; ++w)
                threads.emplace_back([&, w] {
                    auto& ws = sessions[static_cast<std::size_t>(w)];
                    const auto insert = run_insert_sql(ws, w % 2 ? rollback_by_actor : from_event);
                    start.arrive_and_wait();
                    std::this_thread::sleep_for(
                        std::chrono::microseconds(rounds[round].writers_us));
                    for (int i = 0; i < runs_per_writer; ++i) {
                        // The run's own work keeps its transaction open for a moment.
                        auto r = ws.run("BEGIN;\n" + insert +
                                        "\nSELECT pg_sleep(0.0005 + random() * 0.001);\nCOMMIT;");
                        if (!r) {
                            record("writer " + std::to_string(w) + ": " + r.error().message);
                            ws.rollback_quietly();
                            continue;
                        }
                        for (const auto& rows : r.value())
                            if (rows.command_status.starts_with("INSERT"))
                                committed += rows.affected;
                    }
                });
            threads.emplace_back([&] {
                auto& rs = sessions.back();
                start.arrive_and_wait();
                std::this_thread::sleep_for(std::chrono::microseconds(rounds[round].rollback_us));
                for (int attempt = 0; attempt < 3; ++attempt) {
                    auto r = rollback(rs, def(), "034");
                    if (r) {
                        rolled_back = true;
                        return;
                    }
                    rollback_failure = r.error();
                    if (code_of(r.error()) == errc::refused) return;
                    record("rollback: " + r.error().message);
                }
            });
        }
        for (const auto& e : errors)
            FAIL_CHECK(e);
        const auto runs = runs_of_034(s);
        CHECK(runs == committed.load());
        if (rolled_back) {
            ++succeeded;
            // The invariant: no run committed before the rollback (it would have refused), and
            // none after it (a run finds no catalog row to lock).
            CHECK(rows_of_034(s) == 0);
            CHECK(runs == 0);
            CHECK(ledger_rows(s, "034") == 0);
        } else {
            REQUIRE(rollback_failure);
            CHECK(code_of(*rollback_failure) == errc::refused);
            CHECK(contains(rollback_failure->message, "REFUSED"));
            ++refused;
            CHECK(rows_of_034(s) == 2);
            CHECK(ledger_rows(s, "034") == 1);
        }
    }
    MESSAGE("rollback succeeded in " << succeeded << " rounds and was refused in " << refused);
    CHECK(succeeded + refused == static_cast<int>(rounds.size()));
}
