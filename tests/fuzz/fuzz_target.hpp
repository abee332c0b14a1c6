#pragma once
// What every fuzz target does with a broken property: print it and abort, so libFuzzer keeps
// the input as a crash file.

#include <cstdio>
#include <cstdlib>
#include <string>

namespace iucore::fuzz {

inline int verdict(const std::string& problem) {
    if (problem.empty()) return 0;
    std::fprintf(stderr, "iucore fuzz: property failed: %s\n", problem.c_str());
    std::abort();
}

} // namespace iucore::fuzz
