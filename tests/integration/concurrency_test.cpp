// Concurrency on a real PostgreSQL (issue 6, part 2), through the engine API, each thread on its
// own session:
//
//   1. 16 sessions apply 034 at once: exactly one applies it, the others report it already
//      applied (the ledger's advisory lock serialises appliers; the ledger is read after it).
//   2. rollback and prove race 1,000 governed runs (8 threads x 125 run_command calls of
//      dot_iu_auto_instantiate_from_event in dry_run, both gates open). The invariant: a catalog
//      row is never deleted while a run that called its function (outcome ok or error) is
//      committed against it. What is provable afterwards: when a rollback of 034 committed, no
//      ok/error run of its commands may exist that was written before the rows came back (prove's
//      re-apply; its ledger row's applied_at is written inside that transaction, after the
//      rollback committed), or at all when they did not come back. Without the rollback's
//      LOCK TABLE … IN SHARE MODE a run in flight passes the guard unseen (it is not committed),
//      the DELETE waits for the run's KEY SHARE row lock, the run commits and the delete goes
//      through: an ok row written before the rollback committed, which this check counts.
//
// Every session runs with lock_timeout and statement_timeout, so a deadlock or a hang shows as
// an error; none may occur, and no SQLSTATE 40P01 in particular.
//
// Prints: appliers: 16, applies: 1
//         runs: 1000 (ok X, refused Y), rollbacks: attempted A, refused R, succeeded S,
//         violations 0
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "test_database.hpp"

#include <iucore/engine/commands.hpp>
#include <iucore/engine/lifecycle.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <iostream>
#include <latch>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace iucore;
using iucore::testing::must;
using iucore::testing::scalar;
using iucore::testing::test_database;

namespace {

const definition& def() {
    static const definition d = iucore::testing::example_definition();
    return d;
}

constexpr const char* from_event = "dot_iu_auto_instantiate_from_event";
constexpr const char* rows_034 =
    "{dot_iu_auto_instantiate_from_event,dot_iu_auto_instantiate_rollback_by_actor}";

/// Every session of these tests: a lock wait or a statement that hangs becomes an error (a
/// deadlock is reported by the server after deadlock_timeout, 1 s, well before either).
std::string with_timeouts(const std::string& conninfo) {
    return conninfo + " options='-c lock_timeout=10s -c statement_timeout=30s'";
}

std::int64_t number(session& s, const std::string& sql,
                    const std::vector<std::optional<std::string>>& params = {}) {
    return std::stoll(scalar(s, sql, params));
}

std::int64_t rows_of_034(session& s) {
    return number(s,
                  "SELECT count(*) FROM public.dot_iu_command_catalog WHERE command_name = ANY "
                  "($1::text[])",
                  {rows_034});
}

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

/// Collects unexpected errors from many threads.
class error_log {
  public:
    void add(std::string e) {
        std::lock_guard lock(mutex_);
        errors_.push_back(std::move(e));
    }
    std::vector<std::string> take() {
        std::lock_guard lock(mutex_);
        return std::exchange(errors_, {});
    }

  private:
    std::mutex mutex_;
    std::vector<std::string> errors_;
};

} // namespace

TEST_CASE("16 concurrent appliers of 034: exactly one applies, the rest find it applied") {
    test_database db("conc_appliers");
    test_database::at_baseline(db, def()); // no ledger table yet: the appliers race to create it
    constexpr int appliers = 16;
    const auto conninfo = with_timeouts(db.conninfo());
    std::vector<session> sessions;
    for (int i = 0; i < appliers; ++i)
        sessions.push_back(must(session::connect(conninfo), "connecting applier"));
    std::vector<std::optional<apply_outcome>> outcomes(appliers);
    error_log errors;
    std::latch start(appliers);
    {
        std::vector<std::jthread> threads;
        for (int i = 0; i < appliers; ++i)
            threads.emplace_back([&, i] {
                const auto at = static_cast<std::size_t>(i);
                start.arrive_and_wait();
                auto r = apply(sessions[at], def(), "034");
                if (r)
                    outcomes[at] = r.value().outcome;
                else
                    errors.add("applier " + std::to_string(i) + ": " + r.error().message);
            });
    }
    int applied = 0, already = 0;
    for (const auto& o : outcomes) {
        applied += o == apply_outcome::applied;
        already += o == apply_outcome::already_applied;
    }
    std::cout << "appliers: " << appliers << ", applies: " << applied << "\n";
    for (const auto& e : errors.take()) {
        CHECK_MESSAGE(!contains(e, "40P01"), "deadlock: " << e);
        FAIL_CHECK(e);
    }
    CHECK(applied == 1);
    CHECK(already == appliers - 1);
    auto s = db.connect();
    CHECK(number(s, "SELECT count(*) FROM public.dot_iu_command_catalog") ==
          static_cast<std::int64_t>(must(def().expectations("034"), "expectations").rows_after));
    CHECK(number(s, "SELECT count(*) FROM public.iucore_migration_ledger") == 1);
    CHECK(must(verify(s, def(), "034"), "verify 034").ok());
}

