// The PostgreSQL literal checks behind validate_literal: each mirrors the server's input function
// (the source function is named at each), so a value is refused before any SQL is sent.

#include <iucore/pg_type.hpp>

#include <iucore/pg_bool.hpp>
#include <iucore/sql_text.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>

#include <array>
#include <charconv>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>

namespace iucore {

namespace detail {
namespace {

// The C-locale isspace() PostgreSQL's input functions trim with.
constexpr bool pg_isspace(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

constexpr bool pg_isdigit(char c) noexcept {
    return c >= '0' && c <= '9';
}

constexpr bool pg_isxdigit(char c) noexcept {
    return pg_isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

constexpr char ascii_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim_pg_space(std::string_view s) noexcept {
    while (!s.empty() && pg_isspace(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && pg_isspace(s.back()))
        s.remove_suffix(1);
    return s;
}

std::string ascii_lowered(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = ascii_lower(c);
    return out;
}

/// pg_strncasecmp(s, word, word.size()) == 0: `s` starts with `word`, ignoring ASCII case.
bool starts_with_nocase(std::string_view s, std::string_view word) noexcept {
    if (s.size() < word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
        if (ascii_lower(s[i]) != ascii_lower(word[i])) return false;
    }
    return true;
}

failure literal_failure(pg_type t, std::string_view value, std::string_view why) {
    return fail(errc::invalid_argument, "value " + quote_for_message(value) + " is not a valid " +
                                            std::string(name(t)) + ": " + std::string(why));
}

// uuid_in (string_to_uuid): optional braces, 32 hex digits, a hyphen allowed after any pair
// of bytes except the last; no whitespace.
bool is_pg_uuid(std::string_view s) noexcept {
    std::size_t i = 0;
    const bool braces = !s.empty() && s[0] == '{';
    if (braces) ++i;
    for (int byte = 0; byte < 16; ++byte) {
        if (s.size() - i < 2 || !pg_isxdigit(s[i]) || !pg_isxdigit(s[i + 1])) return false;
        i += 2;
        if (i < s.size() && s[i] == '-' && byte % 2 == 1 && byte < 15) ++i;
    }
    if (braces) {
        if (i >= s.size() || s[i] != '}') return false;
        ++i;
    }
    return i == s.size();
}

enum class parse_outcome { ok, syntax, range };

// pg_strtoint16/32/64 of PostgreSQL 15: spaces, optional sign, decimal digits, spaces.
parse_outcome parse_pg_int(std::string_view s, std::int64_t min, std::int64_t max) noexcept {
    s = trim_pg_space(s);
    bool neg = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        s.remove_prefix(1);
    }
    if (s.empty()) return parse_outcome::syntax;
    const std::uint64_t limit =
        neg ? static_cast<std::uint64_t>(-(min + 1)) + 1 : static_cast<std::uint64_t>(max);
    std::uint64_t mag = 0;
    bool overflow = false;
    for (const char c : s) {
        if (!pg_isdigit(c)) return parse_outcome::syntax;
        const auto d = static_cast<std::uint64_t>(c - '0');
        if (!overflow && mag > (limit - d) / 10) overflow = true;
        if (!overflow) mag = mag * 10 + d;
    }
    return overflow ? parse_outcome::range : parse_outcome::ok;
}

// numeric_in of PostgreSQL 15, including the storage limits make_result() enforces: at most
// 131072 digits before the decimal point (weight <= 32767 in base 10000) and a display scale
// of at most 16383.
parse_outcome parse_pg_numeric(std::string_view s) noexcept {
    while (!s.empty() && pg_isspace(s.front()))
        s.remove_prefix(1);
    const auto trailing_ok = [](std::string_view rest) {
        for (const char c : rest) {
            if (!pg_isspace(c)) return false;
        }
        return true;
    };
    // Checked in numeric_in's order, as prefixes, so "infinity" wins over "inf".
    for (const std::string_view special :
         {"nan", "infinity", "+infinity", "-infinity", "inf", "+inf", "-inf"}) {
        if (starts_with_nocase(s, special)) {
            return trailing_ok(s.substr(special.size())) ? parse_outcome::ok
                                                         : parse_outcome::syntax;
        }
    }
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    bool have_dp = false;
    if (i < s.size() && s[i] == '.') {
        have_dp = true;
        ++i;
    }
    if (i >= s.size() || !pg_isdigit(s[i])) return parse_outcome::syntax;
    std::int64_t int_digits = 0, frac_digits = 0;
    std::int64_t first_nonzero = -1; // index among all digits
    for (; i < s.size(); ++i) {
        if (pg_isdigit(s[i])) {
            if (s[i] != '0' && first_nonzero < 0) first_nonzero = int_digits + frac_digits;
            (have_dp ? frac_digits : int_digits) += 1;
        } else if (s[i] == '.') {
            if (have_dp) return parse_outcome::syntax;
            have_dp = true;
        } else {
            break;
        }
    }
    std::int64_t exponent = 0;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        // strtol(): it skips leading spaces and takes a sign, so "1e 5" is accepted.
        ++i;
        while (i < s.size() && pg_isspace(s[i]))
            ++i;
        bool neg = false;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
            neg = s[i] == '-';
            ++i;
        }
        if (i >= s.size() || !pg_isdigit(s[i])) return parse_outcome::syntax;
        for (; i < s.size() && pg_isdigit(s[i]); ++i) {
            if (exponent < INT_MAX) exponent = exponent * 10 + (s[i] - '0');
        }
        if (neg) exponent = -exponent;
        if (exponent >= INT_MAX / 2 || exponent <= -(INT_MAX / 2)) return parse_outcome::range;
    }
    if (!trailing_ok(s.substr(i))) return parse_outcome::syntax;
    const std::int64_t dscale = frac_digits - exponent > 0 ? frac_digits - exponent : 0;
    if (dscale > 0x3FFF) return parse_outcome::range;
    if (first_nonzero >= 0) {
        const std::int64_t msd_exponent = int_digits - 1 - first_nonzero + exponent;
        const std::int64_t weight =
            msd_exponent >= 0 ? msd_exponent / 4 : -((-msd_exponent + 3) / 4);
        if (weight > 32767) return parse_outcome::range;
    }
    return parse_outcome::ok;
}

// float4in/float8in of PostgreSQL 15: spaces, then what glibc's strtof/strtod read (decimal or
// 0x hexadecimal, inf/infinity/nan case-insensitive), then spaces. Overflow and underflow to
// zero are errors; subnormal results are accepted.
template <class Float>
parse_outcome parse_pg_float(std::string_view s) noexcept {
    s = trim_pg_space(s);
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) return parse_outcome::syntax;
    const char* first = s.data() + i;
    const char* last = s.data() + s.size();
    Float value{};
    std::from_chars_result r{};
    if (last - first >= 2 && first[0] == '0' && ascii_lower(first[1]) == 'x' &&
        (last - first == 2 || (first[2] != '+' && first[2] != '-'))) {
        r = std::from_chars(first + 2, last, value, std::chars_format::hex);
        // "0x" with no hex digits: strtod reads the "0" and leaves junk behind.
        if (r.ec == std::errc::invalid_argument) return parse_outcome::syntax;
    } else {
        r = std::from_chars(first, last, value);
    }
    if (r.ec == std::errc::invalid_argument) return parse_outcome::syntax;
    if (r.ptr != last) return parse_outcome::syntax;
    if (r.ec == std::errc::result_out_of_range) return parse_outcome::range;
    return parse_outcome::ok;
}

constexpr bool is_leap_year(int y) noexcept {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr int days_in_month(int y, int m) noexcept {
    constexpr std::array<int, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap_year(y) ? 29 : days[static_cast<std::size_t>(m - 1)];
}

/// Reads exactly `n` digits at `s[i]` into `out`, advancing `i`.
bool read_digits(std::string_view s, std::size_t& i, std::size_t n, int& out) noexcept {
    if (s.size() - i < n) return false;
    out = 0;
    for (std::size_t k = 0; k < n; ++k, ++i) {
        if (!pg_isdigit(s[i])) return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

constexpr std::string_view datetime_expected =
    "expected YYYY-MM-DD, optionally followed by 'T' or a space and HH:MM[:SS[.ffffff]] and a "
    "zone Z or +HH[:MM] / -HH[:MM], or one of now, today, tomorrow, yesterday, infinity, "
    "-infinity, epoch";

// The ISO 8601 subset of date_in/timestamp_in/timestamptz_in iucore accepts. Every value
// accepted here is accepted by PostgreSQL (which reads a time and zone even for date and
// ignores them), with the same field range checks; PostgreSQL accepts more forms.
result<void> check_pg_datetime(pg_type t, std::string_view value) {
    const std::string_view s = trim_pg_space(value);
    const std::string lower = ascii_lowered(s);
    for (const std::string_view special :
         {"now", "today", "tomorrow", "yesterday", "infinity", "-infinity", "epoch"}) {
        if (lower == special) return boost::outcome_v2::success();
    }
    const auto syntax = [&] { return literal_failure(t, value, datetime_expected); };
    const auto range = [&](const std::string& field) {
        return literal_failure(t, value, field + " is out of range");
    };
    std::size_t i = 0;
    int year = 0, month = 0, day = 0;
    if (!read_digits(s, i, 4, year) || i >= s.size() || s[i++] != '-' ||
        !read_digits(s, i, 2, month) || i >= s.size() || s[i++] != '-' ||
        !read_digits(s, i, 2, day)) {
        return syntax();
    }
    if (year < 1) return range("year " + std::to_string(year) + " (expected 0001 to 9999)");
    if (month < 1 || month > 12) {
        return range("month " + std::to_string(month) + " (expected 01 to 12)");
    }
    if (day < 1 || day > days_in_month(year, month)) {
        return range("day " + std::to_string(day) + " (expected 01 to " +
                     std::to_string(days_in_month(year, month)) + " in " +
                     std::string(s.substr(0, 7)) + ")");
    }
    if (i == s.size()) return boost::outcome_v2::success();
    if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return syntax();
    ++i;
    int hour = 0, minute = 0, second = 0;
    bool fraction_nonzero = false;
    if (!read_digits(s, i, 2, hour) || i >= s.size() || s[i++] != ':' ||
        !read_digits(s, i, 2, minute)) {
        return syntax();
    }
    if (i < s.size() && s[i] == ':') {
        ++i;
        if (!read_digits(s, i, 2, second)) return syntax();
        if (i < s.size() && s[i] == '.') {
            ++i;
            if (i >= s.size() || !pg_isdigit(s[i])) return syntax();
            for (; i < s.size() && pg_isdigit(s[i]); ++i)
                fraction_nonzero |= s[i] != '0';
        }
    }
    // PostgreSQL allows 24:00:00 and a leap second :60 exactly (both roll over).
    if (hour > 24 || (hour == 24 && (minute > 0 || second > 0 || fraction_nonzero))) {
        return range("hour " + std::to_string(hour) + " (expected 00 to 23, or 24:00:00)");
    }
    if (minute > 59) return range("minute " + std::to_string(minute) + " (expected 00 to 59)");
    if (second > 60 || (second == 60 && fraction_nonzero)) {
        return range("second " + std::to_string(second) + " (expected 00 to 59, or 60)");
    }
    while (i < s.size() && s[i] == ' ')
        ++i;
    if (i == s.size()) return boost::outcome_v2::success();
    if (s[i] == 'Z' || s[i] == 'z')
        return i + 1 == s.size() ? result<void>(boost::outcome_v2::success())
                                 : result<void>(syntax());
    if (s[i] != '+' && s[i] != '-') return syntax();
    ++i;
    int zone_hour = 0, zone_minute = 0;
    if (!read_digits(s, i, 2, zone_hour)) return syntax();
    if (i < s.size()) {
        if (s[i] == ':') ++i;
        if (!read_digits(s, i, 2, zone_minute) || i != s.size()) return syntax();
    }
    // MAX_TZDISP_HOUR is 15.
    if (zone_hour > 15 || zone_minute > 59) {
        return range("time zone offset " + std::string(s.substr(s.find_last_of("+-"))) +
                     " (expected -15:59 to +15:59)");
    }
    return boost::outcome_v2::success();
}

// Replaces the digits of every \uD800-\uDFFF escape with 0041: PostgreSQL's json type does not
// check surrogate pairing (only jsonb does), while Boost.JSON always does.
std::string neutralize_surrogate_escapes(std::string_view s) {
    std::string out(s);
    for (std::size_t i = 0; i + 1 < out.size(); ++i) {
        if (out[i] != '\\') continue;
        if (out[i + 1] == 'u' && i + 5 < out.size() && ascii_lower(out[i + 2]) == 'd' &&
            pg_isxdigit(out[i + 3]) && out[i + 3] >= '8' && pg_isxdigit(out[i + 4]) &&
            pg_isxdigit(out[i + 5])) {
            out.replace(i + 2, 4, "0041");
        }
        ++i; // skip the escaped character, so "\\" is not read as the start of an escape
    }
    return out;
}

/// Boost.JSON parse events, checked the way jsonb_in would: no \u0000 in strings or keys,
/// and every number within numeric's limits.
struct json_checker {
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);

    bool jsonb = false;
    bool saw_nul_escape = false;
    std::string number;
    std::string bad_number;

    bool reject(boost::json::error_code& ec) {
        ec = boost::json::error::syntax;
        return false;
    }
    bool check_text(boost::json::string_view s, boost::json::error_code& ec) {
        // A raw NUL is a JSON syntax error, so a NUL here came from \u0000.
        if (jsonb && s.find('\0') != boost::json::string_view::npos) {
            saw_nul_escape = true;
            return reject(ec);
        }
        return true;
    }
    bool finish_number(boost::json::string_view s, boost::json::error_code& ec) {
        number.append(s.data(), s.size());
        if (jsonb && parse_pg_numeric(number) != parse_outcome::ok) {
            bad_number = number;
            return reject(ec);
        }
        number.clear();
        return true;
    }

    bool on_document_begin(boost::json::error_code&) { return true; }
    bool on_document_end(boost::json::error_code&) { return true; }
    bool on_array_begin(boost::json::error_code&) { return true; }
    bool on_array_end(std::size_t, boost::json::error_code&) { return true; }
    bool on_object_begin(boost::json::error_code&) { return true; }
    bool on_object_end(std::size_t, boost::json::error_code&) { return true; }
    bool on_string_part(boost::json::string_view s, std::size_t, boost::json::error_code& ec) {
        return check_text(s, ec);
    }
    bool on_string(boost::json::string_view s, std::size_t, boost::json::error_code& ec) {
        return check_text(s, ec);
    }
    bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code& ec) {
        return check_text(s, ec);
    }
    bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code& ec) {
        return check_text(s, ec);
    }
    bool on_number_part(boost::json::string_view s, boost::json::error_code&) {
        number.append(s.data(), s.size());
        return true;
    }
    bool on_int64(std::int64_t, boost::json::string_view s, boost::json::error_code& ec) {
        return finish_number(s, ec);
    }
    bool on_uint64(std::uint64_t, boost::json::string_view s, boost::json::error_code& ec) {
        return finish_number(s, ec);
    }
    bool on_double(double, boost::json::string_view s, boost::json::error_code& ec) {
        return finish_number(s, ec);
    }
    bool on_bool(bool, boost::json::error_code&) { return true; }
    bool on_null(boost::json::error_code&) { return true; }
    bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
    bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }
};

result<void> check_pg_json(pg_type t, std::string_view value) {
    const bool jsonb = t == pg_type::jsonb;
    const std::string neutral = jsonb ? std::string() : neutralize_surrogate_escapes(value);
    const std::string_view input = jsonb ? value : std::string_view(neutral);
    boost::json::parse_options options;
    // PostgreSQL nests as deep as its stack allows (well past Boost's default of 32).
    options.max_depth = 100000;
    boost::json::basic_parser<json_checker> parser(options);
    parser.handler().jsonb = jsonb;
    boost::json::error_code ec;
    const std::size_t consumed = parser.write_some(false, input.data(), input.size(), ec);
    // write_some stops after one complete document; anything left is trailing junk.
    if (!ec && consumed != input.size()) ec = boost::json::error::extra_data;
    if (!ec) return boost::outcome_v2::success();
    const auto& checker = parser.handler();
    if (checker.saw_nul_escape) {
        return literal_failure(t, value,
                               "it contains the escape \\u0000, which jsonb cannot store: "
                               "expected JSON without \\u0000");
    }
    if (!checker.bad_number.empty()) {
        return literal_failure(t, value,
                               "number " + quote_for_message(checker.bad_number) +
                                   " overflows numeric: expected at most 131072 digits before "
                                   "the decimal point and 16383 after");
    }
    return literal_failure(t, value,
                           "it is not valid JSON (" + ec.message() + " at byte " +
                               std::to_string(consumed) + "): expected a JSON document");
}

std::string bool_spellings() {
    std::string out;
    for (const auto s : pg_true_spellings)
        out += std::string(s) + ", ";
    for (const auto s : pg_false_spellings)
        out += std::string(s) + ", ";
    out.resize(out.size() - 2);
    return out;
}

} // namespace
} // namespace detail

