#include <iucore/engine/standby.hpp>
#include <iucore/statements.hpp>

#include <cstdlib>

namespace iucore {

result<std::optional<double>> replay_lag_seconds(session& s) {
    if (!s.hot_standby()) return std::optional<double>{};
    BOOST_OUTCOME_TRY(auto rows, s.run_params(render_replay_lag().text, {}));
    const auto lag = rows.value(0, "lag_seconds");
    if (!lag) return std::optional<double>{};
    return std::optional<double>{std::strtod(lag->c_str(), nullptr)};
}

} // namespace iucore