TEST_CASE("rollback and prove racing 1,000 governed runs: no run outlives its catalog row") {
    test_database db("conc_race");
    test_database::at_baseline(db, def());
    const auto conninfo = with_timeouts(db.conninfo());
    auto control = must(session::connect(conninfo), "connecting");
    REQUIRE(must(apply(control, def(), "034"), "apply 034").outcome == apply_outcome::applied);
    must(control.run("UPDATE public.iu_core_config SET config_value = 'true' WHERE config_key IN "
                     "('iu_core.composer_enabled', 'iu_core.auto_instantiate_enabled')"),
         "opening both gates");

    constexpr int runners = 8;
    constexpr int runs_per_round = 5;
    constexpr int rounds = 25; // 8 x 5 x 25 = 1,000 runs, 125 per thread
    // The run's function is wrapped (same name, signature and result) to take 2 ms: runs stay
    // in flight, holding their catalog row's KEY SHARE lock uncommitted, long enough for a
    // rollback to land among them. With the bare function (well under a millisecond) the window
    // is so narrow that a rollback without its run-log lock slipped past the check in only one
    // of five runs of this test.
    must(control.run(
             "ALTER FUNCTION public.fn_iu_auto_instantiate_from_event(uuid, text, uuid, text, "
             "text, text, text) RENAME TO iucore_race_from_event;\n"
             "CREATE FUNCTION public.fn_iu_auto_instantiate_from_event(event_id uuid, event_type "
             "text, template_collection_id uuid, instance_key_suffix text, emit_mode text, actor "
             "text, note text DEFAULT NULL) RETURNS jsonb LANGUAGE plpgsql AS $w$\nBEGIN\n"
             "    PERFORM pg_sleep(0.002);\n"
             "    RETURN public.iucore_race_from_event($1, $2, $3, $4, $5, $6, $7);\nEND\n$w$;"),
         "wrapping the run's function");

    // Per round: how long the attempt and the runners wait after the common start. Even rounds
    // roll back: head starts of 50 ms make sure both outcomes occur, the rest land the rollback
    // among the first runs in flight. Odd rounds prove: its rollback step is the fourth of seven
    // connections (count, apply, count, rollback, count, re-apply, count), some 20 ms in on an
    // idle machine. From the third prove round on, the runners' delay searches for the race's
    // edge (shorter after prove got through, longer after it was refused, the step halving at
    // each turn), so the first runs are in flight when the rollback step runs.
    struct timing {
        int attempt_us;
        int runners_us;
    };
    const std::vector<timing> rollback_timings{
        {0, 50000}, {50000, 0}, {0, 0},    {100, 0},  {200, 0}, {300, 0}, {400, 0},
        {600, 0},   {800, 0},   {1000, 0}, {1500, 0}, {0, 100}, {0, 300}};
    const std::vector<timing> prove_timings{{0, 100000}, {50000, 0}};
    int prove_runners_us = 20000, prove_step_us = 4000, prove_direction = 0;
    const std::vector<std::string> tokens{"event_id=6f1c1b9e-9a6e-4c55-9a53-2b0f3c0d7a11",
                                          "event_type=template.instance_auto_composed",
                                          "template_collection_id=0b4e7f52-3f0d-4a47-8f0e-"
                                          "5d7f2c9a1e33",
                                          "instance_key_suffix=race",
                                          "emit_mode=dry_run",
                                          "actor=operator",
                                          "note=concurrency"};

    std::vector<session> sessions;
    for (int i = 0; i <= runners; ++i)
        sessions.push_back(must(session::connect(conninfo), "connecting runner"));
    std::atomic<int> ok_runs{0}, refused_runs{0};
    int attempted = 0, refused = 0, succeeded = 0, violations = 0;
    error_log errors;
    const auto started = std::chrono::steady_clock::now();

    for (int round = 0; round < rounds; ++round) {
        CAPTURE(round);
        const bool use_prove = round % 2 == 1;
        const auto nth = static_cast<std::size_t>(round / 2);
        const auto t = !use_prove                   ? rollback_timings.at(nth)
                       : nth < prove_timings.size() ? prove_timings[nth]
                                                    : timing{0, prove_runners_us};
        std::atomic<int> round_ok{0}, round_refused{0};
        std::optional<failure> attempt_failure;
        bool attempt_ok = false;
        std::latch start(runners + 1);
        {
            std::vector<std::jthread> threads;
            for (int w = 0; w < runners; ++w)
                threads.emplace_back([&, w] {
                    auto& s = sessions[static_cast<std::size_t>(w)];
                    start.arrive_and_wait();
                    std::this_thread::sleep_for(std::chrono::microseconds(t.runners_us));
                    for (int i = 0; i < runs_per_round; ++i) {
                        auto r = run_command(s, def(), from_event, tokens,
                                             "runner-" + std::to_string(w));
                        if (!r) {
                            errors.add("run: " + r.error().message);
                            continue;
                        }
                        if (r.value().outcome == run_outcome::ok)
                            ++round_ok;
                        else if (r.value().outcome == run_outcome::refused)
                            ++round_refused;
                        else
                            errors.add("run outcome error: " + r.value().message);
                    }
                });
            threads.emplace_back([&] {
                start.arrive_and_wait();
                std::this_thread::sleep_for(std::chrono::microseconds(t.attempt_us));
                if (use_prove) {
                    auto r = prove(conninfo, def(), "034");
                    attempt_ok = r && r.value().ok();
                    if (!r) attempt_failure = r.error();
                } else {
                    auto r = rollback(sessions.back(), def(), "034");
                    attempt_ok = r.has_value();
                    if (!r) attempt_failure = r.error();
                }
            });
        }
        ++attempted;
        ok_runs += round_ok;
        refused_runs += round_refused;

        // Did a rollback of 034 commit in this round? prove may have failed after its rollback
        // step; the catalog tells.
        const bool rows_present = rows_of_034(control) == 2;
        bool rolled_back = attempt_ok;
        if (!attempt_ok) {
            REQUIRE(attempt_failure);
            if (code_of(*attempt_failure) == errc::refused) {
                CHECK(contains(attempt_failure->message, "REFUSED"));
            } else {
                errors.add(std::string(use_prove ? "prove" : "rollback") + ": " +
                           attempt_failure->message);
            }
            rolled_back = use_prove && !rows_present;
        }
        if (rolled_back)
            ++succeeded;
        else
            ++refused;
        if (use_prove && nth >= prove_timings.size()) {
            const int direction = rolled_back ? -1 : 1;
            if (prove_direction != 0 && direction != prove_direction)
                prove_step_us = std::max(500, prove_step_us / 2);
            prove_direction = direction;
            prove_runners_us = std::max(0, prove_runners_us + direction * prove_step_us);
        }
        CHECK(rows_present == (!rolled_back || (use_prove && attempt_ok)));

        // Every run wrote exactly one run-log row, with the outcome it reported.
        CHECK(number(control, "SELECT count(*) FROM public.dot_iu_command_run") ==
              runners * runs_per_round);
        CHECK(number(control,
                     "SELECT count(*) FROM public.dot_iu_command_run WHERE outcome = 'ok'") ==
              round_ok.load());

        // The invariant. The rows came back only through prove's re-apply, whose ledger row
        // was written after the rollback committed.
        if (rolled_back) {
            const bool reapplied = use_prove && attempt_ok;
            const auto slipped = number(
                control,
                "SELECT count(*) FROM public.dot_iu_command_run r WHERE r.command_name = ANY "
                "($1::text[]) AND r.outcome IN ('ok', 'error') AND ($2::boolean IS FALSE OR "
                "r.created_at < (SELECT applied_at FROM public.iucore_migration_ledger WHERE "
                "migration_id = '034'))",
                {rows_034, reapplied ? "true" : "false"});
            CHECK_MESSAGE(slipped == 0, slipped << " run(s) with outcome ok/error committed "
                                                << "against the rows a rollback deleted");
            violations += slipped > 0;
        }

        // Test-only reset for the next round: an empty run log, 034 applied.
        must(control.run("DELETE FROM public.dot_iu_command_run"), "clearing the run log");
        if (!rows_present)
            REQUIRE(must(apply(control, def(), "034"), "re-apply 034").outcome ==
                    apply_outcome::applied);
    }

    const auto seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << "runs: " << ok_runs + refused_runs << " (ok " << ok_runs << ", refused "
              << refused_runs << "), rollbacks: attempted " << attempted << ", refused " << refused
              << ", succeeded " << succeeded << ", violations " << violations << " (" << seconds
              << " s)\n";
    for (const auto& e : errors.take()) {
        CHECK_MESSAGE(!contains(e, "40P01"), "deadlock: " << e);
        FAIL_CHECK(e);
    }
    CHECK(ok_runs + refused_runs == runners * runs_per_round * rounds);
    CHECK(violations == 0);
    // Both sides of the race happened: some rollbacks went through, some were refused.
    CHECK(succeeded > 0);
    CHECK(refused > 0);
    CHECK(rows_of_034(control) == 2);
    CHECK(must(verify(control, def(), "034"), "verify 034").ok());
}

