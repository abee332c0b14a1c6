#pragma once
// The definition: the whole governed surface as one value. Folding its migrations over the
// baseline gives the catalog at any version; the SSOT is the fold to the latest. Every figure
// iucore reports is computed here.

#include <iucore/catalog.hpp>
#include <iucore/config.hpp>
#include <iucore/gate.hpp>
#include <iucore/migration.hpp>
#include <iucore/pin.hpp>
#include <iucore/registry.hpp>
#include <iucore/schema.hpp>
#include <iucore/signature.hpp>
#include <iucore/surface.hpp>

#include <optional>
#include <string>
#include <vector>

namespace iucore {

struct baseline {
    std::string version; // the version the baseline catalog describes, e.g. "033"
    catalog rows;
    surface inventory;
    friend bool operator==(const baseline&, const baseline&) = default;
};

/// Every figure the record pins, at one version.
struct figures {
    std::string version;
    std::int64_t catalog_rows = 0;
    std::int64_t distinct_targets = 0;
    std::int64_t governed_commands = 0; // registry entries with a catalog row
    std::int64_t registry_entries = 0;
    surface inventory;
    friend bool operator==(const figures&, const figures&) = default;

    /// A figure by its pin name (`catalog_rows`, `surface.view`, `surface_total`, …).
    result<std::int64_t> get(std::string_view figure) const;
    static const std::vector<std::string>& names();
};

struct definition {
    std::string format = "iucore-definition/1";
    std::string name;
    schema_model schema;
    std::vector<std::string> categories;
    std::vector<signature> signatures;
    config_set configs;
    gate_set gates;
    baseline base;
    std::vector<migration> migrations;
    std::vector<registry_entry> registry;
    std::vector<pin_site> pins;

    friend bool operator==(const definition&, const definition&) = default;

    std::string latest_version() const {
        return migrations.empty() ? base.version : migrations.back().id;
    }
    /// The baseline version followed by every migration id, in order.
    std::vector<std::string> versions() const;
    bool knows_version(std::string_view version) const;

    const migration* find_migration(std::string_view id) const;
    const signature* find_signature(std::string_view function_name) const;
    const registry_entry* find_entry(std::string_view command) const;

    /// The catalog after applying every migration up to and including `version`.
    result<catalog> catalog_at(std::string_view version) const;
    catalog ssot() const { return catalog_at(latest_version()).value(); }
    /// ssot().find(command) without folding the whole catalog (explain and every governed run
    /// ask this): the row as the fold would keep it, or nullptr.
    const catalog_row* ssot_row(std::string_view command) const;
    result<surface> surface_at(std::string_view version) const;
    result<figures> figures_at(std::string_view version) const;

    /// The version just before `migration_id` (the baseline for the first migration).
    result<std::string> version_before(std::string_view migration_id) const;
    result<migration_expectations> expectations(std::string_view migration_id) const;
    /// Later migrations that name `migration_id` in `requires.migrations`.
    std::vector<std::string> dependents(std::string_view migration_id) const;
    rollback_guard guard() const { return {schema.run_log.table, schema.run_log.command_column}; }

    /// Every rule the loader enforces; the message names the JSON path.
    result<void> validate() const;
};

/// Parses and validates definition JSON text; `source` (a file name) prefixes every error.
result<definition> parse_definition(std::string_view text, std::string_view source);

void tag_invoke(json::value_from_tag, json::value& v, const definition& d);
result<definition> from_json(std::type_identity<definition>, const json::value& v,
                             const std::string& path);

void tag_invoke(json::value_from_tag, json::value& v, const figures& f);

} // namespace iucore
