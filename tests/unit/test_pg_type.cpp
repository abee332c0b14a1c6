#include "iucore/pg_type.hpp"
#include "iucore/sql_text.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace iucore;
using namespace std::string_literals;

namespace {

bool accepts(pg_type t, const std::string& v) {
    return validate_literal(t, v).has_value();
}

// Checks the value is rejected with a message naming it (quoted) and the type.
std::string rejection(pg_type t, const std::string& v) {
    const auto r = validate_literal(t, v);
    REQUIRE_FALSE(r);
    CHECK(code_of(r.error()) == errc::invalid_argument);
    const std::string& m = r.error().message;
    CHECK(m.find(detail::quote_for_message(v)) != std::string::npos);
    CHECK(m.find(std::string(name(t))) != std::string::npos);
    return m;
}

void check_all(pg_type t, const std::vector<std::string>& good,
               const std::vector<std::string>& bad) {
    for (const auto& v : good) {
        CAPTURE(v);
        CHECK(accepts(t, v));
    }
    for (const auto& v : bad) {
        CAPTURE(v);
        (void)rejection(t, v);
    }
}

} // namespace

TEST_CASE("pg_type names match format_type and the short spellings") {
    CHECK(name(pg_type::double_precision) == "double precision");
    CHECK(name(pg_type::timestamptz) == "timestamp with time zone");
    CHECK(name(pg_type::timestamp) == "timestamp without time zone");
    CHECK(name(pg_type::boolean) == "boolean");
    CHECK(short_name(pg_type::timestamptz) == "timestamptz");
    CHECK(short_name(pg_type::timestamp) == "timestamp");
    CHECK(short_name(pg_type::double_precision) == "double precision");
    CHECK(short_name(pg_type::uuid) == "uuid");
    for (const pg_type t : all_pg_types) {
        CAPTURE(name(t));
        CHECK(parse_pg_type(name(t)).value() == t);
        CHECK(parse_pg_type(short_name(t)).value() == t);
    }
}

TEST_CASE("parse_pg_type accepts aliases, any case, with extra whitespace") {
    CHECK(parse_pg_type("bool").value() == pg_type::boolean);
    CHECK(parse_pg_type("int").value() == pg_type::integer);
    CHECK(parse_pg_type("int2").value() == pg_type::smallint);
    CHECK(parse_pg_type("int4").value() == pg_type::integer);
    CHECK(parse_pg_type("INT8").value() == pg_type::bigint);
    CHECK(parse_pg_type("float4").value() == pg_type::real);
    CHECK(parse_pg_type("float8").value() == pg_type::double_precision);
    CHECK(parse_pg_type("float").value() == pg_type::double_precision);
    CHECK(parse_pg_type("decimal").value() == pg_type::numeric);
    CHECK(parse_pg_type("  Double   Precision ").value() == pg_type::double_precision);
    CHECK(parse_pg_type("TIMESTAMP WITH TIME ZONE").value() == pg_type::timestamptz);
    CHECK(parse_pg_type("\ttimestamptz\n").value() == pg_type::timestamptz);
    CHECK(parse_pg_type("JsonB").value() == pg_type::jsonb);
}

TEST_CASE("parse_pg_type rejects unsupported types and lists the supported ones") {
    for (const auto& s : {"varchar"s, "character varying"s, "numeric(10,2)"s, ""s, "int16"s,
                          "doubleprecision"s, "timestamp with timezone"s, "text[]"s}) {
        CAPTURE(s);
        const auto r = parse_pg_type(s);
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("\"" + s + "\"") != std::string::npos);
        CHECK(r.error().message.find("uuid, text, boolean") != std::string::npos);
    }
}

TEST_CASE("validate_literal: uuid follows uuid_in") {
    check_all(pg_type::uuid,
              {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
               "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "a0eebc999c0b4ef8bb6d6bb9bd380a11",
               "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}"},
              {"", "abc", "{}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-",
               "-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11",
               "a0eebc9-99c0b-4ef8-bb6d-6bb9bd380a11", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
               "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
               "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
               "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"});
    CHECK(rejection(pg_type::uuid, "abc") ==
          "value \"abc\" is not a valid uuid: expected 32 hexadecimal digits, optionally in "
          "8-4-4-4-12 groups and in braces");
}

TEST_CASE("validate_literal: boolean follows boolin") {
    check_all(pg_type::boolean, {"t", "TRUE", " yes ", "on", "of", "off", "1", "0", "nO"},
              {"", " ", "o", "10", "truex", "onn", "2", "maybe"});
    const auto m = rejection(pg_type::boolean, "maybe");
    CHECK(m.find("t, tr, tru, true") != std::string::npos);
}

