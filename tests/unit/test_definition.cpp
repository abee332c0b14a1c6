// The example definition: the migration record's published figures (the acceptance check),
// their derivation from the definition, folding by version, JSON round trip, and one test per
// malformed case, each a mutation of the example's JSON.

#include <iucore/definition.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using iucore::definition;
using iucore::errc;
using iucore::surface_kind;
namespace json = boost::json;

namespace {

using iucore_test::example_definition;
using iucore_test::example_definition_json;
using iucore_test::example_definition_text;

definition parse_ok(std::string_view text) {
    auto d = iucore::parse_definition(text, "iu_core.json");
    REQUIRE_MESSAGE(d.has_value(), (d ? std::string() : d.error().message));
    return d.value();
}

json::object& obj(json::value& v) {
    return v.as_object();
}
json::object& first_baseline_row(json::value& v) {
    return v.at("baseline").at("catalog").at(0).as_object();
}
json::object& migration_034(json::value& v) {
    return v.at("migrations").at(0).as_object();
}

/// parse_definition of the mutated JSON fails with invalid_definition, and the message names
/// the source, and contains every needle (the JSON path and the offending value).
std::string expect_invalid(const json::value& v, const std::vector<std::string_view>& needles) {
    auto parsed = iucore::parse_definition(json::serialize(v), "test.json");
    REQUIRE_MESSAGE(!parsed.has_value(), "the mutated definition was accepted");
    CHECK(iucore::code_of(parsed.error()) == errc::invalid_definition);
    CHECK(parsed.error().code == iucore::make_error_code(errc::invalid_definition));
    const auto& message = parsed.error().message;
    CHECK_MESSAGE(message.starts_with("test.json: "), message);
    for (auto needle : needles)
        CHECK_MESSAGE(message.find(needle) != std::string::npos, "expected \"", needle,
                      "\" in: ", message);
    return message;
}

std::int64_t figure(const definition& d, std::string_view version, std::string_view name) {
    auto f = d.figures_at(version);
    REQUIRE(f.has_value());
    auto value = f.value().get(name);
    REQUIRE_MESSAGE(value.has_value(), std::string(name));
    return value.value();
}

/// A mutation of the example's JSON that the loader must reject, and what the message names.
struct malformed_case {
    std::string_view name;
    void (*mutate)(json::value&);
    std::vector<std::string_view> needles;
};

/// Each case applied to a fresh copy of the example, then expect_invalid.
void expect_each_invalid(const std::vector<malformed_case>& cases) {
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto v = example_definition_json();
        c.mutate(v);
        expect_invalid(v, c.needles);
    }
}

} // namespace

TEST_CASE("the example loads; its figures report serialises every figure") {
    // The record's own figures are pinned once, in examples/python/tests/test_record.py (and
    // checked at the pin sites by `iucore pins --check`); here they are only computed.
    const auto d = example_definition();
    CHECK(d.name == "iu-core");
    CHECK(d.versions() == std::vector<std::string>{"033", "034"});
    CHECK(d.latest_version() == "034");

    const auto f = d.figures_at("034").value();
    CHECK(f.version == "034");
    json::object surface;
    for (auto k : iucore::all_surface_kinds)
        surface[std::string(iucore::name(k))] = f.inventory[k];
    surface["total"] = f.inventory.total();
    CHECK(json::value_from(f) == json::value{{"version", "034"},
                                             {"catalog_rows", f.catalog_rows},
                                             {"distinct_targets", f.distinct_targets},
                                             {"governed_commands", f.governed_commands},
                                             {"registry_entries", f.registry_entries},
                                             {"surface", surface}});
    for (const auto& name : iucore::figures::names())
        CHECK(f.get(name).has_value());
    CHECK(figure(d, "034", "surface_total") == f.inventory.total());
    CHECK(figure(d, "034", "surface.view") == f.inventory[surface_kind::view]);
}

