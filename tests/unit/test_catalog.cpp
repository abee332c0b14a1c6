// The command catalog: ON CONFLICT DO NOTHING insertion, removal, distinct targets, the
// row-by-row diff in PostgreSQL's text form, and its JSON.

#include <iucore/catalog.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

using iucore::catalog;
using iucore::catalog_diff;
using iucore::catalog_row;
using iucore::column_change;
using iucore::errc;
using iucore::row_change;

namespace {

using iucore_test::check_round_trip;

catalog_row row(std::string name, std::vector<std::string> targets, bool mutating = false,
                bool reversible = false, std::string category = "collection") {
    return {std::move(name), std::move(category), mutating, reversible, std::move(targets), false};
}

std::vector<std::string> names(const catalog& c) {
    std::vector<std::string> out;
    for (const auto& r : c.rows())
        out.push_back(r.command_name);
    return out;
}

} // namespace

TEST_CASE("insert_if_absent counts like INSERT ... ON CONFLICT (command_name) DO NOTHING") {
    catalog c;
    CHECK(c.size() == 0);
    CHECK(c.insert_if_absent({row("dot_iu_a", {"fn_a"}), row("dot_iu_b", {"fn_b"})}) == 2);
    CHECK(c.size() == 2);

    // Re-applying the same seed inserts nothing: INSERT 0 0.
    CHECK(c.insert_if_absent({row("dot_iu_a", {"fn_a"}), row("dot_iu_b", {"fn_b"})}) == 0);
    CHECK(c.size() == 2);

    // A conflicting row is skipped, not updated; the new one goes in after the existing rows.
    CHECK(c.insert_if_absent({row("dot_iu_a", {"fn_other"}, true, true, "event"),
                              row("dot_iu_c", {"fn_c"})}) == 1);
    REQUIRE(c.find("dot_iu_a") != nullptr);
    CHECK(c.find("dot_iu_a")->target_functions == std::vector<std::string>{"fn_a"});
    CHECK(c.find("dot_iu_a")->category == "collection");
    CHECK_FALSE(c.find("dot_iu_a")->mutating);
    CHECK(names(c) == std::vector<std::string>{"dot_iu_a", "dot_iu_b", "dot_iu_c"});

    // A repeat inside one statement: DO NOTHING keeps the first.
    CHECK(c.insert_if_absent({row("dot_iu_d", {"fn_d"}), row("dot_iu_d", {"fn_d2"})}) == 1);
    CHECK(c.find("dot_iu_d")->target_functions == std::vector<std::string>{"fn_d"});
    CHECK(c.insert_if_absent({}) == 0);
    CHECK(c.find("dot_iu_zzz") == nullptr);

    // The constructor behaves the same way.
    const catalog built({row("dot_iu_a", {"fn_a"}), row("dot_iu_a", {"fn_x"})});
    CHECK(built.size() == 1);
    CHECK(built.rows().front().target_functions == std::vector<std::string>{"fn_a"});
}

TEST_CASE("remove counts like DELETE ... WHERE command_name = ANY(names)") {
    catalog c({row("dot_iu_a", {"fn_a"}), row("dot_iu_b", {"fn_b"}), row("dot_iu_c", {"fn_c"})});
    CHECK(c.remove({"dot_iu_b", "dot_iu_absent"}) == 1);
    CHECK(names(c) == std::vector<std::string>{"dot_iu_a", "dot_iu_c"});
    CHECK(c.remove({"dot_iu_b"}) == 0);
    CHECK(c.remove({}) == 0);
    CHECK(c.remove({"dot_iu_a", "dot_iu_c", "dot_iu_a"}) == 2);
    CHECK(c.size() == 0);
}

TEST_CASE("find stays right after remove, insert and copies (the name index)") {
    catalog c({row("dot_iu_a", {"fn_a"}), row("dot_iu_b", {"fn_b"}), row("dot_iu_c", {"fn_c"})});
    c.remove({"dot_iu_a"});
    REQUIRE(c.find("dot_iu_c") != nullptr);
    CHECK(c.find("dot_iu_c")->target_functions == std::vector<std::string>{"fn_c"});
    CHECK(c.find("dot_iu_a") == nullptr);
    CHECK(c.insert_if_absent({row("dot_iu_a", {"fn_a2"})}) == 1);
    CHECK(names(c) == std::vector<std::string>{"dot_iu_b", "dot_iu_c", "dot_iu_a"});
    const catalog copy = c;
    c.remove({"dot_iu_b", "dot_iu_c"});
    REQUIRE(copy.find("dot_iu_b") != nullptr);
    CHECK(copy.find("dot_iu_b") == &copy.rows()[0]);
    CHECK(copy.find("dot_iu_a") == &copy.rows()[2]);
    CHECK(c.find("dot_iu_a") == &c.rows()[0]);
    CHECK(c.find("dot_iu_b") == nullptr);
}

