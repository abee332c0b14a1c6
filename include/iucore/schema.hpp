#pragma once
// The schema model: where the governed surface lives in PostgreSQL. Every table and column
// name in rendered SQL comes from here, so a guard cannot name a column that does not exist.

#include <iucore/detail/json_io.hpp>
#include <iucore/surface.hpp>

#include <array>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace iucore {

/// The catalog's column names: iucore's name for each column (the members) mapped to the
/// table's. Any other column of the table is the table's own: never read, written or checked.
struct catalog_column_names {
    std::string command_name = "command_name";
    std::string category = "category";
    std::string mutating = "mutating";
    std::string reversible = "reversible";
    std::string target_functions = "target_functions";

    /// The table's name of iucore's column `logical` (one of catalog_columns' names).
    const std::string& of(std::string_view logical) const {
        if (logical == "category") return category;
        if (logical == "mutating") return mutating;
        if (logical == "reversible") return reversible;
        if (logical == "target_functions") return target_functions;
        return command_name;
    }
    std::string& of(std::string_view logical) {
        return const_cast<std::string&>(std::as_const(*this).of(logical));
    }
    friend bool operator==(const catalog_column_names&, const catalog_column_names&) = default;
};

struct catalog_table {
    std::string table = "public.dot_iu_command_catalog";
    catalog_column_names columns;
    friend bool operator==(const catalog_table&, const catalog_table&) = default;
};

/// The run log's optional columns: the table's name for each, empty when the table has no such
/// column (then that part of a run is not logged). The defaults are the runtime's table.
struct run_log_column_names {
    std::string id = "id";
    std::string actor = "actor";
    std::string args = "args";
    std::string mode = "mode";
    std::string outcome = "outcome";
    std::string result = "result";
    std::string duration_ms = "duration_ms";
    std::string started_at; // the runtime's table has none (its created_at has a default)

    template <class String>
    using named = std::array<std::pair<std::string_view, String*>, 8>;
    /// Each column by iucore's name, in this order (JSON keys, explain's notes).
    named<const std::string> all() const { return all_of<const std::string>(*this); }
    named<std::string> all() { return all_of<std::string>(*this); }

    friend bool operator==(const run_log_column_names&, const run_log_column_names&) = default;

  private:
    template <class String, class Self>
    static named<String> all_of(Self& self) {
        return {{{"id", &self.id},
                 {"actor", &self.actor},
                 {"args", &self.args},
                 {"mode", &self.mode},
                 {"outcome", &self.outcome},
                 {"result", &self.result},
                 {"duration_ms", &self.duration_ms},
                 {"started_at", &self.started_at}}};
    }
};

/// The run log: the command column is required, every other column optional (see above).
struct run_log_table {
    std::string table = "public.dot_iu_command_run";
    std::string command_column = "command_name";
    run_log_column_names columns;

    /// What a run cannot log into this table, once per missing column, e.g.
    /// "run log: no outcome column; outcome not logged".
    std::vector<std::string> not_logged() const {
        std::vector<std::string> out;
        for (const auto& [key, column] : columns.all())
            if (column->empty())
                out.push_back("run log: no " + std::string(key) + " column; " + std::string(key) +
                              " not logged");
        return out;
    }
    friend bool operator==(const run_log_table&, const run_log_table&) = default;
};

/// The config table. A database without one has `table` empty ("configs": null in JSON): it
/// has no configs, and a definition for it no gates.
struct config_registry {
    std::string table = "public.iu_core_config";
    bool exists() const { return !table.empty(); }
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
    /// What every governed command's name starts with.
    std::string command_prefix = "dot_iu_";
    /// Whether `name` is a command's name: the prefix and something after it.
    bool names_command(std::string_view name) const {
        return name.size() > command_prefix.size() && name.starts_with(command_prefix);
    }
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
    const auto& c = s.catalog.columns;
    json::object run_log_columns(v.storage());
    for (const auto& [key, column] : s.run_log.columns.all())
        run_log_columns[key] = column->empty() ? json::value(nullptr) : json::value(*column);
    v = {{"command_prefix", s.command_prefix},
         {"catalog",
          {{"table", s.catalog.table},
           {"columns",
            {{"command_name", c.command_name},
             {"category", c.category},
             {"mutating", c.mutating},
             {"reversible", c.reversible},
             {"target_functions", c.target_functions}}}}},
         {"run_log",
          {{"table", s.run_log.table},
           {"command_column", s.run_log.command_column},
           {"columns", std::move(run_log_columns)}}},
         {"configs", s.configs.exists() ? json::value{{"table", s.configs.table},
                                                      {"key_column", s.configs.key_column},
                                                      {"value_column", s.configs.value_column},
                                                      {"type_column", s.configs.type_column}}
                                        : json::value(nullptr)},
         {"ledger", {{"table", s.ledger.table}}},
         {"surface", json::value_from(s.surface, v.storage())}};
}

