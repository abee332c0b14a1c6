// libFuzzer target: the definition loader (parse_definition), then everything a loaded
// definition must do (tests/fuzz/entry_points.hpp).

#include "entry_points.hpp"
#include "fuzz_target.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return iucore::fuzz::verdict(
        iucore::fuzz::definition_input({reinterpret_cast<const char*>(data), size}));
}
