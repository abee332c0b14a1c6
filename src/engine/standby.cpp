#include <iucore/engine/standby.hpp>

#include <cstdlib>

namespace iucore {

result<std::optional<double>> replay_lag_seconds(session& s) {
    if (!s.hot_standby()) return std::optional<double>{};
    BOOST_OUTCOME_TRY(
        auto rows,
        s.run_params("SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
                     "THEN 0 ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) "
                     "END::float8 AS lag_seconds",
                     {}));
    const auto lag = rows.value(0, "lag_seconds");
    if (!lag) return std::optional<double>{};
    return std::optional<double>{std::strtod(lag->c_str(), nullptr)};
}

} // namespace iucore