TEST_CASE("the figures are derived from the definition, not typed") {
    const auto d = example_definition();
    const auto* m = d.find_migration("034");
    REQUIRE(m != nullptr);
    auto e = d.expectations("034");
    REQUIRE(e.has_value());

    // Rows: the baseline's rows plus the migration's adds.
    CHECK(e.value().rows_before == d.base.rows.size());
    CHECK(e.value().rows_added == m->adds.size());
    CHECK(e.value().rows_after == e.value().rows_before + m->adds.size());
    CHECK(d.catalog_at("034").value().size() ==
          d.catalog_at("033").value().size() + m->adds.size());

    // Distinct targets: the union of every row's target functions, counted here independently.
    std::set<std::string> targets;
    for (const auto& r : d.base.rows.rows())
        targets.insert(r.target_functions.begin(), r.target_functions.end());
    CHECK(e.value().distinct_targets_before == targets.size());
    for (const auto& r : m->adds)
        targets.insert(r.target_functions.begin(), r.target_functions.end());
    CHECK(e.value().distinct_targets_after == targets.size());

    // Governed: registry entries whose command has a catalog row after 034.
    std::set<std::string> commands;
    for (const auto& r : d.base.rows.rows())
        commands.insert(r.command_name);
    for (const auto& r : m->adds)
        commands.insert(r.command_name);
    std::int64_t governed = 0;
    for (const auto& entry : d.registry)
        governed += commands.contains(entry.command) ? 1 : 0;
    CHECK(figure(d, "034", "governed_commands") == governed);
    CHECK(figure(d, "034", "registry_entries") == static_cast<std::int64_t>(d.registry.size()));

    // Surface: baseline plus the (zero) delta of a data-only migration.
    CHECK(m->kind == iucore::migration_kind::data_only);
    CHECK(m->surface_delta.is_zero());
    CHECK(d.surface_at("034").value() == d.base.inventory + m->surface_delta);
    CHECK(d.surface_at("034").value().total() == d.base.inventory.total());

    // Changing the definition changes the figures.
    auto v = example_definition_json();
    migration_034(v)["adds"].as_array().emplace_back(json::parse(
        R"({"command_name":"dot_iu_help","category":"inspect","mutating":false,
            "reversible":false,"target_functions":["fn_iu_help"]})"));
    const auto grown = parse_ok(json::serialize(v));
    CHECK(figure(grown, "034", "catalog_rows") == figure(d, "034", "catalog_rows") + 1);
    CHECK(figure(grown, "034", "distinct_targets") == figure(d, "034", "distinct_targets") + 1);
    CHECK(figure(grown, "034", "governed_commands") == figure(d, "034", "governed_commands") + 1);
    CHECK(figure(grown, "033", "catalog_rows") == figure(d, "033", "catalog_rows"));
}

TEST_CASE("expectations for 034") {
    const auto d = example_definition();
    auto e = d.expectations("034");
    REQUIRE(e.has_value());
    CHECK(e.value().migration_id == "034");
    CHECK(e.value().previous_version == "033");
    CHECK(e.value().rows_before == d.catalog_at("033").value().size());
    CHECK(e.value().rows_after == d.catalog_at("034").value().size());
    CHECK(e.value().rows_added == e.value().new_rows.size());
    CHECK(e.value().new_rows ==
          std::vector<std::string>{"dot_iu_auto_instantiate_from_event",
                                   "dot_iu_auto_instantiate_rollback_by_actor"});
    CHECK(e.value().surface_before == e.value().surface_after);
    CHECK(e.value().surface_after == d.base.inventory);
    // The rollback guard comes from the schema's run log: command_name, never command.
    CHECK(e.value().guard == iucore::rollback_guard{"public.dot_iu_command_run", "command_name"});
    CHECK(d.guard() == e.value().guard);

    const auto v = json::value_from(e.value());
    CHECK(v.at("rows_after") == e.value().rows_after);
    CHECK(v.at("rollback_guard") ==
          json::parse(R"({"table":"public.dot_iu_command_run","column":"command_name"})"));

    for (std::string_view bad : {"033", "035", ""}) {
        auto missing = d.expectations(bad);
        REQUIRE_FALSE(missing.has_value());
        CHECK(iucore::code_of(missing.error()) == errc::invalid_argument);
        CHECK(missing.error().message.find("\"" + std::string(bad) + "\"") != std::string::npos);
        CHECK(missing.error().message.find("expected one of 034") != std::string::npos);
    }
}

