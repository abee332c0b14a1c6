#include <iucore/engine/commands.hpp>
#include <iucore/engine/files.hpp>
#include <iucore/engine/lifecycle.hpp>
#include <iucore/statements.hpp>

#include <algorithm>
#include <cstdlib>

namespace iucore {

void tag_invoke(json::value_from_tag, json::value& v, const run_report& r) {
    json::object o({{"operation", "run"},
                    {"command", r.command},
                    {"mode", name(r.selected)},
                    {"outcome", name(r.outcome)},
                    {"message", r.message},
                    {"run_id", r.run_id},
                    {"decision", json::value_from(r.decision, v.storage())},
                    {"round_trips", r.round_trips}},
                   v.storage());
    o["result"] =
        r.result_json.empty() ? json::value(nullptr) : json::parse(r.result_json, v.storage());
    v = std::move(o);
}

void tag_invoke(json::value_from_tag, json::value& v, const gates_report& r) {
    json::array gates(v.storage());
    for (const auto& g : r.gates) {
        auto evaluated = std::find_if(r.evaluated.begin(), r.evaluated.end(),
                                      [&](const auto& e) { return e.key == g.config; });
        gates.push_back({{"config", g.config},
                         {"modes", json::value_from(g.modes, v.storage())},
                         {"commands", json::value_from(g.commands, v.storage())},
                         {"open", evaluated != r.evaluated.end() && evaluated->value}});
    }
    v = {{"operation", "gates"},
         {"configs", json::value_from(r.live, v.storage())},
         {"evaluated", json::value_from(r.evaluated, v.storage())},
         {"gates", gates}};
}

result<plan> explain_live(session& s, const definition& d, std::string_view command,
                          const std::vector<std::string>& tokens) {
    BOOST_OUTCOME_TRY(auto configs, read_configs(s, d));
    return explain(d, command, tokens, &configs);
}

namespace {

/// Rebuilds what the server saw of each gate config, so the refusal names values and reasons
/// exactly as explain would.
result<config_set> configs_from_json(const std::string& text) {
    BOOST_OUTCOME_TRY(auto v, parse_json_text(text, "gate configs"));
    std::vector<config_entry> out;
    if (!v.is_array()) return config_set{};
    for (const auto& item : v.as_array()) {
        const auto& o = item.as_object();
        if (!o.at("found").as_bool()) continue;
        config_entry e;
        e.key = std::string(o.at("key").as_string());
        if (!o.at("value").is_null()) e.value = std::string(o.at("value").as_string());
        e.type = std::string(o.at("type").as_string());
        out.push_back(std::move(e));
    }
    return config_set(std::move(out));
}

/// After a failed run: when the target function does not resolve by its identity, what exists
/// under its name instead ("target function public.fn(uuid) not found; found other.fn(uuid)");
/// empty when it resolves (the run failed for another reason).
result<std::string> unresolved_target(session& s, const definition& d, const signature& sig) {
    BOOST_OUTCOME_TRY(auto resolution, render_function_resolution(d, sig));
    BOOST_OUTCOME_TRY(auto rows, s.run_params(resolution.text, resolution.params));
    if (rows.text(0, "found") == "t") return std::string();
    const auto instead = rows.value(0, "instead");
    return "target function " + function_identity(d, sig) + " not found; " +
           (instead ? "found " + *instead : std::string("no function has that name"));
}

} // namespace

result<run_report> run_command(session& s, const definition& d, std::string_view command,
                               const std::vector<std::string>& tokens, std::string_view actor) {
    BOOST_OUTCOME_TRY(auto binding, bind_command(d, command));
    BOOST_OUTCOME_TRY(auto args, parse_arguments(binding, tokens));
    if (const auto problem = detail::text_problem(actor); !problem.empty())
        return fail(errc::invalid_argument, "actor " + detail::quote_for_message(actor) +
                                                " cannot be stored because " + problem);
    BOOST_OUTCOME_TRY(auto governed_run, render_governed_run(d, binding, args, actor));
    const bool defined_governed = d.ssot_row(binding.entry->command) != nullptr;

    const int trips_before = s.round_trips();
    run_report report;
    report.command = binding.entry->command;
    report.selected = args.selected;
    auto rows = s.run_prepared(governed_run.text, governed_run.params);
    if (!rows) {
        // The statement rolled back as a whole; log the failed attempt on its own. Its locks went
        // with it, so a rollback may have deleted the catalog row meanwhile: 'error' only against
        // a row still there (locked KEY SHARE, as the run's statement does), else 'refused'.
        if (code_of(rows.error()) == errc::connection) return rows.error();
        BOOST_OUTCOME_TRY(auto failed_log,
                          render_failed_run_log(d, binding, args, actor, rows.error().message));
        BOOST_OUTCOME_TRY(auto logged, s.run_params(failed_log.text, failed_log.params));
        report.run_id = std::strtoll(logged.text(0, "id").c_str(), nullptr, 10);
        report.outcome =
            logged.text(0, "outcome") == "error" ? run_outcome::error : run_outcome::refused;
        // Why it failed, when the cause is the target's identity (best effort: the attempt is
        // logged already, so a failing look-up leaves the server's message as it is).
        const auto unresolved = unresolved_target(s, d, *binding.sig);
        const auto failure = !unresolved || unresolved.value().empty()
                                 ? rows.error().message
                                 : unresolved.value() + " (" + rows.error().message + ")";
        report.message = report.outcome == run_outcome::error
                             ? report.command + " failed: " + failure
                             : "REFUSED: " + report.command + " failed (" + failure +
                                   ") and is no longer in the live catalog " +
                                   d.schema.catalog.table;
        report.round_trips = s.round_trips() - trips_before;
        return report;
    }
    const auto& r = rows.value();
    report.run_id = std::strtoll(r.text(0, "id").c_str(), nullptr, 10);
    report.result_json = r.text(0, "result");
    BOOST_OUTCOME_TRY(auto seen, configs_from_json(r.text(0, "configs")));
    report.decision = d.gates.evaluate(report.command, args.selected, seen);
    const bool governed = r.text(0, "governed") == "t";
    const bool open = r.text(0, "open") == "t";
    if (open != report.decision.allowed)
        return fail(errc::internal, "gate evaluation disagrees between the server and iucore for " +
                                        report.command + "; this is a bug");
    if (!defined_governed) {
        report.message = "REFUSED: " + report.command +
                         " is not governed: the definition has no catalog row for it";
    } else if (!governed) {
        report.message = "REFUSED: " + report.command +
                         " is governed in the definition but missing from the live catalog " +
                         d.schema.catalog.table;
    } else if (!open) {
        report.message = report.decision.verdict();
    } else {
        report.outcome = run_outcome::ok;
        report.message = report.command + " ran in mode " + std::string(name(args.selected));
    }
    report.round_trips = s.round_trips() - trips_before;
    return report;
}

result<gates_report> gates_live(session& s, const definition& d) {
    gates_report report;
    BOOST_OUTCOME_TRY(report.live, read_configs(s, d));
    for (const auto& key : d.gates.configs())
        report.evaluated.push_back(evaluate_boolean(report.live, key));
    report.gates = d.gates.gates();
    return report;
}

result<definition> promote(session& s, const definition& d, const promote_options& options) {
    BOOST_OUTCOME_TRY(check_promote(d, options));
    if (!options.migration.empty()) {
        BOOST_OUTCOME_TRY(auto ledger, status(s, d));
        BOOST_OUTCOME_TRY(check_promote_ledger(options, ledger.migrations));
    }
    BOOST_OUTCOME_TRY(auto sig, read_signature(s, d, options.function));
    return promote(d, options, sig);
}

result<promote_report> promote_and_save(session& s, const definition& d,
                                        const promote_options& options, const std::string& path) {
    BOOST_OUTCOME_TRY(auto promoted, promote(s, d, options));
    if (!path.empty()) {
        BOOST_OUTCOME_TRY(save_definition_file(promoted, path));
    }
    // The migration the command went into: the named one, else the one promote appended.
    auto into = options.migration.empty() ? promoted.latest_version() : options.migration;
    return promote_report{std::move(promoted), path, std::move(into)};
}

void tag_invoke(json::value_from_tag, json::value& v, const promote_report& r) {
    const auto& m = *r.promoted.find_migration(r.migration);
    v = {{"operation", "promote"},
         {"migration", json::value_from(m, v.storage())},
         {"expectations", json::value_from(r.promoted.expectations(m.id).value(), v.storage())},
         {"definition", json::value_from(r.promoted, v.storage())}};
    v.as_object()["path"] =
        r.path.empty() ? json::value(nullptr) : json::value(r.path, v.storage());
}

} // namespace iucore
