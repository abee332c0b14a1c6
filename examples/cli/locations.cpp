#include "locations.hpp"

#include <cstdlib>
#include <filesystem>

namespace iucore::cli {

namespace fs = std::filesystem;

result<std::string> find_definition(const std::string& given) {
    if (!given.empty()) return given;
    if (const char* env = std::getenv("IUCORE_DEFINITION"); env && *env) return std::string(env);
    std::error_code ec;
    auto dir = fs::current_path(ec);
    std::string looked = "--definition (not given), $IUCORE_DEFINITION (not set)";
    for (; !ec && !dir.empty(); dir = dir.parent_path()) {
        const auto candidate = dir / "iucore.json";
        looked += ", " + candidate.string();
        std::error_code unreadable;
        if (fs::is_regular_file(candidate, unreadable)) return candidate.string();
        if (dir == dir.root_path()) break;
    }
    return fail(errc::invalid_argument,
                "no definition found; looked at " + looked +
                    " (give one with --definition FILE; iucore demo uses the bundled example)");
}

result<std::string> bundled_data_dir() {
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return fail(errc::io, "cannot find this program's own path: " + ec.message());
    const auto share = exe.parent_path().parent_path() / "share" / "iucore";
    if (!fs::is_regular_file(share / "definition" / "iu_core.json", ec))
        return fail(errc::io, "the bundled example is not installed: " +
                                  (share / "definition" / "iu_core.json").string() +
                                  " does not exist");
    return share.string();
}

} // namespace iucore::cli