TEST_CASE("catalog_at folds the migrations over the baseline") {
    const auto d = example_definition();
    const auto at033 = d.catalog_at("033").value();
    const auto at034 = d.catalog_at("034").value();
    CHECK(at033 == d.base.rows);
    CHECK(at033.find("dot_iu_auto_instantiate_from_event") == nullptr);
    REQUIRE(at034.find("dot_iu_auto_instantiate_from_event") != nullptr);
    CHECK(at034.find("dot_iu_auto_instantiate_from_event")->target_functions ==
          std::vector<std::string>{"fn_iu_auto_instantiate_from_event"});
    CHECK(at034.find("dot_iu_auto_instantiate_rollback_by_actor")->category == "lifecycle");
    CHECK(d.ssot() == at034);
    // ssot_row answers ssot().find without the fold.
    for (const auto& r : at034.rows()) {
        REQUIRE(d.ssot_row(r.command_name) != nullptr);
        CHECK(*d.ssot_row(r.command_name) == r);
    }
    CHECK(d.ssot_row("dot_iu_absent") == nullptr);

    const auto delta = iucore::diff(at033, at034);
    CHECK(delta.missing.empty());
    CHECK(delta.changed.empty());
    CHECK(delta.extra == std::vector<std::string>{"dot_iu_auto_instantiate_from_event",
                                                  "dot_iu_auto_instantiate_rollback_by_actor"});

    for (std::string_view bad : {"032", "035", "", "34"}) {
        auto unknown = d.catalog_at(bad);
        REQUIRE_FALSE(unknown.has_value());
        CHECK(iucore::code_of(unknown.error()) == errc::invalid_argument);
        CHECK(unknown.error().message ==
              "version \"" + std::string(bad) +
                  "\" is not in the definition: expected one of 033, 034");
        CHECK_FALSE(d.surface_at(bad).has_value());
        CHECK_FALSE(d.figures_at(bad).has_value());
    }
}

TEST_CASE("a later migration: folding stops at the version asked for; dependents") {
    auto v = example_definition_json();
    v.at("migrations").as_array().emplace_back(json::parse(R"j({
        "id": "035", "slug": "help_registration", "kind": "ddl",
        "requires": {"migrations": ["034"], "functions": ["fn_iu_help()"]},
        "adds": [{"command_name": "dot_iu_help", "category": "inspect", "mutating": false,
                  "reversible": false, "target_functions": ["fn_iu_help"]}],
        "surface_delta": {"function": 1, "view": -1}})j"));
    const auto d = parse_ok(json::serialize(v));
    CHECK(d.versions() == std::vector<std::string>{"033", "034", "035"});
    CHECK(d.latest_version() == "035");
    const auto before = example_definition();
    CHECK(d.catalog_at("034").value() == before.catalog_at("034").value());
    CHECK(d.catalog_at("034").value().find("dot_iu_help") == nullptr);
    CHECK(d.catalog_at("035").value().size() == before.catalog_at("034").value().size() + 1);
    CHECK(d.surface_at("034").value() == before.surface_at("034").value());
    const auto s34 = before.surface_at("034").value();
    CHECK(d.surface_at("035").value()[surface_kind::function] == s34[surface_kind::function] + 1);
    CHECK(d.surface_at("035").value()[surface_kind::view] == s34[surface_kind::view] - 1);
    CHECK(d.dependents("033") == std::vector<std::string>{"034"});
    CHECK(d.dependents("034") == std::vector<std::string>{"035"});
    CHECK(d.dependents("035").empty());
    CHECK(d.version_before("035").value() == "034");
    CHECK(d.version_before("034").value() == "033");
    CHECK(d.expectations("035").value().rows_before == before.catalog_at("034").value().size());
    CHECK(example_definition().dependents("034").empty());
    CHECK(example_definition().dependents("033") == std::vector<std::string>{"034"});
}

TEST_CASE("figures by pin name") {
    const auto f = example_definition().figures_at("034").value();
    CHECK(iucore::figures::names().size() == 5 + iucore::all_surface_kinds.size());
    for (const auto& name : iucore::figures::names())
        CHECK(f.get(name).has_value());
    auto bad = f.get("surface.index");
    REQUIRE_FALSE(bad.has_value());
    CHECK(iucore::code_of(bad.error()) == errc::invalid_argument);
    CHECK(bad.error().message.find("\"surface.index\"") != std::string::npos);
}

