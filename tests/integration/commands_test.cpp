// Governed DOT commands against the throwaway PostgreSQL (issue 4): the registry figures,
// argument parsing, explain's prediction against what run_command and the function itself do,
// the run log, gates with fail-closed evaluation, and promote → apply → prove of migration 035.
//
// Every case that touches the database gets a database of its own, in the state after
// migration 034: the 033 substrate, the baseline seed (render_seed "033") and apply "034".

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <iucore/engine/commands.hpp>
#include <iucore/engine/files.hpp>
#include <iucore/engine/lifecycle.hpp>
#include <iucore/render.hpp>

#include "test_database.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

using iucore::definition;
using iucore::errc;
using iucore::mode;
using iucore::run_outcome;
using iucore::session;
namespace json = boost::json;

namespace {

// ---------------------------------------------------------------------------------------------
// Fixtures

const std::string example_dir = IUCORE_EXAMPLES_DIR;

const definition& example() {
    static const definition d = [] {
        auto loaded = iucore::load_definition_file(example_dir + "/definition/iu_core.json");
        REQUIRE_MESSAGE(loaded.has_value(), (loaded ? "" : loaded.error().message));
        return loaded.value();
    }();
    return d;
}

/// Catalog rows after 034, from the definition (the record's own figures are pinned once, in
/// examples/python/tests/test_record.py).
std::int64_t rows_034() {
    return static_cast<std::int64_t>(example().catalog_at("034").value().size());
}

/// Unwraps a result, failing the test with its message.
template <class T>
T ok(iucore::result<T> r, const char* what) {
    REQUIRE_MESSAGE(r.has_value(), what << ": " << (r ? std::string() : r.error().message));
    return std::move(r).value();
}

/// A new database (tests/integration/test_database.hpp: dropped afterwards), in the post-034
/// state: the 033 substrate, the baseline seed, and migration 034 applied through the engine.
struct fresh_database {
    iucore::testing::test_database base;
    std::string conninfo;
    std::optional<session> s;

    explicit fresh_database(const std::string& tag) : base("cmd_" + tag) {
        conninfo = base.conninfo();
        iucore::testing::test_database::at_baseline(base, example());
        s.emplace(base.connect());
        const auto applied = ok(iucore::apply(*s, example(), "034"), "apply 034");
        REQUIRE(applied.outcome == iucore::apply_outcome::applied);
        REQUIRE(catalog_rows() == rows_034());
    }

    session& db() { return *s; }

    /// The first column of the first row of a query, as text ("" for NULL).
    std::string scalar(const std::string& sql,
                       const std::vector<std::optional<std::string>>& params = {}) {
        const auto rows = ok(s->run_params(sql, params), sql.c_str());
        REQUIRE_MESSAGE(!rows.rows.empty(), "no row from " << sql);
        return rows.rows[0][0].value_or("");
    }
    long count(const std::string& sql) { return std::stol(scalar(sql)); }
    long run_log_rows() { return count("SELECT count(*) FROM public.dot_iu_command_run"); }
    long instances() { return count("SELECT count(*) FROM public.iu_instance"); }
    long catalog_rows() { return count("SELECT count(*) FROM public.dot_iu_command_catalog"); }

    void exec(const std::string& sql) { ok(s->run(sql), sql.c_str()); }

    void set_gates(bool composer, bool auto_instantiate) {
        exec(std::string("UPDATE public.iu_core_config SET config_value = '") +
             (composer ? "true" : "false") +
             "' WHERE config_key = 'iu_core.composer_enabled';\n"
             "UPDATE public.iu_core_config SET config_value = '" +
             (auto_instantiate ? "true" : "false") +
             "' WHERE config_key = 'iu_core.auto_instantiate_enabled';");
    }

