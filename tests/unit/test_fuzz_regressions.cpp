// Every input under tests/fuzz/regressions/<target>/ (a crash or broken property a fuzzer
// found, or a hostile input a fix was made for) replayed through the same entry point as the
// fuzz target (tests/fuzz/entry_points.hpp): each must now hold every property.
//
// tests/fuzz/regressions/capi/ holds inputs of the C ABI target; the unit tests do not link the
// C ABI, so tests/fuzz/run.sh replays those (with the fuzz_capi binary) before fuzzing.

#include <doctest/doctest.h>

#include "../fuzz/entry_points.hpp"

#include "support.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path regressions_dir = IUCORE_EXAMPLES_DIR "/../tests/fuzz/regressions";

std::string file_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path.string());
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

/// The files of one target's regression directory, sorted.
std::vector<fs::path> inputs_of(const std::string& target) {
    std::vector<fs::path> out;
    const auto dir = regressions_dir / target;
    if (!fs::is_directory(dir)) return out;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.is_regular_file()) out.push_back(entry.path());
    std::sort(out.begin(), out.end());
    return out;
}

/// Replays every input of `target`; returns how many there were.
std::size_t replay(const std::string& target,
                   const std::function<std::string(std::string_view)>& entry_point) {
    const auto inputs = inputs_of(target);
    for (const auto& input : inputs) {
        CAPTURE(input.filename().string());
        const auto problem = entry_point(file_bytes(input));
        CHECK_MESSAGE(problem.empty(),
                      target << "/" << input.filename().string() << ": " << problem);
    }
    return inputs.size();
}

} // namespace

TEST_CASE("fuzz regressions: every directory names a fuzz target") {
    REQUIRE(fs::is_directory(regressions_dir));
    for (const auto& entry : fs::directory_iterator(regressions_dir)) {
        const auto name = entry.path().filename().string();
        CAPTURE(name);
        CHECK(entry.is_directory());
        CHECK(
            (name == "definition" || name == "signature" || name == "arguments" || name == "capi"));
    }
}

TEST_CASE("fuzz regressions: the definition loader") {
    const auto n = replay(
        "definition", [](std::string_view data) { return iucore::fuzz::definition_input(data); });
    CHECK(n > 0);
}

TEST_CASE("fuzz regressions: the signature parser") {
    const auto n = replay(
        "signature", [](std::string_view data) { return iucore::fuzz::signature_input(data); });
    CHECK(n > 0);
}

TEST_CASE("fuzz regressions: the argument parser through explain") {
    const auto example = iucore_test::example_definition();
    const auto n = replay("arguments", [&](std::string_view data) {
        return iucore::fuzz::arguments_input(example, data);
    });
    CHECK(n > 0);
}