TEST_CASE("the whole definition round trips through JSON exactly") {
    const auto d = example_definition();
    const auto v = json::value_from(d);
    auto read = iucore::read_json<definition>(v, "$");
    REQUIRE_MESSAGE(read.has_value(), (read ? std::string() : read.error().message));
    CHECK(read.value() == d);
    auto via_boost = json::try_value_to<definition>(v);
    REQUIRE(via_boost.has_value());
    CHECK(*via_boost == d);
    CHECK(parse_ok(json::serialize(v)) == d);
    // Writing again gives the same JSON.
    CHECK(json::value_from(read.value()) == v);

    // Parts of the definition round trip on their own.
    CHECK(iucore::read_json<iucore::schema_model>(json::value_from(d.schema), "$").value() ==
          d.schema);
    CHECK(iucore::read_json<iucore::migration>(json::value_from(d.migrations[0]), "$").value() ==
          d.migrations[0]);
    CHECK(json::try_value_to<iucore::migration>(json::value_from(d.migrations[0])).value() ==
          d.migrations[0]);
    for (const auto& entry : d.registry) {
        CAPTURE(entry.command);
        CHECK(iucore::read_json<iucore::registry_entry>(json::value_from(entry), "$").value() ==
              entry);
        CHECK(json::try_value_to<iucore::registry_entry>(json::value_from(entry)).value() == entry);
    }
    for (const auto& sig : d.signatures)
        CHECK(json::try_value_to<iucore::signature>(json::value_from(sig)).value() == sig);
    const iucore::pin_site pin{
        .file = "docs/x.py", .pattern = "(\\d+) rows", .figure = "catalog_rows", .version = "033"};
    CHECK(iucore::read_json<iucore::pin_site>(json::value_from(pin), "$").value() == pin);
    CHECK(json::try_value_to<iucore::pin_site>(json::value_from(pin)).value() == pin);
    const iucore::pin_site latest{.file = "a", .pattern = "(\\d+)", .figure = "surface.view"};
    CHECK(json::try_value_to<iucore::pin_site>(json::value_from(latest)).value() == latest);
    CHECK(json::try_value_to<iucore::migration_kind>(json::value_from(iucore::migration_kind::ddl))
              .value() == iucore::migration_kind::ddl);

    // A data-only migration writes its zero delta as {}, as the record states it.
    CHECK(v.at("migrations").at(0).at("surface_delta") == json::object());
}

TEST_CASE("the example's registry and signatures, as the record names them") {
    const auto d = example_definition();
    const auto* sig = d.find_signature("fn_iu_auto_instantiate_from_event");
    REQUIRE(sig != nullptr);
    CHECK(sig->record_text() ==
          "fn_iu_auto_instantiate_from_event(uuid,text,uuid,text,text,text,text) \u2192 jsonb");
    CHECK(d.find_signature("fn_iu_auto_instantiate_rollback_by_actor")->record_text() ==
          "fn_iu_auto_instantiate_rollback_by_actor(text,boolean) \u2192 jsonb");
    CHECK(d.find_signature("fn_iu_nope") == nullptr);
    const auto* entry = d.find_entry("dot_iu_auto_instantiate_from_event");
    REQUIRE(entry != nullptr);
    REQUIRE(entry->mode_arg.has_value());
    CHECK(entry->mode_arg->name == "emit_mode");
    CHECK(entry->mode_arg->modes.at("live") == iucore::mode::live);
    CHECK(entry->reversed_by ==
          std::optional<std::string>("dot_iu_auto_instantiate_rollback_by_actor"));
    CHECK_FALSE(entry->fixture);
    CHECK(d.find_entry("dot_iu_nope") == nullptr);
    CHECK(d.migrations[0].requires_functions.size() == 2);
    CHECK(d.migrations[0].requires_functions[0].same_function(*sig));
}

// ---- malformed definitions: one mutation each -------------------------------------------

TEST_CASE("malformed: unknown key at the top level") {
    auto v = example_definition_json();
    obj(v)["colour"] = "red";
    expect_invalid(v, {"$: unknown key \"colour\""});
}

TEST_CASE("malformed: unknown key in nested objects") {
    expect_each_invalid({
        {"a catalog row",
         [](json::value& v) { first_baseline_row(v)["command"] = "dot_iu_x"; },
         {"$.baseline.catalog[0]: unknown key \"command\""}},
        {"the baseline",
         [](json::value& v) { v.at("baseline").as_object()["rows"] = 24; },
         {"$.baseline: unknown key \"rows\""}},
        {"a migration's requires",
         [](json::value& v) { migration_034(v)["requires"].as_object()["tables"] = json::array(); },
         {"$.migrations[0].requires: unknown key \"tables\""}},
        {"the schema",
         [](json::value& v) { v.at("schema").at("run_log").as_object()["command"] = "command"; },
         {"$.schema.run_log: unknown key \"command\""}},
        {"a surface rule",
         [](json::value& v) {
             v.at("schema").at("surface").at("view").as_object()["names"] = json::array();
         },
         {"$.schema.surface.view: unknown key \"names\""}},
        {"a registry entry's mode argument",
         [](json::value& v) {
             v.at("registry").at(24).at("mode_argument").as_object()["fallback"] = "dry_run";
         },
         {"$.registry[24].mode_argument: unknown key \"fallback\""}},
    });
}

