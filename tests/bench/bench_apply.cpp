// iucore_bench suite 2. Apply 034: the engine against psql -f

#include "harness.hpp"

namespace iucore_bench {
namespace {

std::string find_psql(const options& o) {
    if (!o.psql.empty() && o.psql.find("NOTFOUND") == std::string::npos) return o.psql;
    return "psql";
}

} // namespace

void bench_apply(report& r, const options& o, const definition& d) {
    const std::string id = "034";
    test_database db("bench_apply");
    test_database::at_baseline(db, d);
    const auto forward = must(iucore::render_forward(d, id), "render_forward 034");
    temp_file file("iucore_bench_034", ".sql");
    file.write(forward.text());
    temp_file psql_stderr("iucore_bench_psql", ".err");
    const auto psql = find_psql(o);
    const std::vector<std::string> psql_argv{psql, "-X",          "-v", "ON_ERROR_STOP=on",
                                             "-d", db.conninfo(), "-f", file.path()};

    auto reset = [&] {
        auto s = db.connect();
        const auto back = must(iucore::rollback(s, d, id), "rollback 034 (reset)");
        if (back.deleted != 2)
            throw std::runtime_error("rollback 034 (reset) deleted " +
                                     std::to_string(back.deleted) + " rows, expected 2");
    };
    long engine_trips = -1;
    std::vector<double> connect_ms, apply_only_ms;
    auto engine = [&] {
        const auto start = clock_type::now();
        auto s = must(session::connect(db.conninfo()), "connecting");
        connect_ms.push_back(since_us(start) / 1000);
        const auto applied = clock_type::now();
        const auto report = must(iucore::apply(s, d, id), "apply 034");
        apply_only_ms.push_back(since_us(applied) / 1000);
        if (report.outcome != iucore::apply_outcome::applied || report.inserted != 2)
            throw std::runtime_error("apply 034: " + report.message);
        engine_trips = report.round_trips;
    };
    auto run_psql = [&](const std::vector<std::string>& extra_env) {
        const auto result = run_process(psql_argv, extra_env, false, psql_stderr.path());
        if (result.exit_code != 0)
            throw std::runtime_error(psql + " -f " + file.path() + " exited with " +
                                     std::to_string(result.exit_code) + ": " + psql_stderr.read());
    };

    // Warm-up: one of each (and the ledger table exists from here on for both).
    engine();
    reset();
    run_psql({});
    reset();
    std::vector<double> engine_ms, psql_ms;
    for (int i = 0; i < o.apply_iterations(); ++i) {
        auto one_engine = [&] {
            engine_ms.push_back(time_us(engine) / 1000);
            reset();
        };
        auto one_psql = [&] {
            psql_ms.push_back(time_us([&] { run_psql({}); }) / 1000);
            reset();
        };
        if (i % 2 == 0) {
            one_engine();
            one_psql();
        } else {
            one_psql();
            one_engine();
        }
    }
    // Round trips, counted apart from the timings: the engine's by count_trips on a fresh
    // connection (after connecting), psql's by the statements the server logs back to it.
    trip_counts traced;
    {
        auto s = must(session::connect(db.conninfo()), "connecting");
        traced = count_trips(s, 1, [&] {
            const auto report = must(iucore::apply(s, d, id), "apply 034 (counted)");
            if (report.outcome != iucore::apply_outcome::applied)
                throw std::runtime_error("apply 034 (counted): " + report.message);
        });
    }
    reset();
    std::optional<double> psql_statements;
    try {
        run_psql({"PGOPTIONS=-c log_statement=all -c client_min_messages=log"});
        psql_statements =
            static_cast<double>(count_occurrences(psql_stderr.read(), "LOG:  statement: "));
    } catch (const std::exception& e) {
        r.notes.push_back(std::string("psql statements not counted: ") + e.what());
    }
    reset();

    const auto e = summarize(engine_ms), p = summarize(psql_ms);
    r.add({"apply.median",
           "apply 034: engine (connect + apply) vs psql -f, median of " +
               std::to_string(o.apply_iterations()),
           "ms", e.median, p.median, true, "≤ 0.20× (≥ 5× faster)", e.median * 5 <= p.median, ""});
    const auto wire = per_call(traced.wire, 1);
    r.add({"apply.round_trips", "apply 034: round trips (engine: apply report; psql: statements)",
           "trips", static_cast<double>(engine_trips), psql_statements, false, "≤ 2",
           engine_trips <= 2 && wire && *wire <= 2, ""});
    r.details["apply"] = {
        {"migration", id},
        {"iterations", o.apply_iterations()},
        {"engine", to_json(e, "ms")},
        {"engine_connect", to_json(summarize(connect_ms), "ms")},
        {"engine_apply_call", to_json(summarize(apply_only_ms), "ms")},
        {"psql", to_json(p, "ms")},
        {"psql_command", "psql -X -v ON_ERROR_STOP=on -d <conninfo> -f " + forward.file_name},
        {"engine_round_trips_report", engine_trips},
        {"engine_trips", traced.to_json()},
        {"psql_logged_statements",
         psql_statements ? json::value(*psql_statements) : json::value(nullptr)},
        {"reset", "rollback(034) through the engine after every iteration"}};
}

} // namespace iucore_bench
