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

inline std::string chain_hash(std::string_view previous, std::string_view id,
                              std::string_view checksum) {
    return detail::sha256_hex(std::string(previous) + "\n" + std::string(id) + "\n" +
                              std::string(checksum));
}

/// What the ledger must hold for every migration of the definition, in order.
inline result<std::vector<ledger_entry>> expected_ledger(const definition& d) {
    std::vector<ledger_entry> out;
    std::string previous;
    for (std::size_t i = 0; i < d.migrations.size(); ++i) {
        BOOST_OUTCOME_TRY(auto forward, render_forward(d, d.migrations[i].id));
        ledger_entry e;
        e.migration_id = d.migrations[i].id;
        e.position = static_cast<int>(i + 1);
        e.checksum = forward.checksum();
        e.chain_hash = chain_hash(previous, e.migration_id, e.checksum);
        previous = e.chain_hash;
        out.push_back(std::move(e));
    }
    return out;
}

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
inline std::vector<migration_status> compare_ledger(const std::vector<ledger_entry>& expected,
                                                    const std::vector<ledger_entry>& live) {
    std::vector<migration_status> out;
    for (const auto& want : expected) {
        migration_status s;
        s.migration_id = want.migration_id;
        s.expected_checksum = want.checksum;
        for (const auto& have : live) {
            if (have.migration_id != want.migration_id) continue;
            s.stored_checksum = have.checksum;
            s.applied_at = have.applied_at;
            s.applied_by = have.applied_by;
            s.state = migration_state::applied;
            if (have.checksum_algorithm != want.checksum_algorithm) {
                s.state = migration_state::drifted;
                s.detail = "stored with checksum algorithm " + have.checksum_algorithm +
                           ", expected " + want.checksum_algorithm;
            } else if (have.checksum != want.checksum) {
                s.state = migration_state::drifted;
                s.detail = "the definition's forward SQL no longer matches what was applied";
            } else if (have.chain_hash != want.chain_hash || have.position != want.position) {
                s.state = migration_state::drifted;
                s.detail = "an earlier migration was edited, removed or reordered";
            }
        }
        out.push_back(std::move(s));
    }
    for (const auto& have : live) {
        bool known = false;
        for (const auto& want : expected)
            known = known || want.migration_id == have.migration_id;
        if (!known) {
            migration_status s;
            s.migration_id = have.migration_id;
            s.state = migration_state::unknown;
            s.stored_checksum = have.checksum;
            s.applied_at = have.applied_at;
            s.applied_by = have.applied_by;
            s.detail = "applied, but not in the definition";
            out.push_back(std::move(s));
        }
    }
    return out;
}

/// Marks as unrecorded each pending migration whose every added row is in `live` as the
/// definition has it: applied without a ledger row (through psql, say). `baseline` records it.
void mark_unrecorded(std::vector<migration_status>& statuses, const definition& d,
                     const catalog& live);

inline void tag_invoke(json::value_from_tag, json::value& v, const migration_status& s) {
    v = {{"migration", s.migration_id},
         {"state", name(s.state)},
         {"expected_checksum", s.expected_checksum},
         {"stored_checksum", s.stored_checksum},
         {"applied_at", s.applied_at},
         {"applied_by", s.applied_by},
         {"detail", s.detail}};
}

} // namespace iucore