TEST_CASE("validate_literal: integers follow pg_strtoint (PostgreSQL 15)") {
    check_all(pg_type::smallint, {"0", "-0", "+0", "32767", "-32768", " 12 ", "\t-12\n", "0001"},
              {"32768", "-32769", "", " ", "+", "-", "+-1", "1 2", "1.0", "1e3", "0x10", "1_000",
               "\xd9\xa1"});
    check_all(pg_type::integer, {"2147483647", "-2147483648", "000000000000000000000000000001"},
              {"2147483648", "-2147483649", "99999999999999999999999"});
    check_all(pg_type::bigint, {"9223372036854775807", "-9223372036854775808"},
              {"9223372036854775808", "-9223372036854775809", "99999999999999999999999"});
    const auto m = rejection(pg_type::integer, "2147483648");
    CHECK(m.find("out of range") != std::string::npos);
    CHECK(m.find("-2147483648 to 2147483647") != std::string::npos);
}

TEST_CASE("validate_literal: numeric follows numeric_in and its storage limits") {
    check_all(pg_type::numeric,
              {"0",         "1.",        ".5",          "+.5",        "-.5",      "1e5",
               "1E+5",      "1e-5",      "1e 5",        " 1.5 ",      "NaN",      "nan",
               "Infinity",  "-Infinity", "+Infinity",   "inf",        "-inf",     "+inf",
               "infinity ", "1e131071",  "9.99e131071", "0.1e131072", "1e-16383", "0e200000",
               "0e-16383",  "00012.3400"},
              {"",
               " ",
               "+",
               ".",
               "1.2.3",
               "1e",
               "1e+",
               "-nan",
               "+NaN",
               "infin",
               "nanx",
               "1e131072",
               "1e-16384",
               "0e-16384",
               "10e-16384",
               "1.0e-16383",
               "1e2147483647",
               "1e99999999999999999999",
               "0x10",
               "1_000",
               "--1",
               "1e1.5",
               "e5",
               "12abc"});
    CHECK(rejection(pg_type::numeric, "1e131072").find("overflows") != std::string::npos);
}

TEST_CASE("validate_literal: real and double precision follow float4in/float8in") {
    const std::vector<std::string> both_good = {"0",    "1.5",      "-1.5e10",  " 1 ",   "1e-40",
                                                "0x10", "-0x1p3",   "0x.8",     "NaN",   "nan(abc)",
                                                "-nan", "Infinity", "-inf",     "+INF",  ".5",
                                                "5.",   "iNfInItY", "0x1p-149", "3.4e38"};
    const std::vector<std::string> both_bad = {"",    " ",    "1e-400", "1e400",   "0x", "0x1p",
                                               "0xg", "0x-1", "nan(",   "infinit", ".",  "1e",
                                               "e1",  "+-1",  "- 1",    "1 1"};
    check_all(pg_type::real, both_good, both_bad);
    check_all(pg_type::real, {}, {"3.5e38", "1e-310", "1e-50", "0x1p-150"});
    check_all(pg_type::double_precision, both_good, both_bad);
    check_all(pg_type::double_precision,
              {"3.5e38", "1e-310", "2.5e-324", "1.7976931348623157e308", "0x1p-1074"},
              {"2.4e-324", "1.8e308", "0x1p1024", "0x1p-1075"});
    CHECK(rejection(pg_type::real, "3.5e38").find("out of range") != std::string::npos);
}

TEST_CASE("validate_literal: json and jsonb") {
    const std::vector<std::string> both_good = {"1",
                                                "-0",
                                                "1e400",
                                                "\"a\"",
                                                "null",
                                                "true",
                                                " [1,2] ",
                                                "{\"a\":1,\"a\":2}",
                                                "\"\\ud800\\udc00\"",
                                                "\"\\\\ud800\"",
                                                "\"\xc3\xa9\"",
                                                std::string(5000, '[') + std::string(5000, ']')};
    const std::vector<std::string> both_bad = {
        "01", "1.", "1.e5", ".5",      "\"\\x\"", "\"\\u12\"", "[1,]", "{\"a\":1,}",      "/*c*/1",
        "",   " ",  "tru",  "[1] [2]", "\"\t\"",  "+1",        "NaN",  "\"\\ud800\\u0041"};
    check_all(pg_type::json, both_good, both_bad);
    check_all(pg_type::jsonb, both_good, both_bad);
    // json keeps the text, so unpaired surrogates, \u0000 and huge numbers pass; jsonb does not.
    const std::vector<std::string> json_only = {
        "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\u0000\"", "{\"\\u0000\":1}",
        "1e131072",    "1e-16384"};
    check_all(pg_type::json, json_only, {});
    check_all(pg_type::jsonb, {}, json_only);
    CHECK(rejection(pg_type::jsonb, "\"\\u0000\"").find("\\u0000") != std::string::npos);
    CHECK(rejection(pg_type::jsonb, "[1e131072]").find("\"1e131072\"") != std::string::npos);
    CHECK(rejection(pg_type::json, "[1,").find("JSON") != std::string::npos);
}

