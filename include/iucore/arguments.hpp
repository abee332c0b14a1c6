#pragma once
// DOT command arguments: specs derived from the target function's named parameters, and the
// parsing of `key=value` tokens as the record's operator usage passes them.

#include <iucore/definition.hpp>
#include <iucore/detail/json_members.hpp>
#include <iucore/pg_bool.hpp>
#include <iucore/pg_type.hpp>

#include <optional>
#include <string>
#include <vector>

namespace iucore {

struct argument_spec {
    std::string name;
    pg_type type = pg_type::text;
    bool required = true;             // no SQL default
    std::vector<std::string> allowed; // empty: any value of the type
    bool selects_mode = false;        // the value picks the mode gates read
    friend bool operator==(const argument_spec&, const argument_spec&) = default;
};

struct bound_argument {
    std::string name;
    pg_type type = pg_type::text;
    std::string value; // as given; validated against the type
    friend bool operator==(const bound_argument&, const bound_argument&) = default;
};

struct bound_arguments {
    std::vector<bound_argument> values; // in the function's parameter order
    mode selected = mode::live;
    friend bool operator==(const bound_arguments&, const bound_arguments&) = default;
};

/// A command's registry entry with its signature, or an error naming the nearest command.
struct command_binding {
    const registry_entry* entry = nullptr;
    const signature* sig = nullptr;
};

namespace detail {

inline std::size_t edit_distance(std::string_view a, std::string_view b) {
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

/// The candidate closest to `word` by edit distance (first wins ties). Only the first 128 bytes
/// of `word` count: names are at most 63 bytes, and a huge word must not cost its length times
/// every candidate's.
inline std::string nearest(std::string_view word, const std::vector<std::string>& candidates) {
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

inline result<command_binding> bind_command(const definition& d, std::string_view command) {
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

inline std::vector<argument_spec> argument_specs(const command_binding& b) {
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

/// The mode a bound value selects: booleans are matched by meaning (`yes` selects what `true`
/// does), other values exactly.
inline result<mode> mode_from(const mode_argument& m, pg_type type, std::string_view value) {
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

/// Parses `key=value` tokens against the command's argument specs: the value is everything
/// after the first `=` (it may hold `=` and spaces, and may be empty where the type allows); a
/// repeated key, an unknown key (with the nearest valid one), every missing required key (all at
/// once) and every value that is not a literal of its PostgreSQL type is an error quoting the
/// token.
inline result<bound_arguments> parse_arguments(const command_binding& b,
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

inline result<bound_arguments> parse_arguments(const command_binding& b,
                                               const std::vector<std::string>& tokens) {
    return parse_arguments(b, argument_specs(b), tokens);
}

template <class Out>
void json_members(Out& out, const argument_spec& s) {
    out("name", s.name)("type", short_name(s.type))("required", s.required)("allowed", s.allowed)(
        "selects_mode", s.selects_mode);
}

template <class Out>
void json_members(Out& out, const bound_argument& a) {
    out("name", a.name)("type", short_name(a.type))("value", a.value);
}

} // namespace iucore