/// The pg_type named by `spelling`: the format_type name, the short name, or a common alias
/// (bool, int, int2, int4, int8, float, float4, float8, decimal); case-insensitive, trimmed.
result<pg_type> parse_pg_type(std::string_view spelling) {
    // Collapse runs of whitespace so "double   precision" reads like the catalog name.
    std::string key;
    for (const char c : detail::trim_pg_space(spelling)) {
        if (detail::pg_isspace(c)) {
            if (key.back() != ' ') key += ' ';
        } else {
            key += detail::ascii_lower(c);
        }
    }
    struct alias {
        std::string_view spelling;
        pg_type type;
    };
    static constexpr std::array<alias, 11> aliases = {{
        {"bool", pg_type::boolean},
        {"int2", pg_type::smallint},
        {"int", pg_type::integer},
        {"int4", pg_type::integer},
        {"int8", pg_type::bigint},
        {"decimal", pg_type::numeric},
        {"float4", pg_type::real},
        {"float", pg_type::double_precision},
        {"float8", pg_type::double_precision},
        {"timestamp with time zone", pg_type::timestamptz},
        {"timestamp without time zone", pg_type::timestamp},
    }};
    for (const pg_type t : all_pg_types) {
        if (key == short_name(t) || key == name(t)) return t;
    }
    for (const auto& a : aliases) {
        if (key == a.spelling) return a.type;
    }
    std::string supported;
    for (const pg_type t : all_pg_types) {
        if (!supported.empty()) supported += ", ";
        supported += short_name(t);
    }
    return fail(errc::invalid_argument,
                "type " + detail::quote_for_message(spelling) +
                    " is not supported: expected one of " + supported +
                    " (or the aliases bool, int, int2, int4, int8, float, float4, float8, "
                    "decimal, double precision, timestamp with time zone, timestamp without "
                    "time zone); types such as varchar or numeric(p,s) are not supported");
}

