#pragma once
// How often a needle occurs in a text (non-overlapping): what the unit tests check of rendered
// SQL and the benchmark counts in wire traces and server logs.

#include <cstddef>
#include <string_view>

namespace iucore_test {

inline std::size_t count_occurrences(std::string_view text, std::string_view needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string_view::npos;
         at = text.find(needle, at + needle.size()))
        ++n;
    return n;
}

} // namespace iucore_test
