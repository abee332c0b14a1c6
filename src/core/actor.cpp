#include <iucore/actor.hpp>

namespace iucore {

std::string run_actor(std::string_view explicit_actor, const std::vector<std::string>& tokens,
                      std::optional<std::string_view> iucore_actor_env,
                      std::optional<std::string_view> user_env) {
    constexpr std::string_view key = "actor=";
    if (!explicit_actor.empty()) return std::string(explicit_actor);
    for (const std::string_view token : tokens)
        if (token.starts_with(key) && token.size() > key.size())
            return std::string(token.substr(key.size()));
    for (const auto& value : {iucore_actor_env, user_env})
        if (value && !value->empty()) return std::string(*value);
    return "iucore";
}

} // namespace iucore
