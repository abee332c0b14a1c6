// The surface inventory: totals, deltas, differences by kind and the JSON `total` rule.

#include <iucore/surface.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <string>
#include <vector>

using iucore::errc;
using iucore::surface;
using iucore::surface_difference;
using iucore::surface_kind;

namespace {

using iucore_test::check_round_trip;

/// The record's D9 inventory.
surface d9() {
    surface s;
    s[surface_kind::table] = 29;
    s[surface_kind::view] = 30;
    s[surface_kind::function] = 65;
    s[surface_kind::trigger] = 6;
    s[surface_kind::config] = 13;
    s[surface_kind::event_type] = 22;
    s[surface_kind::route] = 16;
    return s;
}

iucore::result<surface> read(std::string_view text) {
    return iucore::read_json<surface>(boost::json::parse(text), "$.baseline.surface");
}

} // namespace

TEST_CASE("total sums every kind") {
    CHECK(d9().total() == 181);
    CHECK(surface().total() == 0);
    CHECK(surface().is_zero());
    CHECK_FALSE(d9().is_zero());
    surface delta;
    delta[surface_kind::view] = 2;
    delta[surface_kind::trigger] = -2;
    CHECK(delta.total() == 0);
    CHECK_FALSE(delta.is_zero()); // a zero total is not a zero delta
}

TEST_CASE("operator+ applies a delta kind by kind") {
    surface delta;
    delta[surface_kind::function] = 3;
    delta[surface_kind::route] = -1;
    const auto after = d9() + delta;
    CHECK(after[surface_kind::function] == 68);
    CHECK(after[surface_kind::route] == 15);
    CHECK(after[surface_kind::table] == 29);
    CHECK(after.total() == 183);
    CHECK(d9() + surface() == d9());
    CHECK(surface() + d9() == d9());
    CHECK(d9()[surface_kind::function] == 65); // the left operand is unchanged
}

TEST_CASE("diff names every kind whose count differs, in kind order") {
    CHECK(iucore::diff(d9(), d9()).empty());
    auto live = d9();
    live[surface_kind::route] = 17;
    live[surface_kind::table] = 28;
    const auto d = iucore::diff(d9(), live);
    CHECK(d == std::vector<surface_difference>{{surface_kind::table, 29, 28},
                                               {surface_kind::route, 16, 17}});
    CHECK(iucore::diff(live, d9()) ==
          std::vector<surface_difference>{{surface_kind::table, 28, 29},
                                          {surface_kind::route, 17, 16}});
    CHECK(iucore::diff(surface(), d9()).size() == iucore::all_surface_kinds.size());
}

TEST_CASE("kind names") {
    const char* expected[] = {"table",  "view",       "function", "trigger",
                              "config", "event_type", "route"};
    for (std::size_t i = 0; i < iucore::all_surface_kinds.size(); ++i)
        CHECK(iucore::name(iucore::all_surface_kinds[i]) == expected[i]);
}

TEST_CASE("surface JSON: written with its total, read with kinds optional") {
    CHECK(boost::json::value_from(d9()) ==
          boost::json::parse(R"({"table":29,"view":30,"function":65,"trigger":6,"config":13,
                                 "event_type":22,"route":16,"total":181})"));
    check_round_trip(d9());
    check_round_trip(surface());
    surface delta;
    delta[surface_kind::view] = -4;
    check_round_trip(delta);
    check_round_trip(surface_difference{surface_kind::event_type, 22, 21});
    check_round_trip(surface_kind::route);

    auto partial = read(R"({"view":1})");
    REQUIRE(partial.has_value());
    CHECK(partial.value()[surface_kind::view] == 1);
    CHECK(partial.value().total() == 1);
    auto empty = read("{}");
    REQUIRE(empty.has_value());
    CHECK(empty.value().is_zero());
    auto with_total = read(R"({"table":29,"view":30,"function":65,"trigger":6,"config":13,
                               "event_type":22,"route":16,"total":181})");
    REQUIRE(with_total.has_value());
    CHECK(with_total.value() == d9());
}

TEST_CASE("surface JSON errors") {
    auto expect = [](const iucore::result<surface>& r, std::string_view message) {
        REQUIRE_FALSE(r.has_value());
        CHECK(iucore::code_of(r.error()) == errc::invalid_definition);
        CHECK(r.error().message == message);
    };
    expect(read(R"({"table":29,"view":30,"function":65,"trigger":6,"config":13,
                    "event_type":22,"route":16,"total":180})"),
           "$.baseline.surface.total: 180 does not add up: the kinds sum to 181");
    expect(read(R"({"view":2,"total":0})"),
           "$.baseline.surface.total: 0 does not add up: the kinds sum to 2");
    CHECK_FALSE(boost::json::try_value_to<surface>(boost::json::parse(R"({"view":2,"total":3})"))
                    .has_value());

    auto contains = [](const auto& r, std::string_view needle) {
        REQUIRE_FALSE(r.has_value());
        CHECK(iucore::code_of(r.error()) == errc::invalid_definition);
        CHECK_MESSAGE(r.error().message.find(needle) != std::string::npos, r.error().message);
    };
    contains(read(R"({"views":30})"), "$.baseline.surface: unknown key \"views\"");
    contains(read(R"({"view":"30"})"), "$.baseline.surface.view: expected an integer");
    contains(read(R"({"view":1.5})"), "$.baseline.surface.view: expected an integer");
    contains(read(R"([29,30])"), "$.baseline.surface: expected an object");
    contains(iucore::read_json<surface_kind>(boost::json::parse(R"("index")"), "$.kind"),
             "$.kind: \"index\" is not one of: table, view, function, trigger, config, "
             "event_type, route");
}
