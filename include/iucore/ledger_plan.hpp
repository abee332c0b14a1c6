#pragma once
// baseline's and repair's decisions, pure: given the definition's expected ledger and the live
// one, which ledger rows to write. The engine reads the ledger under apply's lock, asks these,
// checks the live post-conditions, and writes what they say.
//
// baseline ID records migrations already applied outside iucore (Flyway's baseline, Sqitch's
// deploy --log-only): every migration up to and including ID that has no ledger row.
// repair ID accepts an intentional definition change: ID's row takes the definition's checksum
// and every later recorded row its chain hash again, with who, when and why.

#include <iucore/definition.hpp>
#include <iucore/ledger.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace iucore {

/// The rows baseline writes: the expected entries, in order, of every migration up to and
/// including `migration_id` without a live row; empty when all are recorded. Refused
/// (errc::drift) when one of them is recorded but drifted, and (errc::refused) when a later
/// migration is recorded.
result<std::vector<ledger_entry>> plan_baseline(std::string_view migration_id,
                                                const std::vector<ledger_entry>& expected,
                                                const std::vector<ledger_entry>& live);

/// The rows repair rewrites: `migration_id`'s (checksum, algorithm, chain hash, position) and
/// every later recorded row whose chain hash or position differs; empty when the migration's row
/// is not drifted. Refused when the migration is not recorded, or an earlier one drifted (repair
/// that one first).
result<std::vector<ledger_entry>> plan_repair(std::string_view migration_id,
                                              const std::vector<ledger_entry>& expected,
                                              const std::vector<ledger_entry>& live);

/// The latest migration with a live ledger row, in the definition's order; the baseline
/// version when none has one. What repair's post-conditions are checked at.
std::string latest_recorded_version(const definition& d, const std::vector<ledger_entry>& live);

} // namespace iucore
