#pragma once
// The SQL of the engine's operations, rendered from the definition alone: the governed run's
// statement, the ledger's reads and writes, the introspection queries (catalog, surface,
// configs, signatures, verify), run counts. Each is a pure function that returns the text and
// the values of its $n parameters; the engine (src/engine) only executes them. Every table and
// column name comes from the schema model (schema.hpp: the catalog's and the run log's columns
// as mapped there; ledger_columns below).

#include <iucore/arguments.hpp>
#include <iucore/definition.hpp>
#include <iucore/ledger.hpp>
#include <iucore/render.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iucore {

/// One statement and the values of its $n parameters (NULL for nullopt), bound as text.
struct statement {
    std::string text;
    std::vector<std::optional<std::string>> params;
};

/// The columns of iucore's own migration ledger (its table is schema.ledger.table; the columns
/// are iucore's, fixed here as the catalog's are by catalog_columns).
namespace ledger_columns {
inline constexpr std::string_view migration_id = "migration_id";
inline constexpr std::string_view position = "position";
inline constexpr std::string_view checksum = "checksum";
inline constexpr std::string_view checksum_algorithm = "checksum_algorithm";
inline constexpr std::string_view chain_hash = "chain_hash";
inline constexpr std::string_view applied_by = "applied_by";
inline constexpr std::string_view applied_at = "applied_at";
inline constexpr std::string_view report = "report";
inline constexpr std::string_view repaired_by = "repaired_by";
inline constexpr std::string_view repaired_at = "repaired_at";
inline constexpr std::string_view repair_reason = "repair_reason";
} // namespace ledger_columns

/// The catalog's key column as the table names it (schema.catalog.columns.command_name).
const std::string& catalog_key_column(const definition& d);

/// A text[] parameter in PostgreSQL's array input syntax, every element double-quoted.
std::string text_array_parameter(const std::vector<std::string>& items);

/// A parameterised call of the target function with named notation, so omitted arguments
/// take their SQL defaults. Values travel separately, never spliced into the text.
struct call_sql {
    std::string call;                // public.fn(event_id => $1::uuid, …)
    std::vector<std::string> params; // $first … in order
    /// The call as a statement of its own: SELECT call.
    std::string select() const { return "SELECT " + call; }
};

result<call_sql> render_call(const definition& d, const command_binding& b,
                             const bound_arguments& args, int first_param = 1);

/// The governed run: gate check, call and run-log row in one statement. Its text depends on
/// the definition, the command and which arguments are named, never on their values or the
/// actor, so a session prepares it once and executes it by name on every later run. The row
/// goes into the run-log columns the schema model maps (schema.run_log.columns); an empty
/// `actor` logs the session's current_user. Returns id (NULL without an id column), governed,
/// open, configs, result.
result<statement> render_governed_run(const definition& d, const command_binding& b,
                                      const bound_arguments& args, std::string_view actor);

/// The run-log row of an attempt whose statement failed: 'error' while the command's catalog
/// row is still there (read FOR KEY SHARE), else 'refused'. Returns id (NULL without an id
/// column) and outcome (whether or not the table has an outcome column).
result<statement> render_failed_run_log(const definition& d, const command_binding& b,
                                        const bound_arguments& args, std::string_view actor,
                                        std::string_view error_message);

/// The run log's parameters for the arguments of a run: {"name": "value", …} as JSON text.
std::string run_arguments_json(const bound_arguments& args);

/// The advisory lock key of a ledger: stable per ledger table, so appliers of one database
/// serialise and unrelated databases sharing a server do not.
std::string advisory_lock_key(const definition& d);

/// apply's first round trip (simple protocol): begin (JIT off), the advisory lock, the ledger's
/// DDL, the start check of `migration_id` (render_start_check: the catalog it starts from, under
/// the lock) as the second-to-last result, and the ledger rows (render_ledger_rows's columns) as
/// the last.
result<std::string> render_apply_opening(const definition& d, std::string_view migration_id);

