#include <iucore/engine/commands.hpp>
#include <iucore/engine/files.hpp>
#include <iucore/engine/lifecycle.hpp>
#include <iucore/statements.hpp>

#include <algorithm>
#include <cstdlib>

namespace iucore {

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
    const auto shape = [] {
        return fail(errc::database, "gate configs: expected objects of key, value, type, found");
    };
    for (const auto& item : v.as_array()) {
        const auto* o = item.if_object();
        if (!o) return shape();
        const auto* found = o->if_contains("found");
        if (!found || !found->is_bool()) return shape();
        if (!found->get_bool()) continue; // a config the registry lacks: key only, no value
        const auto *key = o->if_contains("key"), *value = o->if_contains("value"),
                   *type = o->if_contains("type");
        const auto text_or_null = [](const json::value* x) {
            return x && (x->is_null() || x->is_string());
        };
        if (!key || !key->is_string() || !text_or_null(value) || !text_or_null(type))
            return shape();
        config_entry e;
        e.key = std::string(key->get_string());
        if (!value->is_null()) e.value = std::string(value->get_string());
        if (!type->is_null()) e.type = std::string(type->get_string());
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

/// The run-log id as the statement returned it: none when the run log has no id column.
std::optional<std::int64_t> run_id_of(const pg_rows& rows) {
    const auto id = rows.text(0, "id");
    if (id.empty()) return std::nullopt;
    return std::strtoll(id.c_str(), nullptr, 10);
}

/// Notes what of a committed run could not be read; the run stands.
void note_unreadable(run_report& report, const std::string& what) {
    report.unreadable += (report.unreadable.empty() ? "" : "; ") + what;
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
        report.run_id = run_id_of(logged);
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
    // From here the run has committed: whatever cannot be read of its answer is reported as
    // unreadable, never as a failed run.
    const auto& r = rows.value();
    report.run_id = run_id_of(r);
    report.result_json = r.text(0, "result");
    if (!report.result_json.empty())
        if (auto parsed = parse_json_text(report.result_json, "the result"); !parsed) {
            note_unreadable(report, parsed.error().message);
            report.result_json.clear();
        }
    const bool governed = r.text(0, "governed") == "t";
    const bool open = r.text(0, "open") == "t";
    if (auto seen = configs_from_json(r.text(0, "configs")); seen) {
        report.decision = d.gates.evaluate(report.command, args.selected, seen.value());
        if (open != report.decision.allowed)
            return fail(errc::internal,
                        "gate evaluation disagrees between the server and iucore for " +
                            report.command + "; this is a bug");
    } else {
        note_unreadable(report, seen.error().message);
    }
    if (!defined_governed) {
        report.message = "REFUSED: " + report.command +
                         " is not governed: the definition has no catalog row for it";
    } else if (!governed) {
        report.message = "REFUSED: " + report.command +
                         " is governed in the definition but missing from the live catalog " +
                         d.schema.catalog.table;
    } else if (!open) {
        report.message = report.unreadable.empty()
                             ? report.decision.verdict()
                             : "REFUSED: " + report.command + ": a gate of mode " +
                                   std::string(name(args.selected)) + " is closed";
    } else {
        report.outcome = run_outcome::ok;
        report.message = report.command + " ran in mode " + std::string(name(args.selected));
    }
    if (!report.unreadable.empty())
        report.message += " (committed; could not read: " + report.unreadable + ")";
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

} // namespace iucore