TEST_CASE("malformed: wrong type") {
    expect_each_invalid({
        {"a boolean given as text",
         [](json::value& v) { first_baseline_row(v)["mutating"] = "yes"; },
         {"$.baseline.catalog[0].mutating: expected a boolean", "\"yes\""}},
        {"a count given as text",
         [](json::value& v) { v.at("baseline").at("surface").as_object()["view"] = "30"; },
         {"$.baseline.surface.view: expected an integer", "\"30\""}},
        {"a list given as a string",
         [](json::value& v) { obj(v)["categories"] = "collection"; },
         {"$.categories: expected an array", "\"collection\""}},
        {"a number where a name belongs",
         [](json::value& v) { first_baseline_row(v)["target_functions"].as_array()[0] = 7; },
         {"$.baseline.catalog[0].target_functions[0]: expected a string", "7"}},
        {"the document is not an object",
         [](json::value& v) {
             v = json::array{1, 2};
         },
         {"$: expected an object"}},
    });
}

TEST_CASE("malformed: duplicate command in the baseline") {
    auto v = example_definition_json();
    v.at("baseline").at("catalog").at(3).as_object()["command_name"] = "dot_iu_collection_list";
    expect_invalid(
        v, {"$.baseline.catalog[3].command_name", "duplicate command \"dot_iu_collection_list\""});
}

TEST_CASE("malformed: duplicate command across a migration") {
    expect_each_invalid({
        {"a migration re-adds a baseline command",
         [](json::value& v) {
             migration_034(v)["adds"].at(1).as_object()["command_name"] = "dot_iu_lifecycle_purge";
         },
         {"$.migrations[0].adds[1].command_name", "duplicate command \"dot_iu_lifecycle_purge\""}},
        {"a migration adds the same command twice",
         [](json::value& v) {
             migration_034(v)["adds"].at(1).as_object()["command_name"] =
                 "dot_iu_auto_instantiate_from_event";
         },
         {"$.migrations[0].adds[1].command_name",
          "duplicate command \"dot_iu_auto_instantiate_from_event\""}},
        {"the registry lists a command twice",
         [](json::value& v) {
             v.at("registry").at(1).as_object()["command"] = "dot_iu_collection_list";
         },
         {"$.registry[1].command", "duplicate command \"dot_iu_collection_list\""}},
    });
}

TEST_CASE("malformed: a command without the dot_iu_ prefix") {
    expect_each_invalid({
        {"baseline",
         [](json::value& v) { first_baseline_row(v)["command_name"] = "iu_collection_list"; },
         {"$.baseline.catalog[0].command_name", "\"iu_collection_list\"",
          "must start with dot_iu_"}},
        {"migration",
         [](json::value& v) {
             migration_034(v)["adds"].at(0).as_object()["command_name"] = "DOT_IU_X";
         },
         {"$.migrations[0].adds[0].command_name", "\"DOT_IU_X\""}},
        {"the bare prefix",
         [](json::value& v) { first_baseline_row(v)["command_name"] = "dot_iu_"; },
         {"$.baseline.catalog[0].command_name", "\"dot_iu_\""}},
        {"registry",
         [](json::value& v) { v.at("registry").at(0).as_object()["command"] = "iu_x"; },
         {"$.registry[0].command", "\"iu_x\" must start with dot_iu_"}},
    });
}

TEST_CASE("malformed: unknown category") {
    auto v = example_definition_json();
    migration_034(v)["adds"].at(0).as_object()["category"] = "orchestration";
    expect_invalid(
        v, {"$.migrations[0].adds[0].category", "\"orchestration\"", "is not a known category"});
}

TEST_CASE("malformed: a target function without a signature") {
    auto v = example_definition_json();
    first_baseline_row(v)["target_functions"] = json::array{"fn_iu_collection_list", "fn_iu_nope"};
    expect_invalid(
        v, {"$.baseline.catalog[0].target_functions[1]", "\"fn_iu_nope\"", "has no signature"});
}

TEST_CASE("malformed: empty target_functions") {
    auto v = example_definition_json();
    migration_034(v)["adds"].at(1).as_object()["target_functions"] = json::array();
    expect_invalid(v, {"$.migrations[0].adds[1].target_functions",
                       "\"dot_iu_auto_instantiate_rollback_by_actor\"", "at least one"});
}

