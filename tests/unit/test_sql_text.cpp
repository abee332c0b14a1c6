#include "iucore/sql_text.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

using namespace iucore;
using namespace std::string_literals;

namespace {

// The message of a failed result, checked to name the offending input.
template <class R>
std::string message_of(const R& r) {
    REQUIRE_FALSE(r);
    CHECK(code_of(r.error()) == errc::invalid_argument);
    return r.error().message;
}

} // namespace

namespace {
const std::vector<std::string> well_formed_utf8 = {
    "",
    "plain ascii",
    "\xc3\xa9",         // U+00E9
    "\xe2\x82\xac",     // U+20AC
    "\xed\x9f\xbf",     // U+D7FF, just below the surrogates
    "\xee\x80\x80",     // U+E000, just above them
    "\xf0\x9f\x98\x80", // U+1F600
    "\xf4\x8f\xbf\xbf", // U+10FFFF
    "a\0b"s,            // NUL is valid UTF-8; callers reject it separately
};
const std::vector<std::string> malformed_utf8 = {
    "\x80",             // lone continuation byte
    "\xc3",             // truncated
    "\xc3\x28",         // bad continuation
    "\xc0\xaf",         // overlong '/'
    "\xc1\xbf",         // overlong
    "\xe0\x80\xaf",     // overlong 3-byte
    "\xf0\x80\x80\xaf", // overlong 4-byte
    "\xed\xa0\x80",     // U+D800 surrogate
    "\xed\xbf\xbf",     // U+DFFF surrogate
    "\xf4\x90\x80\x80", // U+110000
    "\xf5\x80\x80\x80",
    "\xff",
    "\xe2\x82",       // truncated 3-byte
    "ok\xf0\x9f\x98", // truncated at the end
};
} // namespace

TEST_CASE("is_valid_utf8 accepts well-formed UTF-8") {
    for (const auto& s : well_formed_utf8) {
        CAPTURE(s);
        CHECK(is_valid_utf8(s));
    }
}

TEST_CASE("is_valid_utf8 rejects malformed UTF-8") {
    for (const auto& s : malformed_utf8) {
        CAPTURE(s);
        CHECK_FALSE(is_valid_utf8(s));
    }
}

TEST_CASE("is_valid_utf8 gives the same verdict at every offset of its ASCII words") {
    // ASCII is skipped eight bytes at a time: a sequence must be judged the same whether it
    // starts a word, straddles two, or ends the text.
    for (std::size_t before = 0; before <= 17; ++before) {
        for (std::size_t after : {std::size_t{0}, std::size_t{1}, std::size_t{9}}) {
            const std::string prefix(before, 'p'), suffix(after, 's');
            for (const auto& s : well_formed_utf8) {
                CAPTURE(before);
                CAPTURE(after);
                CAPTURE(s);
                CHECK(is_valid_utf8(prefix + s + suffix));
            }
            for (const auto& s : malformed_utf8) {
                // A truncated sequence followed by ASCII is still malformed.
                CAPTURE(before);
                CAPTURE(after);
                CAPTURE(s);
                CHECK_FALSE(is_valid_utf8(prefix + s + suffix));
            }
        }
    }
}

TEST_CASE("quote_identifier leaves plain lower-case non-keywords bare") {
    CHECK(quote_identifier("abc").value() == "abc");
    CHECK(quote_identifier("_x").value() == "_x");
    CHECK(quote_identifier("a_b_c_123").value() == "a_b_c_123");
    CHECK(quote_identifier("dot_iu_command_catalog").value() == "dot_iu_command_catalog");
    // Unreserved keywords are fine bare, as quote_ident leaves them.
    CHECK(quote_identifier("abs").value() == "abs");
    CHECK(quote_identifier("name").value() == "name");
    CHECK(quote_identifier("type").value() == "type");
    CHECK(quote_identifier("text").value() == "text");
    CHECK(quote_identifier(std::string(63, 'x')).value() == std::string(63, 'x'));
}

TEST_CASE("quote_identifier quotes what quote_ident quotes") {
    CHECK(quote_identifier("ABC").value() == "\"ABC\"");
    CHECK(quote_identifier("Ab").value() == "\"Ab\"");
    CHECK(quote_identifier("1x").value() == "\"1x\"");
    CHECK(quote_identifier("my table").value() == "\"my table\"");
    CHECK(quote_identifier("a-b").value() == "\"a-b\"");
    CHECK(quote_identifier("a$b").value() == "\"a$b\""); // quote_ident quotes '$' too
    CHECK(quote_identifier("we\"ird").value() == "\"we\"\"ird\"");
    CHECK(quote_identifier("\"").value() == "\"\"\"\"");
    CHECK(quote_identifier("\xc3\xa9").value() == "\"\xc3\xa9\"");
    // Reserved, type/function-name and column-name keywords.
    for (const char* kw :
         {"select", "user", "table", "all", "analyse", "with", "window", "current_schema", "ilike",
          "verbose", "between", "int", "integer", "xmltable", "varchar"}) {
        CAPTURE(kw);
        CHECK(quote_identifier(kw).value() == "\""s + kw + "\"");
    }
}

