#pragma once
// The migration ledger iucore keeps in the database: what the definition says each applied
// migration's entry must be (checksum of its rendered forward SQL, and a hash chained over
// every earlier migration, so an edit or a reordering anywhere is caught), and how live
// entries compare with that.

#include <iucore/definition.hpp>
#include <iucore/detail/sha256.hpp>
#include <iucore/render.hpp>

#include <optional>
#include <string>
#include <vector>

namespace iucore {

struct ledger_entry {
    std::string migration_id;
    int position = 0; // 1-based position among the definition's migrations
    std::string checksum;
    std::string checksum_algorithm{iucore::checksum_algorithm};
    std::string chain_hash;
    std::string applied_by; // live entries only
    std::string applied_at; // live entries only
    friend bool operator==(const ledger_entry&, const ledger_entry&) = default;
};

std::string chain_hash(std::string_view previous, std::string_view id, std::string_view checksum);

/// What the ledger must hold for every migration of the definition, in order.
result<std::vector<ledger_entry>> expected_ledger(const definition& d);

enum class migration_state { pending, applied, drifted, unknown, unrecorded };

constexpr std::string_view name(migration_state s) {
    switch (s) {
    case migration_state::pending:
        return "pending";
    case migration_state::applied:
        return "applied";
    case migration_state::drifted:
        return "drifted";
    case migration_state::unknown:
        return "unknown";
    case migration_state::unrecorded:
        return "applied (unrecorded)";
    }
    return "unknown";
}

struct migration_status {
    std::string migration_id;
    migration_state state = migration_state::pending;
    std::string expected_checksum;
    std::string stored_checksum;
    std::string applied_at;
    std::string applied_by;
    std::string detail; // why it drifted
    friend bool operator==(const migration_status&, const migration_status&) = default;
};

/// Compares live ledger entries with the definition. Unknown: in the ledger, not in the definition.
std::vector<migration_status> compare_ledger(const std::vector<ledger_entry>& expected,
                                             const std::vector<ledger_entry>& live);

/// Marks as unrecorded each pending migration whose every added row is in `live` as the
/// definition has it: applied without a ledger row (through psql, say). `baseline` records it.
void mark_unrecorded(std::vector<migration_status>& statuses, const definition& d,
                     const catalog& live);

void tag_invoke(json::value_from_tag, json::value& v, const migration_status& s);

} // namespace iucore