    /// The run-log row of a run: outcome, mode, actor, args and result as text.
    struct run_row {
        std::string outcome, mode, actor, args, result;
        bool result_null = true;
    };
    run_row run_log_row(std::optional<std::int64_t> id) {
        REQUIRE_MESSAGE(id.has_value(), "the run reported no run-log id");
        const auto rows = ok(s->run_params("SELECT outcome, mode, actor, args::text AS args, "
                                           "result::text AS result FROM public.dot_iu_command_run "
                                           "WHERE id = $1::bigint",
                                           {std::to_string(*id)}),
                             "read the run-log row");
        REQUIRE_MESSAGE(rows.rows.size() == 1, "no run-log row with id " << *id);
        run_row r{rows.text(0, "outcome"), rows.text(0, "mode"),   rows.text(0, "actor"),
                  rows.text(0, "args"),    rows.text(0, "result"), !rows.value(0, "result")};
        return r;
    }
};

/// What the function does when called with plain SQL on a raw libpq connection, bypassing
/// iucore entirely; the call runs in a transaction that is rolled back.
struct direct_outcome {
    bool succeeded = false;
    std::string message; // the server's primary message on failure
};

direct_outcome call_directly(const std::string& conninfo, const std::string& select) {
    std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectdb(conninfo.c_str()), PQfinish);
    REQUIRE_MESSAGE(PQstatus(conn.get()) == CONNECTION_OK, PQerrorMessage(conn.get()));
    std::unique_ptr<PGresult, void (*)(PGresult*)> begin(PQexec(conn.get(), "BEGIN"), PQclear);
    REQUIRE(PQresultStatus(begin.get()) == PGRES_COMMAND_OK);
    std::unique_ptr<PGresult, void (*)(PGresult*)> res(PQexec(conn.get(), select.c_str()), PQclear);
    direct_outcome out;
    out.succeeded = PQresultStatus(res.get()) == PGRES_TUPLES_OK;
    if (!out.succeeded) {
        const char* primary = PQresultErrorField(res.get(), PG_DIAG_MESSAGE_PRIMARY);
        out.message = primary ? primary : PQerrorMessage(conn.get());
    }
    std::unique_ptr<PGresult, void (*)(PGresult*)> rollback(PQexec(conn.get(), "ROLLBACK"),
                                                            PQclear);
    return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// The record's operator usage lines, with real UUIDs.
const std::string event_id = "6f1c1b9e-9a6e-4c55-9a53-2b0f3c0d7a11";
const std::string collection_id = "0b4e7f52-3f0d-4a47-8f0e-5d7f2c9a1e33";
const std::string from_event = "dot_iu_auto_instantiate_from_event";
const std::string rollback_by_actor = "dot_iu_auto_instantiate_rollback_by_actor";
const std::string composer = "iu_core.composer_enabled";
const std::string auto_instantiate = "iu_core.auto_instantiate_enabled";

std::vector<std::string>
from_event_tokens(const std::string& emit_mode, const std::string& suffix = "demo-001",
                  const std::string& event_type = "template.instance_auto_composed") {
    return {"event_id=" + event_id,
            "event_type=" + event_type,
            "template_collection_id=" + collection_id,
            "instance_key_suffix=" + suffix,
            "emit_mode=" + emit_mode,
            "actor=operator",
            "note=trial run"};
}

/// The configs a decision found false (closed gates), in gate order.
std::vector<std::string> closed_configs(const iucore::gate_decision& d) {
    std::vector<std::string> out;
    for (const auto& e : d.evaluations)
        if (!e.value) out.push_back(e.key);
    return out;
}

/// The failure of a result that must have failed.
template <class T>
iucore::failure failure_of(const iucore::result<T>& r) {
    REQUIRE_MESSAGE(!r.has_value(), "expected an error, got a value");
    return r.error();
}

} // namespace

// ---------------------------------------------------------------------------------------------

TEST_CASE(
    "registry figures: entries, governed ones and the catalog, computed from the definition") {
    const auto& d = example();
    const auto ssot = d.ssot();
    long governed = 0;
    for (const auto& e : d.registry)
        governed += ssot.find(e.command) ? 1 : 0;
    std::set<std::string> targets;
    for (const auto& row : ssot.rows())
        targets.insert(row.target_functions.begin(), row.target_functions.end());
    const auto f = ok(d.figures_at(d.latest_version()), "figures at the latest version");
    CHECK(f.registry_entries == static_cast<std::int64_t>(d.registry.size()));
    CHECK(f.governed_commands == governed);
    CHECK(f.catalog_rows == static_cast<std::int64_t>(ssot.size()));
    CHECK(f.distinct_targets == static_cast<std::int64_t>(targets.size()));
    CHECK(governed < static_cast<long>(d.registry.size())); // some commands are not governed
    CHECK(ssot.find(from_event) != nullptr);
    CHECK(ssot.find(rollback_by_actor) != nullptr);

    // Live, after 034: the catalog holds exactly the governed registry entries.
    fresh_database db("registry");
    const auto live = ok(iucore::read_catalog(db.db(), d), "read_catalog");
    CHECK(live.size() == ssot.size());
    for (const auto& e : d.registry) {
        CAPTURE(e.command);
        CHECK((live.find(e.command) != nullptr) == (ssot.find(e.command) != nullptr));
    }
}

