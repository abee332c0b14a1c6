#include <iucore/engine/commands.hpp>
#include <iucore/engine/lifecycle.hpp>

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

std::string args_json(const bound_arguments& args) {
    json::object o;
    for (const auto& a : args.values)
        o[a.name] = a.value;
    return json::serialize(o);
}

std::vector<std::string> true_spellings() {
    return {pg_true_spellings.begin(), pg_true_spellings.end()};
}

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

} // namespace

result<run_report> run_command(session& s, const definition& d, std::string_view command,
                               const std::vector<std::string>& tokens, std::string_view actor) {
    BOOST_OUTCOME_TRY(auto binding, bind_command(d, command));
    BOOST_OUTCOME_TRY(auto args, parse_arguments(binding, tokens));
    if (const auto problem = detail::text_problem(actor); !problem.empty())
        return fail(errc::invalid_argument, "actor " + detail::quote_for_message(actor) +
                                                " cannot be stored because " + problem);
    const auto& c = d.schema.configs;
    detail::sql_quoter q;
    const auto catalog = q.table(d.schema.catalog.table);
    const auto run_log = q.table(d.schema.run_log.table);
    const auto run_column = q.ident(d.schema.run_log.command_column);
    const auto config_table = q.table(c.table);
    const auto key = q.ident(c.key_column), value = q.ident(c.value_column),
               type = q.ident(c.type_column);
    BOOST_OUTCOME_TRY(q.status());
    constexpr int fixed_params = 7;
    BOOST_OUTCOME_TRY(auto call, render_call(d, binding, args, fixed_params + 1));
    const bool defined_governed = d.ssot_row(binding.entry->command) != nullptr;
    std::vector<std::string> gate_configs;
    for (const auto& g : d.gates.applying(binding.entry->command, args.selected))
        gate_configs.push_back(g.config);

    // A NULL config value makes its comparison NULL, which bool_and would skip: the inner
    // coalesce counts it as closed (fail closed, as evaluate_boolean does).
    // One statement: the INSERT takes the run log's ROW EXCLUSIVE lock at the start, then the
    // catalog row is read FOR KEY SHARE (lock order: run log, then catalog rows; see
    // lifecycle.hpp). The function is called only when governed and every gate is open.
    const std::string sql =
        "WITH governed AS (\n"
        "  SELECT $7::boolean AND EXISTS (SELECT 1 FROM " +
        catalog +
        " c WHERE c.command_name = $1 FOR KEY SHARE) AS live_row),\n"
        "gate_configs AS (\n"
        "  SELECT k.key, g." +
        value + " AS value, g." + type + " AS type, g." + key +
        " IS NOT NULL AS found\n"
        "    FROM unnest($2::text[]) AS k(key) LEFT JOIN " +
        config_table + " g ON g." + key +
        " = k.key),\n"
        "decision AS (\n"
        "  SELECT (SELECT live_row FROM governed) AS governed,\n"
        "         coalesce(bool_and(coalesce(gc.found AND gc.type = 'boolean' AND\n"
        "                  lower(btrim(gc.value, E' \\t\\n\\r\\f\\v')) = ANY ($3::text[]), "
        "false)),\n"
        "                  true) AS open,\n"
        "         coalesce(json_agg(json_build_object('key', gc.key, 'value', gc.value, 'type', "
        "gc.type, 'found', gc.found)), '[]'::json)::text AS configs\n"
        "    FROM gate_configs gc),\n"
        "called AS (\n"
        "  SELECT x.result, clock_timestamp() AS finished\n"
        "    FROM (SELECT to_jsonb(" +
        call.call +
        ") AS result FROM decision WHERE governed AND open) x),\n"
        "logged AS (\n"
        "  INSERT INTO " +
        run_log + " (" + run_column +
        ", actor, args, mode, outcome, result, duration_ms)\n"
        "  SELECT $1, $4, $5::jsonb, $6,\n"
        "         CASE WHEN d.governed AND d.open THEN 'ok' ELSE 'refused' END,\n"
        "         (SELECT result FROM called),\n"
        "         1000 * extract(epoch FROM coalesce((SELECT finished FROM called), "
        "clock_timestamp()) - statement_timestamp())\n"
        "    FROM decision d\n"
        "  RETURNING id, outcome)\n"
        "SELECT l.id, l.outcome, d.governed, d.open, d.configs, (SELECT result FROM called)::text "
        "AS result\n"
        "  FROM logged l, decision d";
    std::vector<std::optional<std::string>> params{binding.entry->command,
                                                   text_array_parameter(gate_configs),
                                                   text_array_parameter(true_spellings()),
                                                   std::string(actor),
                                                   args_json(args),
                                                   std::string(name(args.selected)),
                                                   defined_governed ? "true" : "false"};
    for (const auto& p : call.params)
        params.emplace_back(p);

    const int trips_before = s.round_trips();
    run_report report;
    report.command = binding.entry->command;
    report.selected = args.selected;
    auto rows = s.run_prepared(sql, params);
    if (!rows) {
        // The statement rolled back as a whole; log the failed attempt on its own. Its locks went
        // with it, so a rollback may have deleted the catalog row meanwhile: 'error' only against
        // a row still there (locked KEY SHARE, as the run's statement does), else 'refused'.
        if (code_of(rows.error()) == errc::connection) return rows.error();
        json::object error{{"error", rows.error().message}};
        BOOST_OUTCOME_TRY(
            auto logged,
            s.run_params("INSERT INTO " + run_log + " (" + run_column +
                             ", actor, args, mode, outcome, result) SELECT $1::text, $2::text, "
                             "$3::jsonb, $4::text, CASE WHEN EXISTS (SELECT 1 FROM " +
                             catalog +
                             " c WHERE c.command_name = $1::text FOR KEY SHARE) THEN 'error' ELSE "
                             "'refused' END, $5::jsonb RETURNING id, outcome",
                         {binding.entry->command, std::string(actor), args_json(args),
                          std::string(name(args.selected)), json::serialize(error)}));
        report.run_id = std::strtoll(logged.text(0, "id").c_str(), nullptr, 10);
        report.outcome =
            logged.text(0, "outcome") == "error" ? run_outcome::error : run_outcome::refused;
        report.message = report.outcome == run_outcome::error
                             ? report.command + " failed: " + rows.error().message
                             : "REFUSED: " + report.command + " failed (" + rows.error().message +
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

namespace {

std::string next_migration_id(const definition& d) {
    const auto latest = d.latest_version();
    const auto number = std::strtoll(latest.c_str(), nullptr, 10) + 1;
    auto id = std::to_string(number);
    while (id.size() < latest.size())
        id = "0" + id;
    return id;
}

} // namespace

result<definition> promote(session& s, const definition& d, const promote_options& options) {
    if (d.find_entry(options.command) && d.ssot_row(options.command))
        return fail(errc::invalid_argument,
                    "command \"" + options.command + "\" is already governed");
    BOOST_OUTCOME_TRY(auto sig, read_signature(s, d, options.function));
    definition out = d;
    if (const auto* known = out.find_signature(sig.name)) {
        if (!known->same_function(sig))
            return fail(errc::invalid_argument,
                        "function \"" + sig.name + "\": the definition has " +
                            known->regprocedure() + " but the database has " + sig.regprocedure());
    } else {
        out.signatures.push_back(sig);
    }
    migration m;
    m.id = next_migration_id(d);
    const std::string_view prefix = "dot_iu_";
    if (!options.command.starts_with(prefix) || options.command.size() == prefix.size())
        return fail(errc::invalid_argument, "promote: command " +
                                                detail::quote_for_message(options.command) +
                                                " must start with dot_iu_ and name a command");
    m.slug = "promote_" + options.command.substr(prefix.size());
    m.kind = migration_kind::data_only;
    m.requires_migrations = {d.latest_version()};
    m.requires_functions = {sig};
    m.adds = {{options.command,
               options.category,
               options.mutating,
               options.reversible,
               {sig.name},
               false}};
    out.migrations.push_back(std::move(m));
    if (!out.find_entry(options.command)) {
        registry_entry entry;
        entry.command = options.command;
        entry.function = sig.name;
        out.registry.push_back(std::move(entry));
    }
    auto valid = out.validate();
    if (!valid) return fail(errc::invalid_argument, "promote: " + valid.error().message);
    return out;
}

void tag_invoke(json::value_from_tag, json::value& v, const promote_report& r) {
    const auto& m = r.promoted.migrations.back();
    v = {{"operation", "promote"},
         {"migration", json::value_from(m, v.storage())},
         {"expectations", json::value_from(r.promoted.expectations(m.id).value(), v.storage())},
         {"definition", json::value_from(r.promoted, v.storage())}};
    v.as_object()["path"] =
        r.path.empty() ? json::value(nullptr) : json::value(r.path, v.storage());
}

} // namespace iucore
