#pragma once
// Pin sites: places outside the definition (docstrings, tests, seeds) that repeat a figure.
// `pins --check` reads each one and names every site that disagrees with the computed figure.

#include <iucore/detail/json_io.hpp>

#include <optional>
#include <string>

namespace iucore {

struct pin_site {
    std::string file;    // relative to the definition file's directory
    std::string pattern; // ECMAScript regex whose first capture group is the figure
    std::string figure;  // catalog_rows, distinct_targets, governed_commands, ...
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
    json::object o{{"file", p.file}, {"pattern", p.pattern}, {"figure", p.figure}};
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

} // namespace iucore
