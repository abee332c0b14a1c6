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

std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` by edit distance (first wins ties). Only the first 128 bytes
/// of `word` count: names are at most 63 bytes, and a huge word must not cost its length times
/// every candidate's.
std::string nearest(std::string_view word, const std::vector<std::string>& candidates);

} // namespace detail

result<command_binding> bind_command(const definition& d, std::string_view command);

std::vector<argument_spec> argument_specs(const command_binding& b);

/// The mode a bound value selects: booleans are matched by meaning (`yes` selects what `true`
/// does), other values exactly.
result<mode> mode_from(const mode_argument& m, pg_type type, std::string_view value);

/// Parses `key=value` tokens against the command's argument specs: the value is everything
/// after the first `=` (it may hold `=` and spaces, and may be empty where the type allows); a
/// repeated key, an unknown key (with the nearest valid one), every missing required key (all at
/// once) and every value that is not a literal of its PostgreSQL type is an error quoting the
/// token.
result<bound_arguments> parse_arguments(const command_binding& b,
                                        const std::vector<argument_spec>& specs,
                                        const std::vector<std::string>& tokens);

result<bound_arguments> parse_arguments(const command_binding& b,
                                        const std::vector<std::string>& tokens);

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
