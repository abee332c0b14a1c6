#include <iucore/init.hpp>
#include <iucore/sql_text.hpp>

#include <algorithm>

namespace iucore {

namespace {

constexpr std::string_view catalog_prefix = "catalog.";
constexpr std::string_view run_log_prefix = "run_log.";
constexpr std::string_view configs_prefix = "configs.";

std::string listed(const std::vector<table_column>& columns) {
    std::string out;
    for (const auto& c : columns)
        out += (out.empty() ? "" : ", ") + c.name + " " + c.type;
    return out;
}

/// Finds iucore's column `key` ("catalog.category") in `columns`: by the user's mapping, else
/// by `fallbacks` (iucore's own name first). nullptr when none is there.
const table_column* find_column(const init_options& options, const std::string& key,
                                const std::vector<table_column>& columns,
                                const std::vector<std::string>& fallbacks) {
    const auto by_name = [&](const std::string& wanted) -> const table_column* {
        for (const auto& c : columns)
            if (c.name == wanted) return &c;
        return nullptr;
    };
    if (auto mapped = options.columns.find(key); mapped != options.columns.end())
        return by_name(mapped->second);
    for (const auto& name : fallbacks)
        if (const auto* c = by_name(name)) return c;
    return nullptr;
}

failure column_missing(const init_options& options, const std::string& table,
                       const std::string& key, const std::vector<table_column>& columns) {
    const auto mapped = options.columns.find(key);
    const std::string what = mapped != options.columns.end()
                                 ? "has no column \"" + mapped->second + "\" (--column " + key +
                                       "=" + mapped->second + ")"
                                 : "has no column named \"" + key.substr(key.find('.') + 1) +
                                       "\"; map it with --column " + key + "=COLUMN";
    return fail(errc::invalid_argument,
                "init: " + table + " " + what + "; its columns: " + listed(columns));
}

} // namespace

const std::vector<std::string>& init_column_keys() {
    static const std::vector<std::string> keys = [] {
        std::vector<std::string> out;
        for (const auto& c : catalog_columns)
            out.push_back(std::string(catalog_prefix) + std::string(c.name));
        out.push_back(std::string(run_log_prefix) + "command");
        for (const auto& [key, column] : run_log_column_names{}.all())
            out.push_back(std::string(run_log_prefix) + std::string(key));
        for (const auto* key : {"key", "value", "type"})
            out.push_back(std::string(configs_prefix) + key);
        return out;
    }();
    return keys;
}

result<void> check_init_options(const init_options& options) {
    if (options.as_version.empty())
        return fail(errc::invalid_argument, "init: --as-version is required: the version the "
                                            "database is at (e.g. 033)");
    // A version becomes file names and SQL comments (definition.cpp: check_file_word).
    if (options.as_version.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "0123456789_.-") != std::string::npos)
        return fail(errc::invalid_argument,
                    "init: --as-version \"" + options.as_version +
                        "\": expected a version of letters, digits, _, . and - (e.g. 033)");
    for (const auto& [option, table] : {std::pair{"--catalog", &options.catalog_table},
                                        std::pair{"--run-log", &options.run_log_table},
                                        std::pair{"--configs", &options.config_table}})
        if (auto quoted = quote_qualified_name(*table); !quoted)
            return fail(errc::invalid_argument,
                        std::string("init: ") + option + ": " + quoted.error().message);
    const auto& keys = init_column_keys();
    for (const auto& [key, column] : options.columns) {
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
            std::string known;
            for (const auto& k : keys)
                known += (known.empty() ? "" : ", ") + k;
            return fail(errc::invalid_argument, "init: --column " + detail::quote_for_message(key) +
                                                    ": expected one of " + known);
        }
        if (column.empty())
            return fail(errc::invalid_argument,
                        "init: --column " + key + "=: expected a column name after =");
    }
    if (!options.command_prefix.empty() &&
        options.command_prefix.find_first_of(" \t\n\"'") != std::string::npos)
        return fail(errc::invalid_argument, "init: --command-prefix " +
                                                detail::quote_for_message(options.command_prefix) +
                                                ": expected a name prefix such as ops_");
    return boost::outcome_v2::success();
}

