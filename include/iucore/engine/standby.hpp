#pragma once
// A hot standby: how far its replay lags behind what it has received from the primary.

#include <iucore/engine/session.hpp>

#include <optional>

namespace iucore {

/// Seconds since the last transaction replayed, or 0 when replay has caught up with everything
/// received; nullopt on a primary, or on a standby that has replayed nothing yet.
result<std::optional<double>> replay_lag_seconds(session& s);

} // namespace iucore