TEST_CASE("the name index agrees with a std::map through growth, duplicates and removals") {
    // Thousands of rows: the index grows many times and probes past collisions.
    catalog c;
    std::map<std::string, std::string> oracle; // command_name -> its first target
    std::mt19937 random(20261126);
    const auto name_of = [](unsigned n) { return "dot_iu_" + std::to_string(n); };
    for (int round = 0; round < 4; ++round) {
        std::vector<catalog_row> batch;
        std::size_t new_names = 0;
        std::set<std::string> in_batch;
        for (int i = 0; i < 2500; ++i) {
            const auto name = name_of(random() % 6000);
            const auto target = "fn_" + std::to_string(round) + "_" + std::to_string(i);
            if (!oracle.contains(name) && in_batch.insert(name).second) {
                oracle.emplace(name, target);
                ++new_names;
            }
            batch.push_back(row(name, {target}));
        }
        CHECK(c.insert_if_absent(batch) == new_names);
        std::vector<std::string> doomed;
        for (const auto& [name, target] : oracle)
            if (random() % 5 == 0) doomed.push_back(name);
        CHECK(c.remove(doomed) == doomed.size());
        for (const auto& name : doomed)
            oracle.erase(name);
        REQUIRE(c.size() == oracle.size());
        for (unsigned n = 0; n < 6000; ++n) {
            const auto* found = c.find(name_of(n));
            const auto expected = oracle.find(name_of(n));
            REQUIRE((found != nullptr) == (expected != oracle.end()));
            if (found) CHECK(found->target_functions.front() == expected->second);
        }
        const catalog copy = c;
        CHECK(copy == c);
        CHECK(copy.find(oracle.begin()->first) != nullptr);
    }
}

TEST_CASE("distinct_targets counts each target function once") {
    catalog c({row("dot_iu_route_enable", {"fn_iu_route_set_enabled"}),
               row("dot_iu_route_disable", {"fn_iu_route_set_enabled"}),
               row("dot_iu_multi", {"fn_a", "fn_b", "fn_a"}), row("dot_iu_b", {"fn_b"})});
    CHECK(c.size() == 4);
    CHECK(c.distinct_targets() == 3);
    CHECK(c.target_functions() == std::set<std::string>{"fn_a", "fn_b", "fn_iu_route_set_enabled"});
    c.remove({"dot_iu_route_enable"});
    CHECK(c.distinct_targets() == 3);
    c.remove({"dot_iu_route_disable"});
    CHECK(c.distinct_targets() == 2);
    CHECK(catalog().distinct_targets() == 0);
}

TEST_CASE("diff names missing, extra and changed rows with PostgreSQL's text") {
    const catalog expected({row("dot_iu_a", {"fn_a"}),
                            row("dot_iu_b", {"fn_x", "fn_y"}, true, true),
                            row("dot_iu_c", {"fn_c"}), row("dot_iu_m", {"fn_m"})});
    const catalog actual({row("dot_iu_z", {"fn_z"}), row("dot_iu_c", {"fn_c"}),
                          row("dot_iu_b", {"fn_x"}, false, true, "event"),
                          row("dot_iu_y", {"fn_y"})});

    const auto d = iucore::diff(expected, actual);
    CHECK_FALSE(d.empty());
    CHECK(d.missing == std::vector<std::string>{"dot_iu_a", "dot_iu_m"});
    CHECK(d.extra == std::vector<std::string>{"dot_iu_y", "dot_iu_z"});
    REQUIRE(d.changed.size() == 1);
    CHECK(d.changed[0].command_name == "dot_iu_b");
    // Columns in table order; booleans as t/f; arrays as {a,b}.
    CHECK(d.changed[0].columns == std::vector<column_change>{
                                      {"category", "collection", "event"},
                                      {"mutating", "t", "f"},
                                      {"target_functions", "{fn_x,fn_y}", "{fn_x}"},
                                  });

    // The diff the other way round mirrors it.
    const auto back = iucore::diff(actual, expected);
    CHECK(back.missing == d.extra);
    CHECK(back.extra == d.missing);
    REQUIRE(back.changed.size() == 1);
    CHECK(back.changed[0].columns[1] == column_change{"mutating", "f", "t"});
}

TEST_CASE("diff compares target_functions as the ordered array and ignores the fixture flag") {
    auto fixture_row = row("dot_iu_a", {"fn_a"});
    fixture_row.fixture = true;
    CHECK(iucore::diff(catalog({row("dot_iu_a", {"fn_a"})}), catalog({fixture_row})).empty());
    CHECK(iucore::diff(catalog(), catalog()).empty());

    const auto d = iucore::diff(catalog({row("dot_iu_a", {"fn_a", "fn_b"}, false, true)}),
                                catalog({row("dot_iu_a", {"fn_b", "fn_a"}, false, false)}));
    REQUIRE(d.changed.size() == 1);
    CHECK(d.changed[0].columns == std::vector<column_change>{
                                      {"reversible", "t", "f"},
                                      {"target_functions", "{fn_a,fn_b}", "{fn_b,fn_a}"},
                                  });
    const auto empty_array =
        iucore::diff(catalog({row("dot_iu_a", {"fn_a"})}), catalog({row("dot_iu_a", {})}));
    REQUIRE(empty_array.changed.size() == 1);
    CHECK(empty_array.changed[0].columns ==
          std::vector<column_change>{{"target_functions", "{fn_a}", "{}"}});
}

