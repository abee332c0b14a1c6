// The JSON of every report: declared in reports.hpp, written here once.

#include <iucore/reports.hpp>

#include <algorithm>

namespace iucore {

void tag_invoke(json::value_from_tag, json::value& v, const check_result& c) {
    json::object columns(v.storage());
    for (const auto& [name, value] : c.columns)
        columns[name] = value;
    v = {{"check", c.name},
         {"expected", c.expected},
         {"actual", c.actual},
         {"ok", c.ok},
         {"columns", columns}};
}

void tag_invoke(json::value_from_tag, json::value& v, const prove_step& s) {
    v = {{"step", s.step},
         {"outcome", s.outcome},
         {"expected_rows", s.expected_rows},
         {"catalog_rows", s.catalog_rows},
         {"backend_pid", s.backend_pid},
         {"ok", s.ok}};
}

void tag_invoke(json::value_from_tag, json::value& v, const apply_report& r) {
    v = {{"operation", "apply"},
         {"migration", r.migration},
         {"outcome", name(r.outcome)},
         {"dry_run", r.dry_run},
         {"inserted", r.inserted},
         {"insert_status", r.insert_status},
         {"checks", json::value_from(r.checks, v.storage())},
         {"checksum", r.checksum},
         {"checksum_algorithm", r.checksum_algorithm},
         {"chain_hash", r.chain_hash},
         {"message", r.message},
         {"round_trips", r.round_trips}};
}

void tag_invoke(json::value_from_tag, json::value& v, const rollback_report& r) {
    v = {{"operation", "rollback"},
         {"migration", r.migration},
         {"back_to", r.back_to},
         {"deleted", r.deleted},
         {"checks", json::value_from(r.checks, v.storage())},
         {"round_trips", r.round_trips}};
}

void tag_invoke(json::value_from_tag, json::value& v, const chain_report& r) {
    json::value error(nullptr);
    if (r.stopped)
        error = json::object(
            {{"code", r.stopped->code.message()},
             {"message", r.stopped->message},
             {"sqlstate", r.stopped->sqlstate.empty() ? json::value(nullptr)
                                                      : json::value(r.stopped->sqlstate)}},
            v.storage());
    v = {{"operation", r.operation == "apply" ? "apply_chain" : "rollback_chain"},
         {"to", r.to},
         {"steps", r.operation == "apply" ? json::value_from(r.applied, v.storage())
                                          : json::value_from(r.rolled_back, v.storage())},
         {"stopped_at", r.stopped_at.empty() ? json::value(nullptr) : json::value(r.stopped_at)},
         {"error", error},
         {"ok", r.ok()}};
}

void tag_invoke(json::value_from_tag, json::value& v, const verify_report& r) {
    v = {{"operation", "verify"},
         {"version", r.version},
         {"ok", r.ok()},
         {"checks", json::value_from(r.checks, v.storage())}};
}

void tag_invoke(json::value_from_tag, json::value& v, const prove_report& r) {
    v = {{"operation", "prove"},
         {"migration", r.migration},
         {"ok", r.ok()},
         {"steps", json::value_from(r.steps, v.storage())}};
}

void tag_invoke(json::value_from_tag, json::value& v, const diff_report& r) {
    v = {{"operation", "diff"},
         {"version", r.version},
         {"expected_rows", r.expected_rows},
         {"live_rows", r.live_rows},
         {"diff", json::value_from(r.differences, v.storage())}};
}

void tag_invoke(json::value_from_tag, json::value& v, const surface_report& r) {
    v = {{"operation", "surface"},
         {"version", r.version},
         {"expected", json::value_from(r.expected, v.storage())},
         {"live", json::value_from(r.live, v.storage())},
         {"differences", json::value_from(r.differences, v.storage())},
         {"ok", r.ok()}};
}

void tag_invoke(json::value_from_tag, json::value& v, const init_report& r) {
    v = {{"operation", "init"},
         {"version", r.version},
         {"output", r.output.empty() ? json::value(nullptr) : json::value(r.output)},
         {"command_prefix", r.command_prefix},
         {"catalog_rows", r.catalog_rows},
         {"signatures", r.signatures},
         {"configs", r.configs},
         {"gates", r.gates},
         {"notes", json::value_from(r.notes, v.storage())},
         {"verify", json::value_from(r.verified, v.storage())},
         {"diff", json::value_from(r.diffed, v.storage())},
         {"surface", json::value_from(r.surfaced, v.storage())},
         {"ok", r.ok()}};
}

void tag_invoke(json::value_from_tag, json::value& v, const ledger_report& r) {
    v = {{"operation", r.operation},
         {"migration", r.migration},
         {"checked_at", r.checked_at},
         {"recorded", json::value_from(r.recorded, v.storage())},
         {"checks", json::value_from(r.verified.checks, v.storage())},
         {"message", r.message},
         {"ok", r.ok()}};
}

void tag_invoke(json::value_from_tag, json::value& v, const status_report& r) {
    v = {{"operation", "status"},
         {"ledger_exists", r.ledger_exists},
         {"migrations", json::value_from(r.migrations, v.storage())}};
}

void tag_invoke(json::value_from_tag, json::value& v, const run_report& r) {
    json::object o({{"operation", "run"},
                    {"command", r.command},
                    {"mode", name(r.selected)},
                    {"outcome", name(r.outcome)},
                    {"message", r.message},
                    {"run_id", r.run_id ? json::value(*r.run_id) : json::value(nullptr)},
                    {"decision", json::value_from(r.decision, v.storage())},
                    {"round_trips", r.round_trips}},
                   v.storage());
    // Read as run_command checked it: a result it could not read is null (and `unreadable`).
    auto read = r.result_json.empty() ? result<json::value>(json::value(nullptr))
                                      : parse_json_text(r.result_json, "the result", v.storage());
    o["result"] = read ? std::move(read).value() : json::value(nullptr);
    o["unreadable"] =
        r.unreadable.empty() ? json::value(nullptr) : json::value(r.unreadable, v.storage());
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

void tag_invoke(json::value_from_tag, json::value& v, const promote_report& r) {
    const auto& m = *r.promoted.find_migration(r.migration);
    v = {{"operation", "promote"},
         {"migration", json::value_from(m, v.storage())},
         {"expectations", json::value_from(r.promoted.expectations(m.id).value(), v.storage())},
         {"definition", json::value_from(r.promoted, v.storage())}};
    v.as_object()["path"] =
        r.path.empty() ? json::value(nullptr) : json::value(r.path, v.storage());
}

void tag_invoke(json::value_from_tag, json::value& v, const pins_report& r) {
    v = {{"operation", "pins"},
         {"figures", json::value_from(r.by_version, v.storage())},
         {"checked_sites", r.checked_sites},
         {"mismatches", json::value_from(r.mismatches, v.storage())},
         {"ok", r.ok()}};
}

} // namespace iucore
