// iucore_bench suite 1. Governed run overhead

#include "harness.hpp"

namespace iucore_bench {
namespace {

/// One emit mode's governed runs, raw calls and calls logged by hand, interleaved.
struct run_measurement {
    std::string emit_mode;
    std::vector<std::string> sample_tokens;
    std::string raw_sql, logged_sql;
    stats governed, raw, logged;
    trip_counts governed_trips, raw_trips;

    json::object to_json() const {
        return {{"tokens", json::value_from(sample_tokens)},
                {"baseline_sql", raw_sql},
                {"governed", iucore_bench::to_json(governed, "us")},
                {"raw", iucore_bench::to_json(raw, "us")},
                {"logged_sql", logged_sql},
                {"logged", iucore_bench::to_json(logged, "us")},
                {"governed_trips", governed_trips.to_json()},
                {"raw_trips", raw_trips.to_json()}};
    }
};

/// Each of the three ways of calling gets its own instance keys (`<way>-<n>`): in live mode
/// every call creates an instance, as a real caller's would, instead of finding one.
run_measurement measure_runs(session& s, const definition& d, const options& o,
                             const std::string& emit_mode) {
    run_measurement m;
    m.emit_mode = emit_mode;
    struct call_values {
        std::string prefix;
        long next = 0;
        std::vector<std::string> values = from_event_values;
        /// The next call's values: a fresh instance key suffix, the given emit mode.
        const std::vector<std::string>& advance(const std::string& mode) {
            values[3] = prefix + "-" + std::to_string(next++);
            values[4] = mode;
            return values;
        }
    };
    call_values governed_values{"governed"}, raw_values{"raw"}, logged_values{"logged"};
    auto governed = [&] {
        const auto tokens = from_event_tokens(governed_values.advance(emit_mode));
        if (m.sample_tokens.empty()) m.sample_tokens = tokens;
        auto report = must(iucore::run_command(s, d, from_event, tokens, "bench"), "run_command");
        if (report.outcome != iucore::run_outcome::ok)
            throw std::runtime_error("run_command: " + report.message);
    };
    auto exec = [&](const std::string& sql, const std::vector<std::string>& values,
                    const char* what) {
        std::vector<const char*> pointers;
        for (const auto& v : values)
            pointers.push_back(v.c_str());
        PGresult* res = PQexecParams(s.native(), sql.c_str(), static_cast<int>(pointers.size()),
                                     nullptr, pointers.data(), nullptr, nullptr, 0);
        const bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
        std::string message = ok ? "" : PQresultErrorMessage(res);
        PQclear(res);
        if (!ok) throw std::runtime_error(std::string(what) + ": " + message);
    };
    // The baseline: the same function, the same arguments, one parameterised statement.
    m.raw_sql = "SELECT public.fn_iu_auto_instantiate_from_event($1::uuid, $2, $3::uuid, $4, $5, "
                "$6, $7)";
    auto raw = [&] { exec(m.raw_sql, raw_values.advance(emit_mode), "raw SELECT fn(...)"); };
    // A second, informational baseline: the same call and a run-log row written by hand in one
    // statement, without gates or the catalog check. It separates what logging costs (in dry-run
    // mode a write transaction the read-only raw call does not have) from what iucore adds.
    m.logged_sql =
        "WITH called AS (SELECT to_jsonb(public.fn_iu_auto_instantiate_from_event($1::uuid, $2, "
        "$3::uuid, $4, $5, $6, $7)) AS result)\n"
        "INSERT INTO public.dot_iu_command_run (command_name, actor, args, mode, outcome, result)\n"
        "SELECT $8, $6, $9::jsonb, $5, 'ok', result FROM called RETURNING id";
    const std::string args_json = "{\"event_id\": \"" + event_id + "\"}";
    auto logged = [&] {
        auto values = logged_values.advance(emit_mode);
        values.push_back(from_event);
        values.push_back(args_json);
        exec(m.logged_sql, values, "call + run-log INSERT by hand");
    };

    for (int i = 0; i < o.run_warmup(); ++i) {
        raw();
        governed();
        logged();
    }
    std::vector<double> governed_us, raw_us, logged_us;
    for (auto* v : {&governed_us, &raw_us, &logged_us})
        v->reserve(static_cast<std::size_t>(o.run_calls()));
    // Interleaved, rotating which goes first, so drift and caching hit all alike.
    const std::array<std::function<void()>, 3> order{
        [&] { raw_us.push_back(time_us(raw)); }, [&] { governed_us.push_back(time_us(governed)); },
        [&] { logged_us.push_back(time_us(logged)); }};
    for (int i = 0; i < o.run_calls(); ++i)
        for (std::size_t k = 0; k < order.size(); ++k)
            order[(static_cast<std::size_t>(i) + k) % order.size()]();
    m.governed = summarize(governed_us);
    m.raw = summarize(raw_us);
    m.logged = summarize(logged_us);
    m.governed_trips = count_trips(s, o.trip_calls(), governed);
    m.raw_trips = count_trips(s, o.trip_calls(), raw);
    return m;
}

} // namespace

void bench_run(report& r, const options& o, const definition& d) {
    test_database db("bench_run");
    test_database::at_baseline(db, d);
    auto s = db.connect();
    const auto applied = must(iucore::apply(s, d, "034"), "apply 034");
    if (applied.outcome != iucore::apply_outcome::applied)
        throw std::runtime_error("apply 034: " + applied.message);
    // Open every gate, so the dry run is called (not refused).
    const auto& c = d.schema.configs;
    must(s.run_params(
             "UPDATE " + must(iucore::quote_qualified_name(c.table), "config table") + " SET " +
                 must(iucore::quote_identifier(c.value_column), "column") + " = 'true' WHERE " +
                 must(iucore::quote_identifier(c.key_column), "column") + " = ANY ($1::text[])",
             {iucore::text_array_parameter(d.gates.configs())}),
         "opening the gates");

    const auto dry = measure_runs(s, d, o, "dry_run");
    // Live, the function itself writes (an instance row per new key) and commits, as every
    // mutating command does: the governed run's write is then one more row, not a transaction
    // of its own.
    const auto live = measure_runs(s, d, o, "live");

    // Whether PostgreSQL settled on a generic plan for the prepared governed statement.
    const auto plans = must(s.run_params("SELECT coalesce(sum(generic_plans), 0) AS generic, "
                                         "coalesce(sum(custom_plans), 0) AS custom "
                                         "FROM pg_prepared_statements",
                                         {}),
                            "pg_prepared_statements");
    const auto calls = std::to_string(o.run_calls());
    r.add({"run.median",
           "governed run: run_command vs PQexecParams SELECT fn(…), median of " + calls, "us",
           dry.governed.median, dry.raw.median, true, "≤ 1.15×",
           dry.governed.median <= 1.15 * dry.raw.median, ""});
    r.add({"run.p99", "governed run, p99", "us", dry.governed.p99, dry.raw.p99, true, "",
           std::nullopt, ""});
    r.add({"run.vs_logged", "governed run vs call + run-log INSERT by hand (one statement), median",
           "us", dry.governed.median, dry.logged.median, true, "", std::nullopt, ""});
    r.add({"run_live.median",
           "governed run, live mode (the function writes): vs the raw call, median of " + calls,
           "us", live.governed.median, live.raw.median, true, "", std::nullopt, ""});
    r.add({"run_live.vs_logged", "governed run, live mode, vs call + run-log INSERT by hand", "us",
           live.governed.median, live.logged.median, true, "", std::nullopt, ""});
    const auto session_trips = per_call(dry.governed_trips.session, dry.governed_trips.calls);
    const auto wire_trips = per_call(dry.governed_trips.wire, dry.governed_trips.calls);
    const auto raw_wire = per_call(dry.raw_trips.wire, dry.raw_trips.calls);
    const auto server = per_call(dry.governed_trips.server, dry.governed_trips.calls);
    const auto raw_server = per_call(dry.raw_trips.server, dry.raw_trips.calls);
    r.add({"run.round_trips.session", "governed run: round trips/call (session::round_trips)",
           "trips", session_trips, raw_wire, false, "1", session_trips == 1.0, ""});
    r.add({"run.round_trips.wire", "governed run: round trips/call (wire: ReadyForQuery, PQtrace)",
           "trips", wire_trips, raw_wire, false, "1", wire_trips == 1.0, ""});
    r.add({"run.statements.server", "governed run: statements/call (server: log_statement)",
           "trips", server, raw_server, false, "1",
           server ? std::optional<bool>(*server == 1.0) : std::nullopt,
           server ? "" : "not measured: " + dry.governed_trips.server_note});
    r.details["run"] = {{"command", from_event},
                        {"calls", o.run_calls()},
                        {"warmup", o.run_warmup()},
                        {"dry_run", dry.to_json()},
                        {"live", live.to_json()},
                        {"prepared_plans",
                         {{"generic", std::stoll(plans.text(0, "generic"))},
                          {"custom", std::stoll(plans.text(0, "custom"))}}}};
}

} // namespace iucore_bench
