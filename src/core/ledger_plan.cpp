#include <iucore/ledger_plan.hpp>
#include <iucore/sql_text.hpp>

#include <algorithm>

namespace iucore {

namespace {

const ledger_entry* live_row(const std::vector<ledger_entry>& live, std::string_view id) {
    const auto it =
        std::find_if(live.begin(), live.end(), [&](const auto& e) { return e.migration_id == id; });
    return it == live.end() ? nullptr : &*it;
}

/// The position of `migration_id` among the expected entries; an error naming it when unknown.
result<std::size_t> position_of(const std::vector<ledger_entry>& expected,
                                std::string_view migration_id) {
    for (std::size_t i = 0; i < expected.size(); ++i)
        if (expected[i].migration_id == migration_id) return i;
    return fail(errc::invalid_argument,
                "unknown migration " + detail::quote_for_message(migration_id));
}

} // namespace

result<std::vector<ledger_entry>> plan_baseline(std::string_view migration_id,
                                                const std::vector<ledger_entry>& expected,
                                                const std::vector<ledger_entry>& live) {
    BOOST_OUTCOME_TRY(auto target, position_of(expected, migration_id));
    for (std::size_t i = target + 1; i < expected.size(); ++i)
        if (live_row(live, expected[i].migration_id))
            return fail(errc::refused, "baseline " + expected[target].migration_id +
                                           ": the later migration " + expected[i].migration_id +
                                           " is recorded already; baseline records migrations "
                                           "up to the one the database is at");
    const auto statuses = compare_ledger(expected, live);
    std::vector<ledger_entry> out;
    for (std::size_t i = 0; i <= target; ++i) {
        const auto& st = statuses[i];
        if (st.state == migration_state::drifted)
            return fail(errc::drift, "baseline " + expected[target].migration_id + ": migration " +
                                         st.migration_id + " is recorded but drifted (" +
                                         st.detail + "); iucore repair " + st.migration_id +
                                         " accepts the change");
        if (!live_row(live, expected[i].migration_id)) out.push_back(expected[i]);
    }
    return out;
}

result<std::vector<ledger_entry>> plan_repair(std::string_view migration_id,
                                              const std::vector<ledger_entry>& expected,
                                              const std::vector<ledger_entry>& live) {
    BOOST_OUTCOME_TRY(auto target, position_of(expected, migration_id));
    const auto& id = expected[target].migration_id;
    if (!live_row(live, id))
        return fail(errc::refused, "repair " + id + ": migration " + id +
                                       " has no ledger row; repair accepts a change to a "
                                       "recorded migration (iucore baseline " +
                                       id + " records one applied outside iucore)");
    const auto statuses = compare_ledger(expected, live);
    for (std::size_t i = 0; i < target; ++i)
        if (statuses[i].state == migration_state::drifted)
            return fail(errc::refused, "repair " + id + ": the earlier migration " +
                                           statuses[i].migration_id +
                                           " drifted too; repair it first");
    std::vector<ledger_entry> out;
    if (statuses[target].state != migration_state::drifted) return out;
    out.push_back(expected[target]);
    for (std::size_t i = target + 1; i < expected.size(); ++i) {
        const auto* have = live_row(live, expected[i].migration_id);
        if (have &&
            (have->chain_hash != expected[i].chain_hash || have->position != expected[i].position))
            out.push_back(expected[i]);
    }
    return out;
}

std::string latest_recorded_version(const definition& d, const std::vector<ledger_entry>& live) {
    std::string latest = d.base.version;
    for (const auto& m : d.migrations)
        if (live_row(live, m.id)) latest = m.id;
    return latest;
}

} // namespace iucore
