#include <iucore/apply_plan.hpp>
#include <iucore/sql_text.hpp>

#include <algorithm>

namespace iucore {

result<apply_plan> plan_apply(const definition& d, std::string_view migration_id,
                              const std::vector<ledger_entry>& expected,
                              const std::vector<ledger_entry>& live, const start_state& start) {
    const auto* found = d.find_migration(migration_id);
    if (!found)
        return fail(errc::invalid_argument,
                    "unknown migration " + detail::quote_for_message(migration_id));
    const auto& m = *found;
    const auto own = std::find_if(expected.begin(), expected.end(),
                                  [&](const auto& e) { return e.migration_id == m.id; });
    if (own == expected.end())
        return fail(errc::internal, "migration " + m.id + " has no expected ledger entry");
    apply_plan plan;
    plan.entry = *own;
    const auto& entry = plan.entry;
    const auto statuses = compare_ledger(expected, live);
    for (const auto& st : statuses) {
        const bool at_or_before = std::any_of(expected.begin(), expected.end(), [&](const auto& e) {
            return e.migration_id == st.migration_id && e.position <= entry.position;
        });
        if (st.state == migration_state::drifted && at_or_before) {
            plan.step = apply_step::drift;
            plan.message = "migration " + st.migration_id + " drifted: " + st.detail + " (stored " +
                           st.stored_checksum.substr(0, 12) + "…, definition " +
                           st.expected_checksum.substr(0, 12) + "…); not re-applied";
            return plan;
        }
        if (st.migration_id == m.id && st.state == migration_state::applied) {
            plan.step = apply_step::already_applied;
            plan.message = "migration " + m.id + " is already applied (at " + st.applied_at +
                           " by " + st.applied_by + "); nothing to do";
            return plan;
        }
    }
    for (const auto& required : m.requires_migrations) {
        if (required == d.base.version) continue;
        const bool applied = std::any_of(statuses.begin(), statuses.end(), [&](const auto& st) {
            return st.migration_id == required && st.state == migration_state::applied;
        });
        if (!applied)
            return fail(errc::refused, "migration " + m.id + " requires migration " + required +
                                           ", which is not applied: apply " + required + " first");
    }
    if (start.differing > 0)
        return fail(errc::refused, start.refusal.empty()
                                       ? "migration " + m.id + ": " +
                                             std::to_string(start.differing) +
                                             " catalog rows differ from the catalog it starts from"
                                       : start.refusal);
    return plan;
}

} // namespace iucore
