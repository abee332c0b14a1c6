// The survivors of the mutation audit (issue 19), each killed by a named test on the throwaway
// PostgreSQL (fixture `postgres`): apply's own verification failing inside its transaction; diff
// on a row that differs only in `reversible`, or only in `mutating`; prove refused with the
// migration pending and a run that references one of its rows; `pins --check` over several
// sites, one of them disagreeing, and a site pinned to an older version. (Separate applier
// processes: tests/integration/apply_processes.sh.) Every expected figure comes from the
// definition (expectations("034"), figures_at); the record's own figures are pinned once, in
// examples/python/tests/test_record.py.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "test_database.hpp"

#include <iucore/engine/files.hpp>
#include <iucore/engine/lifecycle.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace iucore;
using iucore::testing::must;
using iucore::testing::test_database;

namespace {

using iucore::testing::def;
using iucore::testing::e034;

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

using iucore::testing::catalog_rows;
using iucore::testing::number;

/// How many of 034's rows are in the catalog.
std::int64_t rows_of_034(session& s) {
    return number(s,
                  "SELECT count(*) FROM public.dot_iu_command_catalog WHERE command_name = ANY "
                  "($1::text[])",
                  {text_array_parameter(e034().new_rows)});
}

/// Ledger rows for `migration` (0 when the ledger table does not exist).
std::int64_t ledger_rows(session& s, const std::string& migration) {
    if (iucore::testing::scalar(
            s, "SELECT to_regclass('public.iucore_migration_ledger') IS NULL") == "t")
        return 0;
    return number(s, "SELECT count(*) FROM public.iucore_migration_ledger WHERE migration_id = $1",
                  {migration});
}

const catalog_row& row_of_034(std::size_t i) {
    const auto* row = def().ssot_row(e034().new_rows.at(i));
    REQUIRE(row != nullptr);
    return *row;
}

/// A category of the definition other than `category`.
std::string other_category(const std::string& category) {
    for (const auto& c : def().categories)
        if (c != category) return c;
    FAIL("the definition has a single category");
    return {};
}

std::string bool_text(bool b) {
    return b ? "true" : "false";
}

bool pending(session& s, const std::string& migration) {
    const auto report = must(status(s, def()), "status");
    for (const auto& m : report.migrations)
        if (m.migration_id == migration) return m.state == migration_state::pending;
    FAIL("status lists no " << migration);
    return false;
}

/// A scratch directory, removed afterwards.
struct scratch_dir {
    std::filesystem::path path;
    scratch_dir() {
        static int counter = 0;
        path = std::filesystem::temp_directory_path() /
               ("iucore_audit_" + std::to_string(::getpid()) + "_" + std::to_string(++counter));
        std::filesystem::create_directories(path);
    }
    ~scratch_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name) << text;
    }
};

std::int64_t figure(const std::string& version, std::string_view name) {
    return must(must(def().figures_at(version), "figures at " + version).get(name),
                std::string(name));
}

} // namespace

TEST_CASE("apply: a stale row of the migration where it starts is refused in the first round "
          "trip, named with its field, and nothing is committed") {
    // One of 034's rows is already there with a stale category: ON CONFLICT would keep it, so
    // the row count alone would come out right. The start check compares the live catalog with
    // the one 034 starts from, row for row, under the lock, before anything is written.
    test_database db("audit_verify");
    test_database::at_baseline(db, def());
    auto s = db.connect();
    const auto& stale = row_of_034(0);
    const auto stale_category = other_category(stale.category);
    must(
        s.run_params("INSERT INTO public.dot_iu_command_catalog (command_name, category, mutating, "
                     "reversible, target_functions) VALUES ($1, $2, $3::boolean, $4::boolean, "
                     "$5::text[])",
                     {stale.command_name, stale_category, bool_text(stale.mutating),
                      bool_text(stale.reversible), text_array_parameter(stale.target_functions)}),
        "inserting a stale row of 034");
    const auto before = catalog_rows(s);
    REQUIRE(before == static_cast<std::int64_t>(e034().rows_before) + 1);

    const int trips = s.round_trips();
    const auto r = apply(s, def(), "034");
    REQUIRE_FALSE(r);
    CAPTURE(r.error().message);
    CHECK(code_of(r.error()) == errc::refused);
    CHECK(contains(r.error().message, "differs from it in 1 rows: " + stale.command_name +
                                          " (category: expected '" + stale.category + "', found '" +
                                          stale_category + "')"));
    CHECK(s.round_trips() - trips == 2); // the opening, then its ROLLBACK: no forward sent
    CHECK_FALSE(s.in_transaction());

    // Nothing committed: the stale row as it was, the other row of 034 absent, no ledger row.
    auto reader = db.connect();
    CHECK(catalog_rows(reader) == before);
    CHECK(rows_of_034(reader) == 1);
    CHECK(iucore::testing::scalar(
              reader, "SELECT category FROM public.dot_iu_command_catalog WHERE command_name = $1",
              {stale.command_name}) == stale_category);
    CHECK(ledger_rows(reader, "034") == 0);
    CHECK(pending(reader, "034"));
}