TEST_CASE("validate_literal: text is UTF-8 without NUL") {
    check_all(pg_type::text, {"", "abc", "\xc3\xa9", "a\\b", "it's"},
              {"a\0b"s, "\xff", "\xed\xa0\x80", "\xc0\xaf"});
    CHECK(rejection(pg_type::text, "a\0b"s).find("\"a\\x00b\"") != std::string::npos);
}

TEST_CASE("validate_literal: date and timestamps in ISO form") {
    const std::vector<std::string> good = {"2020-01-01",
                                           "2020-02-29",
                                           "2000-02-29",
                                           "0001-01-01",
                                           "9999-12-31",
                                           "2020-01-01 12:00",
                                           "2020-01-01T12:00",
                                           "2020-01-01t12:00",
                                           "2020-01-01 12:00:30",
                                           "2020-01-01 12:00:30.123456",
                                           "2020-01-01 12:00:30.1234567",
                                           "2020-01-01 24:00",
                                           "2020-01-01 24:00:00",
                                           "2020-01-01 23:59:60",
                                           "2020-01-01 23:59:60.0",
                                           "2020-01-01 12:00Z",
                                           "2020-01-01 12:00z",
                                           "2020-01-01 12:00 Z",
                                           "2020-01-01 12:00+02",
                                           "2020-01-01 12:00-02:30",
                                           "2020-01-01 12:00+0230",
                                           "2020-01-01 12:00 +02",
                                           "2020-01-01 12:00+15:59",
                                           "2020-01-01T12:00:00.000Z",
                                           " 2020-01-01 ",
                                           "now",
                                           "NOW",
                                           "today",
                                           "tomorrow",
                                           "yesterday",
                                           "infinity",
                                           "-infinity",
                                           "epoch",
                                           " Epoch "};
    const std::vector<std::string> bad = {"2021-02-29",
                                          "1900-02-29",
                                          "2020-13-01",
                                          "2020-00-01",
                                          "2020-04-31",
                                          "2020-01-00",
                                          "0000-01-01",
                                          "2020-01-01 24:00:01",
                                          "2020-01-01 24:00:00.5",
                                          "2020-01-01 23:59:60.5",
                                          "2020-01-01 23:60",
                                          "2020-01-01 25:00",
                                          "2020-01-01 12:00+16",
                                          "2020-01-01 12:00+14:60",
                                          "+infinity",
                                          "",
                                          "abc",
                                          "2020-01-01 12",
                                          "2020-01-01 12:00:",
                                          "2020-01-01 12:00+02:",
                                          "2020-01-01X12:00",
                                          "2020-01-01 12:00 junk"};
    for (const pg_type t : {pg_type::date, pg_type::timestamp, pg_type::timestamptz}) {
        CAPTURE(name(t));
        check_all(t, good, bad);
    }
    CHECK(rejection(pg_type::date, "2021-02-29").find("day 29") != std::string::npos);
    CHECK(rejection(pg_type::timestamptz, "2020-01-01 12:00+16").find("+16") != std::string::npos);
    CHECK(rejection(pg_type::timestamp, "abc").find("YYYY-MM-DD") != std::string::npos);
}

TEST_CASE("validate_literal rejects NUL and invalid UTF-8 for every type") {
    for (const pg_type t : all_pg_types) {
        CAPTURE(name(t));
        (void)rejection(t, "1\0"s);
        (void)rejection(t, "\xff");
    }
}

TEST_CASE("pg_type converts to and from Boost.JSON") {
    for (const pg_type t : all_pg_types) {
        CAPTURE(name(t));
        const boost::json::value jv = boost::json::value_from(t);
        REQUIRE(jv.is_string());
        CHECK(jv.as_string() == short_name(t));
        const auto back = boost::json::try_value_to<pg_type>(jv);
        REQUIRE(back.has_value());
        CHECK(*back == t);
        CHECK(boost::json::value_to<pg_type>(jv) == t);
    }
    CHECK(boost::json::try_value_to<pg_type>(boost::json::value("int8")).value() ==
          pg_type::bigint);

    const auto not_string = boost::json::try_value_to<pg_type>(boost::json::value(3));
    REQUIRE(not_string.has_error());
    CHECK(not_string.error() == boost::json::error::not_string);

    const auto unknown = boost::json::try_value_to<pg_type>(boost::json::value("varchar"));
    REQUIRE(unknown.has_error());
    CHECK(unknown.error() == boost::json::error::unknown_name);

    CHECK_THROWS(boost::json::value_to<pg_type>(boost::json::value("varchar")));

    // Inside containers too, so definition files can hold lists of types.
    const auto types = boost::json::value_to<std::vector<pg_type>>(
        boost::json::parse(R"(["uuid", "timestamptz", "double precision"])"));
    CHECK(types ==
          std::vector<pg_type>{pg_type::uuid, pg_type::timestamptz, pg_type::double_precision});
}
