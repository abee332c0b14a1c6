#pragma once
// init, pure: what the engine read about an existing database's tables (their columns, and
// whether the optional ones exist) and the user's mapping become the schema model of a new
// definition. The engine then snapshots the database through that model (iucore/snapshot.hpp).

#include <iucore/definition.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace iucore {

struct init_options {
    /// The version the database is at: the new definition's baseline (e.g. "033").
    std::string as_version;
    std::string catalog_table = "public.dot_iu_command_catalog";
    std::string run_log_table = "public.dot_iu_command_run";
    /// Optional: when it does not exist the definition has no configs (said, not fatal).
    std::string config_table = "public.iu_core_config";
    /// iucore's column name → the table's, e.g. {"catalog.category", "kind"},
    /// {"run_log.actor", "who"}; unmapped columns are found by iucore's own name.
    std::map<std::string, std::string> columns;
    /// Empty: dot_iu_ when every command starts with it, else the first word (up to and
    /// including its "_") that every command starts with.
    std::string command_prefix;
    /// The definition's name; empty: the catalog table's.
    std::string name;
    /// The gates to write: which config holds which commands in which modes is not in the
    /// database, so it is given (--gate). A gate without commands holds every catalog command.
    std::vector<gate> gates;
};

/// One --gate word, CONFIG=MODE[,MODE…][:COMMAND[,COMMAND…]], e.g.
/// `iu_core.composer_enabled=dry_run,live:dot_iu_publish`.
result<gate> parse_init_gate(std::string_view word);

/// The new definition's gates: each config one of its boolean configs, each command one of its
/// catalog's; a gate without commands holds every command of the catalog.
result<gate_set> init_gates(const std::vector<gate>& asked, const definition& d);

/// Every key `init_options::columns` may use, in the order the help lists them.
const std::vector<std::string>& init_column_keys();

/// What can be checked before connecting: the version is a file word, the tables are
/// `name` or `schema.name`, every column key is known and every column name non-empty.
result<void> check_init_options(const init_options& options);

/// One column of a live table, as pg_attribute describes it.
struct table_column {
    std::string name;
    std::string type;      // format_type(): "text", "boolean", "text[]", …
    bool is_array = false; // the type's category is A
    bool is_boolean = false;
    friend bool operator==(const table_column&, const table_column&) = default;
};

/// The tables init reads; a table that does not exist is nullopt.
struct init_tables {
    std::optional<std::vector<table_column>> catalog;
    std::optional<std::vector<table_column>> run_log;
    std::optional<std::vector<table_column>> configs;
};

/// The schema model of the new definition: the catalog's five columns (each must exist, with
/// a fitting type), the run log's command column (required) and optional columns (null when
/// absent), the config registry when its table exists; surface rules counting every table,
/// view, function and trigger of the catalog's schema (iucore's ledger, kept there, excepted)
/// and configs by the config table. `notes` gets one line per optional object not found.
result<schema_model> init_schema(const init_options& options, const init_tables& tables,
                                 std::vector<std::string>& notes);

/// The prefix every command name shares (see init_options::command_prefix); empty when none.
std::string derive_command_prefix(const std::vector<std::string>& command_names);

} // namespace iucore