TEST_CASE("quote_identifier rejects what PostgreSQL cannot hold as a name") {
    CHECK(message_of(quote_identifier("")).find("identifier \"\" is empty") != std::string::npos);

    const auto nul = message_of(quote_identifier("a\0b"s));
    CHECK(nul.find("\"a\\x00b\"") != std::string::npos);
    CHECK(nul.find("NUL") != std::string::npos);

    const auto bad = message_of(quote_identifier("a\xff"));
    CHECK(bad.find("\"a\\xFF\"") != std::string::npos);
    CHECK(bad.find("UTF-8") != std::string::npos);

    const std::string long_name(64, 'x');
    const auto too_long = message_of(quote_identifier(long_name));
    CHECK(too_long.find("\"" + long_name + "\"") != std::string::npos);
    CHECK(too_long.find("64 bytes") != std::string::npos);
    CHECK(too_long.find("NAMEDATALEN-1") != std::string::npos);

    // The limit is in bytes: 32 two-byte characters are 64 bytes.
    std::string wide;
    for (int i = 0; i < 32; ++i)
        wide += "\xc3\xa9";
    CHECK_FALSE(quote_identifier(wide));
}

TEST_CASE("quote_qualified_name quotes each part") {
    CHECK(quote_qualified_name("public.dot_iu_command_catalog").value() ==
          "public.dot_iu_command_catalog");
    CHECK(quote_qualified_name("dot_iu_command_catalog").value() == "dot_iu_command_catalog");
    CHECK(quote_qualified_name("Public.Table").value() == "\"Public\".\"Table\"");
    CHECK(quote_qualified_name("user.select").value() == "\"user\".\"select\"");
    CHECK(quote_qualified_name("s.my name").value() == "s.\"my name\"");
}

TEST_CASE("quote_qualified_name rejects bad shapes and bad parts, naming the input") {
    const auto dots = message_of(quote_qualified_name("a.b.c"));
    CHECK(dots.find("\"a.b.c\"") != std::string::npos);
    CHECK(dots.find("more than one dot") != std::string::npos);

    for (const char* bad : {"", ".", "a.", ".b"}) {
        CAPTURE(bad);
        const auto m = message_of(quote_qualified_name(bad));
        CHECK(m.find("\""s + bad + "\"") != std::string::npos);
        CHECK(m.find("empty part") != std::string::npos);
    }

    const auto part = message_of(quote_qualified_name("public." + std::string(64, 'y')));
    CHECK(part.find("\"public." + std::string(64, 'y') + "\"") != std::string::npos);
    CHECK(part.find("NAMEDATALEN-1") != std::string::npos);

    const auto nul = message_of(quote_qualified_name("pub\0lic.t"s));
    CHECK(nul.find("\"pub\\x00lic.t\"") != std::string::npos);
}

TEST_CASE("quote_literal matches quote_literal") {
    CHECK(quote_literal("").value() == "''");
    CHECK(quote_literal("abc").value() == "'abc'");
    CHECK(quote_literal("it's").value() == "'it''s'");
    CHECK(quote_literal("''").value() == "''''''");
    CHECK(quote_literal("a\\b").value() == "E'a\\\\b'");
    CHECK(quote_literal("\\'").value() == "E'\\\\'''");
    CHECK(quote_literal("x\ny").value() == "'x\ny'");
    CHECK(quote_literal("\xc3\xa9").value() == "'\xc3\xa9'");
    CHECK(quote_literal("$$").value() == "'$$'");
}

TEST_CASE("quote_literal rejects what text cannot hold") {
    const auto nul = message_of(quote_literal("a\0b"s));
    CHECK(nul.find("\"a\\x00b\"") != std::string::npos);
    CHECK(nul.find("NUL") != std::string::npos);

    const auto bad = message_of(quote_literal("x\xed\xa0\x80"));
    CHECK(bad.find("\"x\\xED\\xA0\\x80\"") != std::string::npos);
    CHECK(bad.find("UTF-8") != std::string::npos);
}

TEST_CASE("dollar_quote picks a tag the body cannot end early") {
    CHECK(dollar_quote("select 1", "preflight") == "$preflight$select 1$preflight$");
    CHECK(dollar_quote("", "t") == "$t$$t$");
    CHECK(dollar_quote("a $preflight$ b", "preflight") ==
          "$preflight_1$a $preflight$ b$preflight_1$");
    CHECK(dollar_quote("$t$ $t_1$", "t") == "$t_2$$t$ $t_1$$t_2$");
    // A body ending in "$t" would join the closing "$t$" and end the string early.
    CHECK(dollar_quote("x$t", "t") == "$t_1$x$t$t_1$");
    CHECK(dollar_quote("x$", "t") == "$t$x$$t$");
    // Tags are case-sensitive, so "$T$" does not clash with "$t$".
    CHECK(dollar_quote("$T$", "t") == "$t$$T$$t$");
    CHECK(dollar_quote("body", "Tag_9") == "$Tag_9$body$Tag_9$");
}

TEST_CASE("dollar_quote refuses an invalid tag base") {
    for (const char* bad : {"", "1abc", "a-b", "a$b", "a b", "\xc3\xa9"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(dollar_quote("x", bad), std::invalid_argument);
    }
    try {
        (void)dollar_quote("x", "bad-tag");
        FAIL("expected std::invalid_argument");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find("\"bad-tag\"") != std::string::npos);
    }
}

TEST_CASE("quote_for_message keeps messages readable and bounded") {
    CHECK(detail::quote_for_message("abc") == "\"abc\"");
    CHECK(detail::quote_for_message("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(detail::quote_for_message("\xc3\xa9\xff\n") == "\"\xc3\xa9\\xFF\\x0A\"");
    CHECK(detail::quote_for_message(std::string(300, 'z')) ==
          "\"" + std::string(200, 'z') + "...\"");
}
