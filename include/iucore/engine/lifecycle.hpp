#pragma once
// The migration lifecycle against a live database. Each operation is one transaction on the
// given session (prove opens a new connection per step) and returns a report value.
//
// Lock order, everywhere a lock is taken (so no two operations can deadlock):
//   1. the advisory lock of the ledger (apply, rollback): serialises appliers;
//   2. the run log, SHARE mode (rollback) / ROW EXCLUSIVE (a governed run's insert);
//   3. catalog rows (rollback's DELETE; a run's KEY SHARE read of its command's row).

#include <iucore/config.hpp>
#include <iucore/definition.hpp>
#include <iucore/engine/session.hpp>
#include <iucore/init.hpp>
#include <iucore/reports.hpp>
#include <iucore/statements.hpp>

#include <functional>
#include <string>

namespace iucore {

struct apply_options {
    bool dry_run = false;   // run everything, report, then roll back
    std::string applied_by; // recorded in the ledger; the session user when empty
};

result<apply_report> apply(session& s, const definition& d, std::string_view migration_id,
                           const apply_options& options = {});
result<rollback_report> rollback(session& s, const definition& d, std::string_view migration_id);
/// apply, migration after migration up to and including `to` (empty: the latest), each in its
/// own transaction; stops at the first that fails or drifts (iucore/chain.hpp).
result<chain_report> apply_chain(session& s, const definition& d, std::string_view to,
                                 const apply_options& options = {});
/// rollback of every migration after version `to` whose rows are in the catalog, latest first,
/// each in its own transaction under its guard; stops at the first that is refused.
result<chain_report> rollback_chain(session& s, const definition& d, std::string_view to);
result<verify_report> verify(session& s, const definition& d, std::string_view version = {});
struct prove_options {
    connection_options connection;                      // for every connection prove opens
    std::function<void(std::string_view step)> on_step; // told as each step starts
};

/// apply → rollback → re-apply, each step and each count on its own new connection.
result<prove_report> prove(const std::string& conninfo, const definition& d,
                           std::string_view migration_id, const prove_options& options = {});
result<diff_report> diff_live(session& s, const definition& d);
result<surface_report> surface_live(session& s, const definition& d);
result<status_report> status(session& s, const definition& d);
/// Reads a live catalog, surface, configs and target signatures into a definition.
result<definition> snapshot(session& s, const definition& schema_source);

/// A new definition of an existing database (iucore/init.hpp): its tables introspected, its
/// catalog, surface, configs and target signatures read at `options.as_version`, and checked
/// against the same database (verify, diff, surface) before it is returned.
struct init_result {
    definition def;
    init_report report;
};
result<init_result> init(session& s, const init_options& options);

/// Records migrations applied outside iucore (iucore/ledger_plan.hpp): every one up to and
/// including `migration_id` without a ledger row, once the catalog holds what the definition
/// has at `migration_id` (verify's checks, in the same transaction, under apply's lock).
result<ledger_report> baseline(session& s, const definition& d, std::string_view migration_id,
                               std::string_view applied_by = {});
/// Accepts an intentional change to a recorded migration's definition: its ledger row takes the
/// definition's checksum (later rows their chain hash), with who, when and `reason`, once the
/// catalog holds what the definition has at the latest recorded migration.
result<ledger_report> repair(session& s, const definition& d, std::string_view migration_id,
                             std::string_view reason, std::string_view repaired_by = {});

result<catalog> read_catalog(session& s, const definition& d);
result<surface> read_surface(session& s, const definition& d);
result<config_set> read_configs(session& s, const definition& d);
/// A function's signature as pg_proc holds it, with parameter names and defaults.
result<signature> read_signature(session& s, const definition& d, std::string_view function);
/// How many run-log rows reference each of `commands` (only those with runs).
result<std::vector<std::pair<std::string, std::int64_t>>>
count_runs(session& s, const definition& d, const std::vector<std::string>& commands);

/// Whether the table (`name` or `schema.name`, as the schema model spells it) exists.
result<bool> table_exists(session& s, std::string_view qualified_table);
/// Runs the seed of `version` (render_seed) in its own transaction; returns its INSERT status
/// line ("INSERT 0 0" when live already matched).
result<std::string> apply_seed(session& s, const definition& d, std::string_view version);
/// Deletes one run-log row by id.
result<void> delete_run(session& s, const definition& d, std::int64_t run_id);

} // namespace iucore
