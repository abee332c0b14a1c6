#pragma once
// explain: what a governed command would do, from the definition alone (and, when live
// configs are given, whether its gates would let it run). It predicts gates; it does not run
// the function.

#include <iucore/arguments.hpp>
#include <iucore/gate.hpp>
#include <iucore/statements.hpp>

#include <optional>
#include <string>
#include <vector>

namespace iucore {

struct plan {
    std::string command;
    bool governed = false; // the SSOT catalog has a row for it
    std::optional<catalog_row> row;
    signature target;
    std::vector<argument_spec> specs;
    bound_arguments arguments;
    call_sql sql;
    std::vector<gate> gates;               // those that hold the command in the selected mode
    std::optional<gate_decision> decision; // with live configs only
    std::string reverse;                   // how to reverse it, in words
    std::string not_simulated;
    /// What a run of it cannot log, one note per run-log column the table lacks.
    std::vector<std::string> not_logged;
};

inline result<plan> explain(const definition& d, std::string_view command,
                            const std::vector<std::string>& tokens,
                            const config_set* live_configs = nullptr) {
    BOOST_OUTCOME_TRY(auto binding, bind_command(d, command));
    plan p;
    p.specs = argument_specs(binding);
    BOOST_OUTCOME_TRY(p.arguments, parse_arguments(binding, p.specs, tokens));
    p.command = binding.entry->command;
    if (const auto* row = d.ssot_row(p.command)) p.row = *row;
    p.governed = p.row.has_value();
    p.target = *binding.sig;
    BOOST_OUTCOME_TRY(p.sql, render_call(d, binding, p.arguments));
    const auto selected = p.arguments.selected;
    p.gates = d.gates.applying(p.command, selected);
    if (live_configs) p.decision = d.gates.evaluate(p.command, selected, *live_configs);
    if (binding.entry->reversed_by)
        p.reverse = "reversed by " + *binding.entry->reversed_by;
    else if (p.row && p.row->reversible)
        p.reverse = "reversible, but the definition names no reversing command";
    else
        p.reverse = "not reversible";
    p.not_simulated =
        "explain predicts the gates from the config registry and binds the arguments; it does "
        "not run the function, so what the function itself checks or changes is not simulated";
    p.not_logged = d.schema.run_log.not_logged();
    return p;
}

/// The verdict in words: the gates' decision, or why the command cannot run at all.
inline std::string verdict(const plan& p) {
    if (!p.governed)
        return "would be REFUSED: " + p.command +
               " is not governed (no catalog row in the definition)";
    if (!p.decision) return "gates not evaluated (no database given)";
    return p.decision->allowed ? "would run" : "would be " + p.decision->verdict();
}

template <class Out>
void json_members(Out& out, const plan& p) {
    out("command", p.command)("governed", p.governed)("target", p.target.record_text())(
        "regprocedure", p.target.regprocedure())("mode", name(p.arguments.selected))(
        "arguments", p.arguments.values)("parameters", p.specs)("sql", p.sql.select())(
        "params", p.sql.params)("gates", p.gates)("verdict", verdict(p))("reverse", p.reverse)(
        "not_simulated",
        p.not_simulated)("not_logged", p.not_logged)("catalog_row", p.row)("decision", p.decision);
}

} // namespace iucore
