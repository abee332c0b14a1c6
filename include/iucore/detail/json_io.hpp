#pragma once
// Reading JSON into value types with errors that name the JSON path and what was expected,
// and the one generic bridge that exposes every reader to Boost.JSON's try_value_to.

#include <iucore/error.hpp>
#include <iucore/sql_text.hpp>

#include <boost/json.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace iucore {

namespace json = boost::json;

/// Reads a T from JSON; each value type provides
/// `result<T> from_json(std::type_identity<T>, const json::value&, const std::string& path)`
/// in its own namespace, found by argument-dependent lookup.
template <class T>
result<T> read_json(const json::value& v, const std::string& path);

namespace detail {

inline std::string kind_of(const json::value& v) {
    switch (v.kind()) {
    case json::kind::null:
        return "null";
    case json::kind::bool_:
        return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
        return "a number";
    case json::kind::string:
        return "a string";
    case json::kind::array:
        return "an array";
    case json::kind::object:
        return "an object";
    }
    return "a value";
}

/// The offending value itself, for a message: scalars as written, strings quoted and cut short.
inline std::string shown_value(const json::value& v) {
    switch (v.kind()) {
    case json::kind::string:
        return " " + quote_for_message(v.get_string(), 60);
    case json::kind::bool_:
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
        return " " + json::serialize(v);
    default:
        return "";
    }
}

inline failure wrong_type(const std::string& path, std::string_view expected,
                          const json::value& v) {
    return fail(errc::invalid_definition, path + ": expected " + std::string(expected) +
                                              ", found " + kind_of(v) + shown_value(v));
}

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};
template <class T>
struct is_string_map : std::false_type {};
template <class T>
struct is_string_map<std::map<std::string, T>> : std::true_type {};

template <class T>
result<T> read_builtin(const json::value& v, const std::string& path) {
    if constexpr (std::is_same_v<T, json::value>) {
        (void)path;
        return v;
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (!v.is_string()) return wrong_type(path, "a string", v);
        return std::string(v.get_string());
    } else if constexpr (std::is_same_v<T, bool>) {
        if (!v.is_bool()) return wrong_type(path, "a boolean (true or false)", v);
        return v.get_bool();
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
        if (v.is_int64()) return v.get_int64();
        if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
            return static_cast<std::int64_t>(v.get_uint64());
        return wrong_type(path, "an integer", v);
    } else if constexpr (is_vector<T>::value) {
        if (!v.is_array()) return wrong_type(path, "an array", v);
        T out;
        const auto& array = v.get_array();
        out.reserve(array.size());
        for (std::size_t i = 0; i < array.size(); ++i) {
            BOOST_OUTCOME_TRY(auto item, read_json<typename T::value_type>(
                                             array[i], path + "[" + std::to_string(i) + "]"));
            out.push_back(std::move(item));
        }
        return out;
    } else if constexpr (is_string_map<T>::value) {
        if (!v.is_object()) return wrong_type(path, "an object", v);
        T out;
        for (const auto& [key, item] : v.get_object()) {
            BOOST_OUTCOME_TRY(auto parsed, read_json<typename T::mapped_type>(
                                               item, path + "." + std::string(key)));
            out.emplace(std::string(key), std::move(parsed));
        }
        return out;
    } else {
        return from_json(std::type_identity<T>{}, v, path);
    }
}

/// An enum from its name; every enum here has a constexpr `name(e)` found by ADL.
template <class Enum, std::size_t N>
result<Enum> enum_from_name(const json::value& v, const std::string& path,
                            const std::array<Enum, N>& all) {
    BOOST_OUTCOME_TRY(auto text, read_json<std::string>(v, path));
    std::string expected;
    for (auto e : all) {
        if (name(e) == text) return e;
        expected += (expected.empty() ? "" : ", ") + std::string(name(e));
    }
    return fail(errc::invalid_definition, path + ": \"" + text + "\" is not one of: " + expected);
}

} // namespace detail

template <class T>
result<T> read_json(const json::value& v, const std::string& path) {
    return detail::read_builtin<T>(v, path);
}