TEST_CASE("malformed: a migration requiring an unknown migration") {
    expect_each_invalid({
        {"an unknown version",
         [](json::value& v) {
             migration_034(v)["requires"].as_object()["migrations"] = json::array{"033", "032"};
         },
         {"$.migrations[0].requires.migrations", "\"032\""}},
        {"a later migration",
         [](json::value& v) {
             v.at("migrations")
                 .as_array()
                 .emplace_back(json::parse(
                     R"({     "id": "035", "slug": "later", "kind": "data_only", "requires": {},     "adds": [{"command_name": "dot_iu_help", "category": "inspect", "mutating": false,               "reversible": false, "target_functions": ["fn_iu_help"]}]})"));
             migration_034(v)["requires"].as_object()["migrations"] = json::array{"035"};
         },
         {"$.migrations[0].requires.migrations", "requires \"035\""}},
        {"a duplicate migration id",
         [](json::value& v) {
             auto copy = v.at("migrations").at(0);
             copy.as_object()["adds"] = json::parse(
                 R"([{"command_name": "dot_iu_help",     "category": "inspect", "mutating": false, "reversible": false,     "target_functions": ["fn_iu_help"]}])");
             v.at("migrations").as_array().push_back(copy);
         },
         {"$.migrations[1].id", "duplicate version \"034\""}},
    });
}

TEST_CASE("malformed: requires.functions naming an unknown signature") {
    expect_each_invalid({
        {"an unknown function",
         [](json::value& v) {
             migration_034(v)["requires"].at("functions").as_array()[1] =
                 "fn_iu_nope(text,boolean)";
         },
         {"$.migrations[0].requires.functions", "\"fn_iu_nope(text,boolean)\"",
          "is not a signature"}},
        {"a known function with other argument types",
         [](json::value& v) {
             migration_034(v)["requires"].at("functions").as_array()[1] =
                 "fn_iu_auto_instantiate_rollback_by_actor(text)";
         },
         {"$.migrations[0].requires.functions",
          "\"fn_iu_auto_instantiate_rollback_by_actor(text)\""}},
        {"text that is not a signature",
         [](json::value& v) {
             migration_034(v)["requires"].at("functions").as_array()[0] = "fn_iu_x(uuid,";
         },
         {"$.migrations[0].requires.functions[0]", "\"fn_iu_x(uuid,\""}},
    });
}

TEST_CASE("malformed: a surface total that does not add up") {
    auto v = example_definition_json();
    v.at("baseline").at("surface").as_object()["total"] = 180;
    expect_invalid(v, {"$.baseline.surface.total", "180 does not add up", "sum to 181"});
}

TEST_CASE("malformed: a data_only migration with a non-zero surface_delta") {
    auto v = example_definition_json();
    migration_034(v)["surface_delta"] = json::parse(R"({"function": 2})");
    expect_invalid(v, {"$.migrations[0].surface_delta", "034 is data_only", "total 2"});
    // Even when the kinds cancel out.
    migration_034(v)["surface_delta"] = json::parse(R"({"function": 1, "view": -1})");
    expect_invalid(v, {"$.migrations[0].surface_delta", "data_only"});
}

TEST_CASE("malformed: a ddl migration that drives a count below zero") {
    auto v = example_definition_json();
    migration_034(v)["kind"] = "ddl";
    migration_034(v)["surface_delta"] = json::parse(R"({"trigger": -7})");
    expect_invalid(v, {"$.migrations", "version 034", "-1", "trigger"});
}

TEST_CASE("malformed: invalid JSON text") {
    for (std::string_view text : {std::string_view(""), std::string_view("{\"format\": "),
                                  std::string_view("{\"format\": tru}"), std::string_view("{} {}"),
                                  std::string_view("{'a': 1}")}) {
        CAPTURE(text);
        auto parsed = iucore::parse_definition(text, "test.json");
        REQUIRE_FALSE(parsed.has_value());
        CHECK(iucore::code_of(parsed.error()) == errc::invalid_definition);
        CHECK(parsed.error().message.starts_with("test.json: not valid JSON: "));
        CHECK(parsed.error().message.find(" at byte ") != std::string::npos);
    }
    // The offset is where the bad token starts: `tru` begins at byte 11.
    auto truncated = iucore::parse_definition("{\"format\": tru}", "test.json");
    CHECK_MESSAGE(truncated.error().message.ends_with(" at byte 11"), truncated.error().message);
    // Deeply nested input is refused rather than recursed into.
    auto deep = iucore::parse_definition(std::string(1000, '[') + std::string(1000, ']'), "x");
    REQUIRE_FALSE(deep.has_value());
    CHECK(deep.error().message.starts_with("x: not valid JSON: "));
}

TEST_CASE("malformed: registry reversed_by names an unknown command") {
    auto v = example_definition_json();
    v.at("registry").at(24).as_object()["reversed_by"] = "dot_iu_auto_instantiate_undo";
    expect_invalid(v, {"$.registry[24].reversed_by", "\"dot_iu_auto_instantiate_undo\"",
                       "is not a command in $.registry"});
}

