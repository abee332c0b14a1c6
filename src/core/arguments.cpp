// DOT command arguments: binding a command, its specs, and the parsing of key=value tokens.

#include <iucore/arguments.hpp>

#include <algorithm>
#include <cstdint>

namespace iucore {

namespace detail {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const auto above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string nearest(std::string_view word, const std::vector<std::string>& candidates) {
    word = word.substr(0, 128);
    std::string best;
    std::size_t best_distance = SIZE_MAX;
    for (const auto& c : candidates) {
        const auto d = edit_distance(word, c);
        if (d < best_distance) {
            best_distance = d;
            best = c;
        }
    }
    return best;
}

} // namespace detail

result<command_binding> bind_command(const definition& d, std::string_view command) {
    const auto* entry = d.find_entry(command);
    if (!entry) {
        std::vector<std::string> names;
        for (const auto& e : d.registry)
            names.push_back(e.command);
        return fail(errc::invalid_argument, "command " + detail::quote_for_message(command) +
                                                " is not in the registry; did you mean \"" +
                                                detail::nearest(command, names) + "\"?");
    }
    return command_binding{entry, d.find_signature(entry->function)};
}

std::vector<argument_spec> argument_specs(const command_binding& b) {
    std::vector<argument_spec> out;
    out.reserve(b.sig->parameters.size());
    for (const auto& p : b.sig->parameters) {
        argument_spec spec{p.name, p.type, !p.has_default, {}, false};
        if (auto it = b.entry->allowed.find(p.name); it != b.entry->allowed.end())
            spec.allowed = it->second;
        spec.selects_mode = b.entry->mode_arg && b.entry->mode_arg->name == p.name;
        out.push_back(std::move(spec));
    }
    return out;
}

result<mode> mode_from(const mode_argument& m, pg_type type, std::string_view value) {
    std::string key(value);
    if (type == pg_type::boolean)
        if (auto b = parse_pg_bool(value)) key = *b ? "true" : "false";
    if (auto it = m.modes.find(key); it != m.modes.end()) return it->second;
    std::string known;
    for (const auto& [k, v] : m.modes)
        known += (known.empty() ? "" : ", ") + k;
    return fail(errc::invalid_argument, "argument " + m.name + "=" + std::string(value) +
                                            " selects no mode (expected one of: " + known + ")");
}

result<bound_arguments> parse_arguments(const command_binding& b,
                                        const std::vector<argument_spec>& specs,
                                        const std::vector<std::string>& tokens) {
    const auto& command = b.entry->command;
    // Views into the tokens: a value is copied once, when it is bound (explain's hot path).
    std::vector<std::optional<std::string_view>> given(specs.size());
    for (const std::string_view token : tokens) {
        const auto eq = token.find('=');
        if (eq == std::string_view::npos || eq == 0)
            return fail(errc::invalid_argument, command + ": argument " +
                                                    detail::quote_for_message(token) +
                                                    " is not key=value");
        const auto key = token.substr(0, eq);
        const auto it = std::find_if(specs.begin(), specs.end(),
                                     [key](const argument_spec& s) { return s.name == key; });
        if (it == specs.end()) {
            std::vector<std::string> names;
            for (const auto& spec : specs)
                names.push_back(spec.name);
            return fail(errc::invalid_argument,
                        command + ": unknown argument " + detail::quote_for_message(key) + " in " +
                            detail::quote_for_message(token) + "; did you mean \"" +
                            detail::nearest(key, names) + "\"?");
        }
        auto& slot = given[static_cast<std::size_t>(it - specs.begin())];
        if (slot)
            return fail(errc::invalid_argument, command + ": argument \"" + std::string(key) +
                                                    "\" is given twice (" +
                                                    detail::quote_for_message(token) + ")");
        slot = token.substr(eq + 1);
    }
    std::string missing;
    for (std::size_t i = 0; i < specs.size(); ++i)
        if (specs[i].required && !given[i])
            missing += (missing.empty() ? "" : ", ") + specs[i].name;
    if (!missing.empty())
        return fail(errc::invalid_argument, command + ": missing required argument(s): " + missing);
    bound_arguments out;
    out.values.reserve(specs.size());
    out.selected = mode::live; // a command with no mode argument acts for real
    if (b.entry->mode_arg && b.entry->mode_arg->default_mode)
        out.selected = *b.entry->mode_arg->default_mode;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (!given[i]) continue;
        const auto value = *given[i];
        const auto shown = [&] {
            return command + ": argument " +
                   detail::quote_for_message(specs[i].name + "=" + std::string(value));
        };
        if (auto valid = validate_literal(specs[i].type, value); !valid)
            return fail(errc::invalid_argument, shown() + ": " + valid.error().message);
        if (!specs[i].allowed.empty() && std::find(specs[i].allowed.begin(), specs[i].allowed.end(),
                                                   value) == specs[i].allowed.end()) {
            std::string allowed;
            for (const auto& a : specs[i].allowed)
                allowed += (allowed.empty() ? "" : ", ") + a;
            return fail(errc::invalid_argument, shown() + ": expected one of " + allowed);
        }
        if (specs[i].selects_mode) {
            BOOST_OUTCOME_TRY(out.selected, mode_from(*b.entry->mode_arg, specs[i].type, value));
        }
        out.values.push_back({specs[i].name, specs[i].type, std::string(value)});
    }
    if (b.entry->mode_arg && !b.entry->mode_arg->default_mode &&
        std::none_of(out.values.begin(), out.values.end(),
                     [&](const auto& v) { return v.name == b.entry->mode_arg->name; }))
        return fail(errc::invalid_argument, command + ": argument " + b.entry->mode_arg->name +
                                                " selects the mode and has no default; give it");
    return out;
}

result<bound_arguments> parse_arguments(const command_binding& b,
                                        const std::vector<std::string>& tokens) {
    return parse_arguments(b, argument_specs(b), tokens);
}

} // namespace iucore