/// Walks one JSON object: required and optional members by name, then `finish()` rejects any
/// member nobody asked for, so a misspelt key is an error rather than silently ignored.
class json_object_reader {
  public:
    static result<json_object_reader> open(const json::value& v, std::string path) {
        if (!v.is_object()) return detail::wrong_type(path, "an object", v);
        return json_object_reader(v.get_object(), std::move(path));
    }

    const std::string& path() const { return path_; }
    std::string member_path(std::string_view key) const { return path_ + "." + std::string(key); }

    template <class T>
    result<T> required(std::string_view key) {
        seen_.insert(std::string(key));
        const auto* v = object_->if_contains(key);
        if (v == nullptr)
            return fail(errc::invalid_definition,
                        path_ + ": missing required key \"" + std::string(key) + "\"");
        return read_json<T>(*v, member_path(key));
    }

    /// A required member that is itself an object, read in place: no copy of its subtree.
    result<json_object_reader> required_object(std::string_view key) {
        seen_.insert(std::string(key));
        const auto* v = object_->if_contains(key);
        if (v == nullptr)
            return fail(errc::invalid_definition,
                        path_ + ": missing required key \"" + std::string(key) + "\"");
        return open(*v, member_path(key));
    }

    template <class T>
    result<std::optional<T>> optional(std::string_view key) {
        seen_.insert(std::string(key));
        const auto* v = object_->if_contains(key);
        if (v == nullptr || v->is_null()) return std::optional<T>{};
        BOOST_OUTCOME_TRY(auto parsed, read_json<T>(*v, member_path(key)));
        return std::optional<T>(std::move(parsed));
    }

    template <class T>
    result<T> optional_or(std::string_view key, T fallback) {
        BOOST_OUTCOME_TRY(auto parsed, optional<T>(key));
        return parsed ? std::move(*parsed) : std::move(fallback);
    }

    result<void> finish() const {
        for (const auto& [key, value] : *object_) {
            (void)value;
            if (!seen_.contains(std::string(key))) {
                std::string known;
                for (const auto& k : seen_)
                    known += (known.empty() ? "" : ", ") + k;
                return fail(errc::invalid_definition, path_ + ": unknown key \"" +
                                                          std::string(key) +
                                                          "\" (expected one of: " + known + ")");
            }
        }
        return boost::outcome_v2::success();
    }

  private:
    json_object_reader(const json::object& object, std::string path)
        : object_(&object), path_(std::move(path)) {}
    const json::object* object_;
    std::string path_;
    std::set<std::string> seen_;
};

/// Parses JSON text into a tree allocated from `storage` (by default, the heap); a syntax error
/// names the source and the byte offset.
inline result<json::value> parse_json_text(std::string_view text, std::string_view source,
                                           json::storage_ptr storage = {}) {
    boost::system::error_code ec;
    json::parse_options options;
    options.max_depth = 64;
    // The parser's own stack starts in this buffer: a small document (a C ABI call's
    // arguments) is parsed with no allocation besides its storage's.
    unsigned char parser_stack[512];
    json::parser parser({}, options, parser_stack, sizeof parser_stack);
    parser.reset(std::move(storage));
    const auto consumed = parser.write(text.data(), text.size(), ec);
    if (ec)
        return fail(errc::invalid_definition, std::string(source) +
                                                  ": not valid JSON: " + ec.message() +
                                                  " at byte " + std::to_string(consumed));
    return parser.release();
}

} // namespace iucore

namespace iucore::detail {
/// A value type opts in to Boost.JSON's non-throwing conversion by having a from_json reader.
template <class T>
concept json_readable = requires(const json::value& v, const std::string& p) {
    { from_json(std::type_identity<T>{}, v, p) } -> std::same_as<result<T>>;
};
} // namespace iucore::detail

namespace iucore {
/// The generic try_value_to bridge for every iucore value type (found by ADL): the rich message
/// is available through read_json; Boost.JSON's channel carries only the code.
template <class T>
requires detail::json_readable<T> boost::system::result<T> tag_invoke(json::try_value_to_tag<T>,
                                                                      const json::value& v) {
    auto parsed = from_json(std::type_identity<T>{}, v, "$");
    if (!parsed) return boost::system::error_code(parsed.error().code);
    return std::move(parsed).value();
}
} // namespace iucore
