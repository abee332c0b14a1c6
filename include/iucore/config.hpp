#pragma once
// Configs: named switches as the config registry holds them (text value plus declared type),
// and their evaluation in the manner of OpenFeature's evaluation details.

#include <iucore/detail/json_io.hpp>
#include <iucore/detail/json_members.hpp>
#include <iucore/pg_bool.hpp>

#include <optional>
#include <string>
#include <vector>

namespace iucore {

/// One config as read from the registry (or declared in the definition).
struct config_entry {
    std::string key;
    std::optional<std::string> value; // NULL in the registry is no value
    std::string type = "boolean";     // the registry's declared value type
    bool fixture = false;

    friend bool operator==(const config_entry&, const config_entry&) = default;
};

class config_set {
  public:
    config_set() = default;
    explicit config_set(std::vector<config_entry> entries) : entries_(std::move(entries)) {}
    const std::vector<config_entry>& entries() const { return entries_; }
    const config_entry* find(std::string_view key) const {
        for (const auto& e : entries_)
            if (e.key == key) return &e;
        return nullptr;
    }
    friend bool operator==(const config_set&, const config_set&) = default;

  private:
    std::vector<config_entry> entries_;
};

enum class evaluation_reason { static_value, default_value, error };
enum class evaluation_error { none, flag_not_found, parse_error, type_mismatch };

constexpr std::string_view name(evaluation_reason r) {
    switch (r) {
    case evaluation_reason::static_value:
        return "STATIC";
    case evaluation_reason::default_value:
        return "DEFAULT";
    case evaluation_reason::error:
        return "ERROR";
    }
    return "ERROR";
}

constexpr std::string_view name(evaluation_error e) {
    switch (e) {
    case evaluation_error::none:
        return "";
    case evaluation_error::flag_not_found:
        return "FLAG_NOT_FOUND";
    case evaluation_error::parse_error:
        return "PARSE_ERROR";
    case evaluation_error::type_mismatch:
        return "TYPE_MISMATCH";
    }
    return "";
}

/// What one boolean config evaluated to and why. Errors evaluate to false: gates fail closed.
struct config_evaluation {
    std::string key;
    bool value = false;
    evaluation_reason reason = evaluation_reason::error;
    evaluation_error error = evaluation_error::none;
    std::string error_message;
    std::optional<std::string> raw; // the registry's text, when there was a row

    friend bool operator==(const config_evaluation&, const config_evaluation&) = default;

    /// `iu_core.composer_enabled=false`, or the error in words.
    std::string describe() const {
        if (reason == evaluation_reason::error) return key + ": " + error_message;
        return key + "=" + (value ? "true" : "false") +
               (reason == evaluation_reason::default_value ? " (no value set; default)" : "");
    }
};

/// Boolean evaluation, failing closed: a missing key, another declared type, an empty or
/// unparseable value all evaluate to false with the error named. NULL takes the default false.
inline config_evaluation evaluate_boolean(const config_set& configs, std::string_view key) {
    config_evaluation out;
    out.key = std::string(key);
    const auto* entry = configs.find(key);
    auto error = [&](evaluation_error e, std::string message) {
        out.error = e;
        out.error_message = std::move(message);
        return out;
    };
    if (!entry) return error(evaluation_error::flag_not_found, "config is not in the registry");
    out.raw = entry->value;
    if (entry->type != "boolean")
        return error(evaluation_error::type_mismatch,
                     "config is declared as " + entry->type + ", expected boolean");
    if (!entry->value) {
        out.reason = evaluation_reason::default_value;
        return out;
    }
    auto parsed = parse_pg_bool(*entry->value);
    if (!parsed)
        return error(evaluation_error::parse_error,
                     "value \"" + *entry->value +
                         "\" is not a boolean (expected true/false, yes/no, on/off, 1/0)");
    out.value = *parsed;
    out.reason = evaluation_reason::static_value;
    return out;
}

inline void tag_invoke(json::value_from_tag, json::value& v, const config_entry& c) {
    json::object o({{"key", c.key}, {"type", c.type}}, v.storage());
    o["value"] = c.value ? json::value(*c.value, v.storage()) : json::value(nullptr);
    if (c.fixture) o["fixture"] = true;
    v = std::move(o);
}

inline result<config_entry> from_json(std::type_identity<config_entry>, const json::value& v,
                                      const std::string& path) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    config_entry c;
    BOOST_OUTCOME_TRY(c.key, reader.required<std::string>("key"));
    BOOST_OUTCOME_TRY(c.value, reader.optional<std::string>("value"));
    BOOST_OUTCOME_TRY(c.type, reader.optional_or<std::string>("type", "boolean"));
    BOOST_OUTCOME_TRY(c.fixture, reader.optional_or<bool>("fixture", false));
    BOOST_OUTCOME_TRY(reader.finish());
    if (c.key.empty()) return fail(errc::invalid_definition, path + ".key: empty config key");
    return c;
}

inline void tag_invoke(json::value_from_tag, json::value& v, const config_set& c) {
    v = json::value_from(c.entries(), v.storage());
}

inline result<config_set> from_json(std::type_identity<config_set>, const json::value& v,
                                    const std::string& path) {
    BOOST_OUTCOME_TRY(auto entries, read_json<std::vector<config_entry>>(v, path));
    for (std::size_t i = 0; i < entries.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (entries[i].key == entries[j].key)
                return fail(errc::invalid_definition, path + "[" + std::to_string(i) +
                                                          "].key: duplicate config \"" +
                                                          entries[i].key + "\"");
    return config_set(std::move(entries));
}

inline void tag_invoke(json::value_from_tag, json::value& v, evaluation_reason r) {
    v = name(r);
}
inline void tag_invoke(json::value_from_tag, json::value& v, evaluation_error e) {
    v = name(e);
}

inline result<evaluation_reason> from_json(std::type_identity<evaluation_reason>,
                                           const json::value& v, const std::string& path) {
    return detail::enum_from_name(v, path,
                                  std::array{evaluation_reason::static_value,
                                             evaluation_reason::default_value,
                                             evaluation_reason::error});
}

inline result<evaluation_error> from_json(std::type_identity<evaluation_error>,
                                          const json::value& v, const std::string& path) {
    return detail::enum_from_name(
        v, path,
        std::array{evaluation_error::none, evaluation_error::flag_not_found,
                   evaluation_error::parse_error, evaluation_error::type_mismatch});
}

template <class Out>
void json_members(Out& out, const config_evaluation& e) {
    out("key", e.key)("value", e.value)("reason", name(e.reason));
    if (e.error != evaluation_error::none)
        out("error_code", name(e.error))("error_message", e.error_message);
    out("raw", e.raw);
}

inline result<config_evaluation> from_json(std::type_identity<config_evaluation>,
                                           const json::value& v, const std::string& path) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    config_evaluation e;
    BOOST_OUTCOME_TRY(e.key, reader.required<std::string>("key"));
    BOOST_OUTCOME_TRY(e.value, reader.required<bool>("value"));
    BOOST_OUTCOME_TRY(e.reason, reader.required<evaluation_reason>("reason"));
    BOOST_OUTCOME_TRY(e.error,
                      reader.optional_or<evaluation_error>("error_code", evaluation_error::none));
    BOOST_OUTCOME_TRY(e.error_message, reader.optional_or<std::string>("error_message", ""));
    BOOST_OUTCOME_TRY(e.raw, reader.optional<std::string>("raw"));
    BOOST_OUTCOME_TRY(reader.finish());
    return e;
}

} // namespace iucore