TEST_CASE("argument parsing through explain, offline") {
    const auto& d = example();
    const auto expect_error = [&](const std::string& command,
                                  const std::vector<std::string>& tokens) {
        const auto f = failure_of(iucore::explain(d, command, tokens));
        CHECK(iucore::code_of(f) == errc::invalid_argument);
        return f.message;
    };

    SUBCASE("the record's usage lines bind, with no database") {
        const auto p = ok(iucore::explain(d, from_event, from_event_tokens("dry_run")), "explain");
        CHECK(p.governed);
        CHECK(p.arguments.selected == mode::dry_run);
        CHECK_FALSE(p.decision.has_value());
        CHECK(iucore::verdict(p) == "gates not evaluated (no database given)");
        CHECK(p.target.record_text() ==
              "fn_iu_auto_instantiate_from_event(uuid,text,uuid,text,text,text,text) \u2192 jsonb");
        REQUIRE(p.arguments.values.size() == 7);
        CHECK(p.arguments.values[6].value == "trial run");
        REQUIRE(p.gates.size() == 1);
        CHECK(p.gates[0].config == composer);

        const auto r =
            ok(iucore::explain(d, rollback_by_actor, {"actor=operator", "dry_run=true"}), "r");
        CHECK(r.governed);
        CHECK(r.arguments.selected == mode::dry_run);
        CHECK(r.sql.params == std::vector<std::string>{"operator", "true"});
    }
    SUBCASE("a value may hold '=' and spaces") {
        auto tokens = from_event_tokens("dry_run");
        tokens.back() = "note=a=b c";
        const auto p = ok(iucore::explain(d, from_event, tokens), "explain");
        REQUIRE(p.arguments.values.size() == 7);
        CHECK(p.arguments.values[6].name == "note");
        CHECK(p.arguments.values[6].value == "a=b c");
        CHECK(p.sql.params.back() == "a=b c");
    }
    SUBCASE("an empty value is allowed for text") {
        auto tokens = from_event_tokens("dry_run");
        tokens.back() = "note=";
        const auto p = ok(iucore::explain(d, from_event, tokens), "explain");
        REQUIRE(p.arguments.values.size() == 7);
        CHECK(p.arguments.values[6].value.empty());
    }
    // Each bad input: an invalid_argument error whose message holds every expected fragment.
    const auto with = [](std::size_t index, std::string token) {
        auto tokens = from_event_tokens("dry_run");
        if (index < tokens.size())
            tokens[index] = std::move(token);
        else
            tokens.push_back(std::move(token));
        return tokens;
    };
    const std::size_t appended = 99;
    struct bad_input {
        const char* what;
        std::string command;
        std::vector<std::string> tokens;
        std::vector<std::string> expected;
        std::vector<std::string> absent{};
    };
    const std::vector<bad_input> bad_inputs{
        {"an empty value is an error for uuid, quoting the token",
         from_event,
         with(0, "event_id="),
         {"\"event_id=\"", "uuid"}},
        {"a repeated key",
         from_event,
         with(appended, "actor=someone"),
         {"\"actor\" is given twice", "\"actor=someone\""}},
        {"an unknown key names the nearest valid key",
         from_event,
         with(4, "emit_mod=dry_run"),
         {"unknown argument \"emit_mod\"", "\"emit_mod=dry_run\"", "did you mean \"emit_mode\""}},
        {"every missing required key, in one message",
         from_event,
         {"emit_mode=dry_run"},
         {"missing required argument(s): event_id, event_type, template_collection_id, "
          "instance_key_suffix, actor"},
         {"note"}},
        {"a bad uuid",
         from_event,
         with(2, "template_collection_id=not-a-uuid"),
         {"\"template_collection_id=not-a-uuid\"", "not a valid uuid"}},
        {"a bad boolean",
         rollback_by_actor,
         {"actor=operator", "dry_run=maybe"},
         {"\"dry_run=maybe\"", "not a valid boolean"}},
        {"a value outside the allowed ones",
         from_event,
         from_event_tokens("maybe"),
         {"\"emit_mode=maybe\"", "expected one of dry_run, live"}},
        {"a token without '='",
         from_event,
         with(appended, "trial"),
         {"\"trial\" is not key=value"}},
        {"an unknown command names the nearest one",
         "dot_iu_auto_instantiate_from_evnt",
         {},
         {"did you mean \"" + from_event + "\""}},
    };
    for (const auto& bad : bad_inputs) {
        SUBCASE(bad.what) {
            const auto message = expect_error(bad.command, bad.tokens);
            for (const auto& fragment : bad.expected)
                CHECK_MESSAGE(contains(message, fragment), fragment << " not in: " << message);
            for (const auto& fragment : bad.absent)
                CHECK_MESSAGE(!contains(message, fragment), fragment << " in: " << message);
        }
    }
}

