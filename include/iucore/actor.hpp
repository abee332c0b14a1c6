#pragma once
// Who a governed run is recorded as (the run log's actor), the one rule every host uses.

#include <optional>
#include <string>
#include <string_view>

namespace iucore {

/// The run log's actor: `explicit_actor` (--actor) when not empty, else $IUCORE_ACTOR when set
/// and not empty, else empty: the governed run then logs the session's current_user (the
/// server decides, in the same statement). Never taken from an argument of the command: a
/// parameter named actor is the function's business. The environment value is passed in: the
/// rule reads no environment itself.
std::string run_actor(std::string_view explicit_actor,
                      std::optional<std::string_view> iucore_actor_env);

} // namespace iucore