namespace detail {
/// A name of the schema model read from JSON: `key` into `field`, its default kept when the key
/// is absent. A `nullable` one (an optional column) is null for "the table has no such column".
struct name_field {
    std::string_view key;
    std::string* field;
    bool nullable = false;
};

/// Reads an object of names into fields; `columns`, when given, is its nested "columns" object
/// of column names (each non-empty). Any other key is an error.
inline result<void> read_names(const json::value& v, const std::string& path,
                               const std::vector<name_field>& fields,
                               const std::vector<name_field>& columns = {}) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    for (const auto& f : fields) {
        BOOST_OUTCOME_TRY(auto value, reader.optional_or<std::string>(f.key, *f.field));
        *f.field = std::move(value);
    }
    if (!columns.empty()) {
        (void)reader.optional<json::value>("columns");
        if (const auto* nested = v.get_object().if_contains("columns")) {
            BOOST_OUTCOME_TRY(auto column_reader,
                              json_object_reader::open(*nested, reader.member_path("columns")));
            for (const auto& f : columns) {
                (void)column_reader.optional<json::value>(f.key);
                const auto* value = nested->get_object().if_contains(f.key);
                if (value == nullptr) continue;
                if (value->is_null() && f.nullable) {
                    f.field->clear();
                    continue;
                }
                if (!value->is_string() || value->get_string().empty())
                    return fail(errc::invalid_definition,
                                column_reader.member_path(f.key) + ": expected a column name" +
                                    (f.nullable ? " or null (the table has no such column)" : ""));
                *f.field = std::string(value->get_string());
            }
            BOOST_OUTCOME_TRY(column_reader.finish());
        }
    }
    return reader.finish();
}
} // namespace detail

inline result<schema_model> from_json(std::type_identity<schema_model>, const json::value& v,
                                      const std::string& path) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    schema_model s;
    const auto& o = v.get_object();
    auto section = [&](std::string_view key, const std::vector<detail::name_field>& fields,
                       const std::vector<detail::name_field>& columns = {}) -> result<void> {
        (void)reader.optional<json::value>(key);
        if (const auto* section_value = o.if_contains(key))
            return detail::read_names(*section_value, reader.member_path(key), fields, columns);
        return boost::outcome_v2::success();
    };
    BOOST_OUTCOME_TRY(s.command_prefix,
                      reader.optional_or<std::string>("command_prefix", s.command_prefix));
    if (s.command_prefix.empty())
        return fail(errc::invalid_definition,
                    reader.member_path("command_prefix") + ": expected a non-empty prefix");
    auto& c = s.catalog.columns;
    BOOST_OUTCOME_TRY(section("catalog", {{"table", &s.catalog.table}},
                              {{"command_name", &c.command_name},
                               {"category", &c.category},
                               {"mutating", &c.mutating},
                               {"reversible", &c.reversible},
                               {"target_functions", &c.target_functions}}));
    std::vector<detail::name_field> run_log_columns;
    for (const auto& [key, column] : s.run_log.columns.all())
        run_log_columns.push_back({key, column, true});
    BOOST_OUTCOME_TRY(section(
        "run_log", {{"table", &s.run_log.table}, {"command_column", &s.run_log.command_column}},
        run_log_columns));
    if (const auto* configs = o.if_contains("configs"); configs && configs->is_null()) {
        (void)reader.optional<json::value>("configs");
        s.configs.table.clear();
    } else {
        BOOST_OUTCOME_TRY(section("configs", {{"table", &s.configs.table},
                                              {"key_column", &s.configs.key_column},
                                              {"value_column", &s.configs.value_column},
                                              {"type_column", &s.configs.type_column}}));
    }
    BOOST_OUTCOME_TRY(section("ledger", {{"table", &s.ledger.table}}));
    BOOST_OUTCOME_TRY(s.surface, reader.required<surface_rules>("surface"));
    BOOST_OUTCOME_TRY(reader.finish());
    return s;
}

} // namespace iucore