TEST_CASE("apply: its verification failing inside the transaction commits nothing and names the "
          "check") {
    // The catalog is the one 034 starts from, but a trigger rewrites what the insert writes:
    // the start check passes, the row count comes out right, and only the check that compares
    // every column of the new rows with the definition can stop the migration.
    test_database db("audit_verify_trigger");
    test_database::at_baseline(db, def());
    auto s = db.connect();
    const auto& rewritten = row_of_034(0);
    const auto other = other_category(rewritten.category);
    const auto quoted_other = must(iucore::quote_literal(other), "quoting a category");
    must(s.run("CREATE FUNCTION public.audit_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$ "
               "BEGIN NEW.category := " +
               quoted_other +
               "; RETURN NEW; END $$; CREATE TRIGGER audit_rewrite BEFORE INSERT ON "
               "public.dot_iu_command_catalog FOR EACH ROW EXECUTE FUNCTION "
               "public.audit_rewrite();"),
         "creating the rewriting trigger");
    const auto before = catalog_rows(s);

    const auto r = apply(s, def(), "034");
    REQUIRE_FALSE(r);
    CAPTURE(r.error().message);
    CHECK(code_of(r.error()) == errc::check_failed);
    CHECK(contains(r.error().message, "034_new_rows failed"));
    CHECK(contains(r.error().message, std::to_string(e034().rows_added) + " rows equal"));
    CHECK_FALSE(s.in_transaction());

    auto reader = db.connect();
    CHECK(catalog_rows(reader) == before);
    CHECK(rows_of_034(reader) == 0);
    CHECK(ledger_rows(reader, "034") == 0);
    CHECK(pending(reader, "034"));
}

TEST_CASE("prove: refused with the migration pending and a run referencing one of its rows") {
    // Without prove's own up-front check, its apply step would go through and the rollback
    // step would then be refused by the guard, leaving 034's rows behind.
    test_database db("audit_prove_pending");
    test_database::at_baseline(db, def());
    auto s = db.connect();
    const auto& referenced = e034().new_rows.at(0);
    must(s.run_params("INSERT INTO public.dot_iu_command_run (command_name, outcome) VALUES ($1, "
                      "'ok')",
                      {referenced}),
         "inserting a run of " + referenced);
    REQUIRE(pending(s, "034"));

    const auto refused = prove(db.conninfo(), def(), "034");
    REQUIRE_FALSE(refused);
    CAPTURE(refused.error().message);
    CHECK(code_of(refused.error()) == errc::refused);
    CHECK(contains(refused.error().message, "REFUSED"));
    CHECK(contains(refused.error().message, referenced + " (1 runs)"));

    auto reader = db.connect();
    CHECK(catalog_rows(reader) == static_cast<std::int64_t>(e034().rows_before));
    CHECK(rows_of_034(reader) == 0);
    CHECK(ledger_rows(reader, "034") == 0);
    CHECK(pending(reader, "034"));
}

