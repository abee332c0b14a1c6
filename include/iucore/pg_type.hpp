#pragma once
// The PostgreSQL column types iucore handles, their names, and checks that a literal is one the
// server's input function would accept, so bad values are caught before any SQL is sent.

#include "iucore/error.hpp"

#include <boost/json/conversion.hpp>
#include <boost/json/error.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <array>
#include <string_view>

namespace iucore {

enum class pg_type {
    uuid,
    text,
    boolean,
    smallint,
    integer,
    bigint,
    numeric,
    real,
    double_precision,
    jsonb,
    json,
    timestamptz,
    timestamp,
    date,
};

inline constexpr std::array<pg_type, 14> all_pg_types = {
    pg_type::uuid,      pg_type::text,    pg_type::boolean,
    pg_type::smallint,  pg_type::integer, pg_type::bigint,
    pg_type::numeric,   pg_type::real,    pg_type::double_precision,
    pg_type::jsonb,     pg_type::json,    pg_type::timestamptz,
    pg_type::timestamp, pg_type::date,
};

/// The name as PostgreSQL's format_type() prints it (what catalogs and \d show).
inline constexpr std::string_view name(pg_type t) noexcept {
    switch (t) {
    case pg_type::uuid:
        return "uuid";
    case pg_type::text:
        return "text";
    case pg_type::boolean:
        return "boolean";
    case pg_type::smallint:
        return "smallint";
    case pg_type::integer:
        return "integer";
    case pg_type::bigint:
        return "bigint";
    case pg_type::numeric:
        return "numeric";
    case pg_type::real:
        return "real";
    case pg_type::double_precision:
        return "double precision";
    case pg_type::jsonb:
        return "jsonb";
    case pg_type::json:
        return "json";
    case pg_type::timestamptz:
        return "timestamp with time zone";
    case pg_type::timestamp:
        return "timestamp without time zone";
    case pg_type::date:
        return "date";
    }
    return "unknown";
}

/// The short spelling used in definition files and JSON.
inline constexpr std::string_view short_name(pg_type t) noexcept {
    switch (t) {
    case pg_type::timestamptz:
        return "timestamptz";
    case pg_type::timestamp:
        return "timestamp";
    default:
        return name(t);
    }
}

/// The pg_type named by `spelling`: the format_type name, the short name, or a common alias
/// (bool, int, int2, int4, int8, float, float4, float8, decimal); case-insensitive, trimmed.
result<pg_type> parse_pg_type(std::string_view spelling);

/// Succeeds when PostgreSQL's input function for `t` would accept `value`; otherwise the
/// failure names the value, the type and what was expected. Dates and timestamps accept an
/// ISO 8601 subset (src/core/pg_type.cpp), which PostgreSQL also accepts.
result<void> validate_literal(pg_type t, std::string_view value);

/// Boost.JSON: a pg_type is written as its short name.
inline void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, pg_type t) {
    jv.emplace_string().assign(short_name(t));
}

/// Boost.JSON: a pg_type is read from any spelling parse_pg_type accepts.
inline boost::system::result<pg_type> tag_invoke(boost::json::try_value_to_tag<pg_type>,
                                                 const boost::json::value& jv) {
    const auto* s = jv.if_string();
    if (!s) return boost::system::error_code(boost::json::error::not_string);
    auto parsed = parse_pg_type(std::string_view(s->data(), s->size()));
    if (!parsed) return boost::system::error_code(boost::json::error::unknown_name);
    return parsed.value();
}

} // namespace iucore
