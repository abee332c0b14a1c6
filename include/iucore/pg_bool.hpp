#pragma once
// PostgreSQL's boolean input rules (bool.c parse_bool_with_len), so a value iucore accepts is
// one the server accepts, and SQL rendered elsewhere can list the same spellings.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace iucore {

/// Every spelling boolin reads as true, lower case (matching is case-insensitive): the unique
/// prefixes of "true" and "yes", "on", and "1".
inline constexpr std::array<std::string_view, 9> pg_true_spellings = {
    "t", "tr", "tru", "true", "y", "ye", "yes", "on", "1"};

/// Every spelling boolin reads as false, lower case: the unique prefixes of "false" and "no",
/// "of"/"off" (a lone "o" is ambiguous with "on"), and "0".
inline constexpr std::array<std::string_view, 10> pg_false_spellings = {
    "f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0"};

/// The boolean PostgreSQL reads from `text`, or nullopt where boolin would raise an error.
inline std::optional<bool> parse_pg_bool(std::string_view text) {
    // boolin trims with isspace() in the C locale.
    const auto is_space = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
    };
    while (!text.empty() && is_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_space(text.back()))
        text.remove_suffix(1);
    // The longest spelling is 5 bytes; anything longer cannot match.
    if (text.empty() || text.size() > 5) return std::nullopt;
    std::string lower(text);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    for (const auto spelling : pg_true_spellings) {
        if (lower == spelling) return true;
    }
    for (const auto spelling : pg_false_spellings) {
        if (lower == spelling) return false;
    }
    return std::nullopt;
}

} // namespace iucore
