// explain: what a governed command would do, from the definition alone.

#include <iucore/plan.hpp>

namespace iucore {

result<plan> explain(const definition& d, std::string_view command,
                     const std::vector<std::string>& tokens, const config_set* live_configs) {
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

std::string verdict(const plan& p) {
    if (!p.governed)
        return "would be REFUSED: " + p.command +
               " is not governed (no catalog row in the definition)";
    if (!p.decision) return "gates not evaluated (no database given)";
    return p.decision->allowed ? "would run" : "would be " + p.decision->verdict();
}

} // namespace iucore
