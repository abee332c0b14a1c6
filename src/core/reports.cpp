// The JSON of the run and gates reports (the others' are inline in reports.hpp).

#include <iucore/reports.hpp>

#include <algorithm>

namespace iucore {

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

} // namespace iucore
