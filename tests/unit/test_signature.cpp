// Signatures: the record's form, the ASCII arrow, regprocedure text, named forms with DEFAULT,
// printing both ways, the errors for malformed text, and exact JSON round trips.

#include <iucore/signature.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <string>
#include <string_view>

using iucore::errc;
using iucore::parameter;
using iucore::parse_signature;
using iucore::pg_type;
using iucore::signature;

namespace {

/// value_from, then both readers, each equal to the original.
using iucore_test::check_round_trip;

signature must_parse(std::string_view text) {
    auto parsed = parse_signature(text);
    REQUIRE_MESSAGE(parsed.has_value(), (parsed ? std::string() : parsed.error().message));
    return parsed.value();
}

/// The failure for `text`, which must be an invalid_argument quoting the input.
std::string must_fail(std::string_view text) {
    auto parsed = parse_signature(text);
    REQUIRE_MESSAGE(!parsed.has_value(), "parsed unexpectedly: ", std::string(text));
    CHECK(iucore::code_of(parsed.error()) == errc::invalid_argument);
    const auto& message = parsed.error().message;
    // Quoted as quote_for_message shows any input: escaped, cut short, always UTF-8.
    CHECK_MESSAGE(message.find("signature " + iucore::detail::quote_for_message(text)) !=
                      std::string::npos,
                  message);
    return message;
}

constexpr std::string_view record_from_event =
    "fn_iu_auto_instantiate_from_event(uuid,text,uuid,text,text,text,text) \u2192 jsonb";

} // namespace

TEST_CASE("the record's form parses to unnamed parameters and a return type") {
    const auto sig = must_parse(record_from_event);
    CHECK(sig.name == "fn_iu_auto_instantiate_from_event");
    REQUIRE(sig.parameters.size() == 7);
    const pg_type expected[] = {pg_type::uuid, pg_type::text, pg_type::uuid, pg_type::text,
                                pg_type::text, pg_type::text, pg_type::text};
    for (std::size_t i = 0; i < 7; ++i) {
        CAPTURE(i);
        CHECK(sig.parameters[i].type == expected[i]);
        CHECK(sig.parameters[i].name.empty());
        CHECK_FALSE(sig.parameters[i].has_default);
    }
    REQUIRE(sig.returns.has_value());
    CHECK(*sig.returns == pg_type::jsonb);
    CHECK_FALSE(sig.fixture);
    CHECK(sig.required_count() == 7);

    CHECK(sig.record_text() == record_from_event);
    CHECK(sig.regprocedure() ==
          "fn_iu_auto_instantiate_from_event(uuid,text,uuid,text,text,text,text)");
}

TEST_CASE("the ASCII arrow reads the same as the record's arrow") {
    const auto unicode = must_parse(record_from_event);
    const auto ascii = must_parse(
        "fn_iu_auto_instantiate_from_event(uuid,text,uuid,text,text,text,text) -> jsonb");
    CHECK(ascii == unicode);
    const auto tight = must_parse("fn_iu_auto_instantiate_rollback_by_actor(text,boolean)->jsonb");
    CHECK(tight.record_text() ==
          "fn_iu_auto_instantiate_rollback_by_actor(text,boolean) \u2192 jsonb");
}

TEST_CASE("regprocedure text: schema-qualified, spaced, long type names, no return type") {
    const auto sig = must_parse("public.fn(uuid, timestamp with time zone)");
    CHECK(sig.name == "fn");
    REQUIRE(sig.parameters.size() == 2);
    CHECK(sig.parameters[0].type == pg_type::uuid);
    CHECK(sig.parameters[1].type == pg_type::timestamptz);
    CHECK_FALSE(sig.returns.has_value());
    CHECK(sig.regprocedure() == "fn(uuid,timestamp with time zone)");
    CHECK(sig.record_text() == "fn(uuid,timestamptz)");

    // What regprocedure prints reads back as the same function.
    CHECK(must_parse(sig.regprocedure()) == sig);

    const auto wide = must_parse("  fn_iu_x ( double precision , timestamp without time zone , "
                                 "int4 , bool )  ");
    CHECK(wide.name == "fn_iu_x");
    REQUIRE(wide.parameters.size() == 4);
    CHECK(wide.parameters[0].type == pg_type::double_precision);
    CHECK(wide.parameters[1].type == pg_type::timestamp);
    CHECK(wide.parameters[2].type == pg_type::integer);
    CHECK(wide.parameters[3].type == pg_type::boolean);
    CHECK(wide.regprocedure() ==
          "fn_iu_x(double precision,timestamp without time zone,integer,boolean)");

    const auto none = must_parse("fn_iu_ping()");
    CHECK(none.parameters.empty());
    CHECK(none.regprocedure() == "fn_iu_ping()");
    CHECK(none.record_text() == "fn_iu_ping()");
}

