#pragma once
// The mode a governed command runs in: gates are stated per mode.

#include <iucore/detail/json_io.hpp>

#include <array>
#include <string_view>

namespace iucore {

enum class mode { dry_run, live };

inline constexpr std::array all_modes{mode::dry_run, mode::live};

constexpr std::string_view name(mode m) {
    return m == mode::dry_run ? "dry_run" : "live";
}

inline result<mode> parse_mode(std::string_view text) {
    for (auto m : all_modes)
        if (name(m) == text) return m;
    return fail(errc::invalid_argument,
                "mode \"" + std::string(text) + "\" is not known: expected dry_run or live");
}

inline void tag_invoke(json::value_from_tag, json::value& v, mode m) {
    v = name(m);
}

inline result<mode> from_json(std::type_identity<mode>, const json::value& v,
                              const std::string& path) {
    return detail::enum_from_name(v, path, all_modes);
}

} // namespace iucore