TEST_CASE("prediction equals reality: explain_live, run_command and the function agree") {
    fresh_database db("predict");
    const auto& d = example();
    struct attempt {
        std::string command;
        std::string mode_value; // emit_mode or dry_run
        bool live;
    };
    const std::vector<attempt> attempts{{from_event, "dry_run", false},
                                        {from_event, "live", true},
                                        {rollback_by_actor, "true", false},
                                        {rollback_by_actor, "false", true}};
    int combinations = 0;
    for (const bool composer_on : {false, true})
        for (const bool auto_on : {false, true})
            for (const auto& a : attempts) {
                CAPTURE(composer_on);
                CAPTURE(auto_on);
                CAPTURE(a.command);
                CAPTURE(a.mode_value);
                ++combinations;
                db.set_gates(composer_on, auto_on);
                const auto tokens =
                    a.command == from_event
                        ? from_event_tokens(a.mode_value, "predict-" + std::to_string(combinations))
                        : std::vector<std::string>{"actor=operator", "dry_run=" + a.mode_value};

                // The record's two-gate semantics (migration 033).
                const bool expected_allowed = composer_on && (!a.live || auto_on);
                std::vector<std::string> expected_closed;
                if (!composer_on) expected_closed.push_back(composer);
                if (a.live && !auto_on) expected_closed.push_back(auto_instantiate);

                // 1. The prediction.
                const auto p = ok(iucore::explain_live(db.db(), d, a.command, tokens), "explain");
                REQUIRE(p.decision.has_value());
                CHECK(p.arguments.selected == (a.live ? mode::live : mode::dry_run));
                CHECK(p.decision->allowed == expected_allowed);
                CHECK(closed_configs(*p.decision) == expected_closed);
                CHECK(iucore::verdict(p) == (expected_allowed
                                                 ? std::string("would run")
                                                 : "would be " + p.decision->verdict()));

                // 2. What run_command does.
                const auto before = db.run_log_rows();
                const auto r =
                    ok(iucore::run_command(db.db(), d, a.command, tokens, "tester"), "run");
                CHECK(db.run_log_rows() == before + 1);
                CHECK((r.outcome == run_outcome::ok) == p.decision->allowed);
                CHECK(r.outcome == (expected_allowed ? run_outcome::ok : run_outcome::refused));
                CHECK(r.decision == *p.decision);
                CHECK(r.round_trips == 1);
                const auto row = db.run_log_row(r.run_id);
                CHECK(row.outcome == std::string(iucore::name(r.outcome)));
                CHECK(row.mode == (a.live ? "live" : "dry_run"));
                for (const auto& config : expected_closed)
                    CHECK(contains(r.message, config + "=false"));

                // 3. What the function itself does, called with plain SQL.
                const auto sql =
                    a.command == from_event
                        ? "SELECT public.fn_iu_auto_instantiate_from_event('" + event_id +
                              "'::uuid, 'template.instance_auto_composed', '" + collection_id +
                              "'::uuid, 'direct-001', '" + a.mode_value +
                              "', 'operator', 'direct call')"
                        : "SELECT public.fn_iu_auto_instantiate_rollback_by_actor('operator', " +
                              a.mode_value + ")";
                const auto direct = call_directly(db.conninfo, sql);
                CAPTURE(direct.message);
                CHECK(direct.succeeded == p.decision->allowed);
                if (!direct.succeeded) {
                    CHECK(direct.message.starts_with("REFUSED"));
                    // The function names the first closed gate it checks.
                    CHECK(std::any_of(expected_closed.begin(), expected_closed.end(),
                                      [&](const auto& c) { return contains(direct.message, c); }));
                }
            }
    CHECK(combinations == 16);
}

TEST_CASE("run with both gates closed: refused, one run-log row, arguments as jsonb") {
    fresh_database db("closed");
    const auto& d = example();
    const auto before = db.run_log_rows();
    const auto r =
        ok(iucore::run_command(db.db(), d, from_event, from_event_tokens("dry_run"), "operator"),
           "run");
    CHECK(r.outcome == run_outcome::refused);
    CHECK(r.selected == mode::dry_run);
    CHECK(contains(r.message, "REFUSED"));
    CHECK(contains(r.message, "iu_core.composer_enabled=false"));
    CHECK(r.result_json.empty());
    CHECK(r.round_trips == 1);
    CHECK(db.run_log_rows() == before + 1);

    const auto row = db.run_log_row(r.run_id);
    CHECK(row.outcome == "refused");
    CHECK(row.mode == "dry_run");
    CHECK(row.actor == "operator");
    CHECK(row.result_null);
    const auto args = json::parse(row.args);
    REQUIRE(args.is_object());
    const auto& o = args.as_object();
    CHECK(o.size() == 7);
    CHECK(json::value_to<std::string>(o.at("event_id")) == event_id);
    CHECK(json::value_to<std::string>(o.at("template_collection_id")) == collection_id);
    CHECK(json::value_to<std::string>(o.at("emit_mode")) == "dry_run");
    CHECK(json::value_to<std::string>(o.at("note")) == "trial run");
    CHECK(db.count("SELECT count(*) FROM public.dot_iu_command_run WHERE id = " +
                   std::to_string(r.run_id.value()) + " AND jsonb_typeof(args) = 'object'") == 1);
    CHECK(db.instances() == 0);
}