TEST_CASE("named parameters with DEFAULT") {
    const auto sig = must_parse(
        "fn_iu_auto_instantiate_rollback_by_actor(actor text, dry_run boolean DEFAULT true) "
        "-> jsonb");
    REQUIRE(sig.parameters.size() == 2);
    CHECK(sig.parameters[0] == parameter{"actor", pg_type::text, false});
    CHECK(sig.parameters[1] == parameter{"dry_run", pg_type::boolean, true});
    CHECK(sig.required_count() == 1);
    CHECK(sig.regprocedure() == "fn_iu_auto_instantiate_rollback_by_actor(text,boolean)");
    CHECK(sig.record_text() ==
          "fn_iu_auto_instantiate_rollback_by_actor(text,boolean) \u2192 jsonb");

    // pg_get_function_arguments' spelling, a lower-case default, a name that is also a type,
    // and a multi-word type after a name.
    const auto more = must_parse("public.fn_iu_y(note text DEFAULT NULL::text, since timestamp "
                                 "with time zone default now(), text text, x double precision)");
    REQUIRE(more.parameters.size() == 4);
    CHECK(more.parameters[0] == parameter{"note", pg_type::text, true});
    CHECK(more.parameters[1] == parameter{"since", pg_type::timestamptz, true});
    CHECK(more.parameters[2] == parameter{"text", pg_type::text, false});
    CHECK(more.parameters[3] == parameter{"x", pg_type::double_precision, false});
    CHECK(more.required_count() == 2);
}

TEST_CASE("a DEFAULT may hold commas in parentheses, literals and quoted names") {
    const auto sig = must_parse("fn_z(a text DEFAULT 'x,y', b integer DEFAULT coalesce(1, 2), "
                                "c text DEFAULT 'it''s, quoted', d text DEFAULT \"n,m\"(), "
                                "e uuid) -> jsonb");
    REQUIRE(sig.parameters.size() == 5);
    CHECK(sig.parameters[0] == parameter{"a", pg_type::text, true});
    CHECK(sig.parameters[1] == parameter{"b", pg_type::integer, true});
    CHECK(sig.parameters[2] == parameter{"c", pg_type::text, true});
    CHECK(sig.parameters[3] == parameter{"d", pg_type::text, true});
    CHECK(sig.parameters[4] == parameter{"e", pg_type::uuid, false});
    CHECK(sig.regprocedure() == "fn_z(text,integer,text,text,uuid)");

    auto message = must_fail("fn_z(a text DEFAULT 'open, b text)");
    CHECK(message.find("unbalanced quote '") != std::string::npos);
    message = must_fail("fn_z(a text DEFAULT f((1), b integer)");
    CHECK(message.find("unbalanced parentheses") != std::string::npos);
    message = must_fail("fn_z(a integer), b integer)");
    CHECK(message.find("unbalanced parentheses") != std::string::npos);
}

TEST_CASE("same_function compares name and argument types only") {
    const auto named = must_parse("fn_a(actor text, dry_run boolean DEFAULT true) -> jsonb");
    const auto bare = must_parse("public.fn_a(text,boolean)");
    CHECK(named.same_function(bare));
    CHECK(bare.same_function(named));
    CHECK_FALSE(named == bare);
    CHECK_FALSE(named.same_function(must_parse("fn_a(text)")));
    CHECK_FALSE(named.same_function(must_parse("fn_a(text,text)")));
    CHECK_FALSE(named.same_function(must_parse("fn_b(text,boolean)")));
}

