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

result<plan> explain(const definition& d, std::string_view command,
                     const std::vector<std::string>& tokens,
                     const config_set* live_configs = nullptr);

/// The verdict in words: the gates' decision, or why the command cannot run at all.
std::string verdict(const plan& p);

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