TEST_CASE("run with both gates open: dry run, live run, and its reversal") {
    fresh_database db("open");
    const auto& d = example();
    db.set_gates(true, true);

    const auto dry =
        ok(iucore::run_command(db.db(), d, from_event, from_event_tokens("dry_run"), "operator"),
           "dry run");
    CHECK(dry.outcome == run_outcome::ok);
    CHECK(dry.round_trips == 1);
    REQUIRE_FALSE(dry.result_json.empty());
    CHECK(json::parse(dry.result_json).at("mode") == "dry_run");
    CHECK(db.instances() == 0);
    CHECK(db.run_log_row(dry.run_id).outcome == "ok");

    const auto live =
        ok(iucore::run_command(db.db(), d, from_event, from_event_tokens("live"), "operator"),
           "live run");
    CHECK(live.outcome == run_outcome::ok);
    CHECK(live.selected == mode::live);
    CHECK(live.round_trips == 1);
    CHECK(db.instances() == 1);
    const auto row = db.run_log_row(live.run_id);
    CHECK(row.outcome == "ok");
    CHECK(row.mode == "live");
    REQUIRE_FALSE(row.result_null);
    const auto result = json::parse(row.result);
    CHECK(result.at("mode") == "live");
    CHECK(result.at("created") == true);
    CHECK(json::value_to<std::string>(result.at("instance_key")) == collection_id + ":demo-001");
    CHECK(db.scalar("SELECT created_by || '|' || note FROM public.iu_instance") ==
          "operator|trial run");

    const auto reversed = ok(iucore::run_command(db.db(), d, rollback_by_actor,
                                                 {"actor=operator", "dry_run=false"}, "operator"),
                             "reversal");
    CHECK(reversed.outcome == run_outcome::ok);
    CHECK(reversed.selected == mode::live);
    CHECK(reversed.round_trips == 1);
    CHECK(json::parse(reversed.result_json).at("removed") == 1);
    CHECK(db.instances() == 0);
    CHECK(db.run_log_row(reversed.run_id).outcome == "ok");
}

TEST_CASE("a governed run is prepared once per session and prepared again when discarded") {
    fresh_database db("prepared");
    const auto& d = example();
    db.set_gates(true, false);
    const auto on_server = [&] {
        return std::stoi(db.scalar("SELECT count(*) FROM pg_prepared_statements "
                                   "WHERE name LIKE 'iucore_statement_%'"));
    };
    // The actor and the values change from run to run; the statement's text does not.
    int run_number = 0;
    const auto dry_run = [&] {
        const auto tokens = from_event_tokens("dry_run", "run-" + std::to_string(++run_number));
        const auto actor = "operator-" + std::to_string(run_number);
        auto r = ok(iucore::run_command(db.db(), d, from_event, tokens, actor), "dry run");
        CHECK(r.outcome == run_outcome::ok);
        CHECK(db.run_log_row(r.run_id).outcome == "ok");
        CHECK(db.run_log_row(r.run_id).actor == actor);
        return r;
    };
    REQUIRE(db.db().prepared_statements() == 0);
    const int runs = 8;
    for (int i = 0; i < runs; ++i)
        CHECK(dry_run().round_trips == 1);
    CHECK(db.db().prepared_statements() == 1);
    CHECK(on_server() == 1);
    // Executed by name after the first run: one execution of the statement per run.
    CHECK(std::stoi(db.scalar("SELECT generic_plans + custom_plans FROM pg_prepared_statements "
                              "WHERE name LIKE 'iucore_statement_%'")) == runs);

    // A pooler or the application may drop every prepared statement of the connection.
    ok(db.db().run("DISCARD ALL"), "DISCARD ALL");
    REQUIRE(on_server() == 0);
    CHECK(dry_run().round_trips == 2); // the failed Execute, then Parse + Execute
    CHECK(on_server() == 1);
    CHECK(dry_run().round_trips == 1);
    CHECK(db.db().prepared_statements() == 1);
}

TEST_CASE("a failing function is logged as error, with its message") {
    fresh_database db("error");
    const auto& d = example();
    db.set_gates(true, true);
    const auto before = db.run_log_rows();
    const auto r = ok(iucore::run_command(db.db(), d, from_event,
                                          from_event_tokens("dry_run", "demo-001", "unknown.type"),
                                          "operator"),
                      "run");
    CHECK(r.outcome == run_outcome::error);
    CHECK(contains(r.message, "unknown event_type"));
    CHECK(db.run_log_rows() == before + 1);
    const auto row = db.run_log_row(r.run_id);
    CHECK(row.outcome == "error");
    CHECK(row.mode == "dry_run");
    REQUIRE_FALSE(row.result_null);
    const auto result = json::parse(row.result);
    CHECK(contains(json::value_to<std::string>(result.at("error")),
                   "unknown event_type \"unknown.type\""));
}