TEST_CASE("malformed: a gate over an unknown config") {
    expect_each_invalid({
        {"unknown",
         [](json::value& v) {
             v.at("gates").at(1).as_object()["config"] = "iu_core.autoinstantiate_enabled";
         },
         {"$.gates[1].config", "\"iu_core.autoinstantiate_enabled\"", "is not a boolean config"}},
        {"not a boolean",
         [](json::value& v) {
             v.at("gates").at(0).as_object()["config"] = "iu_core.retention_days";
         },
         {"$.gates[0].config", "\"iu_core.retention_days\""}},
        {"a command the registry does not have",
         [](json::value& v) {
             v.at("gates").at(0).at("commands").as_array().emplace_back("dot_iu_nope");
         },
         {"$.gates[0].commands", "\"dot_iu_nope\""}},
        {"an unknown mode",
         [](json::value& v) { v.at("gates").at(0).at("modes").as_array().emplace_back("shadow"); },
         {"$.gates[0].modes[2]", "\"shadow\""}},
    });
}

TEST_CASE("malformed: other rules the loader enforces") {
    expect_each_invalid({
        {"an unsupported format",
         [](json::value& v) { obj(v)["format"] = "iucore-definition/2"; },
         {"$.format", "\"iucore-definition/2\""}},
        {"a missing required key",
         [](json::value& v) { obj(v).erase("signatures"); },
         {"$: missing required key \"signatures\""}},
        {"a duplicate signature",
         [](json::value& v) { v.at("signatures").as_array().push_back(v.at("signatures").at(0)); },
         {"$.signatures[32].name", "\"fn_iu_auto_instantiate_from_event\""}},
        {"a registry function without a signature",
         [](json::value& v) { v.at("registry").at(2).as_object()["function"] = "fn_iu_nope"; },
         {"$.registry[2].function", "\"fn_iu_nope\""}},
        {"a mode argument that is not a parameter",
         [](json::value& v) {
             v.at("registry").at(24).at("mode_argument").as_object()["name"] = "mode";
         },
         {"$.registry[24].mode_argument.name", "\"mode\""}},
        {"a migration that adds nothing",
         [](json::value& v) { migration_034(v)["adds"] = json::array(); },
         {"$.migrations[0].adds", "adds no catalog rows"}},
        {"an unknown migration kind",
         [](json::value& v) { migration_034(v)["kind"] = "schema"; },
         {"$.migrations[0].kind", "\"schema\""}},
        {"a pin with an unknown figure",
         [](json::value& v) {
             obj(v)["pins"] =
                 json::parse(R"j([{"file":"a.py","pattern":"(\\d+)","figure":"rows"}])j");
         },
         {"$.pins[0].figure", "\"rows\""}},
        {"a pin with an unknown version",
         [](json::value& v) {
             obj(v)["pins"] = json::parse(
                 R"j([{"file":"a.py","pattern":"(\\d+)","figure":"catalog_rows","version":"099"}])j");
         },
         {"$.pins[0].version", "\"099\""}},
        {"a duplicate config",
         [](json::value& v) { v.at("configs").as_array().push_back(v.at("configs").at(0)); },
         {"$.configs[13].key", "\"iu_core.composer_enabled\""}},
        {"a surface rule with both or neither of names_like and registry",
         [](json::value& v) {
             v.at("schema").at("surface").at("view").as_object()["registry"] = "public.x";
         },
         {"$.schema.surface.view", "exactly one of names_like or registry"}},
    });
}

TEST_CASE("malformed: migration ids, versions and slugs become file names and SQL comments") {
    expect_each_invalid({
        {"a slug with a path separator",
         [](json::value& v) { migration_034(v)["slug"] = "../../etc/x"; },
         {"$.migrations[0].slug", "\"../../etc/x\""}},
        {"an id with a newline",
         [](json::value& v) { migration_034(v)["id"] = "034\nDROP TABLE x;"; },
         {"$.migrations[0].id", "\"034\\x0ADROP TABLE x;\""}},
        {"a baseline version with a NUL",
         [](json::value& v) { v.at("baseline").as_object()["version"] = std::string("033\0", 4); },
         {"$.baseline.version", "\"033\\x00\""}},
        {"a definition name with a newline",
         [](json::value& v) { obj(v)["name"] = "iu-core\nDROP TABLE x; --"; },
         {"$.name", "\"iu-core\\x0ADROP TABLE x; --\""}},
    });
}

