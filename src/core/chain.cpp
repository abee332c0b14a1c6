#include <iucore/chain.hpp>

namespace iucore {

namespace {

/// The position of version `v` in the chain: 0 for the baseline, i + 1 for migration i.
result<std::size_t> version_position(const definition& d, std::string_view v,
                                     bool baseline_allowed) {
    if (baseline_allowed && v == d.base.version) return std::size_t{0};
    for (std::size_t i = 0; i < d.migrations.size(); ++i)
        if (d.migrations[i].id == v) return i + 1;
    std::string known = baseline_allowed ? d.base.version : std::string();
    for (const auto& m : d.migrations)
        known += (known.empty() ? "" : ", ") + m.id;
    return fail(errc::invalid_argument,
                "--to " + detail::quote_for_message(v) + ": not a " +
                    (baseline_allowed ? "version" : "migration") +
                    " of the definition (it has: " + (known.empty() ? "none" : known) + ")");
}

} // namespace

result<std::vector<std::string>> chain_forward(const definition& d, std::string_view to) {
    std::size_t last = d.migrations.size();
    if (!to.empty()) {
        BOOST_OUTCOME_TRY(last, version_position(d, to, false));
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < last; ++i)
        out.push_back(d.migrations[i].id);
    return out;
}

result<std::vector<std::string>> chain_backward(const definition& d, std::string_view to,
                                                const std::vector<migration_status>& statuses) {
    BOOST_OUTCOME_TRY(const auto keep, version_position(d, to, true));
    for (const auto& s : statuses)
        if (s.state == migration_state::unknown)
            return fail(errc::refused, "rollback --to " + std::string(to) +
                                           ": the ledger records " + s.migration_id +
                                           ", which the definition does not have; roll back "
                                           "with the definition that has it");
    std::vector<std::string> out;
    for (std::size_t i = d.migrations.size(); i > keep; --i) {
        const auto& id = d.migrations[i - 1].id;
        for (const auto& s : statuses) {
            if (s.migration_id != id) continue;
            if (s.state == migration_state::drifted)
                return fail(errc::drift, "rollback --to " + std::string(to) + ": migration " + id +
                                             " drifted (" + s.detail + "); iucore repair " + id +
                                             " accepts the change first");
            if (s.state == migration_state::applied || s.state == migration_state::unrecorded)
                out.push_back(id);
        }
    }
    return out;
}

} // namespace iucore