TEST_CASE("ungoverned and uncatalogued commands are refused and logged, the function not called") {
    fresh_database db("ungoverned");
    const auto& d = example();

    SUBCASE("a registry entry without a catalog row") {
        REQUIRE(d.find_entry("dot_iu_help") != nullptr);
        REQUIRE(d.ssot().find("dot_iu_help") == nullptr);
        const auto before = db.run_log_rows();
        const auto p = ok(iucore::explain_live(db.db(), d, "dot_iu_help", {}), "explain");
        CHECK_FALSE(p.governed);
        CHECK(contains(iucore::verdict(p), "would be REFUSED"));
        CHECK(contains(iucore::verdict(p), "not governed"));
        const auto r = ok(iucore::run_command(db.db(), d, "dot_iu_help", {}, "operator"), "run");
        CHECK(r.outcome == run_outcome::refused);
        CHECK(contains(r.message, "REFUSED"));
        CHECK(contains(r.message, "not governed"));
        CHECK(r.result_json.empty()); // fn_iu_help returns jsonb: had it run, this would hold it
        CHECK(db.run_log_rows() == before + 1);
        const auto row = db.run_log_row(r.run_id);
        CHECK(row.outcome == "refused");
        CHECK(row.result_null);
    }
    SUBCASE("governed in the definition but missing from the live catalog") {
        const std::string command = "dot_iu_collection_list";
        REQUIRE(d.ssot().find(command) != nullptr);
        REQUIRE(db.count("SELECT count(*) FROM public.dot_iu_command_run WHERE command_name = '" +
                         command + "'") == 0);
        db.exec("DELETE FROM public.dot_iu_command_catalog WHERE command_name = '" + command + "'");
        const auto before = db.run_log_rows();
        const auto r = ok(iucore::run_command(db.db(), d, command, {}, "operator"), "run");
        CHECK(r.outcome == run_outcome::refused);
        CHECK(contains(r.message, "REFUSED"));
        CHECK(contains(r.message, "missing from the live catalog"));
        CHECK(r.result_json.empty());
        CHECK(db.run_log_rows() == before + 1);
        const auto row = db.run_log_row(r.run_id);
        CHECK(row.outcome == "refused");
        CHECK(row.result_null);
    }
}

TEST_CASE("bad arguments through run_command: invalid_argument and nothing written") {
    fresh_database db("badargs");
    const auto& d = example();
    db.set_gates(true, true); // were anything to slip through, it would run and be logged
    auto with = [](std::size_t index, const std::string& token) {
        auto tokens = from_event_tokens("dry_run");
        tokens[index] = token;
        return tokens;
    };
    auto plus = [](const std::string& token) {
        auto tokens = from_event_tokens("dry_run");
        tokens.push_back(token);
        return tokens;
    };
    struct bad {
        std::string what;
        std::string command;
        std::vector<std::string> tokens;
        std::string needle;
    };
    const std::vector<bad> cases{
        {"empty uuid", from_event, with(0, "event_id="), "\"event_id=\""},
        {"repeated key", from_event, plus("actor=x"), "given twice"},
        {"unknown key", from_event, with(4, "emit_mod=dry_run"), "did you mean \"emit_mode\""},
        {"missing keys", from_event, {"emit_mode=dry_run"}, "event_id, event_type"},
        {"bad uuid", from_event, with(0, "event_id=nope"), "\"event_id=nope\""},
        {"bad boolean",
         rollback_by_actor,
         {"actor=operator", "dry_run=maybe"},
         "\"dry_run=maybe\""},
        {"not allowed", from_event, with(4, "emit_mode=maybe"), "expected one of dry_run, live"},
        {"no '='", from_event, plus("trial"), "\"trial\" is not key=value"},
        {"unknown command", "dot_iu_nope", {}, "is not in the registry"},
    };
    const auto before = db.run_log_rows();
    for (const auto& c : cases) {
        CAPTURE(c.what);
        const auto r = iucore::run_command(db.db(), d, c.command, c.tokens, "operator");
        const auto f = failure_of(r);
        CHECK(iucore::code_of(f) == errc::invalid_argument);
        CHECK(contains(f.message, c.needle));
        CHECK(db.run_log_rows() == before);
    }
    CHECK(db.instances() == 0);
}