TEST_CASE("array text quotes elements the way PostgreSQL's array_out does") {
    // Live rows may hold anything; the diff must print them unambiguously.
    const auto text = [](std::vector<std::string> items) {
        return iucore::catalog_columns[4].text(row("dot_iu_a", std::move(items)));
    };
    CHECK(text({"fn_a", "fn_b"}) == "{fn_a,fn_b}");
    CHECK(text({"a,b"}) == R"({"a,b"})");
    CHECK(text({"a b"}) == R"({"a b"})");
    CHECK(text({""}) == R"({""})");
    CHECK(text({"NULL"}) == R"({"NULL"})");
    CHECK(text({"null"}) == R"({"null"})");
    CHECK(text({"q\"x"}) == R"({"q\"x"})");
    CHECK(text({"b\\s"}) == R"({"b\\s"})");
    CHECK(text({"{x}"}) == R"({"{x}"})");
    CHECK(text({"tab\there"}) == "{\"tab\there\"}");
    CHECK(text({"nullable", "fn_\xc3\xa9"}) == "{nullable,fn_\xc3\xa9}");
    CHECK(iucore::catalog_columns[2].text(row("dot_iu_a", {}, true)) == "t");
    CHECK(iucore::catalog_columns[3].text(row("dot_iu_a", {}, true, false)) == "f");
}

TEST_CASE("catalog JSON round trips and the diff's JSON form") {
    auto fixture_row = row("dot_iu_b", {"fn_b", "fn_c"}, true, false, "event");
    fixture_row.fixture = true;
    check_round_trip(row("dot_iu_a", {"fn_a"}, true, true));
    check_round_trip(fixture_row);
    check_round_trip(catalog({row("dot_iu_a", {"fn_a"}), fixture_row}));
    check_round_trip(catalog());

    CHECK(boost::json::serialize(boost::json::value_from(row("dot_iu_a", {"fn_a"}, true))) ==
          R"({"command_name":"dot_iu_a","category":"collection","mutating":true,)"
          R"("reversible":false,"target_functions":["fn_a"]})");

    const catalog_diff d{{"dot_iu_a"}, {}, {row_change{"dot_iu_b", {{"mutating", "t", "f"}}}}};
    CHECK(boost::json::value_from(d) == boost::json::parse(R"({"missing":["dot_iu_a"],"extra":[],
        "changed":[{"command_name":"dot_iu_b","columns":[{"column":"mutating","expected":"t",
        "actual":"f"}]}],"equal":false})"));
    CHECK(boost::json::value_from(catalog_diff{}).at("equal") == true);
}

TEST_CASE("catalog JSON errors name the path") {
    auto read = [](std::string_view text) {
        return iucore::read_json<catalog>(boost::json::parse(text), "$.baseline.catalog");
    };
    const auto a = R"({"command_name":"dot_iu_a","category":"c","mutating":false,)"
                   R"("reversible":false,"target_functions":["fn_a"]})";
    const auto b = R"({"command_name":"dot_iu_b","category":"c","mutating":false,)"
                   R"("reversible":false,"target_functions":["fn_b"]})";

    auto dup = read("[" + std::string(a) + "," + b + "," + a + "]");
    REQUIRE_FALSE(dup.has_value());
    CHECK(iucore::code_of(dup.error()) == errc::invalid_definition);
    CHECK(dup.error().message ==
          "$.baseline.catalog[2].command_name: duplicate command \"dot_iu_a\"");
    CHECK_FALSE(
        boost::json::try_value_to<catalog>(boost::json::parse("[" + std::string(a) + "," + a + "]"))
            .has_value());

    auto expect = [&](std::string_view text, std::string_view needle) {
        auto r = read(text);
        REQUIRE_MESSAGE(!r.has_value(), std::string(text));
        CHECK(iucore::code_of(r.error()) == errc::invalid_definition);
        CHECK_MESSAGE(r.error().message.find(needle) != std::string::npos, r.error().message);
    };
    expect(R"([{"command_name":"dot_iu_a","category":"c","mutating":"t","reversible":false,
               "target_functions":[]}])",
           "$.baseline.catalog[0].mutating: expected a boolean");
    expect(R"([{"command_name":"dot_iu_a","category":"c","mutating":false,"reversible":false,
               "target_functions":"{fn_a}"}])",
           "$.baseline.catalog[0].target_functions: expected an array");
    expect(R"([{"command_name":"dot_iu_a","category":"c","mutating":false,"reversible":false,
               "target_functions":[1]}])",
           "$.baseline.catalog[0].target_functions[0]: expected a string");
    expect(R"([{"command_name":"dot_iu_a","category":"c","mutating":false,"reversible":false,
               "target_functions":[],"command":"x"}])",
           "$.baseline.catalog[0]: unknown key \"command\"");
    expect(R"([{"category":"c","mutating":false,"reversible":false,"target_functions":[]}])",
           "$.baseline.catalog[0]: missing required key \"command_name\"");
    expect(R"({"dot_iu_a":{}})", "$.baseline.catalog: expected an array");
}