/// Succeeds when PostgreSQL's input function for `t` would accept `value`; otherwise the
/// failure names the value, the type and what was expected. Dates and timestamps accept an
/// ISO 8601 subset (see detail::datetime_expected), which PostgreSQL also accepts.
result<void> validate_literal(pg_type t, std::string_view value) {
    if (const auto problem = detail::text_problem(value); !problem.empty()) {
        return detail::literal_failure(t, value,
                                       problem + ", which PostgreSQL text input cannot hold");
    }
    const auto int_check = [&](std::int64_t min, std::int64_t max) -> result<void> {
        const std::string range = std::to_string(min) + " to " + std::to_string(max);
        switch (detail::parse_pg_int(value, min, max)) {
        case detail::parse_outcome::ok:
            return boost::outcome_v2::success();
        case detail::parse_outcome::syntax:
            return detail::literal_failure(
                t, value, "expected an optional sign and decimal digits (" + range + ")");
        case detail::parse_outcome::range:
            break;
        }
        return detail::literal_failure(t, value, "it is out of range: expected " + range);
    };
    const auto float_check = [&](detail::parse_outcome outcome) -> result<void> {
        switch (outcome) {
        case detail::parse_outcome::ok:
            return boost::outcome_v2::success();
        case detail::parse_outcome::syntax:
            return detail::literal_failure(t, value,
                                           "expected a decimal or 0x hexadecimal number, "
                                           "Infinity, -Infinity or NaN");
        case detail::parse_outcome::range:
            break;
        }
        return detail::literal_failure(t, value, "it is out of range for " + std::string(name(t)));
    };
    switch (t) {
    case pg_type::uuid:
        if (detail::is_pg_uuid(value)) return boost::outcome_v2::success();
        return detail::literal_failure(t, value,
                                       "expected 32 hexadecimal digits, optionally in "
                                       "8-4-4-4-12 groups and in braces");
    case pg_type::text:
        return boost::outcome_v2::success();
    case pg_type::boolean:
        if (parse_pg_bool(value)) return boost::outcome_v2::success();
        return detail::literal_failure(
            t, value, "expected one of " + detail::bool_spellings() + " (case-insensitive)");
    case pg_type::smallint:
        return int_check(INT16_MIN, INT16_MAX);
    case pg_type::integer:
        return int_check(INT32_MIN, INT32_MAX);
    case pg_type::bigint:
        return int_check(INT64_MIN, INT64_MAX);
    case pg_type::numeric:
        switch (detail::parse_pg_numeric(value)) {
        case detail::parse_outcome::ok:
            return boost::outcome_v2::success();
        case detail::parse_outcome::syntax:
            return detail::literal_failure(t, value,
                                           "expected [+-]digits[.digits][e[+-]digits], "
                                           "NaN, Infinity or -Infinity");
        case detail::parse_outcome::range:
            break;
        }
        return detail::literal_failure(t, value,
                                       "it overflows numeric: expected at most 131072 digits "
                                       "before the decimal point and 16383 after");
    case pg_type::real:
        return float_check(detail::parse_pg_float<float>(value));
    case pg_type::double_precision:
        return float_check(detail::parse_pg_float<double>(value));
    case pg_type::jsonb:
    case pg_type::json:
        return detail::check_pg_json(t, value);
    case pg_type::timestamptz:
    case pg_type::timestamp:
    case pg_type::date:
        return detail::check_pg_datetime(t, value);
    }
    return fail(errc::internal,
                "validate_literal: unknown pg_type " + std::to_string(static_cast<int>(t)));
}

} // namespace iucore
