// The text writer must give exactly the document Boost.JSON serialises from the tree: both are
// read from one json_members description, and the C ABI's explain is the text.

#include "support.hpp"

#include <iucore/definition.hpp>
#include <iucore/detail/json_members.hpp>
#include <iucore/plan.hpp>

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace json = boost::json;

namespace {

template <class T>
void check_text_is_tree(const T& x) {
    const auto text = iucore::to_json_text(x);
    CHECK(text == json::serialize(json::value_from(x)));
}

/// Strings where every escape lands at every offset within an 8-byte word, plain runs long
/// enough to take the word-at-a-time path, and every escape at every place in a short string.
std::vector<std::string> hostile_strings() {
    std::vector<std::string> out{"", "plain", "a longer plain string of several words",
                                 "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80 utf-8",
                                 std::string(1, '\0') + "nul"};
    for (int c = 0; c < 0x80; ++c)
        for (std::size_t offset = 0; offset < 10; ++offset) {
            std::string s(offset, 'x');
            s += static_cast<char>(c);
            s += "tail of sixteen.";
            out.push_back(s);
        }
    // Shorter than a word: written as one padded word.
    for (int c = 0; c < 0x80; ++c)
        for (std::size_t size = 1; size < 8; ++size)
            for (std::size_t offset = 0; offset < size; ++offset) {
                std::string s(size, 'x');
                s[offset] = static_cast<char>(c);
                out.push_back(s);
            }
    return out;
}

std::string value_for(const iucore::argument_spec& spec) {
    if (!spec.allowed.empty()) return spec.allowed.front();
    switch (spec.type) {
    case iucore::pg_type::uuid:
        return "00000000-0000-0000-0000-00000000000a";
    case iucore::pg_type::boolean:
        return "true";
    case iucore::pg_type::smallint:
    case iucore::pg_type::integer:
    case iucore::pg_type::bigint:
        return "7";
    case iucore::pg_type::numeric:
    case iucore::pg_type::real:
    case iucore::pg_type::double_precision:
        return "1.5";
    case iucore::pg_type::json:
    case iucore::pg_type::jsonb:
        return R"({"say": "hi\n"})";
    case iucore::pg_type::timestamptz:
        return "2026-11-27 00:00:00+00";
    default:
        return "say \"hi\"\\\n\ttab \xc3\xa9";
    }
}

} // namespace

TEST_CASE("JSON text: strings are escaped exactly as Boost.JSON's serializer escapes them") {
    for (const auto& s : hostile_strings()) {
        CAPTURE(json::serialize(json::value(s)));
        CHECK(iucore::to_json_text(s) == json::serialize(json::value(s)));
    }
}

TEST_CASE("JSON text: every plan of the example definition is the serialised tree") {
    auto parsed = iucore::parse_definition(iucore_test::example_definition_text(), "example");
    REQUIRE(parsed.has_value());
    const auto& d = parsed.value();
    const iucore::config_set closed{
        {{"iu_core.composer_enabled", "maybe", "boolean", false},
         {"iu_core.auto_instantiate_enabled", std::nullopt, "boolean", false}}};
    const iucore::config_set open{{{"iu_core.composer_enabled", "true", "boolean", false},
                                   {"iu_core.auto_instantiate_enabled", "on", "boolean", false}}};
    int plans = 0;
    for (const auto& entry : d.registry) {
        CAPTURE(entry.command);
        auto binding = iucore::bind_command(d, entry.command);
        REQUIRE(binding.has_value());
        std::vector<std::string> tokens;
        for (const auto& spec : iucore::argument_specs(binding.value()))
            tokens.push_back(spec.name + "=" + value_for(spec));
        for (const auto* configs :
             {static_cast<const iucore::config_set*>(nullptr), &closed, &open}) {
            auto p = iucore::explain(d, entry.command, tokens, configs);
            REQUIRE_MESSAGE(p.has_value(), p.error().message);
            check_text_is_tree(p.value());
            ++plans;
        }
    }
    CHECK(plans == 3 * static_cast<int>(d.registry.size()));
}

TEST_CASE("JSON text: conditional members (evaluation errors, fixture rows) match the tree") {
    iucore::config_evaluation failed{"k\"ey",
                                     false,
                                     iucore::evaluation_reason::error,
                                     iucore::evaluation_error::parse_error,
                                     "not a\nboolean",
                                     std::string("ye\ts")};
    check_text_is_tree(failed);
    check_text_is_tree(iucore::config_evaluation{});
    iucore::catalog_row fixture_row{"dot_iu_x", "cat", true, false, {"fn_a", "fn_b"}, true};
    check_text_is_tree(fixture_row);
    check_text_is_tree(iucore::catalog_row{});
}
