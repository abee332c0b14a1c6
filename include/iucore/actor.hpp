#pragma once
// Who a governed run is recorded as (the run log's actor), the one rule every host uses.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iucore {

/// The run log's actor: `explicit_actor` (--actor) when not empty, else the value of the first
/// non-empty actor= argument among `tokens`, else $IUCORE_ACTOR, else $USER (each when set and
/// not empty), else "iucore". The environment values are passed in: the rule reads no
/// environment itself.
std::string run_actor(std::string_view explicit_actor, const std::vector<std::string>& tokens,
                      std::optional<std::string_view> iucore_actor_env,
                      std::optional<std::string_view> user_env);

} // namespace iucore
