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

} // namespace iucore