TEST_CASE("malformed signatures are refused with the input quoted") {
    SUBCASE("no parentheses") {
        auto message = must_fail("fn_iu_x");
        CHECK(message.find("no parenthesised parameter list") != std::string::npos);
        must_fail("fn_iu_x uuid, text");
        must_fail("fn_iu_x)uuid(");
        must_fail("");
    }
    SUBCASE("a type iucore does not know") {
        auto message = must_fail("fn_iu_x(uuid, varchar)");
        CHECK(message.find("varchar") != std::string::npos);
        message = must_fail("fn_iu_x(numeric(10,2))");
        CHECK(message.find("numeric(10") != std::string::npos);
        message = must_fail("fn_iu_x(event_id uuid, note txt)");
        CHECK(message.find("note txt") != std::string::npos);
    }
    SUBCASE("a trailing or empty parameter") {
        auto message = must_fail("fn_iu_x(uuid,)");
        CHECK(message.find("trailing comma") != std::string::npos);
        must_fail("fn_iu_x(uuid, text,  )");
        message = must_fail("fn_iu_x(,uuid)");
        CHECK(message.find("empty parameter") != std::string::npos);
        must_fail("fn_iu_x(uuid,,text)");
        must_fail("fn_iu_x(DEFAULT)");
    }
    SUBCASE("garbage after the parameter list") {
        auto message = must_fail("fn_iu_x(uuid) extra");
        CHECK(message.find("unexpected text after the parameter list: \"extra\"") !=
              std::string::npos);
        message = must_fail("fn_iu_x(uuid) \u2192 jsonb; DROP TABLE t");
        CHECK(message.find("return type") != std::string::npos);
        message = must_fail("fn_iu_x(uuid) ->");
        CHECK(message.find("return type") != std::string::npos);
        must_fail("fn_iu_x(uuid) => jsonb");
    }
    SUBCASE("a name that is not a plain SQL name") {
        auto message = must_fail("Fn-X(uuid)");
        CHECK(message.find("not a plain name") != std::string::npos);
        must_fail("(uuid)");
        must_fail("public.(uuid)");
        must_fail("\"fn\"(uuid)");
    }
}

TEST_CASE("signature and parameter JSON round trips") {
    check_round_trip(must_parse(record_from_event));
    check_round_trip(must_parse("fn_b(actor text, dry_run boolean DEFAULT true) -> jsonb"));
    check_round_trip(must_parse("public.fn(uuid, timestamp with time zone)"));
    auto fixture = must_parse("fn_iu_help() -> jsonb");
    fixture.fixture = true;
    check_round_trip(fixture);
    check_round_trip(parameter{"since", pg_type::timestamptz, true});
    check_round_trip(parameter{"", pg_type::uuid, false});
    for (auto t : iucore::all_pg_types) {
        CAPTURE(iucore::name(t));
        check_round_trip(signature{"fn_t", {{"p", t, false}}, t, false});
    }

    // The written form: short type names, `default` and `fixture` only when set.
    const auto v = boost::json::value_from(
        signature{"fn_a", {{"at", pg_type::timestamptz, true}}, pg_type::jsonb, false});
    CHECK(boost::json::serialize(v) ==
          R"({"name":"fn_a","parameters":[{"name":"at","type":"timestamptz","default":true}],)"
          R"("returns":"jsonb"})");
}

TEST_CASE("signature JSON errors name the path") {
    auto read = [](std::string_view text) {
        return iucore::read_json<signature>(boost::json::parse(text), "$.signatures[3]");
    };
    auto expect = [&](std::string_view text, std::string_view needle) {
        auto r = read(text);
        REQUIRE_MESSAGE(!r.has_value(), std::string(text));
        CHECK(iucore::code_of(r.error()) == errc::invalid_definition);
        CHECK_MESSAGE(r.error().message.find(needle) != std::string::npos, r.error().message);
    };
    expect(R"({"name":"fn","parameters":[{"name":"a","type":"varchar"}]})",
           "$.signatures[3].parameters[0].type: type \"varchar\" is not supported");
    expect(R"({"name":"Fn","parameters":[]})", "$.signatures[3].name: \"Fn\"");
    expect(R"({"name":"fn","parameters":[{"name":"A b","type":"text"}]})",
           "$.signatures[3].parameters[0].name: \"A b\"");
    expect(R"({"name":"fn","parameters":[],"colour":1})",
           "$.signatures[3]: unknown key \"colour\"");
    expect(R"({"name":"fn","parameters":{}})", "$.signatures[3].parameters: expected an array");
    expect(R"({"parameters":[]})", "$.signatures[3]: missing required key \"name\"");
    expect(R"({"name":"fn","parameters":[],"returns":"jsonbb"})",
           "$.signatures[3].returns: type \"jsonbb\"");

    // Boost.JSON's channel carries the code.
    auto via_boost = boost::json::try_value_to<signature>(boost::json::parse(R"({"name":"fn"})"));
    REQUIRE_FALSE(via_boost.has_value());
    CHECK(via_boost.error() == iucore::make_error_code(errc::invalid_definition));
}