/// apply's second round trip: the forward body, the ledger row of `entry` (applied_by: the
/// session user when empty), and COMMIT, or ROLLBACK for a dry run. The ledger row's values are
/// literals quoted by quote_literal: this text goes in one simple-protocol batch (one round
/// trip), which has no $n parameters.
result<std::string> render_apply_closing(const definition& d, const rendered_sql& forward,
                                         const ledger_entry& entry, std::string_view applied_by,
                                         bool dry_run);

/// baseline's and repair's first round trip: begin, apply's advisory lock, the ledger table
/// (repair's columns added to a ledger made before they existed), the ledger rows.
result<std::string> render_ledger_opening(const definition& d);
/// baseline's row for `entry`: $n parameters; applied_by the session user when empty.
result<statement> render_baseline_row(const definition& d, const ledger_entry& entry,
                                      std::string_view applied_by);
/// repair's update of `entry`'s row: its chain hash and position, and its checksum and algorithm
/// when `with_checksum` (the repaired migration itself); who (the session user when empty),
/// when and why. $n parameters.
result<statement> render_repair_row(const definition& d, const ledger_entry& entry,
                                    bool with_checksum, std::string_view repaired_by,
                                    std::string_view reason);

/// The forward SQL with what `iucore apply` adds, for psql: the advisory lock and the ledger
/// table first, the ledger row (the forward's checksum, current_user) last. `render forward
/// --with-ledger` prints it; a migration applied through it is `applied` in status.
result<rendered_sql> render_forward_with_ledger(const definition& d, std::string_view migration_id);

/// rollback's one round trip: begin (JIT off), the advisory lock, the rollback body, COMMIT.
result<std::string> render_rollback_transaction(const definition& d, const rendered_sql& script);

/// The ledger's rows, in position order (applied_at as text).
result<statement> render_ledger_rows(const definition& d);

/// Whether a table exists: one boolean column "present". `qualified_table` is `name` or
/// `schema.name` as the schema model spells it (unquoted parts, quoted here).
result<statement> render_table_exists(std::string_view qualified_table);

/// A table's columns in order: name, type (format_type), is_array, is_boolean; no rows when
/// the table does not exist.
result<statement> render_table_columns(std::string_view qualified_table);

/// The number of catalog rows: one column "n".
result<statement> render_catalog_count(const definition& d);

/// How many run-log rows reference each of `commands`: columns command, runs.
result<statement> render_run_counts(const definition& d, const std::vector<std::string>& commands);

/// One run-log row deleted by id (the demo removes its own run); an error without an id column.
result<statement> render_delete_run(const definition& d, std::int64_t run_id);

/// The live catalog: every catalog column, target_functions as JSON text, by key.
result<statement> render_catalog_rows(const definition& d);

/// The live surface: one row, one count column per surface kind (named by name(kind)).
result<statement> render_surface_counts(const definition& d);

/// The config registry: columns key, value, type, by key.
result<statement> render_configs(const definition& d);

/// A function's signature from pg_proc, in the catalog's schema: columns proname, names, types
/// (JSON arrays), defaults, returns, has_modes.
statement render_signature_lookup(const definition& d, std::string_view function);

/// How far a hot standby's replay lags, in seconds (0 when it has replayed all it received):
/// one column "lag_seconds".
statement render_replay_lag();

/// The pids that block backend `pid`, comma-separated: one column.
statement render_blocking_pids(int pid);

/// Whether `sig` resolves by its identity (function_identity: schema, name, argument types):
/// columns found (boolean) and instead (functions_named_sql: what exists under its name).
result<statement> render_function_resolution(const definition& d, const signature& sig);

/// verify's text: the checks' report rows as one statement; with `own_transaction`, wrapped in
/// a read-only transaction with parallelism and JIT off and room for the hash of the expected
/// rows (simple protocol, the check rows are the only result with columns).
std::string render_verification(const std::vector<sql_check>& checks, bool own_transaction);

} // namespace iucore