namespace {

/// `text` split at `separator`, empty pieces kept (the callers refuse them).
std::vector<std::string> split_words(std::string_view text, char separator) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto end = text.find(separator, start);
        out.emplace_back(text.substr(start, end - start));
        if (end == std::string_view::npos) return out;
        start = end + 1;
    }
}

void add_once(std::vector<std::string>& words, std::string word) {
    if (std::find(words.begin(), words.end(), word) == words.end())
        words.push_back(std::move(word));
}

} // namespace

result<gate> parse_init_gate(std::string_view word) {
    const auto bad = [&](const std::string& why) {
        return fail(errc::invalid_argument,
                    "init: --gate " + detail::quote_for_message(word) + ": " + why +
                        " (expected CONFIG=MODE[,MODE][:COMMAND[,COMMAND]], "
                        "e.g. iu_core.composer_enabled=dry_run,live)");
    };
    const auto eq = word.find('=');
    if (eq == std::string_view::npos || eq == 0) return bad("no config before =");
    const auto colon = word.find(':', eq);
    gate g;
    g.config = std::string(word.substr(0, eq));
    const auto modes =
        word.substr(eq + 1, colon == std::string_view::npos ? colon : colon - eq - 1);
    for (const auto& m : split_words(modes, ',')) {
        auto parsed = parse_mode(m);
        if (!parsed) return bad("\"" + m + "\" is not a mode (dry_run or live)");
        if (std::find(g.modes.begin(), g.modes.end(), parsed.value()) == g.modes.end())
            g.modes.push_back(parsed.value());
    }
    if (colon != std::string_view::npos)
        for (auto& c : split_words(word.substr(colon + 1), ',')) {
            if (c.empty()) return bad("an empty command name");
            add_once(g.commands, std::move(c));
        }
    return g;
}

result<gate_set> init_gates(const std::vector<gate>& asked, const definition& d) {
    std::vector<gate> out;
    for (auto g : asked) {
        if (!d.schema.configs.exists())
            return fail(errc::invalid_argument, "init: --gate " + g.config +
                                                    ": the database has no config table, so "
                                                    "there are no configs to gate on");
        const auto* config = d.configs.find(g.config);
        if (!config || config->type != "boolean") {
            std::string booleans;
            for (const auto& c : d.configs.entries())
                if (c.type == "boolean") booleans += (booleans.empty() ? "" : ", ") + c.key;
            return fail(
                errc::invalid_argument,
                "init: --gate " + g.config + ": " +
                    (config ? "the config is " + config->type + ", not boolean"
                            : std::string("no such config")) +
                    (booleans.empty() ? std::string() : "; the boolean configs: " + booleans));
        }
        if (g.commands.empty())
            for (const auto& row : d.base.rows.rows())
                add_once(g.commands, row.command_name);
        for (const auto& c : g.commands)
            if (!d.find_entry(c))
                return fail(errc::invalid_argument, "init: --gate " + g.config + ": \"" + c +
                                                        "\" is not a command of the catalog");
        out.push_back(std::move(g));
    }
    return gate_set(std::move(out));
}

std::string derive_command_prefix(const std::vector<std::string>& names) {
    if (names.empty()) return {};
    const auto shared_by_all = [&](const std::string& prefix) {
        return std::all_of(names.begin(), names.end(), [&](const std::string& n) {
            return n.size() > prefix.size() && n.starts_with(prefix);
        });
    };
    const std::string default_prefix = schema_model{}.command_prefix;
    if (shared_by_all(default_prefix)) return default_prefix;
    const auto underscore = names.front().find('_');
    if (underscore == std::string::npos) return {};
    const auto first_word = names.front().substr(0, underscore + 1);
    return shared_by_all(first_word) ? first_word : std::string();
}

