#pragma once
// A numbered catalog migration: what it requires, the rows it adds, its surface delta.
// Its expectations (rows before/after, targets, surface) are derived by the definition.

#include <iucore/catalog.hpp>
#include <iucore/signature.hpp>
#include <iucore/surface.hpp>

#include <string>
#include <vector>

namespace iucore {

enum class migration_kind { data_only, ddl };

constexpr std::string_view name(migration_kind k) {
    return k == migration_kind::data_only ? "data_only" : "ddl";
}

struct migration {
    std::string id;   // "034": orders migrations and prefixes every message
    std::string slug; // "auto_instantiate_dot_registration"
    migration_kind kind = migration_kind::data_only;
    std::vector<std::string> requires_migrations;
    std::vector<signature> requires_functions; // by name and argument types
    std::vector<catalog_row> adds;
    surface surface_delta;

    friend bool operator==(const migration&, const migration&) = default;

    std::vector<std::string> added_commands() const {
        std::vector<std::string> out;
        for (const auto& r : adds)
            out.push_back(r.command_name);
        return out;
    }
    std::string file_stem() const { return id + "_" + slug; }
};

/// Which run-log table and column refuse the rollback's delete (from the schema model).
struct rollback_guard {
    std::string table;
    std::string column;
    friend bool operator==(const rollback_guard&, const rollback_guard&) = default;
};

/// Figures a migration must produce, derived from the definition (never typed).
struct migration_expectations {
    std::string migration_id;
    std::string previous_version;
    std::size_t rows_before = 0;
    std::size_t rows_added = 0;
    std::size_t rows_after = 0;
    std::size_t distinct_targets_before = 0;
    std::size_t distinct_targets_after = 0;
    std::vector<std::string> new_rows;
    surface surface_before;
    surface surface_after;
    rollback_guard guard;
    friend bool operator==(const migration_expectations&, const migration_expectations&) = default;
};

inline void tag_invoke(json::value_from_tag, json::value& v, migration_kind k) {
    v = name(k);
}

inline result<migration_kind> from_json(std::type_identity<migration_kind>, const json::value& v,
                                        const std::string& path) {
    return detail::enum_from_name(v, path,
                                  std::array{migration_kind::data_only, migration_kind::ddl});
}

inline void tag_invoke(json::value_from_tag, json::value& v, const migration& m) {
    json::array functions(v.storage());
    for (const auto& f : m.requires_functions)
        functions.emplace_back(f.regprocedure());
    v = {{"id", m.id},
         {"slug", m.slug},
         {"kind", name(m.kind)},
         {"requires",
          {{"migrations", json::value_from(m.requires_migrations, v.storage())},
           {"functions", functions}}},
         {"adds", json::value_from(m.adds, v.storage())},
         {"surface_delta", json::value_from(m.surface_delta, v.storage())}};
    // A zero delta is written as {} so a data-only migration reads as the record states it.
    if (m.surface_delta.is_zero()) v.as_object()["surface_delta"] = json::object();
}

inline result<migration> from_json(std::type_identity<migration>, const json::value& v,
                                   const std::string& path) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    migration m;
    BOOST_OUTCOME_TRY(m.id, reader.required<std::string>("id"));
    BOOST_OUTCOME_TRY(m.slug, reader.required<std::string>("slug"));
    BOOST_OUTCOME_TRY(m.kind, reader.required<migration_kind>("kind"));
    BOOST_OUTCOME_TRY(auto requires_value, reader.required<json::value>("requires"));
    BOOST_OUTCOME_TRY(auto requires_reader,
                      json_object_reader::open(requires_value, reader.member_path("requires")));
    BOOST_OUTCOME_TRY(m.requires_migrations,
                      requires_reader.optional_or<std::vector<std::string>>("migrations", {}));
    BOOST_OUTCOME_TRY(auto functions,
                      requires_reader.optional_or<std::vector<std::string>>("functions", {}));
    BOOST_OUTCOME_TRY(requires_reader.finish());
    for (std::size_t i = 0; i < functions.size(); ++i) {
        auto parsed = parse_signature(functions[i]);
        if (!parsed)
            return fail(errc::invalid_definition, requires_reader.member_path("functions") + "[" +
                                                      std::to_string(i) +
                                                      "]: " + parsed.error().message);
        m.requires_functions.push_back(std::move(parsed).value());
    }
    BOOST_OUTCOME_TRY(m.adds, reader.required<std::vector<catalog_row>>("adds"));
    BOOST_OUTCOME_TRY(m.surface_delta, reader.optional_or<surface>("surface_delta", {}));
    BOOST_OUTCOME_TRY(reader.finish());
    if (m.id.empty() || m.slug.empty())
        return fail(errc::invalid_definition, path + ": id and slug must not be empty");
    if (m.kind == migration_kind::data_only && !m.surface_delta.is_zero())
        return fail(errc::invalid_definition,
                    path + ".surface_delta: migration " + m.id +
                        " is data_only, so its surface delta must be zero (found total " +
                        std::to_string(m.surface_delta.total()) + ")");
    return m;
}

inline void tag_invoke(json::value_from_tag, json::value& v, const rollback_guard& g) {
    v = {{"table", g.table}, {"column", g.column}};
}

inline void tag_invoke(json::value_from_tag, json::value& v, const migration_expectations& e) {
    v = {{"migration", e.migration_id},
         {"previous_version", e.previous_version},
         {"rows_before", e.rows_before},
         {"rows_added", e.rows_added},
         {"rows_after", e.rows_after},
         {"distinct_targets_before", e.distinct_targets_before},
         {"distinct_targets_after", e.distinct_targets_after},
         {"new_rows", json::value_from(e.new_rows, v.storage())},
         {"surface_before", json::value_from(e.surface_before, v.storage())},
         {"surface_after", json::value_from(e.surface_after, v.storage())},
         {"rollback_guard", json::value_from(e.guard, v.storage())}};
}

} // namespace iucore
