#pragma once
// What several unit test files share: the exact JSON round trip of a value type, and the text
// of the example definition.

#include <iucore/definition.hpp>
#include <iucore/detail/json_io.hpp>

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace iucore_test {

/// value_from, then both readers (iucore's with messages, Boost.JSON's try_value_to), must give
/// back a value equal to the original.
template <class T>
void check_round_trip(const T& original) {
    const auto v = boost::json::value_from(original);
    auto read = iucore::read_json<T>(v, "$");
    REQUIRE_MESSAGE(
        read.has_value(),
        (read ? std::string() : read.error().message + " in " + boost::json::serialize(v)));
    CHECK(read.value() == original);
    auto via_boost = boost::json::try_value_to<T>(v);
    REQUIRE_MESSAGE(via_boost.has_value(), boost::json::serialize(v));
    CHECK(*via_boost == original);
}

inline std::string example_definition_text() {
    std::ifstream in(IUCORE_EXAMPLES_DIR "/definition/iu_core.json", std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot open " IUCORE_EXAMPLES_DIR "/definition/iu_core.json");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

inline boost::json::value example_definition_json() {
    return boost::json::parse(example_definition_text());
}

/// The example definition, parsed and validated.
inline iucore::definition example_definition() {
    auto d = iucore::parse_definition(example_definition_text(), "iu_core.json");
    REQUIRE_MESSAGE(d.has_value(), (d ? std::string() : d.error().message));
    return std::move(d).value();
}

/// The error code of a result that must have failed (the test stops if it did not).
template <class T>
iucore::errc failure_code(const iucore::result<T>& r) {
    REQUIRE_FALSE(r.has_value());
    return iucore::code_of(r.error());
}

inline bool contains(std::string_view text, std::string_view needle) {
    return text.find(needle) != std::string_view::npos;
}

/// The record's first 034 command.
inline constexpr const char* from_event = "dot_iu_auto_instantiate_from_event";

/// The value of a result that must hold one (the test stops, with the message, if not).
template <class T>
T must(iucore::result<T> r) {
    REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message));
    return std::move(r).value();
}

} // namespace iucore_test
