// Configs and gates: boolean evaluation with PostgreSQL's spellings, failing closed, and the
// record's two-gate semantics for the orchestrator commands in both modes.

#include <iucore/gate.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <optional>
#include <string>
#include <vector>

using iucore::config_entry;
using iucore::config_evaluation;
using iucore::config_set;
using iucore::errc;
using iucore::evaluate_boolean;
using iucore::evaluation_error;
using iucore::evaluation_reason;
using iucore::gate;
using iucore::gate_decision;
using iucore::gate_set;
using iucore::mode;

namespace {

using iucore_test::check_round_trip;
using iucore_test::from_event;

constexpr const char* composer = "iu_core.composer_enabled";
constexpr const char* auto_instantiate = "iu_core.auto_instantiate_enabled";
constexpr const char* rollback = "dot_iu_auto_instantiate_rollback_by_actor";

config_set one(std::optional<std::string> value, std::string type = "boolean") {
    return config_set({config_entry{"k", std::move(value), std::move(type), false}});
}

/// The record's gates: dry-run needs composer_enabled; live needs it and auto_instantiate.
gate_set record_gates() {
    return gate_set({gate{composer, {mode::dry_run, mode::live}, {from_event, rollback}},
                     gate{auto_instantiate, {mode::live}, {from_event, rollback}}});
}

config_set record_configs(bool composer_on, bool auto_on) {
    return config_set({{composer, composer_on ? "true" : "false", "boolean", false},
                       {auto_instantiate, auto_on ? "on" : "off", "boolean", false},
                       {"iu_core.retention_days", "90", "integer", false}});
}

} // namespace

TEST_CASE("evaluate_boolean reads PostgreSQL's boolean spellings as STATIC") {
    for (const char* text :
         {" TRUE ", "true", "t", "TrU", "yes", "Y", "on", "ON", "1", "\ttrue\n"}) {
        CAPTURE(text);
        const auto e = evaluate_boolean(one(text), "k");
        CHECK(e.value);
        CHECK(e.reason == evaluation_reason::static_value);
        CHECK(e.error == evaluation_error::none);
        CHECK(e.error_message.empty());
        CHECK(e.raw == std::optional<std::string>(text));
        CHECK(e.describe() == "k=true");
    }
    for (const char* text : {"of", "off", "OFF", "false", " f ", "fal", "no", "N", "0"}) {
        CAPTURE(text);
        const auto e = evaluate_boolean(one(text), "k");
        CHECK_FALSE(e.value);
        CHECK(e.reason == evaluation_reason::static_value);
        CHECK(e.error == evaluation_error::none);
        CHECK(e.describe() == "k=false");
    }
}

TEST_CASE("a NULL value takes the DEFAULT, which is false") {
    const auto e = evaluate_boolean(one(std::nullopt), "k");
    CHECK_FALSE(e.value);
    CHECK(e.reason == evaluation_reason::default_value);
    CHECK(e.error == evaluation_error::none);
    CHECK_FALSE(e.raw.has_value());
    CHECK(e.describe() == "k=false (no value set; default)");
}

TEST_CASE("errors evaluate to false with the error named") {
    SUBCASE("FLAG_NOT_FOUND") {
        const auto e = evaluate_boolean(one("true"), "iu_core.absent");
        CHECK(e.key == "iu_core.absent");
        CHECK_FALSE(e.value);
        CHECK(e.reason == evaluation_reason::error);
        CHECK(e.error == evaluation_error::flag_not_found);
        CHECK(iucore::name(e.error) == "FLAG_NOT_FOUND");
        CHECK_FALSE(e.raw.has_value());
        CHECK(e.describe() == "iu_core.absent: config is not in the registry");
        CHECK(evaluate_boolean(config_set(), "k").error == evaluation_error::flag_not_found);
    }
    SUBCASE("PARSE_ERROR") {
        for (const char* text : {"", "   ", "maybe", "o", "truee", "2", "yess", "nope"}) {
            CAPTURE(text);
            const auto e = evaluate_boolean(one(text), "k");
            CHECK_FALSE(e.value);
            CHECK(e.reason == evaluation_reason::error);
            CHECK(e.error == evaluation_error::parse_error);
            CHECK(e.raw == std::optional<std::string>(text));
            CHECK(e.error_message.find("\"" + std::string(text) + "\"") != std::string::npos);
        }
        CHECK(iucore::name(evaluation_error::parse_error) == "PARSE_ERROR");
        CHECK(evaluate_boolean(one("maybe"), "k").describe() ==
              "k: value \"maybe\" is not a boolean (expected true/false, yes/no, on/off, 1/0)");
    }
    SUBCASE("TYPE_MISMATCH, whatever the value") {
        for (const std::optional<std::string>& value :
             {std::optional<std::string>("1"), std::optional<std::string>("true"),
              std::optional<std::string>()}) {
            const auto e = evaluate_boolean(one(value, "integer"), "k");
            CHECK_FALSE(e.value);
            CHECK(e.reason == evaluation_reason::error);
            CHECK(e.error == evaluation_error::type_mismatch);
            CHECK(e.raw == value);
            CHECK(e.describe() == "k: config is declared as integer, expected boolean");
        }
        CHECK(iucore::name(evaluation_error::type_mismatch) == "TYPE_MISMATCH");
    }
}

