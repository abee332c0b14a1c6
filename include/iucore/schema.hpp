#pragma once
// The schema model: where the governed surface lives in PostgreSQL. Every table and column
// name in rendered SQL comes from here, so a guard cannot name a column that does not exist.

#include <iucore/detail/json_io.hpp>
#include <iucore/surface.hpp>

#include <map>
#include <string>
#include <vector>

namespace iucore {

struct catalog_table {
    std::string table = "public.dot_iu_command_catalog";
    friend bool operator==(const catalog_table&, const catalog_table&) = default;
};

/// The run log: its columns are fixed by the runtime (`command_name`, not `command`).
struct run_log_table {
    std::string table = "public.dot_iu_command_run";
    std::string command_column = "command_name";
    friend bool operator==(const run_log_table&, const run_log_table&) = default;
};

struct config_registry {
    std::string table = "public.iu_core_config";
    std::string key_column = "config_key";
    std::string value_column = "config_value";
    std::string type_column = "value_type";
    friend bool operator==(const config_registry&, const config_registry&) = default;
};

struct ledger_table {
    std::string table = "public.iucore_migration_ledger";
    friend bool operator==(const ledger_table&, const ledger_table&) = default;
};

/// How one kind is counted live: by name patterns over the system catalogs, or rows of a registry.
struct surface_rule {
    std::vector<std::string> names_like;
    std::string registry;
    friend bool operator==(const surface_rule&, const surface_rule&) = default;
};

struct surface_rules {
    std::vector<std::string> schemas{"public"};
    std::map<surface_kind, surface_rule> kinds;
    friend bool operator==(const surface_rules&, const surface_rules&) = default;
};

struct schema_model {
    catalog_table catalog;
    run_log_table run_log;
    config_registry configs;
    ledger_table ledger;
    surface_rules surface;
    friend bool operator==(const schema_model&, const schema_model&) = default;
};

inline void tag_invoke(json::value_from_tag, json::value& v, const surface_rules& s) {
    json::object o({{"schemas", json::value_from(s.schemas, v.storage())}}, v.storage());
    for (const auto& [kind, rule] : s.kinds) {
        if (!rule.registry.empty())
            o[name(kind)] = {{"registry", rule.registry}};
        else
            o[name(kind)] = {{"names_like", json::value_from(rule.names_like, v.storage())}};
    }
    v = std::move(o);
}

inline result<surface_rules> from_json(std::type_identity<surface_rules>, const json::value& v,
                                       const std::string& path) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    surface_rules s;
    BOOST_OUTCOME_TRY(s.schemas, reader.required<std::vector<std::string>>("schemas"));
    for (auto kind : all_surface_kinds) {
        const auto& object = v.get_object();
        const auto* rule_value = object.if_contains(name(kind));
        if (!rule_value) continue;
        BOOST_OUTCOME_TRY(auto rule_reader,
                          json_object_reader::open(*rule_value, reader.member_path(name(kind))));
        (void)reader.optional<json::value>(name(kind));
        surface_rule rule;
        BOOST_OUTCOME_TRY(rule.names_like,
                          rule_reader.optional_or<std::vector<std::string>>("names_like", {}));
        BOOST_OUTCOME_TRY(rule.registry, rule_reader.optional_or<std::string>("registry", ""));
        BOOST_OUTCOME_TRY(rule_reader.finish());
        if (rule.names_like.empty() == rule.registry.empty())
            return fail(errc::invalid_definition,
                        rule_reader.path() + ": expected exactly one of names_like or registry");
        s.kinds.emplace(kind, std::move(rule));
    }
    BOOST_OUTCOME_TRY(reader.finish());
    return s;
}

inline void tag_invoke(json::value_from_tag, json::value& v, const schema_model& s) {
    v = {{"catalog", {{"table", s.catalog.table}}},
         {"run_log", {{"table", s.run_log.table}, {"command_column", s.run_log.command_column}}},
         {"configs",
          {{"table", s.configs.table},
           {"key_column", s.configs.key_column},
           {"value_column", s.configs.value_column},
           {"type_column", s.configs.type_column}}},
         {"ledger", {{"table", s.ledger.table}}},
         {"surface", json::value_from(s.surface, v.storage())}};
}

namespace detail {
/// Reads an object of string members into fields, each optional with its default kept.
inline result<void>
read_names(const json::value& v, const std::string& path,
           std::initializer_list<std::pair<std::string_view, std::string*>> fields) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    for (const auto& [key, field] : fields) {
        BOOST_OUTCOME_TRY(auto value, reader.optional_or<std::string>(key, *field));
        *field = std::move(value);
    }
    return reader.finish();
}
} // namespace detail

inline result<schema_model> from_json(std::type_identity<schema_model>, const json::value& v,
                                      const std::string& path) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    schema_model s;
    const auto& o = v.get_object();
    auto section = [&](std::string_view key, auto fields) -> result<void> {
        (void)reader.optional<json::value>(key);
        if (const auto* section_value = o.if_contains(key))
            return detail::read_names(*section_value, reader.member_path(key), fields);
        return boost::outcome_v2::success();
    };
    BOOST_OUTCOME_TRY(
        section("catalog", std::initializer_list<std::pair<std::string_view, std::string*>>{
                               {"table", &s.catalog.table}}));
    BOOST_OUTCOME_TRY(
        section("run_log",
                std::initializer_list<std::pair<std::string_view, std::string*>>{
                    {"table", &s.run_log.table}, {"command_column", &s.run_log.command_column}}));
    BOOST_OUTCOME_TRY(
        section("configs", std::initializer_list<std::pair<std::string_view, std::string*>>{
                               {"table", &s.configs.table},
                               {"key_column", &s.configs.key_column},
                               {"value_column", &s.configs.value_column},
                               {"type_column", &s.configs.type_column}}));
    BOOST_OUTCOME_TRY(
        section("ledger", std::initializer_list<std::pair<std::string_view, std::string*>>{
                              {"table", &s.ledger.table}}));
    BOOST_OUTCOME_TRY(s.surface, reader.required<surface_rules>("surface"));
    BOOST_OUTCOME_TRY(reader.finish());
    return s;
}

} // namespace iucore
