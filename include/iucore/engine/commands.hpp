#pragma once
// Governed DOT commands against a live database: explain with live configs, a gated run that
// logs every attempt, the gates overview, and promote (a function becomes a governed command
// through a new migration in the definition).

#include <iucore/engine/session.hpp>
#include <iucore/plan.hpp>
#include <iucore/promote.hpp>
#include <iucore/reports.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace iucore {

/// explain with the live config values and a verdict.
result<plan> explain_live(session& s, const definition& d, std::string_view command,
                          const std::vector<std::string>& tokens);

/// Gate check, call and run-log row in one statement (one round trip, one transaction). A
/// refused attempt is logged as refused; a failing function is logged as error (a second
/// round trip, after the failed statement rolled back), or as refused when a rollback removed
/// the command's catalog row in between.
result<run_report> run_command(session& s, const definition& d, std::string_view command,
                               const std::vector<std::string>& tokens, std::string_view actor);

result<gates_report> gates_live(session& s, const definition& d);

/// Reads FUNCTION's signature from pg_proc and returns the definition with the command governed
/// (the pure promote of promote.hpp): the catalog row and preflight requirement in the next
/// migration or in `options.migration`, the signature and registry entry. A named migration the
/// ledger has as applied is refused (errc::refused), before anything else is read.
result<definition> promote(session& s, const definition& d, const promote_options& options);

/// promote, then the new definition written to `path` (not written when `path` is empty): what
/// the CLI and the C ABI do.
result<promote_report> promote_and_save(session& s, const definition& d,
                                        const promote_options& options, const std::string& path);

} // namespace iucore
