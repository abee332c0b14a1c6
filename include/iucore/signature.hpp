#pragma once
// A target function's signature: name, named parameters with types, return type. Parsed from
// and printed as the migration record writes it, and as PostgreSQL's regprocedure prints it.

#include <iucore/detail/json_io.hpp>
#include <iucore/pg_type.hpp>
#include <iucore/sql_text.hpp>

#include <optional>
#include <string>
#include <vector>

namespace iucore {

struct parameter {
    std::string name; // empty when the source did not name it (the record's form)
    pg_type type = pg_type::text;
    bool has_default = false;

    friend bool operator==(const parameter&, const parameter&) = default;
};

struct signature {
    std::string name;
    std::vector<parameter> parameters;
    std::optional<pg_type> returns; // regprocedure text carries no return type
    bool fixture = false;           // exists only to reproduce the record's figures
    /// Where the function lives; empty: the catalog's schema (where most targets live).
    std::string schema{};

    friend bool operator==(const signature&, const signature&) = default;

    /// `fn(uuid,timestamp with time zone)`: what regprocedure prints and to_regprocedure reads.
    std::string regprocedure() const {
        return call_text([](pg_type t) { return iucore::name(t); });
    }

    /// `fn(uuid,text) → jsonb`: the record's form, with the short type names.
    std::string record_text() const {
        auto out = call_text([](pg_type t) { return short_name(t); });
        if (returns) {
            out += " \u2192 ";
            out += short_name(*returns);
        }
        return out;
    }

    /// `name(type,type)`, each type as `type_name` spells it.
    template <class TypeName>
    std::string call_text(TypeName type_name) const {
        std::string out;
        out.reserve(name.size() + 32 + 12 * parameters.size());
        out += name;
        out += '(';
        for (std::size_t i = 0; i < parameters.size(); ++i) {
            if (i) out += ',';
            out += type_name(parameters[i].type);
        }
        out += ')';
        return out;
    }

    /// Same function for PostgreSQL: name and argument types (names and defaults aside).
    bool same_function(const signature& other) const {
        if (name != other.name || parameters.size() != other.parameters.size()) return false;
        for (std::size_t i = 0; i < parameters.size(); ++i)
            if (parameters[i].type != other.parameters[i].type) return false;
        return true;
    }

    std::size_t required_count() const {
        std::size_t n = 0;
        for (const auto& p : parameters)
            n += p.has_default ? 0 : 1;
        return n;
    }
};

namespace detail {

inline std::string_view trim(std::string_view s) {
    const auto* ws = " \t\r\n";
    auto b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

inline bool is_plain_identifier(std::string_view s) {
    if (s.empty() || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z'))) return false;
    for (char c : s)
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
    return true;
}

/// One parameter: `type`, `name type`, either followed by `DEFAULT …`.
inline result<parameter> parse_parameter(std::string_view text, std::string_view whole) {
    parameter p;
    text = trim(text);
    auto upper_default = std::string(text);
    for (auto& c : upper_default)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (auto at = upper_default.find(" DEFAULT"); at != std::string::npos) {
        p.has_default = true;
        text = trim(text.substr(0, at));
    } else if (upper_default == "DEFAULT") {
        text = {};
    }
    if (text.empty())
        return fail(errc::invalid_argument,
                    "signature " + quote_for_message(whole) + ": empty parameter");
    if (auto as_type = parse_pg_type(text)) {
        p.type = as_type.value();
        return p;
    }
    auto space = text.find(' ');
    if (space != std::string_view::npos && is_plain_identifier(text.substr(0, space))) {
        auto typed = parse_pg_type(trim(text.substr(space + 1)));
        if (typed) {
            p.name = std::string(text.substr(0, space));
            p.type = typed.value();
            return p;
        }
    }
    auto reason = parse_pg_type(text).error().message;
    return fail(errc::invalid_argument, "signature " + quote_for_message(whole) + ": parameter " +
                                            quote_for_message(text) + ": " + reason);
}

/// The parameter list split at its top-level commas: a DEFAULT expression may hold commas in
/// parentheses (`coalesce(a, b)`), in literals (`'a,b'`, `''` doubling a quote) and in quoted
/// names.
inline result<std::vector<std::string_view>> split_parameters(std::string_view inside,
                                                              std::string_view whole) {
    std::vector<std::string_view> out;
    int depth = 0;
    char quote = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i < inside.size(); ++i) {
        const char c = inside[i];
        if (quote) {
            if (c == quote) quote = 0; // a doubled quote closes and reopens: the same literal
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')' && --depth < 0) {
            break;
        } else if (c == ',' && depth == 0) {
            out.push_back(inside.substr(start, i - start));
            start = i + 1;
        }
    }
    if (quote || depth != 0)
        return fail(errc::invalid_argument,
                    "signature " + quote_for_message(whole) + ": unbalanced " +
                        (quote ? std::string("quote ") + quote : std::string("parentheses")) +
                        " in the parameter list");
    out.push_back(inside.substr(start));
    return out;
}

} // namespace detail

/// Parses `fn(uuid,text) → jsonb`, `fn(uuid,text) -> jsonb`, regprocedure's `fn(uuid,text)`
/// (optionally schema-qualified), and named forms `fn(event_id uuid, note text DEFAULT)`.
inline result<signature> parse_signature(std::string_view text) {
    const std::string whole(text);
    auto bad = [&](std::string what) {
        return fail(errc::invalid_argument, "signature " + detail::quote_for_message(whole) + ": " +
                                                what + " (expected name(type,…) [→ type])");
    };
    text = detail::trim(text);
    auto open = text.find('(');
    auto close = text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open)
        return bad("no parenthesised parameter list");
    signature sig;
    auto qualified = detail::trim(text.substr(0, open));
    if (auto dot = qualified.rfind('.'); dot != std::string_view::npos)
        qualified = qualified.substr(dot + 1); // the schema is the definition's business
    if (!detail::is_plain_identifier(qualified)) return bad("function name is not a plain name");
    sig.name = std::string(qualified);
    const auto inside = detail::trim(text.substr(open + 1, close - open - 1));
    if (!inside.empty()) {
        BOOST_OUTCOME_TRY(const auto pieces, detail::split_parameters(inside, whole));
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            if (i + 1 == pieces.size() && i > 0 && detail::trim(pieces[i]).empty())
                return bad("trailing comma");
            BOOST_OUTCOME_TRY(auto p, detail::parse_parameter(pieces[i], whole));
            sig.parameters.push_back(std::move(p));
        }
    }
    auto rest = detail::trim(text.substr(close + 1));
    if (rest.empty()) return sig;
    for (std::string_view arrow : {std::string_view("\u2192"), std::string_view("->")}) {
        if (rest.starts_with(arrow)) {
            auto ret = parse_pg_type(detail::trim(rest.substr(arrow.size())));
            if (!ret) return bad("return type: " + ret.error().message);
            sig.returns = ret.value();
            return sig;
        }
    }
    return bad("unexpected text after the parameter list: " + detail::quote_for_message(rest));
}

