#pragma once
// PostgreSQL quoting rules for identifiers, literals and dollar-quoted bodies, as pure text
// functions: the SQL iucore renders must mean exactly what it says whatever the names hold.

#include "iucore/error.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace iucore {

/// True when `s` is well-formed UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF
/// (the same bytes PostgreSQL accepts in a UTF8 database).
inline bool is_valid_utf8(std::string_view s) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        // Eight ASCII bytes at a time: most of what is checked (names, arguments) is ASCII.
        if (std::uint64_t word; n - i >= sizeof word) {
            std::memcpy(&word, p + i, sizeof word);
            if ((word & 0x8080808080808080ULL) == 0) {
                i += sizeof word;
                continue;
            }
        }
        const unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        // The allowed range of the second byte carries the overlong/surrogate/max rules.
        unsigned char lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            if (c == 0xe0) lo = 0xa0; // overlong
            if (c == 0xed) hi = 0x9f; // UTF-16 surrogates
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            if (c == 0xf0) lo = 0x90; // overlong
            if (c == 0xf4) hi = 0x8f; // beyond U+10FFFF
        } else {
            return false; // continuation byte, overlong lead 0xc0/0xc1, or 0xf5..0xff
        }
        if (n - i < len) return false;
        if (p[i + 1] < lo || p[i + 1] > hi) return false;
        for (std::size_t j = 2; j < len; ++j) {
            if (p[i + j] < 0x80 || p[i + j] > 0xbf) return false;
        }
        i += len;
    }
    return true;
}

namespace detail {

/// `s` in double quotes for an error message: readable whatever it holds (control bytes and
/// invalid UTF-8 become \xNN) and cut short so a huge value cannot swamp the message.
inline std::string quote_for_message(std::string_view s, std::size_t max_bytes = 200) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out = "\"";
    std::size_t i = 0;
    while (i < s.size()) {
        if (i >= max_bytes) {
            out += "...";
            break;
        }
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
            ++i;
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
            ++i;
        } else if (c >= 0x80) {
            // Keep a whole valid sequence; escape a byte that does not start one.
            const std::size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
            if (i + len <= s.size() && is_valid_utf8(s.substr(i, len))) {
                out += s.substr(i, len);
                i += len;
            } else {
                out += "\\x";
                out += hex[c >> 4];
                out += hex[c & 0xf];
                ++i;
            }
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
            ++i;
        }
    }
    out += '"';
    return out;
}

/// Keywords PostgreSQL 15 does not accept as bare column names, i.e. every category in
/// kwlist.h except UNRESERVED_KEYWORD (RESERVED, TYPE_FUNC_NAME and COL_NAME). quote_ident
/// quotes all of them, so we must too to produce the same text. Sorted for binary search.
inline constexpr std::array<std::string_view, 151> pg_non_unreserved_keywords = {
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
};

static_assert(std::ranges::is_sorted(pg_non_unreserved_keywords));

/// The longest of those keywords: a longer word is none of them, without a search (most names
/// a statement quotes are longer).
inline constexpr std::size_t longest_keyword_needing_quotes =
    std::ranges::max(pg_non_unreserved_keywords, {}, &std::string_view::size).size();

inline bool is_pg_keyword_needing_quotes(std::string_view word) noexcept {
    return word.size() <= longest_keyword_needing_quotes &&
           std::ranges::binary_search(pg_non_unreserved_keywords, word);
}

/// Why `s` cannot be PostgreSQL text (a NUL byte or invalid UTF-8), or empty when it can.
inline std::string text_problem(std::string_view s) {
    if (s.find('\0') != std::string_view::npos) return "it contains a NUL byte";
    if (!is_valid_utf8(s)) return "it is not valid UTF-8";
    return {};
}

} // namespace detail

/// Longest identifier PostgreSQL keeps whole (NAMEDATALEN - 1); longer ones get truncated.
inline constexpr std::size_t pg_max_identifier_bytes = 63;

/// Appends quote_identifier(ident) to `out` (nothing on failure): the same text, without a
/// string of its own, for code that renders a statement piece by piece.
inline result<void> append_identifier(std::string& out, std::string_view ident) {
    // Quoted for a message only on failure: quoting is a hot path of explain and run.
    const auto shown = [ident] { return detail::quote_for_message(ident); };
    if (ident.empty()) {
        return fail(errc::invalid_argument,
                    "identifier " + shown() + " is empty: expected 1 to 63 bytes of UTF-8");
    }
    // Same rule as ruleutils.c quote_identifier: note '$' is legal in a bare name but
    // quote_ident still quotes it, and we match quote_ident's text exactly.
    bool safe = (ident[0] >= 'a' && ident[0] <= 'z') || ident[0] == '_';
    std::size_t quotes = 0;
    for (const char ch : ident) {
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) {
            safe = false;
            if (ch == '"') ++quotes;
        }
    }
    // A bare name is ASCII without NUL: only other names need the text check.
    if (const auto problem = safe ? std::string() : detail::text_problem(ident); !problem.empty()) {
        return fail(errc::invalid_argument, "identifier " + shown() + " is not usable because " +
                                                problem + ": expected UTF-8 text without NUL");
    }
    if (ident.size() > pg_max_identifier_bytes) {
        return fail(errc::invalid_argument,
                    "identifier " + shown() + " is " + std::to_string(ident.size()) +
                        " bytes long: expected at most 63 bytes (NAMEDATALEN-1), since "
                        "PostgreSQL would silently truncate it");
    }
    if (safe && !detail::is_pg_keyword_needing_quotes(ident)) {
        out += ident;
        return boost::outcome_v2::success();
    }
    out.reserve(out.size() + ident.size() + quotes + 2);
    out += '"';
    for (const char ch : ident) {
        if (ch == '"') out += '"';
        out += ch;
    }
    out += '"';
    return boost::outcome_v2::success();
}

