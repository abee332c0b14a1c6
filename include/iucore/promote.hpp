#pragma once
// promote, pure: a function's signature (read from the database by the engine) and the
// definition give the definition with the next migration appended, which governs the function
// as a new DOT command.

#include <iucore/definition.hpp>

#include <string>

namespace iucore {

struct promote_options {
    std::string function;
    std::string command;
    std::string category;
    bool mutating = false;
    bool reversible = false;
};

/// What can be checked before the database is asked: the command is not governed yet, is named
/// <schema.command_prefix><something>, and its category is one of the definition's.
result<void> check_promote(const definition& d, const promote_options& options);

/// The id after the latest version, as wide as it ("034" → "035").
std::string next_migration_id(const definition& d);

/// The definition with the next migration appended: the catalog row, the preflight
/// requirement of `sig`, the signature (when new) and the registry entry; validated.
result<definition> promote(const definition& d, const promote_options& options,
                           const signature& sig);

} // namespace iucore
