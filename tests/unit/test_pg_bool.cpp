#include "iucore/pg_bool.hpp"

#include <doctest/doctest.h>

#include <string>

using iucore::parse_pg_bool;
using namespace std::string_literals;

TEST_CASE("parse_pg_bool accepts every listed spelling, in any case") {
    for (const auto s : iucore::pg_true_spellings) {
        CAPTURE(s);
        CHECK(parse_pg_bool(s) == true);
        std::string upper(s);
        for (char& c : upper)
            c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
        CHECK(parse_pg_bool(upper) == true);
    }
    for (const auto s : iucore::pg_false_spellings) {
        CAPTURE(s);
        CHECK(parse_pg_bool(s) == false);
        std::string upper(s);
        for (char& c : upper)
            c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
        CHECK(parse_pg_bool(upper) == false);
    }
    CHECK(parse_pg_bool("TrUe") == true);
    CHECK(parse_pg_bool("oFf") == false);
}

TEST_CASE("parse_pg_bool trims C-locale whitespace like boolin") {
    CHECK(parse_pg_bool("  yes ") == true);
    CHECK(parse_pg_bool("\tfalse\n") == false);
    CHECK(parse_pg_bool("\v\f\r on \r") == true);
}

TEST_CASE("parse_pg_bool rejects what boolin rejects") {
    for (const auto& s :
         {""s,    " "s,     "o"s,      "onn"s, "of f"s,         "truex"s, "yess"s,
          "noo"s, "offf"s,  "2"s,      "10"s,  "01"s,           "-1"s,    "+1"s,
          "t r"s, "maybe"s, "true\0"s, "\0"s,  "\xc2\xa0true"s, "tru e"s, "falsey"s}) {
        CAPTURE(s);
        CHECK_FALSE(parse_pg_bool(s).has_value());
    }
}

TEST_CASE("the spelling lists are lower case and disjoint") {
    for (const auto t : iucore::pg_true_spellings) {
        for (const char c : t)
            CHECK_FALSE((c >= 'A' && c <= 'Z'));
        for (const auto f : iucore::pg_false_spellings)
            CHECK(t != f);
    }
    for (const auto f : iucore::pg_false_spellings) {
        for (const char c : f)
            CHECK_FALSE((c >= 'A' && c <= 'Z'));
    }
}
