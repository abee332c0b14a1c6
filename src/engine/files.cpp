#include <iucore/detail/json_pretty.hpp>
#include <iucore/engine/files.hpp>

#include <array>
#include <filesystem>
#include <fstream>

namespace iucore {

result<std::string> read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(errc::io, "cannot read " + path + ": no such file or not readable");
    // Sized from the file, read in chunks: one copy of a definition of megabytes, not three.
    std::string text;
    std::error_code size_unknown;
    if (const auto size = std::filesystem::file_size(path, size_unknown); !size_unknown)
        text.reserve(size);
    std::array<char, 64 * 1024> chunk;
    while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0)
        text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (in.bad()) return fail(errc::io, "cannot read " + path + ": the read failed");
    return text;
}

result<definition> load_definition_file(const std::string& path) {
    auto text = read_text_file(path);
    if (!text) return fail(errc::invalid_definition, text.error().message);
    return parse_definition(text.value(), path);
}

result<void> save_definition_file(const definition& d, const std::string& path) {
    BOOST_OUTCOME_TRY(d.validate());
    // Write beside, then rename: a failed write never leaves a half-written definition.
    const auto temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << detail::pretty(json::value_from(d));
        if (!out) return fail(errc::io, "cannot write " + temporary);
    }
    std::error_code ec;
    std::filesystem::rename(temporary, path, ec);
    if (ec) return fail(errc::io, "cannot replace " + path + ": " + ec.message());
    return boost::outcome_v2::success();
}

void tag_invoke(json::value_from_tag, json::value& v, const pins_report& r) {
    v = {{"operation", "pins"},
         {"figures", json::value_from(r.by_version, v.storage())},
         {"checked_sites", r.checked_sites},
         {"mismatches", json::value_from(r.mismatches, v.storage())},
         {"ok", r.ok()}};
}

result<pins_report> pins(const definition& d, bool check, const std::string& base_dir) {
    pins_report report;
    for (const auto& v : d.versions())
        report.by_version.push_back(d.figures_at(v).value());
    if (!check) return report;
    for (const auto& site : d.pins) {
        ++report.checked_sites;
        const auto version = site.version.value_or(d.latest_version());
        BOOST_OUTCOME_TRY(auto figures, d.figures_at(version));
        BOOST_OUTCOME_TRY(auto expected, figures.get(site.figure));
        BOOST_OUTCOME_TRY(auto contents,
                          read_text_file((std::filesystem::path(base_dir) / site.file).string()));
        BOOST_OUTCOME_TRY(auto found, check_pin(site, contents, expected));
        report.mismatches.insert(report.mismatches.end(), found.begin(), found.end());
    }
    return report;
}

} // namespace iucore