/// `ident` as PostgreSQL's quote_ident would write it: bare when it is a lower-case name that
/// is not a keyword, else in double quotes with embedded quotes doubled.
inline result<std::string> quote_identifier(std::string_view ident) {
    std::string out;
    BOOST_OUTCOME_TRY(append_identifier(out, ident));
    return out;
}

/// The schema part of `name` or `schema.name` (plain, unquoted parts): "public" when there is
/// none. A view into `qualified` or a literal.
inline std::string_view schema_of_qualified(std::string_view qualified) {
    const auto dot = qualified.find('.');
    return dot == std::string_view::npos ? std::string_view("public") : qualified.substr(0, dot);
}

/// `name` or `schema.name` (plain, unquoted parts) with each part quoted by quote_identifier.
inline result<std::string> quote_qualified_name(std::string_view qualified) {
    const auto shown = [qualified] { return detail::quote_for_message(qualified); };
    const auto dot = qualified.find('.');
    if (dot != std::string_view::npos && qualified.find('.', dot + 1) != std::string_view::npos) {
        return fail(errc::invalid_argument, "qualified name " + shown() +
                                                " has more than one dot: expected \"name\" or "
                                                "\"schema.name\"");
    }
    if (qualified.empty() ||
        (dot != std::string_view::npos && (dot == 0 || dot + 1 == qualified.size()))) {
        return fail(errc::invalid_argument,
                    "qualified name " + shown() +
                        " has an empty part: expected \"name\" or \"schema.name\"");
    }
    std::string out;
    if (dot != std::string_view::npos) {
        auto schema = quote_identifier(qualified.substr(0, dot));
        if (!schema) {
            return fail(errc::invalid_argument,
                        "in qualified name " + shown() + ": " + schema.error().message);
        }
        out = std::move(schema).value();
        out += '.';
    }
    auto name =
        quote_identifier(dot == std::string_view::npos ? qualified : qualified.substr(dot + 1));
    if (!name) {
        return fail(errc::invalid_argument,
                    "in qualified name " + shown() + ": " + name.error().message);
    }
    out += name.value();
    return out;
}

/// `value` as PostgreSQL's quote_literal would write it: single quotes doubled, and when a
/// backslash is present an E'' string with backslashes doubled, so the text means the same
/// whatever standard_conforming_strings is set to.
inline result<std::string> quote_literal(std::string_view value) {
    if (const auto problem = detail::text_problem(value); !problem.empty()) {
        return fail(errc::invalid_argument, "literal " + detail::quote_for_message(value) +
                                                " cannot be PostgreSQL text "
                                                "because " +
                                                problem + ": expected UTF-8 text without NUL");
    }
    std::string out;
    const auto first_special = value.find_first_of("'\\");
    if (first_special == std::string_view::npos) { // the common case: nothing to double
        out.reserve(value.size() + 2);
        out += '\'';
        out += value;
        out += '\'';
        return out;
    }
    out.reserve(value.size() + 8);
    if (value.find('\\') != std::string_view::npos) out += 'E';
    out += '\'';
    out += value.substr(0, first_special);
    for (const char ch : value.substr(first_special)) {
        if (ch == '\'' || ch == '\\') out += ch;
        out += ch;
    }
    out += '\'';
    return out;
}

/// The delimiter that dollar-quotes `body`: `$tag$`, where tag is `tag_base`, or `tag_base_1`,
/// `tag_base_2` ... : the first that cannot end the string early. `tag_base` is chosen by our
/// code, not by users, so an invalid one ([A-Za-z_][A-Za-z0-9_]* expected) is a bug and throws
/// std::invalid_argument.
inline std::string dollar_quote_delimiter(std::string_view body, std::string_view tag_base) {
    const auto valid_tag_char = [](char c, bool first) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
               (!first && c >= '0' && c <= '9');
    };
    bool valid = !tag_base.empty();
    for (std::size_t i = 0; valid && i < tag_base.size(); ++i) {
        valid = valid_tag_char(tag_base[i], i == 0);
    }
    if (!valid) {
        throw std::invalid_argument("dollar-quote tag " + detail::quote_for_message(tag_base) +
                                    " is not valid: expected [A-Za-z_][A-Za-z0-9_]*");
    }
    // The lexer ends the string at the first `$tag$` it meets, which may start inside the body
    // and run into the closing delimiter (body "x$tag" + "$tag$"), so search the body followed
    // by the closing delimiter, not the body alone: the body itself, then each suffix of the
    // body that starts the delimiter and continues into it (without copying a large body).
    const auto ends_early = [&](std::string_view delim) {
        if (body.find(delim) != std::string_view::npos) return true;
        for (std::size_t n = 1; n < delim.size() && n <= body.size(); ++n)
            if (body.substr(body.size() - n) == delim.substr(0, n) &&
                delim.substr(n) == delim.substr(0, delim.size() - n))
                return true;
        return false;
    };
    std::string tag(tag_base);
    for (unsigned suffix = 1;; ++suffix) {
        std::string delim = "$" + tag + "$";
        if (!ends_early(delim)) return delim;
        tag = std::string(tag_base) + "_" + std::to_string(suffix);
    }
}

/// `body` between the delimiters dollar_quote_delimiter(body, tag_base) chooses.
inline std::string dollar_quote(std::string_view body, std::string_view tag_base) {
    const auto delim = dollar_quote_delimiter(body, tag_base);
    std::string out;
    out.reserve(body.size() + 2 * delim.size());
    out += delim;
    out += body;
    out += delim;
    return out;
}

} // namespace iucore