namespace {

/// The pid of a backend of `database` that waits on a lock of `locktype` (0 after 20 s).
int waiting_backend(session& control, const std::string& database, const std::string& locktype) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        const auto rows = must(
            control.run_params("SELECT l.pid FROM pg_catalog.pg_locks l WHERE NOT l.granted AND "
                               "l.locktype = $2 AND l.database = (SELECT oid FROM "
                               "pg_catalog.pg_database WHERE datname = $1)",
                               {database, locktype}),
            "looking for a waiting backend");
        if (!rows.rows.empty()) return std::stoi(rows.rows[0][0].value_or("0"));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return 0;
}

} // namespace

TEST_CASE("a failing run overtaken by a rollback is not logged as error against the deleted row") {
    // The run's statement fails and rolls back, releasing its locks; run_command then logs the
    // error in a second statement. A rollback waiting for the run log's lock gets in between:
    // its guard sees no run, it deletes the rows and commits. The error row written after that
    // must not claim a run of a command whose catalog row is gone (it is logged as refused).
    test_database db("conc_error_path");
    test_database::at_baseline(db, def());
    auto control = db.connect();
    REQUIRE(must(apply(control, def(), "034"), "apply 034").outcome == apply_outcome::applied);
    must(control.run(
             "UPDATE public.iu_core_config SET config_value = 'true' WHERE config_key IN "
             "('iu_core.composer_enabled', 'iu_core.auto_instantiate_enabled');\n"
             "ALTER FUNCTION public.fn_iu_auto_instantiate_from_event(uuid, text, uuid, text, "
             "text, text, text) RENAME TO iucore_race_from_event;\n"
             "CREATE FUNCTION public.fn_iu_auto_instantiate_from_event(event_id uuid, event_type "
             "text, template_collection_id uuid, instance_key_suffix text, emit_mode text, actor "
             "text, note text DEFAULT NULL) RETURNS jsonb LANGUAGE plpgsql AS $w$\nBEGIN\n"
             "    PERFORM pg_advisory_xact_lock(4242, 4243);\n"
             "    RETURN public.iucore_race_from_event($1, $2, $3, $4, $5, $6, $7);\nEND\n$w$;"),
         "opening the gates, wrapping the function");
    must(control.run("SELECT pg_advisory_lock(4242, 4243)"), "holding the run's function");

    auto runner = db.connect();
    auto rolling = db.connect();
    // An unknown event type: the function raises once it gets past the advisory lock.
    const std::vector<std::string> failing{"event_id=6f1c1b9e-9a6e-4c55-9a53-2b0f3c0d7a11",
                                           "event_type=unknown.type",
                                           "template_collection_id=0b4e7f52-3f0d-4a47-8f0e-"
                                           "5d7f2c9a1e33",
                                           "instance_key_suffix=error-path",
                                           "emit_mode=dry_run",
                                           "actor=operator"};
    auto run = std::async(std::launch::async, [&] {
        return run_command(runner, def(), from_event, failing, "error-path");
    });
    REQUIRE(waiting_backend(control, db.name(), "advisory") == runner.backend_pid());
    auto rolled = std::async(std::launch::async, [&] { return rollback(rolling, def(), "034"); });
    // The rollback waits for the run's ROW EXCLUSIVE lock on the run log.
    REQUIRE(waiting_backend(control, db.name(), "relation") == rolling.backend_pid());
    must(control.run("SELECT pg_advisory_unlock(4242, 4243)"), "letting the function fail");

    const auto r = run.get();
    const auto rb = rolled.get();
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    CAPTURE(r.value().message);
    // The rollback got the run log first: the failed statement left nothing behind.
    REQUIRE_MESSAGE(rb.has_value(), (rb ? "" : rb.error().message));
    CHECK(rows_of_034(control) == 0);
    CHECK(number(control,
                 "SELECT count(*) FROM public.dot_iu_command_run WHERE command_name = ANY "
                 "($1::text[]) AND outcome IN ('ok', 'error')",
                 {rows_034}) == 0);
    CHECK(r.value().outcome == run_outcome::refused);
    CHECK(contains(r.value().message, "unknown event_type"));
    CHECK(number(control, "SELECT count(*) FROM public.dot_iu_command_run") == 1);
}