TEST_CASE("the record's gates: dry_run needs composer only, live needs both") {
    const auto gates = record_gates();
    for (bool composer_on : {false, true}) {
        for (bool auto_on : {false, true}) {
            const auto configs = record_configs(composer_on, auto_on);
            for (const char* command : {from_event, rollback}) {
                CAPTURE(composer_on);
                CAPTURE(auto_on);
                CAPTURE(command);

                const auto dry = gates.evaluate(command, mode::dry_run, configs);
                CHECK(dry.command == command);
                CHECK(dry.requested == mode::dry_run);
                CHECK(dry.allowed == composer_on);
                REQUIRE(dry.evaluations.size() == 1);
                CHECK(dry.evaluations[0].key == composer);
                CHECK(dry.evaluations[0].value == composer_on);
                CHECK(dry.evaluations[0].reason == evaluation_reason::static_value);
                CHECK(dry.verdict() == (composer_on ? std::string("allowed")
                                                    : "REFUSED: iu_core.composer_enabled=false"));

                const auto live = gates.evaluate(command, mode::live, configs);
                CHECK(live.requested == mode::live);
                CHECK(live.allowed == (composer_on && auto_on));
                REQUIRE(live.evaluations.size() == 2);
                CHECK(live.evaluations[0].key == composer);
                CHECK(live.evaluations[1].key == auto_instantiate);
                CHECK(live.evaluations[1].value == auto_on);
                std::string expected = "allowed";
                if (!composer_on && !auto_on)
                    expected = "REFUSED: iu_core.composer_enabled=false, "
                               "iu_core.auto_instantiate_enabled=false";
                else if (!composer_on)
                    expected = "REFUSED: iu_core.composer_enabled=false";
                else if (!auto_on)
                    expected = "REFUSED: iu_core.auto_instantiate_enabled=false";
                CHECK(live.verdict() == expected);
            }
        }
    }
}

TEST_CASE("a command no gate holds is allowed with no evaluations") {
    const auto gates = record_gates();
    for (auto m : iucore::all_modes) {
        const auto d = gates.evaluate("dot_iu_ping", m, record_configs(false, false));
        CHECK(d.allowed);
        CHECK(d.evaluations.empty());
        CHECK(d.verdict() == "allowed");
    }
    CHECK(gates.applying("dot_iu_ping", mode::live).empty());
    CHECK(gates.applying(from_event, mode::dry_run).size() == 1);
    CHECK(gates.applying(from_event, mode::live).size() == 2);
    CHECK(gates.configs() == std::vector<std::string>{composer, auto_instantiate});
    CHECK(gate_set().evaluate(from_event, mode::live, config_set()).allowed);
}

TEST_CASE("gates fail closed on missing, NULL, unparseable and mistyped configs") {
    const gate_set gates({gate{"k", {mode::live}, {"dot_iu_x"}}});
    const auto refused = [&](const config_set& configs) {
        auto d = gates.evaluate("dot_iu_x", mode::live, configs);
        CHECK_FALSE(d.allowed);
        REQUIRE(d.evaluations.size() == 1);
        return d.verdict();
    };
    CHECK(refused(config_set()) == "REFUSED: k: config is not in the registry");
    CHECK(refused(one(std::nullopt)) == "REFUSED: k=false (no value set; default)");
    CHECK(refused(one("")).starts_with("REFUSED: k: value \"\" is not a boolean"));
    CHECK(refused(one("yes", "text")) ==
          "REFUSED: k: config is declared as text, expected boolean");
    CHECK(gates.evaluate("dot_iu_x", mode::live, one("yes")).allowed);
    CHECK(gates.evaluate("dot_iu_x", mode::dry_run, config_set()).allowed);
}

TEST_CASE("mode names and parsing") {
    CHECK(iucore::name(mode::dry_run) == "dry_run");
    CHECK(iucore::name(mode::live) == "live");
    CHECK(iucore::parse_mode("live").value() == mode::live);
    auto bad = iucore::parse_mode("LIVE");
    REQUIRE_FALSE(bad.has_value());
    CHECK(iucore::code_of(bad.error()) == errc::invalid_argument);
    CHECK(bad.error().message.find("\"LIVE\"") != std::string::npos);
    check_round_trip(mode::dry_run);
    check_round_trip(mode::live);
}

