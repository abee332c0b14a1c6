#pragma once
// The chain of migrations, pure: which migrations `apply` without an id (or with --to) walks,
// in order, and which `rollback --to` undoes, latest first. The engine runs each step in its
// own transaction, under apply's or rollback's own checks, and stops at the first that fails.

#include <iucore/definition.hpp>
#include <iucore/ledger.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace iucore {

/// Every migration up to and including `to` (empty: the latest), in the definition's order.
/// Applied ones are walked too: apply finds them recorded in its first round trip and moves on.
result<std::vector<std::string>> chain_forward(const definition& d, std::string_view to);

/// The migrations after version `to` (a migration or the baseline) whose rows are in the
/// catalog, recorded or not, latest first. Refused when one of them drifted (repair it first),
/// or when the ledger records a migration the definition does not have.
result<std::vector<std::string>> chain_backward(const definition& d, std::string_view to,
                                                const std::vector<migration_status>& statuses);

} // namespace iucore
