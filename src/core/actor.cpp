#include <iucore/actor.hpp>

namespace iucore {

std::string run_actor(std::string_view explicit_actor,
                      std::optional<std::string_view> iucore_actor_env) {
    if (!explicit_actor.empty()) return std::string(explicit_actor);
    if (iucore_actor_env && !iucore_actor_env->empty()) return std::string(*iucore_actor_env);
    return {};
}

} // namespace iucore
