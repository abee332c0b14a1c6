#include <iucore/ledger.hpp>

#include <algorithm>

namespace iucore {

void mark_unrecorded(std::vector<migration_status>& statuses, const definition& d,
                     const catalog& live) {
    const auto same_row = [](const catalog_row& want, const catalog_row& have) {
        return std::all_of(catalog_columns.begin(), catalog_columns.end(), [&](const auto& column) {
            return column.text(want) == column.text(have);
        });
    };
    for (auto& s : statuses) {
        if (s.state != migration_state::pending) continue;
        const auto* m = d.find_migration(s.migration_id);
        if (!m || m->adds.empty()) continue;
        const bool all_there = std::all_of(m->adds.begin(), m->adds.end(), [&](const auto& row) {
            const auto* have = live.find(row.command_name);
            return have && same_row(row, *have);
        });
        if (all_there) {
            s.state = migration_state::unrecorded;
            s.detail = "its rows are in the catalog but the ledger has no row for it (applied "
                       "outside iucore?); iucore baseline " +
                       s.migration_id + " records it";
        }
    }
}

std::string chain_hash(std::string_view previous, std::string_view id, std::string_view checksum) {
    return detail::sha256_hex(std::string(previous) + "\n" + std::string(id) + "\n" +
                              std::string(checksum));
}

result<std::vector<ledger_entry>> expected_ledger(const definition& d) {
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

std::vector<migration_status> compare_ledger(const std::vector<ledger_entry>& expected,
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

void tag_invoke(json::value_from_tag, json::value& v, const migration_status& s) {
    v = {{"migration", s.migration_id},
         {"state", name(s.state)},
         {"expected_checksum", s.expected_checksum},
         {"stored_checksum", s.stored_checksum},
         {"applied_at", s.applied_at},
         {"applied_by", s.applied_by},
         {"detail", s.detail}};
}

} // namespace iucore