TEST_CASE("diff: a row that differs only in reversible, or only in mutating, is named with that "
          "column") {
    std::string changed_column;
    SUBCASE("reversible") {
        changed_column = "reversible";
    }
    SUBCASE("mutating") {
        changed_column = "mutating";
    }
    CAPTURE(changed_column);
    test_database db("audit_diff_" + changed_column);
    test_database::at_baseline(db, def());
    auto s = db.connect();
    REQUIRE(must(apply(s, def(), "034"), "apply 034").outcome == apply_outcome::applied);
    REQUIRE(must(diff_live(s, def()), "diff").differences.empty());

    const auto& row = row_of_034(0);
    must(s.run_params("UPDATE public.dot_iu_command_catalog SET " + changed_column + " = NOT " +
                          changed_column + " WHERE command_name = $1",
                      {row.command_name}),
         "flipping " + changed_column);
    const bool value = changed_column == "reversible" ? row.reversible : row.mutating;

    const auto d = must(diff_live(s, def()), "diff");
    CHECK(d.expected_rows == static_cast<std::int64_t>(e034().rows_after));
    CHECK(d.live_rows == static_cast<std::int64_t>(e034().rows_after));
    CHECK(d.differences.missing.empty());
    CHECK(d.differences.extra.empty());
    REQUIRE(d.differences.changed.size() == 1);
    CHECK(d.differences.changed[0].command_name == row.command_name);
    REQUIRE(d.differences.changed[0].columns.size() == 1);
    CHECK(d.differences.changed[0].columns[0].column == changed_column);
    CHECK(d.differences.changed[0].columns[0].expected == detail::pg_bool_text(value));
    CHECK(d.differences.changed[0].columns[0].actual == detail::pg_bool_text(!value));
    // The same, offline: the live catalog read back, diffed against the SSOT.
    CHECK(diff(def().ssot(), must(read_catalog(s, def()), "read catalog")) == d.differences);
}

TEST_CASE("pins --check: every disagreeing site is named, wherever it comes; a site's version is "
          "honoured") {
    const auto latest = def().latest_version();
    const auto before = e034().previous_version;
    REQUIRE(figure(before, "catalog_rows") != figure(latest, "catalog_rows"));
    const auto n = [](std::int64_t v) { return std::to_string(v); };
    scratch_dir dir;
    // Disagreeing sites first and in the middle, agreeing ones last.
    dir.write("targets.txt", "distinct targets: " + n(figure(latest, "distinct_targets") + 1) +
                                 "\nagain: " + n(figure(latest, "distinct_targets")) + "\n");
    dir.write("before.txt",
              "rows at the older version: " + n(figure(before, "catalog_rows")) + "\n");
    dir.write("stale.txt",
              "rows at the older version: " + n(figure(latest, "catalog_rows")) + "\n");
    dir.write("latest.txt", "rows: " + n(figure(latest, "catalog_rows")) + "\n");
    dir.write("surface.txt", "view " + n(figure(latest, "surface.view")) + "\n");

    definition d = def();
    d.pins = {
        {.file = "targets.txt", .pattern = R"(: (\d+))", .figure = "distinct_targets"},
        {.file = "stale.txt",
         .pattern = R"(older version: (\d+))",
         .figure = "catalog_rows",
         .version = before},
        {.file = "before.txt",
         .pattern = R"(older version: (\d+))",
         .figure = "catalog_rows",
         .version = before},
        {.file = "latest.txt", .pattern = R"(rows: (\d+))", .figure = "catalog_rows"},
        {.file = "surface.txt", .pattern = R"(view (\d+))", .figure = "surface.view"},
    };
    must(d.validate(), "the definition with five pin sites");
    const auto report = must(pins(d, true, dir.path.string()), "pins --check");
    CHECK(report.checked_sites == 5);
    CHECK_FALSE(report.ok());
    REQUIRE(report.mismatches.size() == 2);
    CHECK(report.mismatches[0] == pin_mismatch{"targets.txt", 1, "distinct_targets",
                                               n(figure(latest, "distinct_targets") + 1),
                                               figure(latest, "distinct_targets")});
    CHECK(report.mismatches[1] == pin_mismatch{"stale.txt", 1, "catalog_rows",
                                               n(figure(latest, "catalog_rows")),
                                               figure(before, "catalog_rows")});

    // Every site agreeing: ok.
    dir.write("targets.txt", "distinct targets: " + n(figure(latest, "distinct_targets")) + "\n");
    dir.write("stale.txt",
              "rows at the older version: " + n(figure(before, "catalog_rows")) + "\n");
    const auto agreed = must(pins(d, true, dir.path.string()), "pins --check");
    CHECK(agreed.checked_sites == 5);
    CHECK(agreed.ok());
}