inline result<pg_type> from_json(std::type_identity<pg_type>, const json::value& v,
                                 const std::string& path) {
    BOOST_OUTCOME_TRY(auto text, read_json<std::string>(v, path));
    auto parsed = parse_pg_type(text);
    if (!parsed) return fail(errc::invalid_definition, path + ": " + parsed.error().message);
    return parsed.value();
}

inline void tag_invoke(json::value_from_tag, json::value& v, const parameter& p) {
    // An unnamed parameter (the record's form) is written without a name, and reads back so.
    json::object o(v.storage());
    if (!p.name.empty()) o["name"] = p.name;
    o["type"] = short_name(p.type);
    if (p.has_default) o["default"] = true;
    v = std::move(o);
}

inline result<parameter> from_json(std::type_identity<parameter>, const json::value& v,
                                   const std::string& path) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    parameter p;
    BOOST_OUTCOME_TRY(p.name, reader.optional_or<std::string>("name", ""));
    BOOST_OUTCOME_TRY(p.type, reader.required<pg_type>("type"));
    BOOST_OUTCOME_TRY(p.has_default, reader.optional_or<bool>("default", false));
    BOOST_OUTCOME_TRY(reader.finish());
    if (!p.name.empty() && !detail::is_plain_identifier(p.name))
        return fail(errc::invalid_definition,
                    path + ".name: \"" + p.name + "\" is not a plain lower-case SQL name");
    return p;
}

inline void tag_invoke(json::value_from_tag, json::value& v, const signature& s) {
    json::object o({{"name", s.name}}, v.storage());
    if (!s.schema.empty()) o["schema"] = s.schema;
    o["parameters"] = json::value_from(s.parameters, v.storage());
    if (s.returns) o["returns"] = short_name(*s.returns);
    if (s.fixture) o["fixture"] = true;
    v = std::move(o);
}

inline result<signature> from_json(std::type_identity<signature>, const json::value& v,
                                   const std::string& path) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    signature s;
    BOOST_OUTCOME_TRY(s.name, reader.required<std::string>("name"));
    BOOST_OUTCOME_TRY(s.schema, reader.optional_or<std::string>("schema", ""));
    BOOST_OUTCOME_TRY(s.parameters, reader.required<std::vector<parameter>>("parameters"));
    BOOST_OUTCOME_TRY(s.returns, reader.optional<pg_type>("returns"));
    BOOST_OUTCOME_TRY(s.fixture, reader.optional_or<bool>("fixture", false));
    BOOST_OUTCOME_TRY(reader.finish());
    if (!detail::is_plain_identifier(s.name))
        return fail(errc::invalid_definition,
                    path + ".name: \"" + s.name + "\" is not a plain lower-case SQL name");
    if (!s.schema.empty() && !detail::is_plain_identifier(s.schema))
        return fail(errc::invalid_definition,
                    path + ".schema: \"" + s.schema + "\" is not a plain lower-case SQL name");
    return s;
}

} // namespace iucore