result<schema_model> init_schema(const init_options& options, const init_tables& tables,
                                 std::vector<std::string>& notes) {
    schema_model s;
    if (!tables.catalog)
        return fail(errc::invalid_argument,
                    "init: the catalog table " + options.catalog_table +
                        " does not exist (give the table of governed commands with --catalog)");
    if (!tables.run_log)
        return fail(errc::invalid_argument,
                    "init: the run log table " + options.run_log_table +
                        " does not exist (give the table runs are logged in with --run-log); "
                        "rollback's guard reads it");

    // The catalog: five columns, each with the type iucore reads it as.
    s.catalog.table = options.catalog_table;
    for (const auto& logical : catalog_columns) {
        const std::string key = std::string(catalog_prefix) + std::string(logical.name);
        const auto* found = find_column(options, key, *tables.catalog, {std::string(logical.name)});
        if (!found) return column_missing(options, options.catalog_table, key, *tables.catalog);
        const bool is_flag = logical.name == "mutating" || logical.name == "reversible";
        const bool is_list = logical.name == "target_functions";
        const bool fits = is_flag   ? found->is_boolean
                          : is_list ? found->is_array
                                    : !found->is_array && !found->is_boolean;
        if (!fits)
            return fail(errc::invalid_argument,
                        "init: " + options.catalog_table + "." + found->name + " is " +
                            found->type + "; iucore's " + std::string(logical.name) + " needs " +
                            (is_flag   ? "a boolean"
                             : is_list ? "an array of function names (text[])"
                                       : "a text column"));
        s.catalog.columns.of(logical.name) = found->name;
    }

    // The run log: the command column (by default named as the catalog's), the rest optional.
    s.run_log.table = options.run_log_table;
    const std::string command_key = std::string(run_log_prefix) + "command";
    const auto* command = find_column(options, command_key, *tables.run_log,
                                      {"command_name", s.catalog.columns.command_name});
    if (!command)
        return column_missing(options, options.run_log_table, command_key, *tables.run_log);
    s.run_log.command_column = command->name;
    for (auto& [logical, column] : s.run_log.columns.all()) {
        const std::string key = std::string(run_log_prefix) + std::string(logical);
        const auto* found = find_column(options, key, *tables.run_log, {std::string(logical)});
        if (!found && options.columns.contains(key))
            return column_missing(options, options.run_log_table, key, *tables.run_log);
        *column = found ? found->name : std::string();
    }
    for (auto& line : s.run_log.not_logged())
        notes.push_back(std::move(line));

    // iucore's ledger lives beside the catalog; the surface counts leave it out.
    const std::string schema(schema_of_qualified(options.catalog_table));
    s.ledger.table = schema + ".iucore_migration_ledger";
    s.surface.schemas = {schema};
    for (auto kind :
         {surface_kind::table, surface_kind::view, surface_kind::function, surface_kind::trigger})
        s.surface.kinds[kind].names_like = {"%"};

    if (tables.configs) {
        s.configs.table = options.config_table;
        for (auto [logical, member] :
             {std::pair{"key", &s.configs.key_column}, std::pair{"value", &s.configs.value_column},
              std::pair{"type", &s.configs.type_column}}) {
            const std::string key = std::string(configs_prefix) + logical;
            const auto* found = find_column(options, key, *tables.configs, {*member});
            if (!found) return column_missing(options, options.config_table, key, *tables.configs);
            *member = found->name;
        }
        s.surface.kinds[surface_kind::config].registry = options.config_table;
    } else {
        s.configs.table.clear();
        notes.push_back(
            "no config table " + options.config_table +
            ": no configs, no gates, none counted in the surface (--configs names one)");
    }
    for (auto kind : {surface_kind::event_type, surface_kind::route})
        notes.push_back("surface: " + std::string(name(kind)) +
                        " is not counted (no registry; add a rule to $.schema.surface)");
    return s;
}

} // namespace iucore
