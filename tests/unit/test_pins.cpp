#include <iucore/pin.hpp>

#include <doctest/doctest.h>

using namespace iucore;

TEST_CASE("check_pin names every site whose figure disagrees, with line, found and expected") {
    const pin_site site{"dot_commands.py", R"((\d+) dot_iu_\* commands)", "registry_entries", {}};
    const std::string text = "\"\"\"The operator surface.\n\n34 dot_iu_* commands, of which\n"
                             "26 governed. Also: 32 dot_iu_* commands before 034.\n\"\"\"\n";
    auto agree = check_pin(site, "34 dot_iu_* commands", 34);
    REQUIRE(agree);
    CHECK(agree.value().empty());

    auto found = check_pin(site, text, 34);
    REQUIRE(found);
    REQUIRE(found.value().size() == 1);
    CHECK(found.value()[0].line == 4);
    CHECK(found.value()[0].found == "32");
    CHECK(found.value()[0].expected == 34);
    CHECK(found.value()[0].file == "dot_commands.py");
}

TEST_CASE("a pin pattern that matches nowhere is a mismatch, so a reworded site cannot pass") {
    const pin_site site{"README.md", R"((\d+) catalog rows)", "catalog_rows", {}};
    auto found = check_pin(site, "no figures here", 26);
    REQUIRE(found);
    REQUIRE(found.value().size() == 1);
    CHECK(found.value()[0].line == 0);
    CHECK(found.value()[0].found == "(pattern not found)");
}

TEST_CASE("a bad pin pattern is a definition error naming the pattern and the file") {
    auto bad = check_pin({"x.md", "(\\d+", "catalog_rows", {}}, "26", 26);
    REQUIRE(bad.has_error());
    CHECK(code_of(bad.error()) == errc::invalid_definition);
    CHECK(bad.error().message.find("x.md") != std::string::npos);
    auto no_group = check_pin({"y.md", "\\d+", "catalog_rows", {}}, "26", 26);
    REQUIRE(no_group.has_error());
    CHECK(no_group.error().message.find("no capture group") != std::string::npos);
}
