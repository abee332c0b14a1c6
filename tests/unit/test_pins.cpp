#include <iucore/pin.hpp>

#include <doctest/doctest.h>

using namespace iucore;

TEST_CASE("check_pin names every site whose figure disagrees, with line, found and expected") {
    const pin_site site{.file = "dot_commands.py",
                        .pattern = R"((\d+) dot_iu_\* commands)",
                        .figure = "registry_entries"};
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
    const pin_site site{
        .file = "README.md", .pattern = R"((\d+) catalog rows)", .figure = "catalog_rows"};
    auto found = check_pin(site, "no figures here", 26);
    REQUIRE(found);
    REQUIRE(found.value().size() == 1);
    CHECK(found.value()[0].line == 0);
    CHECK(found.value()[0].found == "(pattern not found)");
}

TEST_CASE("a bad pin pattern is a definition error naming the pattern and the file") {
    auto bad = check_pin({.file = "x.md", .pattern = "(\\d+", .figure = "catalog_rows"}, "26", 26);
    REQUIRE(bad.has_error());
    CHECK(code_of(bad.error()) == errc::invalid_definition);
    CHECK(bad.error().message.find("x.md") != std::string::npos);
    auto no_group =
        check_pin({.file = "y.md", .pattern = "\\d+", .figure = "catalog_rows"}, "26", 26);
    REQUIRE(no_group.has_error());
    CHECK(no_group.error().message.find("no capture group") != std::string::npos);
}

TEST_CASE("a counting pin site: the figure is how many times the pattern matches in its region") {
    const std::string text = "\"\"\"The operator's commands.\n"
                             "\n"
                             "commands:\n"
                             "    dot_iu_a  dot_iu_b\n"
                             "    dot_iu_c\n"
                             "\n"
                             "dot_iu_d is not in the list.\n"
                             "\"\"\"\n";
    const pin_site site{.file = "dot_commands.py",
                        .pattern = R"(\bdot_iu_\w+)",
                        .figure = "registry_entries",
                        .count = true,
                        .from = "^commands:$",
                        .to = "^$"};
    auto agree = check_pin(site, text, 3);
    REQUIRE(agree);
    CHECK(agree.value().empty());

    auto found = check_pin(site, text, 4);
    REQUIRE(found);
    REQUIRE(found.value().size() == 1);
    CHECK(found.value()[0] == pin_mismatch{"dot_commands.py", 3, "registry_entries", "3", 4});

    // Without a region, the whole file counts; without a capture group, nothing is missing.
    auto whole = check_pin(
        {.file = "f", .pattern = R"(\bdot_iu_\w+)", .figure = "x", .count = true}, text, 4);
    REQUIRE(whole);
    CHECK(whole.value().empty());

    // A region that never starts is a mismatch, so a moved list cannot pass.
    auto moved = check_pin(
        {.file = "f", .pattern = "dot_iu_", .figure = "x", .count = true, .from = "^registry:$"},
        text, 3);
    REQUIRE(moved);
    REQUIRE(moved.value().size() == 1);
    CHECK(moved.value()[0].line == 0);
    CHECK(moved.value()[0].found == "(region start not found)");

    // Zero entries where some are expected is a mismatch, not a pass.
    auto empty = check_pin(site, "commands:\n\n", 3);
    REQUIRE(empty);
    REQUIRE(empty.value().size() == 1);
    CHECK(empty.value()[0].found == "0");
}

TEST_CASE("a counting pin site round-trips through JSON; from/to without count are refused") {
    const pin_site site{.file = "a.py",
                        .pattern = "dot_iu_",
                        .figure = "registry_entries",
                        .version = "033",
                        .count = true,
                        .from = "^commands:$",
                        .to = "^$"};
    const auto v = json::value_from(site);
    CHECK(v.at("count") == true);
    CHECK(read_json<pin_site>(v, "$").value() == site);
    auto plain = json::value_from(pin_site{.file = "b", .pattern = "(\\d+)", .figure = "x"});
    CHECK_FALSE(plain.as_object().contains("count"));
    plain.as_object()["from"] = "^x$";
    auto refused = read_json<pin_site>(plain, "$.pins[0]");
    REQUIRE(refused.has_error());
    CHECK(refused.error().message.find("$.pins[0]") != std::string::npos);
}
