#pragma once
// promote, pure: a function's signature (read from the database by the engine) and the
// definition give the definition with the function governed as a new DOT command, in a new
// migration after the latest or in a named migration that is not applied yet (so one migration
// can register several commands, as 034 does).

#include <iucore/definition.hpp>
#include <iucore/ledger.hpp>

#include <string>

namespace iucore {

struct promote_options {
    std::string function;
    std::string command;
    std::string category;
    bool mutating = false;
    bool reversible = false;
    /// The migration to add the command to; empty: a new one after the latest. Whether it is
    /// applied is the ledger's to say: the engine refuses an applied one.
    std::string migration{};
};

/// What can be checked before the database is asked: the command is not governed yet, is named
/// <schema.command_prefix><something>, its category is one of the definition's, and the named
/// migration (if any) is one of the definition's.
result<void> check_promote(const definition& d, const promote_options& options);

/// What the ledger says (`status` of the database): a named migration that has a ledger row
/// is applied and cannot take another command; refused, naming it.
result<void> check_promote_ledger(const promote_options& options,
                                  const std::vector<migration_status>& ledger);

/// The id after the latest numbered version, as wide as it ("034" → "035", "0099" → "0100");
/// a version that is not all digits (a snapshot baseline) is skipped; "001" when none is.
std::string next_migration_id(const definition& d);

/// The definition with the command governed: the catalog row and the preflight requirement of
/// `sig` in a new migration (or in `options.migration`), the signature (when new) and the
/// registry entry, registered since that migration; validated.
result<definition> promote(const definition& d, const promote_options& options,
                           const signature& sig);

} // namespace iucore
