#pragma once
// Pin sites: places outside the definition (docstrings, tests, seeds) that repeat a figure.
// `pins --check` reads each one and names every site that disagrees with the computed figure.
//
// A site either states the figure (`pattern`'s first capture group, at every match) or, with
// `count`, holds one entry per unit of it: the figure is how many times `pattern` matches, in
// the whole file or in the region of lines after the first line matching `from` up to the next
// line matching `to` (a registry's entries, a list's items).

#include <iucore/detail/json_io.hpp>

#include <iterator>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace iucore {

struct pin_site {
    std::string file;    // relative to the definition file's directory
    std::string pattern; // ECMAScript regex whose first capture group is the figure
    std::string figure;  // catalog_rows, distinct_targets, governed_commands, ...
    std::optional<std::string> version{}; // the version the figure is taken at; latest if absent
    bool count = false;                   // the figure is the number of matches of `pattern`
    std::optional<std::string> from{};    // count: the region starts after a line matching this
    std::optional<std::string> to{};      // count: the region ends before a line matching this
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
    if (p.count) o["count"] = true;
    if (p.from) o["from"] = *p.from;
    if (p.to) o["to"] = *p.to;
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
    BOOST_OUTCOME_TRY(p.count, reader.optional_or<bool>("count", false));
    BOOST_OUTCOME_TRY(p.from, reader.optional<std::string>("from"));
    BOOST_OUTCOME_TRY(p.to, reader.optional<std::string>("to"));
    if (!p.count && (p.from || p.to))
        return fail(errc::invalid_definition,
                    path + ": \"from\" and \"to\" delimit what a counting site counts: they need "
                           "\"count\": true");
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

namespace detail {

inline result<std::regex> pin_regex(const pin_site& site, const std::string& pattern) {
    try {
        return std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        return fail(errc::invalid_definition,
                    "pin pattern \"" + pattern + "\" for " + site.file + ": " + e.what());
    }
}

/// Calls `each(line_number, line)` for every line of `text` (1-based; no trailing '\n').
template <class F>
void for_each_line(std::string_view text, F&& each) {
    std::size_t line_number = 0, start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        if (!each(++line_number, std::string(text.substr(start, end - start)))) return;
        start = end + 1;
    }
}

/// A counting site: how many times the pattern matches in the site's region.
inline result<std::vector<pin_mismatch>>
check_counted_pin(const pin_site& site, std::string_view text, std::int64_t expected) {
    BOOST_OUTCOME_TRY(auto pattern, pin_regex(site, site.pattern));
    std::optional<std::regex> from, to;
    if (site.from) {
        BOOST_OUTCOME_TRY(from, pin_regex(site, *site.from));
    }
    if (site.to) {
        BOOST_OUTCOME_TRY(to, pin_regex(site, *site.to));
    }
    // Without `from` the region starts at line 1.
    std::size_t region_line = from ? 0 : 1;
    std::int64_t matches = 0;
    for_each_line(text, [&](std::size_t number, const std::string& line) {
        if (region_line == 0) {
            if (std::regex_search(line, *from)) region_line = number;
            return true;
        }
        if (to && std::regex_search(line, *to)) return false;
        matches += std::distance(std::sregex_iterator(line.begin(), line.end(), pattern),
                                 std::sregex_iterator());
        return true;
    });
    if (region_line == 0)
        return std::vector<pin_mismatch>{
            {site.file, 0, site.figure, "(region start not found)", expected}};
    if (matches != expected)
        return std::vector<pin_mismatch>{
            {site.file, region_line, site.figure, std::to_string(matches), expected}};
    return std::vector<pin_mismatch>{};
}

} // namespace detail

/// Every place in `text` (the site's file) where the pattern's figure disagrees with
/// `expected`; a pattern that matches nowhere is itself a mismatch (line 0), so a moved or
/// reworded site cannot pass silently. A counting site disagrees when its count differs (the
/// mismatch's line is where its region starts, `found` the count).
inline result<std::vector<pin_mismatch>> check_pin(const pin_site& site, std::string_view text,
                                                   std::int64_t expected) {
    if (site.count) return detail::check_counted_pin(site, text, expected);
    BOOST_OUTCOME_TRY(auto pattern, detail::pin_regex(site, site.pattern));
    if (pattern.mark_count() < 1)
        return fail(errc::invalid_definition, "pin pattern \"" + site.pattern + "\" for " +
                                                  site.file + " has no capture group");
    std::vector<pin_mismatch> out;
    std::size_t matches = 0;
    const auto wanted = std::to_string(expected);
    detail::for_each_line(text, [&](std::size_t number, const std::string& line) {
        for (std::sregex_iterator it(line.begin(), line.end(), pattern), last; it != last; ++it) {
            ++matches;
            const auto found = (*it)[1].str();
            if (found != wanted) out.push_back({site.file, number, site.figure, found, expected});
        }
        return true;
    });
    if (matches == 0) out.push_back({site.file, 0, site.figure, "(pattern not found)", expected});
    return out;
}

} // namespace iucore