TEST_CASE("gates_live: every config, both gate configs evaluated, failing closed") {
    fresh_database db("gates");
    const auto& d = example();
    const auto report = ok(iucore::gates_live(db.db(), d), "gates");
    CHECK(report.live.entries().size() == 13);
    REQUIRE(report.evaluated.size() == 2);
    CHECK(report.evaluated[0].key == composer);
    CHECK(report.evaluated[1].key == auto_instantiate);
    for (const auto& e : report.evaluated) {
        CAPTURE(e.key);
        CHECK(e.reason == iucore::evaluation_reason::static_value);
        CHECK(e.error == iucore::evaluation_error::none);
        CHECK_FALSE(e.value);
    }
    CHECK(report.gates.size() == 2);

    // Open both gates, then break the composer gate in one way per subcase: explain and the run
    // must both refuse, naming the reason.
    db.set_gates(true, true);
    db.exec("ALTER TABLE public.iu_core_config DISABLE TRIGGER trg_iu_core_config_validate");
    iucore::evaluation_error expected_error = iucore::evaluation_error::none;
    std::string expected_words;
    SUBCASE("an unparseable value") {
        db.exec("UPDATE public.iu_core_config SET config_value = 'maybe' "
                "WHERE config_key = 'iu_core.composer_enabled'");
        expected_error = iucore::evaluation_error::parse_error;
        expected_words = "\"maybe\" is not a boolean";
    }
    SUBCASE("a missing row") {
        db.exec("DELETE FROM public.iu_core_config WHERE config_key = 'iu_core.composer_enabled'");
        expected_error = iucore::evaluation_error::flag_not_found;
        expected_words = "not in the registry";
    }
    SUBCASE("another declared type") {
        db.exec("UPDATE public.iu_core_config SET value_type = 'integer' "
                "WHERE config_key = 'iu_core.composer_enabled'");
        expected_error = iucore::evaluation_error::type_mismatch;
        expected_words = "declared as integer";
    }
    const auto broken = ok(iucore::gates_live(db.db(), d), "gates");
    REQUIRE(broken.evaluated.size() == 2);
    CHECK(broken.evaluated[0].reason == iucore::evaluation_reason::error);
    CHECK(broken.evaluated[0].error == expected_error);
    CHECK_FALSE(broken.evaluated[0].value);
    CHECK(broken.evaluated[1].value);

    for (const auto& m : {std::string("dry_run"), std::string("live")}) {
        CAPTURE(m);
        const auto p =
            ok(iucore::explain_live(db.db(), d, from_event, from_event_tokens(m)), "explain");
        REQUIRE(p.decision.has_value());
        CHECK_FALSE(p.decision->allowed);
        const auto v = iucore::verdict(p);
        CHECK(v.starts_with("would be REFUSED: iu_core.composer_enabled: "));
        CHECK(contains(v, expected_words));
        REQUIRE_FALSE(p.decision->evaluations.empty());
        CHECK(p.decision->evaluations[0].error == expected_error);

        const auto r =
            ok(iucore::run_command(db.db(), d, from_event, from_event_tokens(m), "t"), "run");
        CHECK(r.outcome == run_outcome::refused);
        CHECK(contains(r.message, expected_words));
        CHECK(db.run_log_row(r.run_id).outcome == "refused");
    }
    CHECK(db.instances() == 0);
}

TEST_CASE("a gate config with no value (NULL) fails closed in the run as in explain") {
    fresh_database db("nullgate");
    const auto& d = example();
    db.set_gates(true, true);
    db.exec("UPDATE public.iu_core_config SET config_value = NULL "
            "WHERE config_key = 'iu_core.composer_enabled'");

    const auto p =
        ok(iucore::explain_live(db.db(), d, rollback_by_actor, {"actor=operator", "dry_run=true"}),
           "explain");
    REQUIRE(p.decision.has_value());
    CHECK_FALSE(p.decision->allowed);
    REQUIRE_FALSE(p.decision->evaluations.empty());
    CHECK(p.decision->evaluations[0].reason == iucore::evaluation_reason::default_value);

    // The run must agree with explain: refused by the gate, not called.
    const auto r = ok(iucore::run_command(db.db(), d, rollback_by_actor,
                                          {"actor=operator", "dry_run=true"}, "tester"),
                      "run");
    CHECK(r.outcome == run_outcome::refused);
    CHECK(db.run_log_row(r.run_id).outcome == "refused");

    // A governed command whose function has no gate check of its own, held by the same gate:
    // with the gate config NULL it must not be called.
    definition gated = d;
    auto gates = gated.gates.gates();
    gates.push_back({composer, {mode::live}, {"dot_iu_collection_list"}});
    gated.gates = iucore::gate_set(gates);
    const auto before = db.run_log_rows();
    const auto listed = iucore::run_command(db.db(), gated, "dot_iu_collection_list", {}, "tester");
    CHECK_MESSAGE(listed.has_value(), (listed ? "" : listed.error().message));
    if (listed) CHECK(listed.value().outcome == run_outcome::refused);
    CHECK(db.count("SELECT count(*) FROM public.dot_iu_command_run WHERE outcome = 'ok' AND id > " +
                   std::to_string(before)) == 0);
}

