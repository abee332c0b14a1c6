#pragma once
// The DOT command registry: every command the host exposes and how its arguments bind to the
// target function. Whether an entry is governed is computed from the catalog, never stated.
// An entry belongs to the version that registered it (`since`), so the registry's figures are
// per version like the catalog's.

#include <iucore/detail/json_io.hpp>
#include <iucore/mode.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace iucore {

/// The argument whose value selects the mode gates read, e.g. emit_mode=dry_run, or
/// dry_run=true for a boolean switch (values are matched as the argument's text).
struct mode_argument {
    std::string name;
    std::map<std::string, mode> modes;
    std::optional<mode> default_mode; // the mode when the argument is omitted (its SQL default)
    friend bool operator==(const mode_argument&, const mode_argument&) = default;
};

struct registry_entry {
    std::string command;
    std::string function;
    std::optional<mode_argument> mode_arg;
    std::map<std::string, std::vector<std::string>> allowed; // argument → allowed values
    std::optional<std::string> reversed_by;
    bool fixture = false;
    /// The migration that registered the entry; absent: the baseline (every version has it).
    std::optional<std::string> since;
    friend bool operator==(const registry_entry&, const registry_entry&) = default;
};

inline void tag_invoke(json::value_from_tag, json::value& v, const mode_argument& m) {
    json::object modes(v.storage());
    for (const auto& [value, mode_value] : m.modes)
        modes[value] = name(mode_value);
    v = {{"name", m.name}, {"modes", modes}};
    if (m.default_mode) v.as_object()["default"] = name(*m.default_mode);
}

inline result<mode_argument> from_json(std::type_identity<mode_argument>, const json::value& v,
                                       const std::string& path) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    mode_argument m;
    BOOST_OUTCOME_TRY(m.name, reader.required<std::string>("name"));
    BOOST_OUTCOME_TRY(m.modes, (reader.required<std::map<std::string, mode>>("modes")));
    BOOST_OUTCOME_TRY(m.default_mode, reader.optional<mode>("default"));
    BOOST_OUTCOME_TRY(reader.finish());
    if (m.modes.empty()) return fail(errc::invalid_definition, path + ".modes: empty");
    return m;
}

inline void tag_invoke(json::value_from_tag, json::value& v, const registry_entry& e) {
    json::object o({{"command", e.command}, {"function", e.function}}, v.storage());
    if (e.mode_arg) o["mode_argument"] = json::value_from(*e.mode_arg, v.storage());
    if (!e.allowed.empty()) o["allowed"] = json::value_from(e.allowed, v.storage());
    if (e.reversed_by) o["reversed_by"] = *e.reversed_by;
    if (e.fixture) o["fixture"] = true;
    if (e.since) o["since"] = *e.since;
    v = std::move(o);
}

inline result<registry_entry> from_json(std::type_identity<registry_entry>, const json::value& v,
                                        const std::string& path) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    registry_entry e;
    BOOST_OUTCOME_TRY(e.command, reader.required<std::string>("command"));
    BOOST_OUTCOME_TRY(e.function, reader.required<std::string>("function"));
    BOOST_OUTCOME_TRY(e.mode_arg, reader.optional<mode_argument>("mode_argument"));
    BOOST_OUTCOME_TRY(
        e.allowed,
        (reader.optional_or<std::map<std::string, std::vector<std::string>>>("allowed", {})));
    BOOST_OUTCOME_TRY(e.reversed_by, reader.optional<std::string>("reversed_by"));
    BOOST_OUTCOME_TRY(e.fixture, reader.optional_or<bool>("fixture", false));
    BOOST_OUTCOME_TRY(e.since, reader.optional<std::string>("since"));
    BOOST_OUTCOME_TRY(reader.finish());
    return e;
}

} // namespace iucore
