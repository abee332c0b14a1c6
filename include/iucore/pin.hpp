#pragma once
// Pin sites: places outside the definition (docstrings, tests, seeds) that repeat a figure.
// `pins --check` reads each one and names every site that disagrees with the computed figure.

#include <iucore/detail/json_io.hpp>

#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace iucore {

struct pin_site {
    std::string file;                   // relative to the definition file's directory
    std::string pattern;                // ECMAScript regex whose first capture group is the figure
    std::string figure;                 // catalog_rows, distinct_targets, governed_commands, ...
    std::optional<std::string> version; // the version the figure is taken at; latest if absent
    friend bool operator==(const pin_site&, const pin_site&) = default;
};

/// A figure at a pin site that disagrees with the definition.
struct pin_mismatch {
    std::string file;
    std::size_t line = 0; // 1-based; 0 when the pattern matched nowhere
    std::string figure;
    std::string found;
    std::int64_t expected = 0;
    friend bool operator==(const pin_mismatch&, const pin_mismatch&) = default;
};

inline void tag_invoke(json::value_from_tag, json::value& v, const pin_site& p) {
    json::object o({{"file", p.file}, {"pattern", p.pattern}, {"figure", p.figure}}, v.storage());
    if (p.version) o["version"] = *p.version;
    v = std::move(o);
}

inline result<pin_site> from_json(std::type_identity<pin_site>, const json::value& v,
                                  const std::string& path) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    pin_site p;
    BOOST_OUTCOME_TRY(p.file, reader.required<std::string>("file"));
    BOOST_OUTCOME_TRY(p.pattern, reader.required<std::string>("pattern"));
    BOOST_OUTCOME_TRY(p.figure, reader.required<std::string>("figure"));
    BOOST_OUTCOME_TRY(p.version, reader.optional<std::string>("version"));
    BOOST_OUTCOME_TRY(reader.finish());
    return p;
}

inline void tag_invoke(json::value_from_tag, json::value& v, const pin_mismatch& m) {
    v = {{"file", m.file},
         {"line", m.line},
         {"figure", m.figure},
         {"found", m.found},
         {"expected", m.expected}};
}

/// Every place in `text` (the site's file) where the pattern's figure disagrees with
/// `expected`; a pattern that matches nowhere is itself a mismatch (line 0), so a moved or
/// reworded site cannot pass silently.
inline result<std::vector<pin_mismatch>> check_pin(const pin_site& site, std::string_view text,
                                                   std::int64_t expected) {
    std::regex pattern;
    try {
        pattern = std::regex(site.pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        return fail(errc::invalid_definition,
                    "pin pattern \"" + site.pattern + "\" for " + site.file + ": " + e.what());
    }
    if (pattern.mark_count() < 1)
        return fail(errc::invalid_definition, "pin pattern \"" + site.pattern + "\" for " +
                                                  site.file + " has no capture group");
    std::vector<pin_mismatch> out;
    std::size_t line_number = 0, matches = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string line(text.substr(start, end - start));
        ++line_number;
        for (std::sregex_iterator it(line.begin(), line.end(), pattern), last; it != last; ++it) {
            ++matches;
            const auto found = (*it)[1].str();
            if (found != std::to_string(expected))
                out.push_back({site.file, line_number, site.figure, found, expected});
        }
        start = end + 1;
    }
    if (matches == 0) out.push_back({site.file, 0, site.figure, "(pattern not found)", expected});
    return out;
}

} // namespace iucore