namespace {
json::object& schema_of(json::value& v) {
    return v.at("schema").as_object();
}
} // namespace

TEST_CASE("the schema model maps the catalog's and the run log's columns, round trip in JSON") {
    auto v = example_definition_json();
    // The example names no columns: every default holds, so its SQL is what it always was.
    const auto defaults = parse_ok(json::serialize(v));
    iucore::schema_model expected;
    expected.surface = defaults.schema.surface;
    CHECK(defaults.schema == expected);
    CHECK(defaults.schema.command_prefix == "dot_iu_");
    // The runtime's run log has no started-at column (its created_at fills itself).
    CHECK(defaults.schema.run_log.not_logged() ==
          std::vector<std::string>{"run log: no started_at column; started_at not logged"});

    schema_of(v)["catalog"] = json::parse(R"({"table": "public.ops_catalog", "columns":
        {"command_name": "cmd_name", "category": "kind", "mutating": "writes",
         "reversible": "undoable", "target_functions": "targets"}})");
    schema_of(v)["run_log"] = json::parse(R"({"table": "public.ops_runs", "command_column": "cmd",
        "columns": {"id": "run_id", "args": null, "mode": null, "outcome": null, "result": null,
                    "duration_ms": null, "started_at": "started_at"}})");
    const auto d = parse_ok(json::serialize(v));
    const auto& c = d.schema.catalog.columns;
    CHECK(c.command_name == "cmd_name");
    CHECK(c.of("category") == "kind");
    CHECK(c.of("mutating") == "writes");
    CHECK(c.of("reversible") == "undoable");
    CHECK(c.of("target_functions") == "targets");
    const auto& r = d.schema.run_log.columns;
    CHECK(r.id == "run_id");
    CHECK(r.actor == "actor"); // not named: the default
    CHECK(r.args.empty());
    CHECK(r.started_at == "started_at");
    CHECK(d.schema.run_log.not_logged() ==
          std::vector<std::string>{"run log: no args column; args not logged",
                                   "run log: no mode column; mode not logged",
                                   "run log: no outcome column; outcome not logged",
                                   "run log: no result column; result not logged",
                                   "run log: no duration_ms column; duration_ms not logged"});
    // Written and read again: the same model, absent columns as null.
    const auto written = json::value_from(d.schema);
    CHECK(written.at("run_log").at("columns").at("args").is_null());
    CHECK(written.at("catalog").at("columns").at("category") == "kind");
    CHECK(iucore::read_json<iucore::schema_model>(written, "$").value() == d.schema);
    CHECK(json::value_from(parse_ok(json::serialize(json::value_from(d)))) == json::value_from(d));
}

TEST_CASE("malformed: the schema model's mappings") {
    expect_each_invalid({
        {"an unknown catalog column",
         [](json::value& v) {
             schema_of(v)["catalog"] = json::parse(R"({"columns": {"created_at": "created_at"}})");
         },
         {"$.schema.catalog.columns: unknown key \"created_at\""}},
        {"an unknown run-log column",
         [](json::value& v) {
             schema_of(v)["run_log"] = json::parse(R"({"columns": {"operator": "who"}})");
         },
         {"$.schema.run_log.columns: unknown key \"operator\""}},
        {"an unknown key beside the columns",
         [](json::value& v) { schema_of(v)["run_log"] = json::parse(R"({"id_column": "id"})"); },
         {"$.schema.run_log: unknown key \"id_column\""}},
        {"a catalog column cannot be absent",
         [](json::value& v) {
             schema_of(v)["catalog"] = json::parse(R"({"columns": {"category": null}})");
         },
         {"$.schema.catalog.columns.category: expected a column name"}},
        {"an empty column name",
         [](json::value& v) {
             schema_of(v)["run_log"] = json::parse(R"({"columns": {"id": ""}})");
         },
         {"$.schema.run_log.columns.id: expected a column name or null"}},
        {"an empty command prefix",
         [](json::value& v) { schema_of(v)["command_prefix"] = ""; },
         {"$.schema.command_prefix: expected a non-empty prefix"}},
    });
}

TEST_CASE("the command prefix is the schema's: commands are checked against it") {
    auto v = example_definition_json();
    schema_of(v)["command_prefix"] = "ops_";
    expect_invalid(v, {"$.baseline.catalog[0].command_name", "must start with ops_"});
    schema_of(v)["command_prefix"] = "dot_iu_";
    CHECK(parse_ok(json::serialize(v)).schema.command_prefix == "dot_iu_");
}
