#pragma once
// Gates: rules over boolean configs, per command and mode. evaluate() predicts whether a
// governed command may run and says, for every config it read, what it found and why.

#include <iucore/config.hpp>
#include <iucore/mode.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace iucore {

/// The command may run in one of `modes` only while `config` is true.
struct gate {
    std::string config;
    std::vector<mode> modes;
    std::vector<std::string> commands;

    bool holds(std::string_view command, mode m) const {
        return std::find(modes.begin(), modes.end(), m) != modes.end() &&
               std::find(commands.begin(), commands.end(), command) != commands.end();
    }
    friend bool operator==(const gate&, const gate&) = default;
};

struct gate_decision {
    std::string command;
    mode requested = mode::dry_run;
    bool allowed = true;
    std::vector<config_evaluation> evaluations; // one per gate that holds, in gate order

    friend bool operator==(const gate_decision&, const gate_decision&) = default;

    /// `allowed` or `REFUSED: iu_core.composer_enabled=false` naming every closed gate.
    std::string verdict() const {
        if (allowed) return "allowed";
        std::string out = "REFUSED: ";
        bool first = true;
        for (const auto& e : evaluations) {
            if (e.value) continue;
            out += (first ? "" : ", ") + e.describe();
            first = false;
        }
        return out;
    }
};

class gate_set {
  public:
    gate_set() = default;
    explicit gate_set(std::vector<gate> gates) : gates_(std::move(gates)) {}
    const std::vector<gate>& gates() const { return gates_; }

    /// The gates that hold `command` in mode `m`, in definition order.
    std::vector<gate> applying(std::string_view command, mode m) const {
        std::vector<gate> out;
        for (const auto& g : gates_)
            if (g.holds(command, m)) out.push_back(g);
        return out;
    }

    /// Every config any gate reads, once each, in definition order.
    std::vector<std::string> configs() const {
        std::vector<std::string> out;
        for (const auto& g : gates_)
            if (std::find(out.begin(), out.end(), g.config) == out.end()) out.push_back(g.config);
        return out;
    }

    gate_decision evaluate(std::string_view command, mode m, const config_set& configs) const {
        gate_decision out;
        out.command = std::string(command);
        out.requested = m;
        for (const auto& g : applying(command, m)) {
            out.evaluations.push_back(evaluate_boolean(configs, g.config));
            out.allowed = out.allowed && out.evaluations.back().value;
        }
        return out;
    }

    friend bool operator==(const gate_set&, const gate_set&) = default;

  private:
    std::vector<gate> gates_;
};

template <class Out>
void json_members(Out& out, const gate& g) {
    out("config", g.config)("modes", g.modes)("commands", g.commands);
}

inline result<gate> from_json(std::type_identity<gate>, const json::value& v,
                              const std::string& path) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    gate g;
    BOOST_OUTCOME_TRY(g.config, reader.required<std::string>("config"));
    BOOST_OUTCOME_TRY(g.modes, reader.required<std::vector<mode>>("modes"));
    BOOST_OUTCOME_TRY(g.commands, reader.required<std::vector<std::string>>("commands"));
    BOOST_OUTCOME_TRY(reader.finish());
    if (g.modes.empty()) return fail(errc::invalid_definition, path + ".modes: empty");
    return g;
}

inline void tag_invoke(json::value_from_tag, json::value& v, const gate_set& g) {
    v = json::value_from(g.gates(), v.storage());
}

inline result<gate_set> from_json(std::type_identity<gate_set>, const json::value& v,
                                  const std::string& path) {
    BOOST_OUTCOME_TRY(auto gates, read_json<std::vector<gate>>(v, path));
    return gate_set(std::move(gates));
}

template <class Out>
void json_members(Out& out, const gate_decision& d) {
    out("command", d.command)("mode", name(d.requested))("allowed", d.allowed)(
        "verdict", d.verdict())("evaluations", d.evaluations);
}

inline result<gate_decision> from_json(std::type_identity<gate_decision>, const json::value& v,
                                       const std::string& path) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    gate_decision d;
    BOOST_OUTCOME_TRY(d.command, reader.required<std::string>("command"));
    BOOST_OUTCOME_TRY(d.requested, reader.required<mode>("mode"));
    BOOST_OUTCOME_TRY(d.allowed, reader.required<bool>("allowed"));
    BOOST_OUTCOME_TRY(reader.optional<std::string>("verdict")); // derived; read for symmetry
    BOOST_OUTCOME_TRY(d.evaluations,
                      reader.required<std::vector<config_evaluation>>("evaluations"));
    BOOST_OUTCOME_TRY(reader.finish());
    return d;
}

} // namespace iucore
