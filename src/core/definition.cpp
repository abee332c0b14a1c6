#include <iucore/definition.hpp>

#include <algorithm>
#include <set>

namespace iucore {

namespace {

std::string at(std::string_view collection, std::size_t index) {
    return "$." + std::string(collection) + "[" + std::to_string(index) + "]";
}

failure invalid(std::string message) {
    return fail(errc::invalid_definition, std::move(message));
}

/// Versions, migration ids and slugs become file names, SQL comments and check labels, so they
/// are restricted to [A-Za-z0-9_.-]: no path separator, newline, quote or NUL can ride along.
result<void> check_file_word(const std::string& path, const std::string& value) {
    bool ok = !value.empty();
    for (char c : value)
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-');
    if (!ok)
        return invalid(path + ": " + detail::quote_for_message(value) +
                       " must be non-empty and use only letters, digits, _, . and -");
    return boost::outcome_v2::success();
}

} // namespace

const std::vector<std::string>& figures::names() {
    static const std::vector<std::string> all = [] {
        std::vector<std::string> out{"catalog_rows", "distinct_targets", "governed_commands",
                                     "registry_entries", "surface_total"};
        for (auto k : all_surface_kinds)
            out.push_back("surface." + std::string(name(k)));
        return out;
    }();
    return all;
}

result<std::int64_t> figures::get(std::string_view figure) const {
    if (figure == "catalog_rows") return catalog_rows;
    if (figure == "distinct_targets") return distinct_targets;
    if (figure == "governed_commands") return governed_commands;
    if (figure == "registry_entries") return registry_entries;
    if (figure == "surface_total") return inventory.total();
    for (auto k : all_surface_kinds)
        if (figure == "surface." + std::string(name(k))) return inventory[k];
    std::string known;
    for (const auto& n : names())
        known += (known.empty() ? "" : ", ") + n;
    return fail(errc::invalid_argument,
                "figure \"" + std::string(figure) + "\" is not known: expected one of " + known);
}

std::vector<std::string> definition::versions() const {
    std::vector<std::string> out{base.version};
    for (const auto& m : migrations)
        out.push_back(m.id);
    return out;
}

bool definition::knows_version(std::string_view version) const {
    auto all = versions();
    return std::find(all.begin(), all.end(), version) != all.end();
}

const migration* definition::find_migration(std::string_view id) const {
    for (const auto& m : migrations)
        if (m.id == id) return &m;
    return nullptr;
}

const signature* definition::find_signature(std::string_view function_name) const {
    for (const auto& s : signatures)
        if (s.name == function_name) return &s;
    return nullptr;
}

const registry_entry* definition::find_entry(std::string_view command) const {
    for (const auto& e : registry)
        if (e.command == command) return &e;
    return nullptr;
}

const catalog_row* definition::ssot_row(std::string_view command) const {
    // The fold keeps the first row of a name: the baseline's, then each migration's in order.
    if (const auto* row = base.rows.find(command)) return row;
    for (const auto& m : migrations)
        for (const auto& row : m.adds)
            if (row.command_name == command) return &row;
    return nullptr;
}

namespace {
failure unknown_version(const definition& d, std::string_view version) {
    std::string known;
    for (const auto& v : d.versions())
        known += (known.empty() ? "" : ", ") + v;
    return fail(errc::invalid_argument, "version \"" + std::string(version) +
                                            "\" is not in the definition: expected one of " +
                                            known);
}
} // namespace

result<catalog> definition::catalog_at(std::string_view version) const {
    if (!knows_version(version)) return unknown_version(*this, version);
    catalog folded = base.rows;
    if (version == base.version) return folded;
    for (const auto& m : migrations) {
        folded.insert_if_absent(m.adds);
        if (m.id == version) break;
    }
    return folded;
}

result<surface> definition::surface_at(std::string_view version) const {
    if (!knows_version(version)) return unknown_version(*this, version);
    surface folded = base.inventory;
    if (version == base.version) return folded;
    for (const auto& m : migrations) {
        folded = folded + m.surface_delta;
        if (m.id == version) break;
    }
    return folded;
}

result<figures> definition::figures_at(std::string_view version) const {
    BOOST_OUTCOME_TRY(auto rows, catalog_at(version));
    BOOST_OUTCOME_TRY(auto inventory, surface_at(version));
    figures f;
    f.version = std::string(version);
    f.catalog_rows = static_cast<std::int64_t>(rows.size());
    f.distinct_targets = static_cast<std::int64_t>(rows.distinct_targets());
    // An entry counts from the version that registered it on (the record: 32 at 033, 34 at 034).
    const auto order = versions();
    const auto position = [&](std::string_view v) {
        return std::find(order.begin(), order.end(), v) - order.begin();
    };
    const auto at = position(version);
    for (const auto& e : registry) {
        if (e.since && position(*e.since) > at) continue;
        ++f.registry_entries;
        if (rows.find(e.command)) ++f.governed_commands;
    }
    f.inventory = inventory;
    return f;
}

result<std::string> definition::version_before(std::string_view migration_id) const {
    std::string previous = base.version;
    for (const auto& m : migrations) {
        if (m.id == migration_id) return previous;
        previous = m.id;
    }
    std::string known;
    for (const auto& m : migrations)
        known += (known.empty() ? "" : ", ") + m.id;
    return fail(errc::invalid_argument, "migration \"" + std::string(migration_id) +
                                            "\" is not in the definition: expected one of " +
                                            (known.empty() ? "(none)" : known));
}

result<migration_expectations> definition::expectations(std::string_view migration_id) const {
    BOOST_OUTCOME_TRY(auto previous, version_before(migration_id));
    const auto* m = find_migration(migration_id);
    BOOST_OUTCOME_TRY(auto before, catalog_at(previous));
    BOOST_OUTCOME_TRY(auto after, catalog_at(migration_id));
    migration_expectations e;
    e.migration_id = m->id;
    e.previous_version = previous;
    e.rows_before = before.size();
    e.rows_after = after.size();
    e.rows_added = after.size() - before.size();
    e.distinct_targets_before = before.distinct_targets();
    e.distinct_targets_after = after.distinct_targets();
    e.new_rows = m->added_commands();
    std::sort(e.new_rows.begin(), e.new_rows.end());
    BOOST_OUTCOME_TRY(e.surface_before, surface_at(previous));
    BOOST_OUTCOME_TRY(e.surface_after, surface_at(migration_id));
    e.guard = guard();
    return e;
}

std::vector<std::string> definition::dependents(std::string_view migration_id) const {
    std::vector<std::string> out;
    for (const auto& m : migrations)
        if (std::find(m.requires_migrations.begin(), m.requires_migrations.end(), migration_id) !=
            m.requires_migrations.end())
            out.push_back(m.id);
    return out;
}

namespace {

result<void> validate_row(const definition& d, const catalog_row& row, const std::string& path) {
    if (!d.schema.names_command(row.command_name))
        return invalid(path + ".command_name: \"" + row.command_name + "\" must start with " +
                       d.schema.command_prefix + " and name a command");
    if (std::find(d.categories.begin(), d.categories.end(), row.category) == d.categories.end()) {
        std::string known;
        for (const auto& c : d.categories)
            known += (known.empty() ? "" : ", ") + c;
        return invalid(path + ".category: \"" + row.category +
                       "\" is not a known category (expected one of: " + known + ")");
    }
    if (row.target_functions.empty())
        return invalid(path + ".target_functions: command \"" + row.command_name +
                       "\" must name at least one target function");
    for (std::size_t i = 0; i < row.target_functions.size(); ++i)
        if (!d.find_signature(row.target_functions[i]))
            return invalid(path + ".target_functions[" + std::to_string(i) + "]: function \"" +
                           row.target_functions[i] + "\" of command \"" + row.command_name +
                           "\" has no signature in $.signatures");
    return boost::outcome_v2::success();
}

result<void> validate_migrations(const definition& d) {
    std::set<std::string> seen_versions{d.base.version};
    std::set<std::string> added; // by migrations; the baseline's are found in its catalog
    for (std::size_t i = 0; i < d.migrations.size(); ++i) {
        const auto& m = d.migrations[i];
        const auto path = at("migrations", i);
        BOOST_OUTCOME_TRY(check_file_word(path + ".id", m.id));
        BOOST_OUTCOME_TRY(check_file_word(path + ".slug", m.slug));
        if (seen_versions.contains(m.id))
            return invalid(path + ".id: duplicate version \"" + m.id + "\"");
        for (const auto& required : m.requires_migrations)
            if (!seen_versions.contains(required))
                return invalid(path + ".requires.migrations: migration " + m.id + " requires \"" +
                               required +
                               "\", which is neither the baseline nor an earlier migration");
        for (const auto& f : m.requires_functions) {
            const auto* known = d.find_signature(f.name);
            if (!known || !known->same_function(f))
                return invalid(path + ".requires.functions: \"" + f.regprocedure() +
                               "\" is not a signature in $.signatures");
        }
        if (m.adds.empty())
            return invalid(path + ".adds: migration " + m.id + " adds no catalog rows");
        for (std::size_t r = 0; r < m.adds.size(); ++r) {
            const auto row_path = path + ".adds[" + std::to_string(r) + "]";
            const auto& row = m.adds.at(r);
            BOOST_OUTCOME_TRY(validate_row(d, row, row_path));
            if (d.base.rows.find(row.command_name) || !added.insert(row.command_name).second)
                return invalid(row_path + ".command_name: duplicate command \"" +
                               m.adds[r].command_name + "\"");
        }
        seen_versions.insert(m.id);
    }
    return boost::outcome_v2::success();
}

/// `since` is a version, and not later than the migration that adds the entry's catalog row:
/// a governed command is registered.
result<void> check_since(const definition& d, const registry_entry& e, const std::string& path) {
    if (!e.since || *e.since == d.base.version) return boost::outcome_v2::success();
    if (!d.knows_version(*e.since))
        return invalid(path + ".since: \"" + *e.since + "\" of command \"" + e.command +
                       "\" is not a version of the definition");
    if (d.base.rows.find(e.command))
        return invalid(path + ".since: command \"" + e.command + "\" is in the baseline catalog (" +
                       d.base.version + ") but registered only at " + *e.since);
    for (const auto& m : d.migrations) {
        if (m.id == *e.since) break;
        for (const auto& row : m.adds)
            if (row.command_name == e.command)
                return invalid(path + ".since: command \"" + e.command + "\" is governed from " +
                               m.id + " (its catalog row) but registered only at " + *e.since);
    }
    return boost::outcome_v2::success();
}

result<void> validate_registry(const definition& d) {
    std::set<std::string> commands;
    for (std::size_t i = 0; i < d.registry.size(); ++i) {
        const auto& e = d.registry[i];
        const auto path = at("registry", i);
        if (!d.schema.names_command(e.command))
            return invalid(path + ".command: \"" + e.command + "\" must start with " +
                           d.schema.command_prefix + " and name a command");
        if (!commands.insert(e.command).second)
            return invalid(path + ".command: duplicate command \"" + e.command + "\"");
        BOOST_OUTCOME_TRY(check_since(d, e, path));
        const auto* sig = d.find_signature(e.function);
        if (!sig)
            return invalid(path + ".function: function \"" + e.function + "\" of command \"" +
                           e.command + "\" has no signature in $.signatures");
        auto has_parameter = [&](std::string_view name) {
            return std::any_of(sig->parameters.begin(), sig->parameters.end(),
                               [&](const auto& p) { return p.name == name; });
        };
        if (e.mode_arg && !has_parameter(e.mode_arg->name))
            return invalid(path + ".mode_argument.name: \"" + e.mode_arg->name +
                           "\" is not a parameter of " + sig->regprocedure());
        for (const auto& [argument, values] : e.allowed)
            if (!has_parameter(argument) || values.empty())
                return invalid(path + ".allowed." + argument + ": not a parameter of " +
                               sig->regprocedure() + ", or no values listed");
    }
    for (std::size_t i = 0; i < d.registry.size(); ++i)
        if (d.registry[i].reversed_by && !commands.contains(*d.registry[i].reversed_by))
            return invalid(at("registry", i) + ".reversed_by: \"" + *d.registry[i].reversed_by +
                           "\" is not a command in $.registry");
    return boost::outcome_v2::success();
}

} // namespace

result<void> definition::validate() const {
    if (format != "iucore-definition/1")
        return invalid("$.format: \"" + format +
                       "\" is not supported (expected iucore-definition/1)");
    // The name is printed in the header comment of every rendered file: one line of text.
    bool printable = is_valid_utf8(name);
    for (char c : name)
        printable = printable && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
    if (!printable)
        return invalid("$.name: " + detail::quote_for_message(name) +
                       " must be one line of UTF-8 text without control characters");
    BOOST_OUTCOME_TRY(check_file_word("$.baseline.version", base.version));
    std::set<std::string> names;
    for (std::size_t i = 0; i < signatures.size(); ++i)
        if (!names.insert(signatures[i].name).second)
            return invalid(at("signatures", i) + ".name: duplicate signature \"" +
                           signatures[i].name + "\"");
    const auto& baseline_rows = base.rows.rows();
    for (std::size_t i = 0; i < baseline_rows.size(); ++i) {
        const auto& row = baseline_rows.at(i);
        BOOST_OUTCOME_TRY(validate_row(*this, row, at("baseline.catalog", i)));
    }
    BOOST_OUTCOME_TRY(validate_migrations(*this));
    BOOST_OUTCOME_TRY(validate_registry(*this));
    if (!schema.configs.exists() && !configs.entries().empty())
        return invalid("$.configs: the database has no config table ($.schema.configs is null), "
                       "so the definition can have no configs");
    for (std::size_t i = 0; i < gates.gates().size(); ++i) {
        const auto& g = gates.gates()[i];
        const auto* config = configs.find(g.config);
        if (!config || config->type != "boolean")
            return invalid(at("gates", i) + ".config: \"" + g.config +
                           "\" is not a boolean config in $.configs");
        for (const auto& c : g.commands)
            if (!find_entry(c))
                return invalid(at("gates", i) + ".commands: \"" + c +
                               "\" is not a command in $.registry");
    }
    for (auto v : versions()) {
        auto s = surface_at(v).value();
        for (auto k : all_surface_kinds)
            if (s[k] < 0)
                return invalid("$.migrations: the surface at version " + v + " counts " +
                               std::to_string(s[k]) + " objects of kind " +
                               std::string(iucore::name(k)) + " (expected at least 0)");
    }
    for (std::size_t i = 0; i < pins.size(); ++i) {
        figures probe;
        if (auto f = probe.get(pins[i].figure); !f)
            return invalid(at("pins", i) + ".figure: " + f.error().message);
        if (pins[i].version && !knows_version(*pins[i].version))
            return invalid(at("pins", i) + ".version: \"" + *pins[i].version +
                           "\" is not a version of the definition");
    }
    return boost::outcome_v2::success();
}

void tag_invoke(json::value_from_tag, json::value& v, const definition& d) {
    v = {{"format", d.format},
         {"name", d.name},
         {"schema", json::value_from(d.schema, v.storage())},
         {"categories", json::value_from(d.categories, v.storage())},
         {"signatures", json::value_from(d.signatures, v.storage())},
         {"configs", json::value_from(d.configs, v.storage())},
         {"gates", json::value_from(d.gates, v.storage())},
         {"baseline",
          {{"version", d.base.version},
           {"catalog", json::value_from(d.base.rows, v.storage())},
           {"surface", json::value_from(d.base.inventory, v.storage())}}},
         {"migrations", json::value_from(d.migrations, v.storage())},
         {"registry", json::value_from(d.registry, v.storage())},
         {"pins", json::value_from(d.pins, v.storage())}};
}

result<definition> from_json(std::type_identity<definition>, const json::value& v,
                             const std::string& path) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    definition d;
    BOOST_OUTCOME_TRY(d.format, reader.required<std::string>("format"));
    BOOST_OUTCOME_TRY(d.name, reader.required<std::string>("name"));
    BOOST_OUTCOME_TRY(d.schema, reader.required<schema_model>("schema"));
    BOOST_OUTCOME_TRY(d.categories, reader.required<std::vector<std::string>>("categories"));
    BOOST_OUTCOME_TRY(d.signatures, reader.required<std::vector<signature>>("signatures"));
    BOOST_OUTCOME_TRY(d.configs, reader.optional_or<config_set>("configs", {}));
    BOOST_OUTCOME_TRY(d.gates, reader.optional_or<gate_set>("gates", {}));
    BOOST_OUTCOME_TRY(auto base_reader, reader.required_object("baseline"));
    BOOST_OUTCOME_TRY(d.base.version, base_reader.required<std::string>("version"));
    BOOST_OUTCOME_TRY(d.base.rows, base_reader.required<catalog>("catalog"));
    BOOST_OUTCOME_TRY(d.base.inventory, base_reader.required<surface>("surface"));
    BOOST_OUTCOME_TRY(base_reader.finish());
    BOOST_OUTCOME_TRY(d.migrations, reader.optional_or<std::vector<migration>>("migrations", {}));
    BOOST_OUTCOME_TRY(d.registry, reader.optional_or<std::vector<registry_entry>>("registry", {}));
    BOOST_OUTCOME_TRY(d.pins, reader.optional_or<std::vector<pin_site>>("pins", {}));
    BOOST_OUTCOME_TRY(reader.finish());
    BOOST_OUTCOME_TRY(d.validate());
    return d;
}

result<definition> parse_definition(std::string_view text, std::string_view source) {
    // The tree is dropped once read: an arena makes its nodes one allocation per block and
    // freeing it one step (at 100k commands: less time, and a lower peak than node by node).
    json::monotonic_resource arena;
    BOOST_OUTCOME_TRY(auto v, parse_json_text(text, source, &arena));
    auto parsed = from_json(std::type_identity<definition>{}, v, "$");
    if (!parsed)
        return fail(errc::invalid_definition, std::string(source) + ": " + parsed.error().message);
    return parsed;
}

void tag_invoke(json::value_from_tag, json::value& v, const figures& f) {
    v = {{"version", f.version},
         {"catalog_rows", f.catalog_rows},
         {"distinct_targets", f.distinct_targets},
         {"governed_commands", f.governed_commands},
         {"registry_entries", f.registry_entries},
         {"surface", json::value_from(f.inventory, v.storage())}};
}

} // namespace iucore