TEST_CASE("config, evaluation, gate and decision JSON round trips") {
    check_round_trip(config_entry{composer, "false", "boolean", false});
    check_round_trip(config_entry{"iu_core.x", std::nullopt, "integer", true});
    check_round_trip(config_entry{"iu_core.s", "", "text", false});
    check_round_trip(record_configs(true, false));
    check_round_trip(config_set());

    check_round_trip(evaluate_boolean(one(" TRUE "), "k"));
    check_round_trip(evaluate_boolean(one(std::nullopt), "k"));
    check_round_trip(evaluate_boolean(one("maybe"), "k"));
    check_round_trip(evaluate_boolean(one("1", "integer"), "k"));
    check_round_trip(evaluate_boolean(one("true"), "absent"));

    check_round_trip(record_gates().gates().front());
    check_round_trip(record_gates());
    check_round_trip(gate_set());

    const auto gates = record_gates();
    for (bool composer_on : {false, true})
        for (auto m : iucore::all_modes)
            check_round_trip(gates.evaluate(from_event, m, record_configs(composer_on, false)));
    check_round_trip(gates.evaluate("dot_iu_ping", mode::live, config_set()));

    // The JSON a caller sees: the verdict and OpenFeature-style reason and error code.
    const auto v = boost::json::value_from(gates.evaluate(
        from_event, mode::live, config_set({{composer, "maybe", "boolean", false}})));
    CHECK(v.at("allowed") == false);
    CHECK(v.at("mode") == "live");
    CHECK(v.at("verdict") == "REFUSED: iu_core.composer_enabled: value \"maybe\" is not a boolean "
                             "(expected true/false, yes/no, on/off, 1/0), "
                             "iu_core.auto_instantiate_enabled: config is not in the registry");
    CHECK(v.at("evaluations").at(0).at("reason") == "ERROR");
    CHECK(v.at("evaluations").at(0).at("error_code") == "PARSE_ERROR");
    CHECK(v.at("evaluations").at(0).at("raw") == "maybe");
    CHECK(v.at("evaluations").at(1).at("error_code") == "FLAG_NOT_FOUND");
    CHECK(v.at("evaluations").at(1).at("raw").is_null());
    const auto ok = boost::json::value_from(evaluate_boolean(one("on"), "k"));
    CHECK(ok == boost::json::parse(R"({"key":"k","value":true,"reason":"STATIC","raw":"on"})"));
}

TEST_CASE("gate and config JSON errors name the path") {
    auto expect = [](auto parsed, std::string_view needle) {
        REQUIRE_FALSE(parsed.has_value());
        CHECK(iucore::code_of(parsed.error()) == errc::invalid_definition);
        CHECK_MESSAGE(parsed.error().message.find(needle) != std::string::npos,
                      parsed.error().message);
    };
    using boost::json::parse;
    expect(iucore::read_json<gate>(parse(R"({"config":"k","modes":["both"],"commands":[]})"),
                                   "$.gates[0]"),
           "$.gates[0].modes[0]: \"both\" is not one of: dry_run, live");
    expect(
        iucore::read_json<gate>(parse(R"({"config":"k","modes":[],"commands":[]})"), "$.gates[1]"),
        "$.gates[1].modes: empty");
    expect(iucore::read_json<gate>(
               parse(R"({"config":"k","modes":["live"],"commands":[],"mode":"x"})"), "$.gates[0]"),
           "$.gates[0]: unknown key \"mode\"");
    expect(
        iucore::read_json<config_set>(
            parse(R"([{"key":"a","value":"t"},{"key":"b"},{"key":"a","value":"f"}])"), "$.configs"),
        "$.configs[2].key: duplicate config \"a\"");
    expect(iucore::read_json<config_entry>(parse(R"({"key":"","value":"t"})"), "$.configs[0]"),
           "$.configs[0].key: empty config key");
    expect(iucore::read_json<config_entry>(parse(R"({"key":"a","value":true})"), "$.configs[0]"),
           "$.configs[0].value: expected a string");
    expect(iucore::read_json<config_evaluation>(
               parse(R"({"key":"k","value":false,"reason":"MAYBE"})"), "$"),
           "$.reason: \"MAYBE\" is not one of: STATIC, DEFAULT, ERROR");
    expect(iucore::read_json<mode>(parse(R"("LIVE")"), "$.mode"),
           "$.mode: \"LIVE\" is not one of: dry_run, live");

    // A missing key defaults the type to boolean.
    auto defaulted = iucore::read_json<config_entry>(parse(R"({"key":"a"})"), "$");
    REQUIRE(defaulted.has_value());
    CHECK(defaulted.value() == config_entry{"a", std::nullopt, "boolean", false});
}