TEST_CASE("promote fn_iu_instance_archive: migration 035, its figures, apply and prove") {
    fresh_database db("promote");
    const auto& d = example();
    iucore::promote_options options{"fn_iu_instance_archive", "dot_iu_instance_archive",
                                    "lifecycle", true, false};
    const auto d2 = ok(iucore::promote(db.db(), d, options), "promote");
    CHECK(db.catalog_rows() == rows_034()); // promote writes a definition, not the database

    REQUIRE(d2.migrations.size() == d.migrations.size() + 1);
    const auto& m = d2.migrations.back();
    CHECK(m.id == "035");
    CHECK(d2.latest_version() == "035");
    CHECK(m.requires_migrations == std::vector<std::string>{"034"});
    REQUIRE(m.requires_functions.size() == 1);
    CHECK(m.requires_functions[0].regprocedure() == "fn_iu_instance_archive(text,text)");
    REQUIRE(m.adds.size() == 1);
    CHECK(m.adds[0].command_name == "dot_iu_instance_archive");
    CHECK(m.adds[0].category == "lifecycle");
    CHECK(m.adds[0].mutating);
    CHECK_FALSE(m.adds[0].reversible);
    CHECK(m.adds[0].target_functions == std::vector<std::string>{"fn_iu_instance_archive"});
    CHECK(d2.find_entry("dot_iu_instance_archive") != nullptr);
    CHECK(d2.validate().has_value());

    // One row, one registry entry and one target function more than at 034.
    const auto f = ok(d2.figures_at("035"), "figures_at 035");
    const auto f34 = ok(d.figures_at("034"), "figures_at 034");
    CHECK(f.catalog_rows == f34.catalog_rows + 1);
    CHECK(f.distinct_targets == f34.distinct_targets + 1);
    CHECK(f.registry_entries == f34.registry_entries + 1);
    CHECK(f.governed_commands == f34.governed_commands + 1);
    // At 034 the promoted definition's catalog is the example's.
    CHECK(ok(d2.catalog_at("034"), "catalog at 034 of the promoted definition") ==
          ok(d.catalog_at("034"), "catalog at 034"));

    const auto forward = ok(iucore::render_forward(d2, "035"), "render_forward 035");
    CHECK(contains(forward.text(), "to_regprocedure('public.fn_iu_instance_archive(text,text)')"));
    CHECK(contains(forward.text(), "'dot_iu_instance_archive'"));

    // The story: 034's rows before; prove applies (one more), rolls back and re-applies.
    CHECK(db.catalog_rows() == rows_034());
    const auto proved = ok(iucore::prove(db.conninfo, d2, "035"), "prove 035");
    REQUIRE(proved.steps.size() == 3);
    CHECK(proved.steps[0].catalog_rows == rows_034() + 1);
    CHECK(proved.steps[1].catalog_rows == rows_034());
    CHECK(proved.steps[2].catalog_rows == rows_034() + 1);
    CHECK(proved.ok());
    CHECK(db.catalog_rows() == rows_034() + 1);

    // The promoted command is governed and runs (its function has no gate).
    const auto r = ok(iucore::run_command(db.db(), d2, "dot_iu_instance_archive",
                                          {"instance_key=k-1", "actor=operator"}, "operator"),
                      "run the promoted command");
    CHECK(r.outcome == run_outcome::ok);
    CHECK(json::parse(r.result_json).at("archived") == "k-1");
}

TEST_CASE("promote refuses what it cannot promote, with a clear error") {
    fresh_database db("promotebad");
    const auto& d = example();

    SUBCASE("a function that does not exist") {
        const auto f = failure_of(iucore::promote(
            db.db(), d,
            {"fn_iu_does_not_exist", "dot_iu_does_not_exist", "lifecycle", true, false}));
        CHECK(contains(f.message, "fn_iu_does_not_exist"));
        CHECK(contains(f.message, "does not exist"));
    }
    SUBCASE("a command that is already governed") {
        const auto f = failure_of(iucore::promote(
            db.db(), d, {"fn_iu_instance_archive", from_event, "collection", true, true}));
        CHECK(iucore::code_of(f) == errc::invalid_argument);
        CHECK(contains(f.message, from_event));
        CHECK(contains(f.message, "already governed"));
    }
    SUBCASE("a command name that does not start with dot_iu_") {
        // Must be an error value (or a promotion), never an exception.
        std::optional<iucore::result<definition>> r;
        CHECK_NOTHROW(r.emplace(iucore::promote(
            db.db(), d, {"fn_iu_instance_archive", "ping", "lifecycle", true, false})));
    }
    CHECK(db.catalog_rows() == rows_034());
}
